"""Sequential reads served in the caller's thread from one stream ("Direct reads"
in the module doc of :mod:`megfile_core.io.prefetch`).

Why: from a near server one connection already delivers faster than a Python
consumer takes bytes (loopback, a LAN: gigabytes a second). Read-ahead then only
costs: every block it keeps is memory the process has not touched yet, and on
machines where a page fault is dear (a virtual machine: about a millisecond a
MiB here) that is most of the time a read takes. Reading straight from the
response into the ``bytes`` the caller gets is what a plain ``requests`` stream
does: one copy, no thread hand-off, the allocator reusing the caller's last
buffer.

The stream must prove fast: once it delivered a block, or after ``WARM_UP``
seconds spent waiting on it (time the consumer spends elsewhere does not count),
its rate must be at least ``FAST_STREAM``, and it is checked again on every read.
A slower stream, a failure, or a read that is not where the stream stands ends
direct reading for good; the reader's blocks take over from that position.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from megfile_core.errors import FileChangedError
from megfile_core.io.ranges import OpenStream, RangeResult, RangeSource, RangeStream, as_view
from megfile_core.io.streams import FAST_STREAM, WARM_UP

__all__ = ["DirectStream"]


class DirectStream:
    """One stream read in the caller's thread while it is fast; see the module doc.

    ``active`` turns False for good when reading should go back to the reader's
    blocks; ``slow`` then tells whether the stream was too slow (the reader goes to
    parallel ranges) rather than broken or left behind by a seek.
    """

    def __init__(self, src: RangeSource, open_stream: OpenStream, block_size: int) -> None:
        self._src = src
        self._open_stream = open_stream
        self._block_size = block_size
        self._stream: RangeStream | None = None
        self.pos = -1  # where the open stream stands
        self.active = True
        self.slow = False
        self.opened = 0  # streams opened (requests sent)
        self._bytes = 0
        self._seconds = 0.0

    def read(self, pos: int, size: int) -> bytes | None:
        """Up to ``size`` bytes from ``pos``, read a block at most at a time so
        that the rate is checked on the way; fewer when the stream broke off or
        turned slow (``active`` is then False); None when nothing was read and the
        reader's blocks should serve the read."""
        pieces: list[bytes] = []

        def one(stream: RangeStream, _got: int, want: int) -> RangeResult:
            result = stream.read(want)
            data = result.data
            pieces.append(data if isinstance(data, bytes) else bytes(as_view(data)))
            return result

        if not self._pump(pos, size, one):
            return None
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def readinto(self, pos: int, view: memoryview) -> int:
        """:meth:`read`, into ``view``; the count of bytes written (0: none)."""
        return self._pump(
            pos, view.nbytes, lambda stream, got, want: stream.readinto(view[got : got + want])
        )

    def _pump(
        self, pos: int, size: int, one: Callable[[RangeStream, int, int], RangeResult]
    ) -> int:
        """Bytes read from ``pos`` by ``one(stream, bytes so far, how many now)``
        calls of at most a block each, up to ``size``."""
        got = 0
        while got < size:
            stream = self._ready(pos + got)
            if stream is None:
                break
            want = min(size - got, self._block_size)
            began = time.monotonic()
            try:
                result = one(stream, got, want)
            except Exception:
                self.close()
                break
            count = self._account(result, want, time.monotonic() - began)
            got += count
            if count < want:
                break
        return got

    def close(self) -> None:
        self.active = False
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception:
                pass

    def _ready(self, pos: int) -> RangeStream | None:
        if not self.active:
            return None
        if self._stream is None:
            if self.pos >= 0:  # it was open and ended: a stream is not reopened
                self.close()
                return None
            try:
                self._stream = self._open_stream(pos)
            except Exception:
                self.close()
                return None
            self.opened += 1
            self.pos = pos
        elif pos != self.pos:  # a seek: the stream is somewhere else
            self.close()
            return None
        return self._stream

    def _account(self, result: RangeResult, wanted: int, seconds: float) -> int:
        """Check and count one read of the stream; returns the bytes it gave."""
        got = as_view(result.data).nbytes
        try:
            self._src.check(result)
        except FileChangedError:
            self.close()
            raise
        self.pos += got
        self._bytes += got
        self._seconds += seconds
        if got < wanted:  # broken off: the reader completes the read
            self.close()
        elif self.pos >= self._src.size:  # the whole object: the response is done
            stream, self._stream = self._stream, None
            if stream is not None:
                stream.close()
        else:
            judged = self._bytes >= self._block_size or self._seconds >= WARM_UP
            if judged and self._bytes < FAST_STREAM * self._seconds:
                self.slow = True
                self.close()
        return got
