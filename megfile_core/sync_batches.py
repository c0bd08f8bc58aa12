"""Copies sent in batches to an executor of other processes (a process pool, a Dask
cluster): only ``(source, target)`` URLs travel, never file bytes.

A batch is a list of picklable work items ``(source root URL, relative path, target
URL, followlinks, resume)``. A worker copies the items of its batch several at a
time with its own connections (clients are cached per process): how many is learnt
from the batches before (``_BatchWidth``: fewer while the copies keep the process's
CPU busy, more while they mostly wait for round trips), or fixed by
``MEGFILE_SYNC_BATCH_THREADS``. It sends back one
:class:`BatchResult`: the ``(target URL, bytes)`` of each copy done and the error of
each one that failed; the other copies of the batch go on. A copy writes its whole
target again from the start (an object is published by one PUT or a completed
multipart upload), so a batch run again, e.g. by Dask after a worker died, leaves
the same files.

Batch sizes: at most ``MEGFILE_SYNC_BATCH_FILES`` files (64 by default) and
``MEGFILE_SYNC_BATCH_BYTES`` bytes (64 MiB; a bigger file makes a batch of its own),
and never more than one ``width``-th of the files seen so far (plus one), so a small
tree still spreads over every worker and a big one travels in full batches.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

from megfile_core import config
from megfile_core.io.adaptive import adaptive_map, fixed_or_adaptive
from megfile_core.io.copy import copier
from megfile_core.io.pool import bounded_map, executor_width
from megfile_core.smart_path import as_smart_path
from megfile_core.url import mask_url

__all__ = [
    "BatchResult",
    "CopyManyResult",
    "WorkItem",
    "batches",
    "copy_batch",
    "copy_item",
    "copy_many",
    "executor_width",
    "in_processes",
    "run_batches",
]

_log = logging.getLogger(__name__)

#: (source root URL, path relative to it or "", target URL, followlinks, resume)
WorkItem = tuple[str, str, str, bool, bool]


@dataclass
class BatchResult:
    """What a worker sends back for one batch."""

    #: (target URL, bytes copied) of each copy done
    done: list[tuple[str, int]] = field(default_factory=list)
    #: (target URL, the error) of each copy that failed
    failed: list[tuple[str, BaseException]] = field(default_factory=list)


def in_processes(executor: object) -> bool:
    """Whether ``executor`` may run calls in other processes (anything but a thread
    pool): its work must then be picklable."""
    return isinstance(executor, Executor) and not isinstance(executor, ThreadPoolExecutor)


def copy_item(item: WorkItem) -> tuple[str, int]:
    """Copy one work item in this process -> ``(target URL, bytes copied)``."""
    root_url, relative, target_url, followlinks, resume = item
    root = as_smart_path(root_url).pathlike
    source = root.joinpath(relative) if relative else root
    target = as_smart_path(target_url).pathlike
    moved = [0]

    def count(n: int) -> None:
        moved[0] += n

    copy = copier(source, target, resume=resume)
    copy(source, target, callback=count, followlinks=followlinks)
    return target_url, moved[0]


def _portable(error: Exception, target_url: str) -> BaseException:
    """``error`` itself when it survives pickling, else an OSError that says what it was."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return OSError(f"copying to {mask_url(target_url)} failed: {type(error).__name__}: {error}")


