"""A write-only binary file that uploads fixed-size parts on a thread pool.

Backends provide ``upload_part(part_number, offset, data) -> result`` and
``complete(results)`` (plus optional ``abort`` and ``put_single``) and get an
``io.BufferedIOBase`` with bounded-memory, back-pressured parallel uploads.

* Writes are copied once, into a ``bytearray`` that is exactly one part long when
  it is handed to ``upload_part`` as a ``memoryview``. A ``bytes`` write that covers
  whole parts while no part is being filled is handed off without any copy.
* Bytes submitted and not yet uploaded never exceed ``max_buffer_size``: ``write``
  blocks until uploads finish. At least one part is always allowed in flight, so a
  budget smaller than a part means one upload at a time. Memory is therefore at
  most about ``max_buffer_size`` plus the part being filled.
* With the default ``max_buffer_size`` that budget is a ceiling: the bytes allowed
  in flight follow the measured bandwidth-delay product (as the prefetch reader's
  window does): the rate parts finish at over the last ``_PACE_SAMPLES`` parts
  times the shortest time a whole part took, times ``_LIMIT_GAIN`` (3: the
  shortest part is a lucky one on a busy machine; with 2 a loaded 2-core machine
  kept 2-3 parts in flight at 20 ms and wrote 10-85% slower), plus one part to
  spare; two parts before anything is measured, growing to at most twice the
  limit plus a part per submitted part. Uploads that keep the writer waiting let
  it grow until they slow down; a producer slower than the uploads keeps it small.
  It never passes one part per pool thread (a part beyond the threads would only
  wait in the queue, holding memory while uploading nothing), and the memory the
  parts in flight keep alive never passes half the threads plus one parts (5 of
  the default 8; parts that are views of one object count once: a large ``bytes``
  written at once, or one buffer written again and again, is held by the caller
  anyway). With fresh 8 MiB ``bytes`` per write that keeps the writing process
  under 128 MiB of peak RSS (6 parts of fresh data: 123-131 MiB, benchmarks at
  20 ms + 400 Mbit/s per connection) and leaves threads free for other work.
* ``complete`` is called once, at close, with the results in part order.
* Small objects: when ``put_single`` is given and the total size at close is less
  than the first part, ``put_single(data)`` is the only call made. An empty file
  is ``put_single(b"")`` when given, else ``complete([])`` with no part uploaded.
* Failures: the first failed part makes the next ``write``/``flush``/``close``
  cancel what is queued, wait for what is running, call ``abort`` once, mark the
  writer closed and raise the original exception. ``complete`` is never called
  after a failure. A failing ``put_single`` or ``complete`` also calls ``abort``.
* ``with`` blocks: an exception inside aborts (partial content is never
  published), otherwise ``close()``. With ``atomic=True`` a writer that is
  garbage-collected without ``close()`` aborts too (without waiting); a
  non-atomic one is closed, like an ordinary file.

A writer must be used by one thread at a time; only its uploads run on the pool.
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Executor,
    Future,
    ThreadPoolExecutor,
)
from concurrent.futures import wait as wait_futures
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from megfile_core import config
from megfile_core.io.pool import executor_width, get_executor

if TYPE_CHECKING:
    from types import TracebackType

    from _typeshed import ReadableBuffer

__all__ = ["PartWriter"]

T = TypeVar("T")

_NEW, _OPEN, _COMPLETED, _ABORTED = "new", "open", "completed", "aborted"
#: adaptive budget (module doc): parts allowed before anything was measured, the
#: gain over the measured need, and how many finished parts the rate is taken over
_START_PARTS = 2
_LIMIT_GAIN = 3.0
_PACE_SAMPLES = 8


class _UploadPace(Generic[T]):
    """Times the uploads in the pool threads (kept apart from the writer, which a
    pending task must not keep alive): when parts finished and the shortest time a
    part of ``part_len`` bytes or more took."""

    __slots__ = ("done", "min_time", "upload_part")

    def __init__(self, upload_part: Callable[[int, int, memoryview], T]) -> None:
        self.upload_part = upload_part
        self.done: deque[tuple[float, int]] = deque(maxlen=_PACE_SAMPLES)
        self.min_time = math.inf

    def upload(self, number: int, offset: int, data: memoryview) -> T:
        began = time.monotonic()
        result = self.upload_part(number, offset, data)
        ended = time.monotonic()
        self.done.append((ended, data.nbytes))  # deque.append is atomic
        if ended - began < self.min_time:
            self.min_time = ended - began  # a lost race only keeps a larger time
        return result

    def limit(self, part: int, current: int, ceiling: int) -> int:
        """Bytes allowed in flight (module doc), between one part and ``ceiling``."""
        done = list(self.done)
        if len(done) >= 3 and self.min_time != math.inf:
            span = time.monotonic() - min(ended for ended, _ in done)
            if span > 0:
                rate = (sum(n for _, n in done) - done[0][1]) / span
                target = math.ceil(_LIMIT_GAIN * rate * self.min_time) + part
                current = min(target, 2 * current + part)
        return max(part, min(current, ceiling))


class _FailureBox:
    """Receives part completions in pool threads and keeps the first error.

    Kept apart from the writer so that in-flight futures do not hold the writer
    alive (an abandoned atomic writer must be finalized promptly)."""

    __slots__ = ("error",)

    def __init__(self) -> None:
        self.error: BaseException | None = None

    def __call__(self, future: Future[Any]) -> None:
        if self.error is None and not future.cancelled():
            error = future.exception()
            if error is not None:
                self.error = error


class PartWriter(io.BufferedIOBase, Generic[T]):
    """Write-only binary file uploading parts of ``part_size(n)`` bytes (default
    ``block_size``, itself defaulting to ``config.writer_block_size()``); see the
    module doc. Uploads run on ``executor`` if given, else on a pool of
    ``max_workers`` threads owned by the writer, else on the process-wide pool."""

    def __init__(
        self,
        upload_part: Callable[[int, int, memoryview], T],
        *,
        name: str,
        complete: Callable[[list[T]], None],
        abort: Callable[[], None] | None = None,
        put_single: Callable[[bytes], None] | None = None,
        block_size: int | None = None,
        part_size: Callable[[int], int] | None = None,
        max_buffer_size: int | None = None,
        max_workers: int | None = None,
        executor: Executor | None = None,
        atomic: bool = False,
    ) -> None:
        super().__init__()
        self._state = _NEW  # a constructor that raises must not publish anything
        self._name = name
        self._upload_part = upload_part
        self._complete = complete
        self._abort = abort
        self._put_single = put_single
        self._atomic = atomic
        self._executor = executor
        self._own_pool: ThreadPoolExecutor | None = None
        self._box = _FailureBox()
        #: -> (part, nbytes, id of the buffer it views)
        self._pending: dict[Future[T], tuple[int, int, int]] = {}
        self._results: dict[int, T] = {}
        self._inflight = 0
        #: memory the pending parts keep alive (a buffer viewed by several counts
        #: once); per buffer (by id): how many pending parts view it, bytes counted
        self._kept = 0
        self._viewers: dict[int, list[int]] = {}
        self._buf = bytearray()
        #: with ``put_single``, a full first part waits here until a second part is
        #: needed, so an object of exactly one part is still a single PUT
        self._held: memoryview | None = None
        self._part_number = 1
        self._offset = 0  # where the part being filled starts
        self._written = 0

        block_size = config.writer_block_size() if block_size is None else block_size
        if block_size <= 0:
            raise ValueError(f"block_size must be greater than 0, got {block_size}")
        max_buffer_size_given = max_buffer_size is not None
        if max_buffer_size is None:
            max_buffer_size = config.writer_max_buffer_size()
        if max_buffer_size < 0:
            raise ValueError(f"max_buffer_size must be >= 0, got {max_buffer_size}")
        if max_workers is not None and max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        self._block_size = block_size
        self._part_size_of = part_size
        self._budget = max_buffer_size
        self._pace: _UploadPace[T] | None = (
            None if max_buffer_size_given else _UploadPace(upload_part)
        )
        self._limit = _START_PARTS * block_size
        self._workers = max_workers
        self._part_len = self._part_size(1)
        self._state = _OPEN

    # -- file API ------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def mode(self) -> str:
        return "wb"

    @property
    def atomic(self) -> bool:
        return self._atomic

    def __repr__(self) -> str:
        state = "" if self._state == _OPEN else f" {self._state}"
        return f"<{type(self).__name__} name={self._name!r} mode='wb'{state}>"

    def _check_open(self) -> None:
        if self.closed or self._state != _OPEN:
            raise ValueError(f"I/O operation on closed file {self._name!r}")

    def readable(self) -> bool:
        self._check_open()
        return False

    def seekable(self) -> bool:
        self._check_open()
        return False

    def writable(self) -> bool:
        self._check_open()
        return True

    def tell(self) -> int:
        """Bytes written so far."""
        self._check_open()
        return self._written

    def write(self, buffer: ReadableBuffer, /) -> int:
        self._check_open()
        if self._box.error is not None:
            self._fail(self._box.error)
        with memoryview(buffer) as raw:
            with raw.cast("B") if raw.format != "B" or raw.ndim != 1 else raw as view:
                total = view.nbytes
                done = 0
                immutable = type(buffer) is bytes
                while done < total:
                    part_len = self._part_len
                    if immutable and not self._buf and total - done >= part_len:
                        # A whole part of an immutable object: hand it off as is.
                        self._submit(memoryview(buffer)[done : done + part_len])
                        done += part_len
                        continue
                    take = min(part_len - len(self._buf), total - done)
                    self._buf += view[done : done + take]
                    done += take
                    if len(self._buf) == part_len:
                        buf, self._buf = self._buf, bytearray()
                        self._submit(memoryview(buf))
                self._written += total
                return total

    def flush(self) -> None:
        """Raise a failed upload's error; never uploads a short part mid-stream."""
        if self._state != _OPEN:
            if self.closed:
                raise ValueError(f"I/O operation on closed file {self._name!r}")
            return  # io.IOBase.close() flushing while we finish
        self._check_open()
        if self._box.error is not None:
            self._fail(self._box.error)

    def close(self) -> None:
        """Upload what is left, wait for every part and ``complete`` the upload.

        Idempotent. On failure the upload is aborted and the error raised."""
        if self._state != _OPEN:
            self._mark_closed()
            return
        try:
            if self._box.error is not None:
                raise self._box.error
            if (
                self._put_single is not None
                and self._part_number == 1
                and not (self._held is not None and self._buf)
            ):
                data = bytes(self._held if self._held is not None else self._buf)
                self._buf = bytearray()
                self._held = None
                self._put_single(data)
            else:
                if self._buf:
                    buf, self._buf = self._buf, bytearray()
                    self._submit(memoryview(buf))
                if self._pending:
                    wait_futures(list(self._pending))
                self._harvest()
                results = [self._results[n] for n in range(1, self._part_number)]
                self._results.clear()
                self._complete(results)
        except BaseException as error:
            self._abort_now(error)
            raise
        self._state = _COMPLETED
        self._mark_closed()

    def abort(self) -> bool:
        """Cancel queued parts, wait for running ones, call the ``abort`` callback
        once and close. Idempotent; True if this call aborted the upload."""
        if self._state != _OPEN:
            self._mark_closed()
            return False
        self._abort_now(None)
        return True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            # Never publish partial content; an abort error is noted on exc_val.
            self._abort_now(exc_val)
            self._mark_closed()
        else:
            self.close()

    def __del__(self) -> None:
        try:
            if getattr(self, "_state", None) != _OPEN:
                return
            if self._atomic:
                self._abort_nowait()
            else:
                self.close()
        except BaseException:
            pass  # a finalizer must never raise

    # -- internals -----------------------------------------------------------

    def _part_size(self, number: int) -> int:
        if self._part_size_of is None:
            return self._block_size
        size = self._part_size_of(number)
        if size <= 0:
            raise ValueError(f"part_size({number}) must be greater than 0, got {size}")
        return size

    def _pool(self) -> Executor:
        if self._executor is not None:
            return self._executor
        if self._workers is None:
            return get_executor()
        if self._own_pool is None:
            self._own_pool = ThreadPoolExecutor(
                max_workers=self._workers, thread_name_prefix="megfile-writer"
            )
        return self._own_pool

    def _submit(self, data: memoryview) -> None:
        """Upload ``data`` as the next part (holding a first part back, see _held)."""
        if self._put_single is not None and self._part_number == 1:
            if self._held is None:
                self._held = data
                self._part_len = self._part_size(2)  # what is written next is part 2
                return
            held, self._held = self._held, None
            self._submit_now(held)
        self._submit_now(data)

    def _submit_now(self, data: memoryview) -> None:
        """Upload ``data`` as the next part once the budget allows it."""
        nbytes = data.nbytes
        self._harvest()
        budget = memory = self._budget
        pace = self._pace
        if pace is not None:
            threads = executor_width(self._pool())
            if threads is not None:
                memory = min(budget, (threads // 2 + 1) * nbytes)
                budget = min(budget, threads * nbytes)
            self._limit = budget = pace.limit(nbytes, self._limit, budget)
        owner = id(data.obj)
        while self._pending and (
            self._inflight + nbytes > budget
            or (owner not in self._viewers and self._kept + nbytes > memory)
        ):
            wait_futures(list(self._pending), return_when=FIRST_COMPLETED)
            self._harvest()
        number = self._part_number
        upload = self._upload_part if pace is None else pace.upload
        future = self._pool().submit(upload, number, self._offset, data)
        self._pending[future] = (number, nbytes, owner)
        self._inflight += nbytes
        viewers = self._viewers.get(owner)
        if viewers is None:
            self._viewers[owner] = [1, nbytes]
            self._kept += nbytes
        else:
            viewers[0] += 1
        future.add_done_callback(self._box)
        self._part_number = number + 1
        self._offset += nbytes
        self._part_len = self._part_size(number + 1)

    def _harvest(self) -> None:
        """Collect finished parts; a failed one aborts and raises its error."""
        for future in [f for f in self._pending if f.done()]:
            number, nbytes, owner = self._pending.pop(future)
            self._inflight -= nbytes
            self._release(owner)
            if future.cancelled():
                self._fail(CancelledError(f"{self._name}: part {number} was cancelled"))
            error = future.exception()
            if error is not None:
                self._fail(error)
            self._results[number] = future.result()

    def _release(self, owner: int) -> None:
        viewers = self._viewers[owner]
        viewers[0] -= 1
        if not viewers[0]:
            del self._viewers[owner]
            self._kept -= viewers[1]

    def _fail(self, error: BaseException) -> None:
        self._abort_now(error)
        raise error

    def _abort_now(self, error: BaseException | None) -> None:
        """Cancel and wait for the parts, call the abort callback, close. Errors of
        the callback are raised when there is no ``error`` to report, else noted
        on it."""
        if self._state != _OPEN:
            return
        self._state = _ABORTED
        self._buf = bytearray()
        self._held = None
        try:
            pending = list(self._pending)
            for future in pending:
                future.cancel()
            if pending:
                wait_futures(pending)
            self._pending.clear()
            self._results.clear()
            self._inflight = self._kept = 0
            self._viewers.clear()
            if self._abort is not None:
                self._abort()
        except BaseException as abort_error:
            if error is None:
                raise
            add_note = getattr(error, "add_note", None)
            if add_note is not None:
                add_note(f"aborting {self._name!r} also failed: {abort_error!r}")
        finally:
            self._mark_closed()

    def _abort_nowait(self) -> None:
        """Abort from a finalizer: never block; the abort callback runs once the
        running parts have finished (in the pool thread of the last one)."""
        self._state = _ABORTED
        self._buf = bytearray()
        self._held = None
        running = [f for f in self._pending if not f.cancel() and not f.done()]
        self._pending.clear()
        callback = self._abort
        self._mark_closed()
        if callback is None:
            return
        if not running:
            callback()
            return
        lock = threading.Lock()
        left = [len(running)]

        def part_done(_future: Future[T]) -> None:
            with lock:
                left[0] -= 1
                last = left[0] == 0
            if last:
                try:
                    callback()
                except BaseException:
                    pass  # runs in a pool thread after a finalizer: nobody to tell

        for future in running:
            future.add_done_callback(part_done)

    def _mark_closed(self) -> None:
        pool, self._own_pool = self._own_pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if not self.closed:
            super().close()
