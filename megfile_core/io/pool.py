"""The process-wide thread pool shared by readers and writers.

The pool is created on first use with ``config.max_workers()`` threads. After
``os.fork`` the child forgets the parent's pool (its threads do not exist in the
child) and creates a fresh one on its next use.

Backends may keep further pools by name (:func:`get_named_executor`), e.g. a larger
one for read-ahead over high-latency connections; they follow the same rules.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from megfile_core import config

__all__ = [
    "bounded_map",
    "executor_width",
    "get_executor",
    "get_named_executor",
    "read_executor",
    "read_workers",
    "shutdown_executor",
]

T = TypeVar("T")
R = TypeVar("R")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_named: dict[str, ThreadPoolExecutor] = {}


def executor_width(executor: Executor | None) -> int | None:
    """Calls ``executor`` runs at once, when it says (``parallelism`` of a
    :class:`~megfile_core.distributed.DaskExecutor`, a pool's ``max_workers``)."""
    for name in ("parallelism", "_max_workers"):
        width = getattr(executor, name, None)
        if isinstance(width, int) and width > 0:
            return width
    return None


def get_executor() -> Executor:
    """The shared executor, created lazily with ``config.max_workers()`` threads."""
    executor = _executor
    if executor is not None:
        return executor
    return _create()


def _create() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=config.max_workers(), thread_name_prefix="megfile-io"
            )
        return _executor


def get_named_executor(name: str, max_workers: int) -> Executor:
    """The process-wide pool called ``name``, created on first use with
    ``max_workers`` threads (later calls get the same pool, whatever they pass)."""
    executor = _named.get(name)
    if executor is not None:
        return executor
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, got {max_workers}")
    with _lock:
        executor = _named.get(name)
        if executor is None:
            executor = _named[name] = ThreadPoolExecutor(
                max_workers=max_workers, thread_name_prefix=f"megfile-{name}"
            )
        return executor


def shutdown_executor(wait: bool = True) -> None:
    """Shut the shared pool (and the named ones) down; the next call makes new ones."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
        named = list(_named.values())
        _named.clear()
    for pool in ([executor] if executor is not None else []) + named:
        pool.shutdown(wait=wait, cancel_futures=True)


def read_executor(backend: str) -> Executor:
    """The process-wide pool a backend's readers fetch on: ``MEGFILE_<BACKEND>_MAX_WORKERS``
    threads, else twice ``MEGFILE_MAX_WORKERS`` (16 by default). Behind a
    per-connection limit throughput grows with the ranges in flight; the reader's
    buffer (``MEGFILE_READER_MAX_BUFFER_SIZE``) bounds them and the memory anyway."""
    return get_named_executor(f"{backend}-read", read_workers(backend))


def read_workers(backend: str) -> int:
    """Threads of :func:`read_executor` for ``backend`` (``s3``, ``http`` ...)."""
    name = f"MEGFILE_{backend.upper()}_MAX_WORKERS"
    workers = config.env_int(name, 2 * config.max_workers())
    if workers < 1:
        raise ValueError(f"{name} must be at least 1, got {workers}")
    return workers


def bounded_map(
    func: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    *,
    executor: Executor | None = None,
    window: int | None = None,
    on_result: Callable[[R], None] | None = None,
    name: str = "megfile-map",
) -> None:
    """Run ``func`` over ``items`` in parallel with at most ``window`` calls queued
    or running (default ``2 * workers``), so a long or lazy ``items`` is consumed as
    the work goes and memory stays bounded; a slow call never holds the others up.
    ``on_result`` gets each result as its call ends. The first error is raised once
    the calls already started have ended; the ones not started are cancelled.

    ``executor`` runs the calls (a shared pool); without one, a private pool of
    ``workers`` threads is made for this call (one thread: no pool at all).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    window = window or 2 * workers
    if executor is None and workers == 1:
        for item in items:
            result = func(item)
            if on_result is not None:
                on_result(result)
        return
    own = ThreadPoolExecutor(workers, thread_name_prefix=name) if executor is None else None
    pool = own or executor
    assert pool is not None
    pending: set[Future[R]] = set()
    try:
        for item in items:
            pending.add(pool.submit(func, item))
            if len(pending) >= window:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                _take(done, on_result)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            _take(done, on_result)
    finally:
        for future in pending:
            future.cancel()
        wait(pending)  # the started ones end before the error is raised
        if own is not None:
            own.shutdown(wait=True)


def _take(done: set[Future[R]], on_result: Callable[[R], None] | None) -> None:
    for future in done:
        result = future.result()
        if on_result is not None:
            on_result(result)


def _after_fork_in_child() -> None:
    # The parent's worker threads do not exist here: never hand that pool out.
    global _executor, _lock, _named
    _executor = None
    _named = {}
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
