"""``http(s) → file`` copies: parallel ranged downloads written at their offsets.

When the server serves ranges, the first GET (``Range: bytes=0-{block-1}``) tells
the size and validator; the other blocks are fetched on the shared pool (at most
``max_workers`` at a time) and each is streamed to its offset of a temp file beside
the target with ``os.pwrite``, so memory stays at one chunk per worker. Every block
is guarded like a read (``If-Range`` plus ETag/size comparison). The temp file is
renamed over the target only when every byte arrived, and the local mtime is set
from ``Last-Modified``. A server without ranges is streamed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import requests

from megfile_core import config
from megfile_core.io.copy import copy_stream, open_download, stream_copy
from megfile_core.io.pool import bounded_map, get_executor
from megfile_core.smart_path import SmartPath
from megfile_core.url import split_scheme
from megfile_http.client import HttpClient, ResponseInfo
from megfile_http.path import HttpPath
from megfile_http.readers import PROBE_SIZE, HttpStreamReader, probe, read_body

if TYPE_CHECKING:
    from megfile_core.builtin.atomic import AtomicFile

__all__ = ["download"]

_CHUNK = 1 << 20


def _local_target(dst: str) -> str | None:
    scheme, rest = split_scheme(dst)
    if not scheme:
        return dst
    if scheme == "file":
        return rest
    return None


def download(
    src_path: str,
    dst_path: str,
    *,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
    block_size: int | None = None,
    max_workers: int | None = None,
) -> None:
    """Copy ``src_path`` (http/https) to the local file ``dst_path``."""
    local = _local_target(dst_path)
    if local is None:  # registered for file only; stay correct if called otherwise
        stream_copy(
            SmartPath(src_path).pathlike,
            SmartPath(dst_path).pathlike,
            callback=callback,
            overwrite=overwrite,
        )
        return
    if os.path.isdir(local):
        raise IsADirectoryError(f"is a directory: {dst_path} (give a file name)")
    if not overwrite and os.path.exists(local):
        return
    client = HttpPath(src_path)._client()
    block_size = block_size or config.reader_block_size()
    workers = max_workers or config.max_workers()
    # the first answer before anything local: a missing source creates nothing
    response, info = probe(client, block_size)
    try:
        out = open_download(local)
    except BaseException:
        response.close()
        raise
    with out:
        info = _fill(client, out, block_size, workers, callback, response, info)
        out.mtime = info.mtime


def _fill(
    client: HttpClient,
    out: AtomicFile,
    block_size: int,
    workers: int,
    callback: Callable[[int], None] | None,
    response: requests.Response,
    info: ResponseInfo,
) -> ResponseInfo:
    if info.status == 416:
        response.close()
        return info
    if (
        info.status == 206
        and info.encoding is None
        and info.size is not None
        and info.range_start == 0
    ):
        size = info.size
        first = read_body(client, response, info, 0, min(PROBE_SIZE, block_size, size))
        fd = out.fileno()
        os.pwrite(fd, first, 0)
        if callback is not None:
            callback(len(first))
        _parallel_blocks(client, info, fd, len(first), block_size, workers, callback)
        return info
    if info.status == 206:
        response.close()
        response = client.request("GET", ok=(200,))
        info = ResponseInfo.of(response)
    with HttpStreamReader(client, response, info) as stream:
        copy_stream(stream, out, callback, size=info.size)
    return info


def _parallel_blocks(
    client: HttpClient,
    info: ResponseInfo,
    fd: int,
    start: int,
    block_size: int,
    workers: int,
    callback: Callable[[int], None] | None,
) -> None:
    size = info.size
    assert size is not None
    offsets = range(start, size, block_size)

    def write(position: int, piece: memoryview) -> None:
        written = 0
        while written < piece.nbytes:
            written += os.pwrite(fd, piece[written:], position + written)

    def fetch(offset: int) -> int:
        length = min(offset + block_size, size) - offset
        scratch = memoryview(bytearray(min(_CHUNK, length)))
        client.read_range_into(
            offset, scratch, size, info.version, info.if_range, sink=write, length=length
        )
        return length

    bounded_map(
        fetch, offsets, workers, executor=get_executor(), window=workers, on_result=callback
    )
