"""Reading a file: core's :class:`~megfile_core.io.prefetch.PrefetchReader` over
ranged GETs (parallel read-ahead, seekable, bounded memory).

The size comes from the PROPFIND (or HEAD) done at open; every GET answer's
``Content-Range`` size and ETag are checked by the reader, so a file replaced while
it is read raises :class:`~megfile_core.errors.FileChangedError`. Sequential reads
go over one streamed GET (``bytes=start-``) unless the reader measures parallel
ranges faster (core's "Streaming"): on a loopback WsgiDAV one stream is about
twice as fast as parallel ranges.
"""

from __future__ import annotations

import errno
from typing import IO, TYPE_CHECKING, Any

import requests

from megfile_core.io.prefetch import PrefetchReader, RangeResult

if TYPE_CHECKING:
    from megfile_webdav.path import WebdavPath

__all__ = ["READER_OPTIONS", "WebdavRangeStream", "open_reader"]

READER_OPTIONS = ("block_size", "max_buffer_size", "max_workers", "block_forward")


def _total(content_range: str) -> int | None:
    """``bytes 0-9/120`` -> 120."""
    total = content_range.rpartition("/")[2].strip()
    return int(total) if total.isdigit() else None


def _version(response: requests.Response) -> str | None:
    return response.headers.get("ETag") or response.headers.get("Last-Modified")


class WebdavRangeStream:
    """The file from ``start`` to its end over one streamed GET; a body that breaks
    off comes back short (the reader completes it with ranged GETs)."""

    def __init__(self, path: WebdavPath, start: int, size: int) -> None:
        self._response: requests.Response | None = path.get(start, None, stream=True)
        self._size = size
        self._version = _version(self._response)
        if self._response.status_code == 200 and start:  # Range ignored: skip ahead
            self._response.raw.read(start)

    def read(self, size: int, /) -> RangeResult:
        response = self._response
        data = b""
        if response is not None and size > 0:
            try:
                data = response.raw.read(size)
            except Exception:  # a broken body: the reader asks for the rest
                self.close()
                data = b""
        return RangeResult(data, self._size, self._version)

    def readinto(self, buffer: memoryview, /) -> RangeResult:
        result = self.read(buffer.nbytes)
        got = len(result.data)
        buffer[:got] = result.data
        return RangeResult(buffer[:got], self._size, self._version)

    def close(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            response.close()


def open_reader(path: WebdavPath, options: dict[str, Any]) -> IO[bytes]:
    stat = path.stat()
    if stat.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory", path.display_name)

    def read_range(start: int, end: int) -> RangeResult:
        response = path.get(start, end + 1)
        if response.status_code == 416:
            return RangeResult(b"", None, None)
        data = response.content
        version = _version(response)
        if response.status_code == 200:  # the server ignores Range: the whole file
            return RangeResult(data[start : end + 1], len(data), version)
        return RangeResult(data, _total(response.headers.get("Content-Range", "")), version)

    def open_stream(start: int) -> WebdavRangeStream:
        return WebdavRangeStream(path, start, stat.size)

    reader_options = {k: options[k] for k in READER_OPTIONS if k in options}
    return PrefetchReader(  # type: ignore[return-value]
        read_range,
        name=path.display_name,
        size=stat.size,
        open_stream=open_stream,
        **reader_options,
    )
