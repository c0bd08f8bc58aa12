"""Readers for ``open(url, "rb")``.

Opening sends one GET for the first 64 KiB with ``Range: bytes=0-65535``:

* a ``206`` without content coding means the server serves ranges: the reader is
  core's :class:`~megfile_core.io.prefetch.PrefetchReader` (seekable, parallel
  read-ahead) of the size the probe told, and reads inside the probe's bytes are
  served from them (a small file costs one request). Sequential reads stream
  over one ranged GET unless parallel ranges measure faster (from a near server
  straight into the caller's buffers while the stream is fast); a file of at most
  :data:`SMALL_FILE` from a server whose probe answer took :data:`FAR_SERVER` or
  more reads in parallel ranges from the start. Every later range
  request carries ``If-Range`` and its answer's ETag/Last-Modified and size are
  compared with the ones seen at open, so a file replaced mid-read raises
  :class:`~megfile_core.errors.FileChangedError` and never mixes bytes;
* a ``200`` (the server ignores ``Range``) or a content-coded body (gzip, decoded
  as requests does) gives :class:`HttpStreamReader`: forward-only, with ``tell``,
  ``seek`` forward (reads and discards) and resumption after a broken connection;
* a ``416`` means an empty file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import Executor
from typing import IO, TYPE_CHECKING, Any

import requests

from megfile_core import config
from megfile_core.errors import FileChangedError
from megfile_core.io import pool
from megfile_core.io.prefetch import PrefetchReader, RangeResult
from megfile_http.client import (
    HttpClient,
    ResponseInfo,
    read_bytes,
    readinto_exactly,
    release,
    translate_error,
)
from megfile_http.errors import HttpBodyIncompleteError, HttpStatusError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["READER_OPTIONS", "HttpStreamReader", "open_reader", "probe", "read_body"]

#: open options handed to the prefetch reader
READER_OPTIONS = ("block_size", "max_buffer_size", "max_workers", "block_forward")
_STREAM_CHUNK = 1 << 20
#: bytes asked by the open probe: enough for small files and headers, short enough
#: not to delay the parallel fetches on a slow link
PROBE_SIZE = 64 << 10
#: files up to this size skip the stream test when the open probe's answer took
#: at least :data:`FAR_SERVER` seconds: they read in parallel ranges at once
SMALL_FILE = 64 << 20
FAR_SERVER = 0.015


def read_executor() -> Executor:
    """The process-wide pool HTTP readers fetch on (core's, per backend)."""
    return pool.read_executor("http")


def probe(client: HttpClient, block_size: int) -> tuple[requests.Response, ResponseInfo]:
    """The first GET of a read: ``Range: bytes=0-{n-1}``, ``n`` at most 64 KiB."""
    size = min(block_size, PROBE_SIZE)
    response = client.request("GET", {"Range": f"bytes=0-{size - 1}"}, ok=(200, 206, 416))
    return response, ResponseInfo.of(response)


def open_reader(client: HttpClient, **options: Any) -> IO[bytes]:
    """A reader for ``client.url``; ``options`` are :data:`READER_OPTIONS`,
    ``stream`` (default True: sequential reads stream over one ranged GET, with
    parallel ranges only when they measure faster; False: every block is its own
    range request) and ``direct`` (default True: from a near server, sequential
    reads come straight from that stream in the caller's thread while it stays
    fast, core's "Direct reads"; False: the stream fills blocks read ahead)."""
    block_size = options.get("block_size") or config.reader_block_size()
    response, info = probe(client, block_size)
    if info.status == 416:
        response.close()
        if info.size not in (None, 0):
            raise HttpStatusError(
                f"GET {client.name}: HTTP 416 to a range starting at byte 0 of a "
                f"{info.size}-byte file",
                416,
            )
        empty = PrefetchReader(_no_range(client), name=client.name, size=0, version=info.version)
        return empty  # type: ignore[return-value]
    if (
        info.status == 206
        and info.encoding is None
        and info.size is not None
        and info.range_start == 0
    ):
        reader = _prefetch_reader(client, response, info, block_size, options)
        return reader  # type: ignore[return-value]
    if info.status == 206:  # a range of a coded body, or no total size: stream it whole
        response.close()
        response = client.request("GET", ok=(200,))
        info = ResponseInfo.of(response)
    return HttpStreamReader(client, response, info)  # type: ignore[return-value]


def _no_range(client: HttpClient) -> Callable[[int, int], RangeResult]:
    def read_range(start: int, end: int) -> RangeResult:  # pragma: no cover - size 0
        raise HttpStatusError(f"{client.name} is empty: nothing to read at {start}-{end}")

    return read_range


def make_read_range(client: HttpClient, info: ResponseInfo) -> Callable[[int, int], RangeResult]:
    size, version, if_range = info.size, info.version, info.if_range
    assert size is not None

    def read_range(start: int, end: int) -> RangeResult:
        end = min(end, size - 1)
        if end < start:
            return RangeResult(b"", size, version)
        data = client.read_range_bytes(start, end + 1, size, version, if_range)
        return RangeResult(data, size, version)

    return read_range


class HttpRangeStream:
    """The file from ``start`` to its end over one ranged GET (``bytes=start-last``,
    with ``If-Range``): the prefetch reader's stream primitive. ``read`` returns
    ``bytes`` received in place; a body that breaks off comes back short (the
    reader completes it with a range request)."""

    def __init__(self, client: HttpClient, info: ResponseInfo, start: int) -> None:
        assert info.size is not None
        self._size = info.size
        self._version = info.version
        self._response: requests.Response | None = client.policy.call(
            client.open_range, start, info.size - 1, info.size, info.version, info.if_range
        )
        self._left = info.size - start

    def read(self, size: int, /) -> RangeResult:
        response = self._response
        data = b""
        if response is not None and size > 0:
            data = read_bytes(response, min(size, self._left))
            self._left -= len(data)
            if not self._left:
                self._response = None
                release(response)
        return RangeResult(data, self._size, self._version)

    def readinto(self, buffer: memoryview, /) -> RangeResult:
        response = self._response
        got = 0
        if response is not None and buffer.nbytes:
            got = readinto_exactly(response, buffer[: min(buffer.nbytes, self._left)])
            self._left -= got
            if not self._left:
                self._response = None
                release(response)
        return RangeResult(buffer[:got], self._size, self._version)

    def close(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            response.close()


def read_body(
    client: HttpClient, response: requests.Response, info: ResponseInfo, start: int, stop: int
) -> bytearray:
    """The body of a 206 for bytes ``[start, stop)``, completed by range requests
    if it broke off."""
    assert info.size is not None
    buffer = bytearray(stop - start)
    view = memoryview(buffer)
    try:
        got = readinto_exactly(response, view)
    except Exception as error:
        response.close()
        if not client.policy.should_retry(translate_error(error, "GET", client.url)):
            raise translate_error(error, "GET", client.url) from error
        got = 0  # ask again below, from the start of this body
    else:
        if got == len(buffer) and info.range_end == stop - 1:
            release(response)
        else:
            response.close()
            if info.range_end != stop - 1:
                got = 0
    if got < len(buffer):
        client.read_range_into(start + got, view[got:], info.size, info.version, info.if_range)
    return buffer


def _prefetch_reader(
    client: HttpClient,
    response: requests.Response,
    info: ResponseInfo,
    block_size: int,
    options: dict[str, Any],
) -> PrefetchReader:
    """The probe told size and version: the reader starts its parallel fetches at
    the first read (no second round trip at open); ranges inside the probe's bytes
    are served from them."""
    assert info.size is not None
    stop = min(PROBE_SIZE, block_size, info.size)
    head = read_body(client, response, info, 0, stop)
    read_range = make_read_range(client, info)

    def read_range_or_head(start: int, end: int) -> RangeResult:
        if end < stop:
            return RangeResult(memoryview(head)[start : end + 1], info.size, info.version)
        return read_range(start, end)

    reader_options = {k: options[k] for k in READER_OPTIONS if options.get(k) is not None}
    reader_options["block_size"] = block_size
    if "block_forward" not in reader_options:
        # A fixed depth, not core's adaptive window: behind the benchmark's capped
        # proxy the window settled below the 16 ranges that read fastest (512 MiB:
        # 249-276 MiB/s against 320-324, interleaved, docs/benchmarks.md)
        budget = reader_options.get("max_buffer_size", config.reader_max_buffer_size())
        reader_options["block_forward"] = max(budget // block_size - 1, 0)
    if options.get("max_workers") is None:
        reader_options["executor"] = read_executor()

    def open_stream(start: int) -> HttpRangeStream:
        return HttpRangeStream(client, info, start)

    streaming = options.get("stream", True)
    elapsed = getattr(response, "elapsed", None)  # requests: until the headers came
    answered = None if elapsed is None else elapsed.total_seconds()
    if streaming and info.size <= SMALL_FILE and answered is not None and answered >= FAR_SERVER:
        # The stream test (core's "Streaming") needs a block or 0.1 s of warm-up,
        # then a second stream timed beside the first: behind a round trip or a
        # per-connection cap a small file is mostly read over one slow stream
        # before the verdict (48 MiB at 20 ms + 400 Mbit/s: 46 MiB/s, megfile's
        # parallel ranges 90). Parallel ranges from the start instead; a near
        # server (loopback: well under a millisecond) keeps the stream, which is
        # faster there (one connection is CPU-bound, more only compete). 15 ms:
        # above a busy loopback server's answer, below one round trip to a far one.
        streaming = False
    # A near server streams faster than a reader takes bytes: read straight from
    # the response while that holds (core's "Direct reads"); a far one keeps the
    # blocks read ahead
    near = answered is not None and answered < FAR_SERVER
    return PrefetchReader(
        read_range_or_head,
        name=client.name,
        size=info.size,
        version=info.version,
        open_stream=open_stream if streaming else None,
        direct=streaming and near and options.get("direct", True),
        **reader_options,
    )


class HttpStreamReader(io.BufferedIOBase):
    """A forward-only reader over one streaming response.

    ``tell()`` counts the (decoded) bytes returned; ``seek`` forward reads and
    discards; a backward seek raises ``io.UnsupportedOperation``. A broken
    connection is retried: with ``Range: bytes=N-`` and ``If-Range`` when the
    server offers ranges and the body is not content-coded, else by asking again
    and skipping the bytes already returned (then the validator, when the server
    sends one, must match, or FileChangedError is raised).
    """

    def __init__(self, client: HttpClient, response: requests.Response, info: ResponseInfo) -> None:
        super().__init__()
        self._client = client
        self._response: requests.Response | None = response
        self._info = info
        self._offset = 0  # decoded bytes taken from the network
        self._buffer = bytearray()
        self._eof = False

    # -- file API --------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._client.name

    @property
    def mode(self) -> str:
        return "rb"

    @property
    def size(self) -> int | None:
        """The file size when the response told it, else ``None``."""
        return self._info.size

    @property
    def version(self) -> str | None:
        return self._info.version

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<{type(self).__name__} name={self.name!r} mode='rb'{state}>"

    def readable(self) -> bool:
        self._check_open()
        return True

    def seekable(self) -> bool:
        self._check_open()
        return False

    def writable(self) -> bool:
        self._check_open()
        return False

    def tell(self) -> int:
        self._check_open()
        return self._offset - len(self._buffer)

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        self._check_open()
        here = self.tell()
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = here + offset
        elif whence == io.SEEK_END:
            if self._info.size is None:
                raise io.UnsupportedOperation(
                    f"{self.name}: seek from the end needs the size, which the server did not send"
                )
            target = self._info.size + offset
        else:
            raise ValueError(f"invalid whence ({whence!r}, should be 0, 1 or 2)")
        if target < here:
            raise io.UnsupportedOperation(
                f"{self.name}: cannot seek back to {target} from {here}: the server does "
                "not serve byte ranges (or the body is compressed), so this reader only "
                "moves forward; open the file again to start over"
            )
        remaining = target - here
        while remaining:
            chunk = self.read(min(remaining, _STREAM_CHUNK))
            if not chunk:
                break
            remaining -= len(chunk)
        return target - remaining

    def read(self, size: int | None = -1, /) -> bytes:
        self._check_open()
        if size is None or size < 0:
            pieces = [bytes(self._buffer)]
            self._buffer.clear()
            while True:
                chunk = self._pull(_STREAM_CHUNK)
                if not chunk:
                    break
                pieces.append(chunk)
            return b"".join(pieces)
        if len(self._buffer) >= size:
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data
        pieces = [bytes(self._buffer)]
        have = len(self._buffer)
        self._buffer.clear()
        while have < size:
            chunk = self._pull(size - have)
            if not chunk:
                break
            pieces.append(chunk)
            have += len(chunk)
        return b"".join(pieces)

    def read1(self, size: int = -1, /) -> bytes:
        self._check_open()
        if self._buffer:
            count = len(self._buffer) if size is None or size < 0 else size
            data = bytes(self._buffer[:count])
            del self._buffer[:count]
            return data
        return self._pull(_STREAM_CHUNK if size is None or size < 0 else size)

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        with memoryview(buffer) as raw, raw.cast("B") as view:
            data = self.read(view.nbytes)
            view[: len(data)] = data
            return len(data)

    def readinto1(self, buffer: WriteableBuffer, /) -> int:
        with memoryview(buffer) as raw, raw.cast("B") as view:
            data = self.read1(view.nbytes)
            view[: len(data)] = data
            return len(data)

    def peek(self, size: int = 0, /) -> bytes:
        self._check_open()
        if not self._buffer:
            self._buffer += self._pull(_STREAM_CHUNK)
        return bytes(self._buffer)

    def readline(self, size: int | None = -1, /) -> bytes:
        self._check_open()
        limit = -1 if size is None else size
        scanned = 0
        while True:
            found = self._buffer.find(b"\n", scanned)
            if found >= 0:
                stop = found + 1
                break
            if 0 <= limit <= len(self._buffer):
                stop = limit
                break
            scanned = len(self._buffer)
            chunk = self._pull(_STREAM_CHUNK)
            if not chunk:
                stop = len(self._buffer)
                break
            self._buffer += chunk
        if 0 <= limit < stop:
            stop = limit
        line = bytes(self._buffer[:stop])
        del self._buffer[:stop]
        return line

    def close(self) -> None:
        if self.closed:
            return
        response, self._response = self._response, None
        if response is not None:
            response.close()
        self._buffer.clear()
        super().close()

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError(f"I/O operation on closed file {self.name!r}")

    # -- network ---------------------------------------------------------------
    def _pull(self, size: int) -> bytes:
        """Up to ``size`` new bytes from the network; ``b""`` at the end."""
        if self._eof or size <= 0:
            return b""
        attempts = 0
        policy = self._client.policy
        while True:
            try:
                data = self._read_some(size)
                break
            except Exception as raw_error:
                error = translate_error(raw_error, "GET", self._client.url)
                if isinstance(error, FileChangedError) or not policy.should_retry(error):
                    raise error from None
                attempts += 1
                if attempts >= policy.attempts:
                    raise error from None
                policy.sleep(policy.backoff(attempts - 1))
                old, self._response = self._response, None  # _read_some asks again
                if old is not None:
                    old.close()
        if not data:
            self._eof = True
            self._release()
        self._offset += len(data)
        return data

    def _read_some(self, size: int) -> bytes:
        response = self._response
        if response is None:
            self._reconnect()
            response = self._response
            assert response is not None
        raw = response.raw
        fp = getattr(raw, "_fp", None)
        if self._info.encoding is None and fp is not None:
            # one receive at most: bytes that arrived before a break are kept
            data: bytes = fp.read1(size)
        else:
            data = raw.read1(size, decode_content=True)
        if not data:
            expected = self._info.size
            if expected is not None and self._offset < expected:
                raise HttpBodyIncompleteError(
                    f"GET {self._client.name}: the body ended at byte {self._offset} of {expected}"
                )
        return data

    def _release(self) -> None:
        response = self._response
        if response is not None:
            release(response)

    def _reconnect(self) -> None:
        """Ask again from the current offset (a range, or from 0 and skip)."""
        old, self._response = self._response, None
        if old is not None:
            old.close()
        client, info, offset = self._client, self._info, self._offset
        validator = info.if_range
        if offset and info.accept_ranges and info.encoding is None:
            headers = {"Range": f"bytes={offset}-"}
            if validator:
                headers["If-Range"] = validator
            response = client.send("GET", headers, ok=(200, 206))
        else:
            response = client.send("GET", ok=(200,))
        new = ResponseInfo.of(response)
        try:
            if info.version is not None and new.version != info.version:
                raise FileChangedError(
                    f"{client.name} changed while it was being read: version "
                    f"{info.version!r} when opened, now {new.version!r}; open it again"
                )
            if new.status == 206:
                if new.range_start != offset:
                    raise HttpStatusError(
                        f"GET {client.name}: asked for bytes from {offset}, got "
                        f"{response.headers.get('Content-Range')!r}",
                        206,
                    )
            else:
                skip = offset
                while skip:
                    chunk = response.raw.read(min(skip, _STREAM_CHUNK), decode_content=True)
                    if not chunk:
                        raise HttpBodyIncompleteError(
                            f"GET {client.name}: the body ended while skipping to byte {offset}"
                        )
                    skip -= len(chunk)
        except BaseException:
            response.close()
            raise
        self._response = response
