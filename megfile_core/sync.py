"""The sync engine: copy a file or a tree between any two protocols.

A destination file is skipped when its size equals the source's and its mtime is
not older (copies carry the source mtime over wherever the destination can store
it, so a second sync copies nothing). The destination tree is listed once instead of
stat-ing every file, and both trees stream side by side in the order of their
relative paths, so memory does not grow with the number of files. Copies run on a
bounded pool while the source listing is still being read.

A source entry whose relative path would leave the destination root (``..``, an
absolute path) is skipped and logged; the other files are copied, then
:class:`SyncUnsafeEntriesError` names the skipped ones. Temp files that a killed
copy left in the destination (our ``.name.<8 hex>.temp`` names, untouched for
``MEGFILE_SYNC_STALE_TEMP_SECONDS``, 600 by default) are removed by the next sync
there. Copies may run on a process pool (``executor=ProcessPoolExecutor()``) or a Dask
cluster (:mod:`megfile_core.distributed`): the workers get batches of picklable work
items (:mod:`megfile_core.sync_batches`), the counting is done in this process.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Protocol

from megfile_core import config
from megfile_core.builtin.atomic import is_temp_basename
from megfile_core.errors import UnsafePathError
from megfile_core.io.adaptive import GUESS_GAIN, adaptive_map, fixed_or_adaptive
from megfile_core.io.copy import (
    BATCH_FILE_SIZE,
    BATCH_FILES,
    copiers,
    copy_file,
)
from megfile_core.io.pool import bounded_map, executor_width
from megfile_core.pathlike import BasePath
from megfile_core.smart_path import SmartPath, as_smart_path
from megfile_core.sync_batches import copy_item as _copy_in_worker
from megfile_core.sync_batches import in_processes as _in_processes
from megfile_core.sync_batches import run_batches
from megfile_core.sync_listing import Destination, remove_stale_temps, source_entries
from megfile_core.types import FileEntry, StatResult
from megfile_core.url import mask_url

__all__ = [
    "SyncProgress",
    "SyncResult",
    "SyncUnsafeEntriesError",
    "move",
    "safe_relative",
    "sync",
]

_log = logging.getLogger(__name__)
#: unsafe entries a SyncUnsafeEntriesError message names (the rest are counted)
_SHOWN = 5


class SyncProgress(Protocol):
    """What a sync reports as it goes (``megfile sync -g`` draws it)."""

    def on_bytes(self, count: int) -> None: ...

    def on_file(self, action: str, src: str, dst: str, size: int) -> None:
        """``action`` is ``queued`` (will be copied), ``copied``, ``skipped`` or
        ``planned`` (dry run). A progress may also define ``on_listed()``, called once
        the source listing is complete and the totals are final."""


@dataclass
class SyncResult:
    copied: int = 0
    skipped: int = 0
    bytes: int = 0
    seconds: float = 0.0
    planned: list[tuple[str, str]] = field(default_factory=list)
    #: (source path, reason) of each entry skipped because it would leave the root
    unsafe: list[tuple[str, str]] = field(default_factory=list)
    #: destination paths (relative) of stale temp files removed
    removed_temps: list[str] = field(default_factory=list)


class SyncUnsafeEntriesError(UnsafePathError):
    """Raised at the end of a sync that skipped unsafe source entries; the other
    files were copied. ``result`` is the :class:`SyncResult`."""

    def __init__(self, result: SyncResult) -> None:
        count = len(result.unsafe)
        shown = ", ".join(repr(mask_url(source)) for source, _ in result.unsafe[:_SHOWN])
        more = f" and {count - _SHOWN} more" if count > _SHOWN else ""
        super().__init__(
            f"sync skipped {count} source {'entry' if count == 1 else 'entries'} whose "
            f"relative path would leave the destination directory: {shown}{more}; "
            f"{result.copied} other file(s) were copied. Rename these at the source "
            "and sync again"
        )
        self.result = result


def safe_relative(relative: str, source: str) -> str:
    """Check that ``relative`` stays under its root; returns it normalised."""
    parts = relative.replace("\\", "/").split("/")
    if relative.startswith("/") or any(p in ("..",) for p in parts) or "\x00" in relative:
        raise UnsafePathError(
            f"refusing to sync {source!r}: its relative path {relative!r} would leave "
            "the destination directory; rename it at the source"
        )
    cleaned = [p for p in parts if p not in ("", ".")]
    if not cleaned:
        raise UnsafePathError(f"refusing to sync {source!r}: empty relative path")
    return "/".join(cleaned)


#: one planned copy: (relative path, source entry, target)
Planned = tuple[str, FileEntry, SmartPath]
#: what a pool thread runs: one copy, or a batch of small ones (``_SyncRun.units``)
Unit = Planned | list[Planned]


def _work_of(planned: Planned) -> float:
    """A copy's work for the adaptive width: a file, and a file per MiB (on a near
    store one small file costs about as much as moving a MiB)."""
    return 1.0 + planned[1].stat.size / (1 << 20)


#: the first guess of threads when units are batches: a batch keeps several
#: requests under way itself, so fewer threads (at 1.5, 2,000 small files on
#: loopback went from a guess of 3 to 6 threads and took 1.39-1.50 s; at 0.75,
#: 1.23-1.39 s, and 20 ms away 2.56-2.82 s; docs/benchmarks.md, eleventh session)
_BATCH_GAIN = GUESS_GAIN / 2


def _unit_work(unit: Unit) -> float:
    if isinstance(unit, list):
        return sum(_work_of(planned) for planned in unit)
    return _work_of(unit)


def _is_current(src: StatResult, dst: StatResult | None) -> bool:
    if dst is None or dst.is_dir():
        return False
    return dst.size == src.size and dst.mtime >= int(src.mtime)


def sync(
    src_path: Any,
    dst_path: Any,
    *,
    callback: Callable[[str, int], None] | None = None,
    followlinks: bool = False,
    callback_after_copy_file: Callable[[str, str], None] | None = None,
    src_file_stats: Iterable[FileEntry] | None = None,
    map_func: Callable[..., Iterable[Any]] = map,
    force: bool = False,
    overwrite: bool = True,
    max_workers: int | None = None,
    executor: Executor | None = None,
    dry_run: bool = False,
    progress: SyncProgress | None = None,
    checksum: bool = False,
    resume: bool = False,
) -> SyncResult:
    """Copy ``src_path`` (a file or a tree) to ``dst_path``.

    :param callback: ``callback(src_file, n_bytes)`` as bytes move (megfile's form).
    :param callback_after_copy_file: ``f(src_file, dst_file)`` after each copy.
    :param src_file_stats: the source files, if the caller already listed them.
    :param map_func: megfile's concurrency hook (``executor.map``); ignored when
        ``max_workers`` or ``executor`` is given.
    :param force: copy even files the destination already has.
    :param overwrite: ``False`` never replaces an existing destination file.
    :param max_workers: copies in parallel. Default: as many as pay, found while
        the sync runs (:mod:`megfile_core.io.adaptive`), at most
        ``MEGFILE_SYNC_MAX_WORKERS``, else twice ``MEGFILE_MAX_WORKERS``.
    :param executor: runs the copies (default: a private thread pool). On a pool of
        other processes (``ProcessPoolExecutor``, or ``map_func=pool.map``) each
        copy's bytes reach ``callback`` and ``progress`` at once when it ends.
    :raises SyncUnsafeEntriesError: after copying the rest, when source entries were
        skipped because their relative path would leave ``dst_path``.
    :param dry_run: copy nothing; ``SyncResult.planned`` lists what would be copied.
    :param progress: receives bytes and per-file events.
    :param checksum: a destination file is current when its content is the
        source's (same size, same MD5: the store's own when it keeps one, else
        computed), not when its size and mtime say so.
    :param resume: copy functions that can (local -> S3) resume an upload a
        killed or failed run left open (see ``docs/sync.md``).
    """
    started = time.monotonic()
    src = as_smart_path(src_path, "src_path")
    dst = as_smart_path(dst_path, "dst_path")
    run = _SyncRun(
        src,
        dst,
        followlinks,
        force,
        overwrite,
        dry_run,
        progress,
        callback,
        callback_after_copy_file,
        checksum=checksum,
        resume=resume,
    )
    jobs = run.jobs(src_file_stats)
    if executor is None and max_workers is None and map_func is not map:
        if _in_processes(getattr(map_func, "__self__", None)):
            for done in map_func(_copy_in_worker, run.worker_items(run.plan(jobs))):
                run.finish(done)
        else:
            for _ in map_func(run.copy_one, run.plan(jobs)):
                pass
    elif _in_processes(executor):
        assert executor is not None
        run_batches(  # batches of (source, target) URLs, see megfile_core.sync_batches
            run.worker_items(run.plan(jobs)),
            executor,
            max_workers,
            run.finish,
            size_of=lambda item: run.in_workers[item[2]].stat.size,
        )
    elif executor is not None:
        bounded_map(
            run.copy_one,
            run.plan(jobs),
            max_workers or executor_width(executor) or config.sync_workers(),
            executor=executor,
            name="megfile-sync",
        )
    else:  # threads of its own, as many as pay (megfile_core.io.adaptive)
        gain = GUESS_GAIN if run.copy_batch is None else _BATCH_GAIN
        adaptive_map(
            run.copy_unit,
            run.units(run.plan(jobs)),
            fixed_or_adaptive(max_workers, config.sync_workers(), gain),
            weight=_unit_work,
            name="megfile-sync",
        )
    run.remove_stale_temps()
    run.result.seconds = time.monotonic() - started
    if run.result.unsafe:
        raise SyncUnsafeEntriesError(run.result)
    return run.result


class _SyncRun:
    """One sync: what to copy (``plan``), copying one file (``copy_one``), and the
    result counted under a lock (copies run in parallel)."""

    def __init__(
        self,
        src: SmartPath,
        dst: SmartPath,
        followlinks: bool,
        force: bool,
        overwrite: bool,
        dry_run: bool,
        progress: SyncProgress | None,
        callback: Callable[[str, int], None] | None,
        after_copy: Callable[[str, str], None] | None,
        *,
        checksum: bool = False,
        resume: bool = False,
    ) -> None:
        self.src, self.dst = src, dst
        self.followlinks, self.force, self.overwrite = followlinks, force, overwrite
        self.dry_run, self.progress = dry_run, progress
        self.callback, self.after_copy = callback, after_copy
        self.checksum, self.resume = checksum, resume
        self.result = SyncResult()
        self.lock = threading.Lock()
        self.src_stat = src.stat(follow_symlinks=True)
        # one protocol pair per sync: how to copy is resolved once, not for every file
        # (a copy function that can continue an interrupted copy is told to); small
        # files go together when the pair's copy function can (BatchCopy)
        self.copy, self.copy_batch = copiers(src.pathlike, dst.pathlike, resume=resume)
        self.destination: Destination | None = None
        #: source files whose names look like our temp files (never removed)
        self.source_temps: set[str] = set()
        #: target URL -> entry of the copies a process pool is running
        self.in_workers: dict[str, FileEntry] = {}

    def jobs(self, given: Iterable[FileEntry] | None) -> Iterator[tuple[str, FileEntry]]:
        """(relative path, entry) of every source file; "" for a single file."""
        if not self.src_stat.is_dir():
            return iter([("", FileEntry(self.src.name, str(self.src), self.src_stat))])
        if not (self.force and self.overwrite):
            self.destination = Destination(self.dst, self.followlinks)
        return source_entries(self.src, self.followlinks, given, self.refuse)

    def refuse(self, source: str, reason: str) -> None:
        """Skip an unsafe entry: logged now, raised about when the sync ends."""
        _log.warning("sync: skipping %s: %s", mask_url(source), mask_url(reason))
        with self.lock:
            self.result.unsafe.append((source, reason))

    def _existing(self, relative: str, target: SmartPath) -> StatResult | None:
        if self.force and self.overwrite:
            return None  # everything is copied: no need to look
        if self.destination is not None:
            return self.destination.lookup(relative, target)
        try:
            return target.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def is_current(
        self, relative: str, entry: FileEntry, existing: StatResult, target: SmartPath
    ) -> bool:
        """Whether the destination file needs no copy: same size and not older, or
        with ``checksum`` the same content (a file gone meanwhile is copied)."""
        if not self.checksum:
            return _is_current(entry.stat, existing)
        from megfile_core.checksum import same_content

        root = self.src.pathlike
        source = root.joinpath(relative) if relative else root
        try:
            return same_content(source, entry.stat, target.pathlike, existing)
        except FileNotFoundError:
            return False

    def _report(self, action: str, entry: FileEntry, target: SmartPath) -> None:
        if self.progress is not None:
            self.progress.on_file(action, entry.path, str(target), entry.stat.size)

    def plan(
        self, jobs: Iterator[tuple[str, FileEntry]]
    ) -> Iterator[tuple[str, FileEntry, SmartPath]]:
        """The files to copy; skipped ones are counted, a dry run lists them."""
        for relative, entry in jobs:
            if relative:
                try:
                    cleaned = safe_relative(relative, entry.path)
                except UnsafePathError as error:
                    self.refuse(entry.path, str(error))
                    continue
                if is_temp_basename(cleaned.rpartition("/")[2]):
                    self.source_temps.add(cleaned)
                target = self.dst.joinpath(cleaned)
            else:
                cleaned, target = "", self.dst
            existing = self._existing(cleaned, target)
            if existing is not None and (
                not self.overwrite
                or (not self.force and self.is_current(relative, entry, existing, target))
            ):
                with self.lock:
                    self.result.skipped += 1
                self._report("skipped", entry, target)
            elif self.dry_run:
                self.result.planned.append((entry.path, str(target)))
                self._report("planned", entry, target)
            else:
                self._report("queued", entry, target)
                yield relative, entry, target
        listed = getattr(self.progress, "on_listed", None)
        if listed is not None:
            listed()

    def worker_items(
        self, planned: Iterator[tuple[str, FileEntry, SmartPath]]
    ) -> Iterator[tuple[str, str, str, bool, bool]]:
        """The picklable form of the planned copies, for :func:`_copy_in_worker`."""
        root = str(self.src)
        for relative, entry, target in planned:
            url = str(target)
            with self.lock:
                self.in_workers[url] = entry
            yield root, relative, url, self.followlinks, self.resume

    def finish(self, done: tuple[str, int]) -> None:
        """Count a copy a worker process made (its bytes are reported at once)."""
        url, count = done
        with self.lock:
            entry = self.in_workers.pop(url)
            self.result.copied += 1
            self.result.bytes += count
        if self.callback is not None:
            self.callback(entry.path, count)
        if self.progress is not None:
            self.progress.on_bytes(count)
            self.progress.on_file("copied", entry.path, url, entry.stat.size)
        if self.after_copy is not None:
            self.after_copy(entry.path, url)

    def remove_stale_temps(self) -> None:
        """Remove temp files a killed copy left in the destination
        (:func:`megfile_core.sync_listing.remove_stale_temps`)."""
        if self.destination is None or self.dry_run:
            return
        removed = remove_stale_temps(self.dst, self.destination, self.source_temps)
        self.result.removed_temps.extend(removed)

    def units(self, planned: Iterator[Planned]) -> Iterator[Unit]:
        """The planned copies as the pool threads take them: one by one, or, when
        the pair's copy function has a ``batch``, the small files of a tree up to
        :data:`~megfile_core.io.copy.BATCH_FILES` at a time (a batch ends early
        where a large file comes, so files start in the listing's order)."""
        if self.copy_batch is None:
            yield from planned
            return
        batch: list[Planned] = []
        for item in planned:
            stat = item[1].stat
            if item[0] and stat.size <= BATCH_FILE_SIZE and not stat.is_symlink():
                batch.append(item)
                if len(batch) >= BATCH_FILES:
                    yield batch
                    batch = []
            else:  # the batch so far goes first: copies keep the listing's order
                if batch:
                    yield batch
                    batch = []
                yield item
        if batch:
            yield batch

    def copy_unit(self, unit: Unit) -> None:
        if isinstance(unit, list):
            self.copy_many(unit)
        else:
            self.copy_one(unit)

    def _source(self, relative: str) -> BasePath:
        # derived from the root parsed once (``relative`` as listed, not cleaned: a
        # key may hold ``//``), not parsed again from its URL
        root = self.src.pathlike
        return root.joinpath(relative) if relative else root

    def _moved(self, source_path: str, count: int) -> None:
        if self.callback is not None:
            self.callback(source_path, count)
        if self.progress is not None:
            self.progress.on_bytes(count)
        with self.lock:
            self.result.bytes += count

    def _copied(self, entry: FileEntry, target: SmartPath) -> None:
        with self.lock:
            self.result.copied += 1
        self._report("copied", entry, target)
        if self.after_copy is not None:
            self.after_copy(entry.path, str(target))

    def copy_one(self, item: Planned) -> None:
        relative, entry, target = item
        source_path = entry.path

        def on_bytes(count: int) -> None:
            self._moved(source_path, count)

        self.copy(
            self._source(relative), target.pathlike, callback=on_bytes, followlinks=self.followlinks
        )
        self._copied(entry, target)

    def copy_many(self, items: list[Planned]) -> None:
        """Small files through the copy function's ``batch``; what it leaves, one
        by one (:class:`~megfile_core.io.copy.BatchCopy`)."""
        assert self.copy_batch is not None
        pairs = [
            (os.fspath(self._source(relative)), os.fspath(target.pathlike))
            for relative, _, target in items
        ]

        def done(index: int, count: int) -> None:
            _, entry, target = items[index]
            if count:
                self._moved(entry.path, count)
            self._copied(entry, target)

        left = self.copy_batch(pairs, done=done, followlinks=self.followlinks, overwrite=True)
        for index in left:
            self.copy_one(items[index])


def move(src: BasePath, dst: BasePath, overwrite: bool = True) -> None:
    """Move a file or a tree: a rename within one backend, else copy, then remove
    the source. With ``overwrite=False`` files the destination already has stay
    where they are, on both sides."""
    if src.path_with_protocol == dst.path_with_protocol:
        return
    if src._same_backend(dst):
        src.rename(dst, overwrite=overwrite)
        return
    if src.is_dir():
        if overwrite:
            sync(src, dst, force=True)
            src.remove()
            return
        moved: list[str] = []
        sync(
            src,
            dst,
            overwrite=False,
            callback_after_copy_file=lambda source, _target: moved.append(source),
        )
        for source in moved:
            as_smart_path(source).unlink()
    elif overwrite or not dst.exists():
        copy_file(src, dst)
        src.unlink()