def copy_batch(items: list[WorkItem]) -> BatchResult:
    """Copy a batch in this (worker) process, several files at once (module doc); a
    failed copy does not stop the others. The result lists the copies in the batch's
    order."""
    outcomes: list[tuple[str, int] | BaseException | None] = [None] * len(items)

    def one(index: int) -> None:
        try:
            outcomes[index] = copy_item(items[index])
        except Exception as error:
            outcomes[index] = _portable(error, items[index][2])

    threads = max(1, min(_WIDTH.threads(), len(items)))
    wall, cpu = time.monotonic(), time.process_time()
    bounded_map(one, range(len(items)), threads, name="megfile-batch")
    _WIDTH.learn(threads, time.monotonic() - wall, time.process_time() - cpu)
    result = BatchResult()
    for item, outcome in zip(items, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            result.failed.append((item[2], outcome))
        elif outcome is not None:
            result.done.append(outcome)
    return result


class _BatchWidth:
    """Files a worker process copies at once from a batch (module doc): fixed by
    ``MEGFILE_SYNC_BATCH_THREADS``, else learnt from each batch's CPU use. A batch
    that kept this process's CPU busy (the copies wait little: a near store, small
    files) halves it, because threads then only contend for one interpreter; a
    batch that mostly waited doubles it, up to ``_MAX_THREADS``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads = _START_THREADS

    def threads(self) -> int:
        fixed = config.sync_batch_threads()
        if fixed is not None:
            return fixed
        with self._lock:
            return self._threads

    def learn(self, threads: int, wall: float, cpu: float) -> None:
        if wall < _MIN_JUDGED or config.sync_batch_threads() is not None:
            return
        busy = cpu / wall
        with self._lock:
            if busy >= _BUSY:
                self._threads = max(1, threads // 2)
            elif busy < _IDLE and threads >= self._threads:
                self._threads = min(_MAX_THREADS, threads * 2)


#: adaptive width of a worker's batch (``_BatchWidth``): first width, most, the
#: shortest batch judged (seconds), and the CPU share over which it halves and
#: under which it doubles
_START_THREADS = 4
_MAX_THREADS = 16
_MIN_JUDGED = 0.05
_BUSY = 0.8
_IDLE = 0.5
_WIDTH = _BatchWidth()


def batches(
    items: Iterable[WorkItem],
    width: int,
    size_of: Callable[[WorkItem], int] | None = None,
) -> Iterator[list[WorkItem]]:
    """Group ``items`` into batches (see the module's docstring for the sizes)."""
    max_files = config.env_int("MEGFILE_SYNC_BATCH_FILES", 64)
    max_bytes = config.env_int("MEGFILE_SYNC_BATCH_BYTES", 64 << 20)
    if max_files < 1 or max_bytes < 1:
        raise ValueError(
            "MEGFILE_SYNC_BATCH_FILES and MEGFILE_SYNC_BATCH_BYTES must be at least 1, "
            f"got {max_files} and {max_bytes}"
        )
    batch: list[WorkItem] = []
    size = sent = 0  # bytes in ``batch``, files in the batches already yielded
    for item in items:
        item_size = size_of(item) if size_of is not None else 0
        if batch and size + item_size > max_bytes:
            sent += len(batch)
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item_size
        if len(batch) >= min(max_files, 1 + sent // width):
            sent += len(batch)
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def run_batches(
    items: Iterable[WorkItem],
    executor: Executor,
    workers: int | None,
    on_done: Callable[[tuple[str, int]], None],
    size_of: Callable[[WorkItem], int] | None = None,
) -> None:
    """Copy ``items`` in batches on ``executor``; ``on_done`` gets each copy done (in
    this process). ``workers``: batches running at once (default: the executor's
    width, else ``MEGFILE_SYNC_MAX_WORKERS``); twice that many are in flight.

    :raises: the first failed copy's error once the batches already sent have ended
        and their copies are counted; no batch is sent after a failure is known.
    """
    width = workers or executor_width(executor) or config.sync_workers()
    failures: list[BaseException] = []  # on_result runs in this thread: no lock

    def take(result: BatchResult) -> None:
        for done in result.done:
            on_done(done)
        for target, error in result.failed:
            if failures:
                _log.warning("copying to %s failed: %s", mask_url(target), error)
            else:
                failures.append(error)

    def until_failure(groups: Iterator[list[WorkItem]]) -> Iterator[list[WorkItem]]:
        for group in groups:
            if failures:
                return  # no new batches; the ones sent end and are counted
            yield group

    groups = until_failure(batches(items, width, size_of))
    bounded_map(copy_batch, groups, width, executor=executor, on_result=take)
    if failures:
        raise failures[0]


def _work_items(pairs: Iterable[tuple[object, object]], followlinks: bool) -> Iterator[WorkItem]:
    try:
        iterator = iter(pairs)
    except TypeError:
        raise TypeError(
            f"pairs must be an iterable of (src_path, dst_path) pairs, got {pairs!r}"
        ) from None
    return (_work_item(pair, followlinks) for pair in iterator)


def _work_item(pair: object, followlinks: bool) -> WorkItem:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"each item of pairs must be a (src_path, dst_path) pair, got {pair!r}")
    src = as_smart_path(pair[0], "src_path")
    dst = as_smart_path(pair[1], "dst_path")
    return str(src), "", str(dst), followlinks, False


@dataclass
class CopyManyResult:
    """What :func:`copy_many` did."""

    copied: int = 0
    bytes: int = 0
    seconds: float = 0.0


def copy_many(
    pairs: Iterable[tuple[object, object]],
    *,
    executor: Executor | None = None,
    max_workers: int | None = None,
    followlinks: bool = False,
    callback_after_copy_file: Callable[[str, str], None] | None = None,
) -> CopyManyResult:
    """Copy each ``(src, dst)`` file pair (any protocols; existing targets are
    replaced). See :func:`megfile_core.smart.smart_copy_many`."""
    started = time.monotonic()
    result = CopyManyResult()
    items = _work_items(pairs, followlinks)

    def done(copy: tuple[str, int]) -> None:
        result.copied += 1
        result.bytes += copy[1]

    if in_processes(executor):
        assert executor is not None
        sources: dict[str, list[str]] = {}  # target -> sources (a target may repeat)

        def remember(items: Iterable[WorkItem]) -> Iterator[WorkItem]:
            for item in items:
                sources.setdefault(item[2], []).append(item[0])
                yield item

        def done_here(copy: tuple[str, int]) -> None:
            done(copy)
            source = sources[copy[0]].pop(0)
            if callback_after_copy_file is not None:
                callback_after_copy_file(source, copy[0])

        run_batches(remember(items), executor, max_workers, done_here)
    elif executor is not None:

        def one(item: WorkItem) -> tuple[str, str, int]:
            target, count = copy_item(item)
            return item[0], target, count

        def done_in_thread(copy: tuple[str, str, int]) -> None:
            done(copy[1:])
            if callback_after_copy_file is not None:
                callback_after_copy_file(copy[0], copy[1])

        bounded_map(
            one,
            items,
            max_workers or executor_width(executor) or config.sync_workers(),
            executor=executor,
            on_result=done_in_thread,
            name="megfile-copy",
        )
    else:  # threads of its own, as many as pay (megfile_core.io.adaptive)
        lock = threading.Lock()

        def copy_here(item: WorkItem) -> None:
            copy = copy_item(item)
            with lock:
                done(copy)
                if callback_after_copy_file is not None:
                    callback_after_copy_file(item[0], copy[0])

        adaptive_map(
            copy_here,
            items,
            fixed_or_adaptive(max_workers, config.sync_workers()),
            name="megfile-copy",
        )
    result.seconds = time.monotonic() - started
    return result
