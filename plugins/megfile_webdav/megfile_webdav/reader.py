"""Reading a file: core's :class:`~megfile_core.io.prefetch.PrefetchReader` over
ranged GETs (parallel read-ahead, seekable, bounded memory).

The size comes from the PROPFIND (or HEAD) done at open; every GET answer's
``Content-Range`` size and ETag are checked by the reader, so a file replaced while
it is read raises :class:`~megfile_core.errors.FileChangedError`.
"""

from __future__ import annotations

import errno
from typing import IO, TYPE_CHECKING, Any

from megfile_core.io.prefetch import PrefetchReader, RangeResult

if TYPE_CHECKING:
    from megfile_webdav.path import WebdavPath

__all__ = ["READER_OPTIONS", "open_reader"]

READER_OPTIONS = ("block_size", "max_buffer_size", "max_workers", "block_forward")


def _total(content_range: str) -> int | None:
    """``bytes 0-9/120`` -> 120."""
    total = content_range.rpartition("/")[2].strip()
    return int(total) if total.isdigit() else None


def open_reader(path: WebdavPath, options: dict[str, Any]) -> IO[bytes]:
    stat = path.stat()
    if stat.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory", path.display_name)

    def read_range(start: int, end: int) -> RangeResult:
        response = path.get(start, end + 1)
        if response.status_code == 416:
            return RangeResult(b"", None, None)
        data = response.content
        version = response.headers.get("ETag") or response.headers.get("Last-Modified")
        if response.status_code == 200:  # the server ignores Range: the whole file
            return RangeResult(data[start : end + 1], len(data), version)
        return RangeResult(data, _total(response.headers.get("Content-Range", "")), version)

    reader_options = {k: options[k] for k in READER_OPTIONS if k in options}
    return PrefetchReader(  # type: ignore[return-value]
        read_range, name=path.display_name, size=stat.size, **reader_options
    )
