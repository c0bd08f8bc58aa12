"""Reading S3 objects through core's :class:`~megfile_core.io.prefetch.PrefetchReader`.

The reader's one primitive is a ranged GET: ``read_range(start, end)`` sends
``Range: bytes=start-end`` and reads the body, both inside one retried unit (a
connection cut mid-body is retried like a 503). The first block is fetched at open;
its ``Content-Range`` tells the size and its ``ETag`` becomes the version every later
block must match (:class:`~megfile_core.errors.FileChangedError` otherwise), so no
HEAD is sent. An empty object answers ``InvalidRange`` (AWS, moto) or ``200`` with an
empty body (some servers): both give size 0.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, Any

import botocore.exceptions

from megfile_core import config as core_config
from megfile_core.io.prefetch import PrefetchReader, RangeResult
from megfile_s3.client import S3Client, retry_call, settings_of
from megfile_s3.errors import error_code, raise_s3_error

__all__ = ["READER_OPTIONS", "ObjectInfo", "make_read_range", "open_reader"]

#: open options the S3 reader understands
READER_OPTIONS = ("block_size", "max_buffer_size", "max_workers", "block_forward", "lazy")


class ObjectInfo:
    """What the first response told about the object (metadata, for symlinks)."""

    __slots__ = ("etag", "metadata", "size")

    def __init__(self) -> None:
        self.metadata: dict[str, str] | None = None
        self.size: int | None = None
        self.etag: str | None = None


def _size_of(content_range: str | None) -> int | None:
    if not content_range:
        return None
    total = content_range.rpartition("/")[2].strip()
    return int(total) if total.isdigit() else None


def make_read_range(
    client: S3Client, bucket: str, key: str, url: str, info: ObjectInfo | None = None
) -> Callable[[int, int], RangeResult]:
    """``read_range(start, end_inclusive)`` over ranged GETs of ``s3://bucket/key``."""
    settings = settings_of(client)

    def once(start: int, end: int) -> RangeResult:
        try:
            response = client.get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{end}")
        except botocore.exceptions.ClientError as error:
            if error_code(error) != "InvalidRange":
                raise
            actual = str(error.response.get("Error", {}).get("ActualObjectSize", ""))
            if start == 0 and actual in ("", "0"):
                # an empty object (or a link): a plain GET gives its metadata and ETag
                response = client.get_object(Bucket=bucket, Key=key)
                with response["Body"] as body:
                    whole: bytes = body.read()
                if info is not None and info.metadata is None:
                    info.metadata = dict(response.get("Metadata") or {})
                    info.size = len(whole)
                    info.etag = response.get("ETag")
                return RangeResult(whole[: end + 1], len(whole), response.get("ETag"))
            if actual.isdigit():  # asked past the end: the reader then sees the size
                return RangeResult(b"", int(actual), None)
            raise
        body = response["Body"]
        try:
            data: bytes | memoryview = body.read()
        finally:
            body.close()

        size = _size_of(response.get("ContentRange"))
        if size is None:  # a 200 with the whole object: the server ignored Range
            size = len(data)
            data = memoryview(data)[start : end + 1]
        etag = response.get("ETag")
        if info is not None and info.metadata is None:
            info.metadata = dict(response.get("Metadata") or {})
            info.size = size
            info.etag = etag
        return RangeResult(data, size, etag)

    def read_range(start: int, end: int) -> RangeResult:
        with raise_s3_error(url, settings):
            return retry_call(once, start, end)

    return read_range


def open_reader(
    client: S3Client, bucket: str, key: str, url: str, options: dict[str, Any],
    info: ObjectInfo | None = None,
) -> IO[bytes]:
    """A prefetching reader of the object; ``buffered=True`` wraps it in a
    ``BufferedReader``. ``lazy=True`` (or ``MEGFILE_READER_LAZY_PREFETCH``) sends a
    HEAD at open instead of the first block; so does ``share_cache_key`` (see
    :mod:`megfile_s3.shared_cache`)."""
    reader_options = {k: options[k] for k in READER_OPTIONS if options.get(k) is not None}
    if "lazy" not in reader_options and core_config.env_bool(
            "MEGFILE_READER_LAZY_PREFETCH", False):
        reader_options["lazy"] = True
    settings = settings_of(client)

    def stat() -> tuple[int, str | None]:
        with raise_s3_error(url, settings):
            head = client.head_object(Bucket=bucket, Key=key)
        if info is not None:
            info.metadata = dict(head.get("Metadata") or {})
            info.size = int(head["ContentLength"])
            info.etag = head.get("ETag")
        return int(head["ContentLength"]), head.get("ETag")

    share_key = options.get("share_cache_key")
    if share_key is not None:
        reader = _shared_reader(str(share_key), make_read_range(client, bucket, key, url),
                                url, stat, reader_options)
    else:
        reader = PrefetchReader(make_read_range(client, bucket, key, url, info), name=url,
                                stat=stat, **reader_options)
    if options.get("buffered"):
        return io.BufferedReader(reader)
    return reader  # type: ignore[return-value]


def _shared_reader(share_key: str, read_range: Callable[[int, int], RangeResult], url: str,
                   stat: Callable[[], tuple[int, str | None]],
                   options: dict[str, Any]) -> PrefetchReader:
    """A reader whose whole blocks come from the LRU shared under ``share_key``."""
    from megfile_s3 import shared_cache

    size, etag = stat()
    options = {k: v for k, v in options.items() if k != "lazy"}
    if not size or not etag:  # nothing to share (or nothing to name the blocks by)
        return PrefetchReader(read_range, name=url, size=size, version=etag, **options)
    block_size = options.get("block_size") or core_config.reader_block_size()
    options["block_size"] = block_size
    capacity = options.get("max_buffer_size")
    if capacity is None:
        capacity = core_config.reader_max_buffer_size()
    cache = shared_cache.acquire(share_key, url, etag, capacity)
    return shared_cache.SharedCacheReader(
        cache.read_range(url, etag, size, block_size, read_range),
        release=lambda: shared_cache.release(cache, url, etag),
        name=url, size=size, version=etag, **options)
