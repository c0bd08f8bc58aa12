"""Copies sent in batches to an executor of other processes (a process pool, a Dask
cluster): only ``(source, target)`` URLs travel, never file bytes.

A batch is a list of picklable work items ``(source root URL, relative path, target
URL, followlinks, resume)``. A worker copies the items of its batch one after the other with
its own connections (clients are cached per process) and sends back one
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
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

from megfile_core import config
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
    """Copy a batch in this (worker) process; a failed copy does not stop the others."""
    result = BatchResult()
    for item in items:
        try:
            result.done.append(copy_item(item))
        except Exception as error:
            result.failed.append((item[2], _portable(error, item[2])))
    return result


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
    else:

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
    result.seconds = time.monotonic() - started
    return result
