"""One stream serving a reader's blocks in order, and the test that decides whether
parallel ranged requests would be faster ("Streaming" in the module doc of
:mod:`megfile_core.io.prefetch`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future

from megfile_core.io.ranges import (
    OpenStream,
    RangeResult,
    RangeSource,
    RangeStream,
    as_view,
    joined,
)

__all__ = ["FAST_STREAM", "StreamFuture", "Streams", "complete_future", "read_stream"]

SAMPLE_SECONDS = 0.05  # a rate is timed over this long (or to the end of a block)
WARM_UP = 0.1  # a stream is timed after this long or one block, whichever is first
SAMPLE_CHUNK = 256 << 10  # read size while the test runs (progress is seen per read)
FAST_STREAM = 256 << 20  # bytes/s from which one stream is kept without a test
PARALLEL_GAIN = 1.5  # two connections' rate / one's from which parallel wins
MAX_PROBES = 3  # inconclusive parallelism tests before keeping the stream
MAX_STREAM_FAILURES = 2  # broken streams in a row before streaming is given up


class StreamFuture(Future[RangeResult]):
    """A block promised by a stream: waited for while its stream runs (it is read
    in order), taken over by the caller only when nobody has started it."""


def complete_future(
    future: Future[RangeResult], fetch: Callable[[int, int], RangeResult], start: int, stop: int
) -> None:
    """Pool task: ``future`` gets ``fetch(start, stop)`` unless it was cancelled."""
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = fetch(start, stop)
    except BaseException as error:
        future.set_exception(error)
    else:
        future.set_result(result)


_Job = tuple[int, int, Future[RangeResult]]


class Streams:
    """Blocks read in order from one stream by one pool task at a time, and the test
    deciding whether parallel ranged requests are faster (module doc).

    Shared by the reader and pool threads under ``lock``; holds no reference to the
    reader. Only the task draining the queue (or, when none runs, ``close``) touches
    the open stream.
    """

    def __init__(
        self, src: RangeSource, open_stream: OpenStream, executor: Executor, block_size: int
    ) -> None:
        self.src = src
        self.open_stream = open_stream
        self.executor = executor
        self.lock = threading.Lock()
        self.queue: deque[_Job] = deque()
        self.running = False  # a drain task is submitted or running
        self.stream: RangeStream | None = None
        self.pos = -1  # offset of the open stream
        self.closed = False
        self.parallel = False  # the verdict: ranged requests are faster
        self.settled = False  # no more tests
        self.probing = False
        self.probes = 0
        self.failures = 0  # broken streams in a row
        self.solo_rate = 0.0  # bytes/s of the first stream alone
        self.block_size = block_size
        self.first_read = 0.0
        self.sample_began = 0.0
        self.sample_from = 0
        self.streamed = 0  # bytes the stream read while the test ran
        self.gain = 0.0  # (both streams' rate) / solo_rate, as measured
        self.busy = 0.0  # seconds the stream spent in finished reads
        self.busy_since = 0.0  # start of the read in progress, 0 when idle

    @property
    def usable(self) -> bool:
        return not self.parallel and self.failures < MAX_STREAM_FAILURES

    def busy_time(self) -> float:
        since = self.busy_since
        return self.busy + (time.monotonic() - since if since else 0.0)

    def add(self, start: int, stop: int) -> Future[RangeResult]:
        future = StreamFuture()
        with self.lock:
            self.queue.append((start, stop, future))
            if self.running:
                return future
            self.running = True
        try:
            self.executor.submit(self._drain)
        except BaseException as error:  # a pool shut down: nobody reads the queue
            with self.lock:
                jobs = list(self.queue)
                self.queue.clear()
                self.running = False
            for _start, _stop, job_future in jobs:
                if job_future.set_running_or_notify_cancel():
                    job_future.set_exception(error)
        return future

    def close(self) -> None:
        with self.lock:
            self.closed = True
            jobs = list(self.queue)
            self.queue.clear()
            if not self.running:
                self._drop_stream()
        for _start, _stop, future in jobs:
            future.cancel()

    # -- pool side -------------------------------------------------------------

    def _drop_stream(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception:
                pass

    def _next(self) -> _Job | None:
        """The next job not cancelled, marked running; None ends the task."""
        with self.lock:
            while self.queue and not self.closed:
                job = self.queue.popleft()
                if job[2].set_running_or_notify_cancel():
                    return job
            self.running = False
            if self.closed or self.parallel:
                self._drop_stream()
            return None

    def _drain(self) -> None:
        job = self._next()
        while job is not None:
            self._maybe_probe()
            start, stop, future = job
            try:
                result = self._read(start, stop)
            except BaseException as error:
                following = self._next()  # running before this one is published
                future.set_exception(error)
            else:
                following = self._next()
                future.set_result(result)
            job = following

    def _read(self, start: int, stop: int) -> RangeResult:
        """Bytes ``[start, stop)`` from the stream, opened (again) when it is not
        there; a broken stream is completed by ``read_range``."""
        stream = self.stream
        if stream is not None and self.pos != start:
            self._drop_stream()
            stream = None
        if stream is None:
            try:
                stream = self.open_stream(start)
            except Exception:
                self.failures += 1
                return self.src.fetch(start, stop)
            self.stream, self.pos = stream, start
        began = time.monotonic()
        self.busy_since = began
        try:
            if self.settled:
                parts = [stream.read(stop - start)]
            else:  # in small reads, so that the test sees the bytes arrive
                if not self.first_read:
                    self.first_read = began
                parts = read_stream(stream, stop - start, self._progress)
        finally:
            self.busy += time.monotonic() - began
            self.busy_since = 0.0
        got = sum(as_view(part.data).nbytes for part in parts)
        if got < stop - start:
            self._drop_stream()
            self.failures += 1
            parts.append(self.src.fetch(start + got, stop))
        else:
            self.failures = 0
            self.pos = stop
        return joined(parts, self.src.name)

    def _progress(self, count: int) -> None:
        self.streamed += count
        if self.solo_rate:
            return
        now = time.monotonic()
        if not self.sample_began:  # past the connection's warm-up: start timing
            if self.streamed >= self.block_size or now - self.first_read >= WARM_UP:
                self.sample_began, self.sample_from = now, self.streamed
                warm_rate = self.streamed / max(now - self.first_read, 1e-9)
                if warm_rate >= FAST_STREAM:  # fast even while warming up: settled
                    self.solo_rate = warm_rate
                    with self.lock:
                        self.settled = True
        elif now - self.sample_began >= SAMPLE_SECONDS:
            self.solo_rate = (self.streamed - self.sample_from) / (now - self.sample_began)
            if self.solo_rate >= FAST_STREAM:
                with self.lock:  # CPU-bound already: more connections only compete
                    self.settled = True
                return
            self._maybe_probe()

    def _maybe_probe(self) -> None:
        """Hand the last queued block to a second stream that times its start."""
        with self.lock:
            if (
                self.settled
                or self.probing
                or self.parallel
                or self.closed
                or not self.solo_rate
                or not self.queue
            ):
                return
            job = self.queue.pop()
            if job[2].cancelled():
                job[2].set_running_or_notify_cancel()
                return
            self.probing = True
            self.probes += 1
        try:
            self.executor.submit(self._probe, job)
        except BaseException:
            with self.lock:
                self.probing = False
                self.queue.append(job)  # the drain task reads it in turn

    def _probe(self, job: _Job) -> None:
        start, stop, future = job
        if not future.set_running_or_notify_cancel():
            with self.lock:
                self.probing = False
            return
        gain = 0.0
        try:
            try:
                stream = self.open_stream(start)
            except Exception:
                result = self.src.fetch(start, stop)
            else:
                try:
                    began = time.monotonic()
                    busy, streamed, got = self.busy_time(), self.streamed, 0

                    def progress(count: int) -> None:
                        nonlocal got, gain
                        got += count
                        elapsed = time.monotonic() - began
                        if not gain and (elapsed >= SAMPLE_SECONDS or got >= stop - start):
                            both = (got + self.streamed - streamed) / max(elapsed, 1e-6)
                            if self.busy_time() - busy >= 0.5 * elapsed:  # both were reading
                                gain = both / self.solo_rate

                    parts = read_stream(stream, stop - start, progress)
                finally:
                    stream.close()
                got = sum(as_view(part.data).nbytes for part in parts)
                if got < stop - start:
                    parts.append(self.src.fetch(start + got, stop))
                result = joined(parts, self.src.name)
        except BaseException as error:
            self._judge(0.0)
            future.set_exception(error)
            return
        self._judge(gain)
        future.set_result(result)

    def _judge(self, gain: float) -> None:
        moved: list[_Job] = []
        with self.lock:
            self.probing = False
            self.gain = gain
            if gain:  # measured while the first stream was reading too
                self.settled = True
                if gain >= PARALLEL_GAIN:
                    self.parallel = True
                    moved = list(self.queue)
                    self.queue.clear()
            elif self.probes >= MAX_PROBES:
                self.settled = True
        for start, stop, future in moved:
            self.executor.submit(complete_future, future, self.src.fetch, start, stop)


def read_stream(
    stream: RangeStream, size: int, progress: Callable[[int], None]
) -> list[RangeResult]:
    """Read ``size`` bytes into one buffer in ``SAMPLE_CHUNK`` pieces, calling
    ``progress(count)`` after each; a read that comes back short ends the reading."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    last = RangeResult(b"")
    while got < size:
        want = min(SAMPLE_CHUNK, size - got)
        last = stream.readinto(view[got : got + want])
        count = as_view(last.data).nbytes
        got += count
        progress(count)
        if count < want:
            break
    data = buffer if got == size else view[:got]
    return [RangeResult(data, last.size, last.version)]
