"""The process-wide thread pool shared by readers and writers.

The pool is created on first use with ``config.max_workers()`` threads. After
``os.fork`` the child forgets the parent's pool (its threads do not exist in the
child) and creates a fresh one on its next use.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Executor, ThreadPoolExecutor

from megfile_core import config

__all__ = ["get_executor", "shutdown_executor"]

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


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


def shutdown_executor(wait: bool = True) -> None:
    """Shut the shared pool down; the next :func:`get_executor` makes a new one."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=wait, cancel_futures=True)


def _after_fork_in_child() -> None:
    # The parent's worker threads do not exist here: never hand that pool out.
    global _executor, _lock
    _executor = None
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
