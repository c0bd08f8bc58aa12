"""Reading S3 objects through core's :class:`~megfile_core.io.prefetch.PrefetchReader`.

The reader's one primitive is a ranged GET: ``read_range(start, end)`` sends
``Range: bytes=start-end`` and reads the body, both inside one retried unit (a
connection cut mid-body is retried like a 503). The first 2 MiB (at most a block) are
fetched at open, not a whole block with read-ahead, so an open followed by seeks costs
little, and a stream from inside them starts with them; their
``Content-Range`` tells the size and their ``ETag`` becomes the version every later
block must match (:class:`~megfile_core.errors.FileChangedError` otherwise), so no
HEAD is sent. An empty object answers ``InvalidRange`` (AWS, moto) or ``200`` with an
empty body (some servers): both give size 0. Every GET is sent lean first
(:mod:`megfile_s3.lean`: no botocore pipeline), then through ``get_object`` when
its answer is anything else than the bytes asked for.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime
from typing import IO, Any

from megfile_core import config as core_config
from megfile_core.io import pool
from megfile_core.io.prefetch import PrefetchReader, RangeResult, ReadInto
from megfile_core.io.ranges import joined
from megfile_s3 import lean
from megfile_s3.client import S3Client, retry_call, settings_of
from megfile_s3.errors import error_code, raise_s3_error
from megfile_s3.presigned import PresignedRanges, read_exactly, total_size

__all__ = ["READER_OPTIONS", "ObjectInfo", "make_read_range", "open_reader", "probe_range"]

#: open options the S3 reader understands
READER_OPTIONS = ("block_size", "max_buffer_size", "max_workers", "block_forward", "lazy")

#: bytes of the GET sent at open (at most a block): size, ETag and objects up to
#: this size in one request, while a reader that then seeks pays a quarter block
PROBE_SIZE = 2 << 20


class ObjectInfo:
    """What the first response told about the object (metadata, for symlinks)."""

    __slots__ = ("body_sample", "etag", "last_modified", "metadata", "size")

    def __init__(self) -> None:
        self.metadata: dict[str, str] | None = None
        self.size: int | None = None
        self.etag: str | None = None
        self.last_modified: datetime | None = None
        #: (bytes, seconds) of the first ranged body, timed once its headers were in
        self.body_sample: tuple[int, float] | None = None

    def record(self, response: dict[str, Any], size: int) -> None:
        if self.metadata is None:
            self.metadata = dict(response.get("Metadata") or {})
            self.size = size
            self.etag = response.get("ETag")
            self.last_modified = response.get("LastModified")


def read_executor() -> Executor:
    """The process-wide pool S3 readers fetch on (core's, per backend)."""
    return pool.read_executor("s3")


def _raw_body(response: dict[str, Any]) -> Any:
    """http.client's response under botocore's body (reads land in the result, no
    intermediate copies), or the botocore body when that is not reachable."""
    body = response["Body"]
    fp = getattr(getattr(body, "_raw_stream", None), "_fp", None)
    return fp if fp is not None and hasattr(fp, "readinto") else None


def _release(response: dict[str, Any]) -> None:
    """Give a fully read response's connection back to the pool."""
    raw = getattr(response["Body"], "_raw_stream", None)
    releaser = getattr(raw, "release_conn", None)
    if releaser is not None:
        releaser()
    else:
        response["Body"].close()


def read_body(response: dict[str, Any]) -> bytes:
    """The whole body of a GetObject response as one ``bytes`` (read in place when
    the length is known)."""
    body = response["Body"]
    length = response.get("ContentLength")
    if _raw_body(response) is None or length is None:
        try:
            data: bytes = body.read()
        finally:
            body.close()
        return data
    return read_exactly(body._raw_stream, int(length))


class S3RangeStream:
    """The object from ``start`` to its end over one ``GetObject`` with
    ``Range: bytes=start-last``: the prefetch reader's stream primitive (the reader
    compares the answer's ETag with the one seen at open). ``read`` returns ``bytes``
    received in place; a body that breaks off comes back short (the reader completes
    it with ranged GETs)."""

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        key: str,
        url: str,
        size: int,
        etag: str | None,
        start: int,
    ) -> None:
        self._size = size
        self._etag = etag
        self._left = size - start
        params: dict[str, Any] = {
            "Bucket": bucket,
            "Key": key,
            "Range": f"bytes={start}-{size - 1}",
        }
        with raise_s3_error(url, settings_of(client)):
            self._response: dict[str, Any] | None = client.get_object(**params)
        response = self._response
        assert response is not None
        self._version = response.get("ETag") or etag
        self._fp = _raw_body(response)
        total = total_size(response.get("ContentRange"))
        if total is not None and total != size:  # replaced meanwhile: let the reader see it
            self._size = total

    def _finish(self, got: int) -> None:
        self._left -= got
        response = self._response
        if response is not None and (not self._left or not got):
            self._response = None
            if self._left:
                response["Body"].close()
            else:
                _release(response)

    def read(self, size: int, /) -> RangeResult:
        data = b""
        if self._response is not None and size > 0:
            count = min(size, self._left)
            try:
                if self._fp is not None:
                    data = self._fp.read(count)
                else:
                    data = self._response["Body"].read(count)
            except Exception:  # a broken body: the reader completes the block
                data = b""
            self._finish(len(data))
        return RangeResult(data, self._size, self._version)

    def readinto(self, buffer: memoryview, /) -> RangeResult:
        got = 0
        if self._response is not None and buffer.nbytes:
            target = buffer[: min(buffer.nbytes, self._left)]
            try:
                while got < target.nbytes:
                    if self._fp is not None:
                        count = self._fp.readinto(target[got:])
                    else:
                        piece = self._response["Body"].read(target.nbytes - got)
                        count = len(piece)
                        target[got : got + count] = piece
                    if not count:
                        break
                    got += count
            except Exception:
                pass
            self._finish(got)
        return RangeResult(buffer[:got], self._size, self._version)

    def close(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            response["Body"].close()


def make_read_range(
    client: S3Client, bucket: str, key: str, url: str, info: ObjectInfo | None = None
) -> Callable[[int, int], RangeResult]:
    """``read_range(start, end_inclusive)`` over ranged GETs of ``s3://bucket/key``,
    sent lean (:mod:`megfile_s3.lean`, :mod:`megfile_s3.presigned`) whenever that
    answers exactly the range asked (a ``206``, or a ``200`` that proves it is the
    range), else through ``get_object``; the first answer's metadata is recorded in
    ``info``."""
    return make_reads(client, bucket, key, url, info)[0]


def make_reads(
    client: S3Client,
    bucket: str,
    key: str,
    url: str,
    info: ObjectInfo | None = None,
) -> tuple[Callable[[int, int], RangeResult], ReadInto]:
    """:func:`make_read_range` and its ``read_into(start, end, buffer)``: the
    lean answer's body is read into the reader's block buffer (the fall-back
    through ``get_object`` answers with its own bytes). The first range (the open
    probe, while ``info`` holds no metadata) goes over :mod:`megfile_s3.lean`
    first: one lean GET, its metadata from the headers."""
    settings = settings_of(client)
    fast = PresignedRanges(client, bucket, key)

    def once(start: int, end: int, buffer: memoryview | None = None) -> RangeResult:
        if info is None or info.metadata is not None:  # the first answer is recorded
            answer = fast.get_into(start, end, buffer)
            if answer is not None:
                return RangeResult(*answer)
        else:
            probe = lean.get(client, bucket, key, start, end)
            if isinstance(probe, lean.LeanAnswer):
                info.record(probe.response(), probe.size)
                if info.body_sample is None and probe.read_seconds is not None:
                    info.body_sample = (len(probe.data), probe.read_seconds)
                return RangeResult(probe.data, probe.size, probe.etag, probe.waited)
            if probe == 416 and start == 0:  # no byte 0: what get_object would learn too
                return _get_whole(client, bucket, key, end, info)
        return _get_object_range(client, bucket, key, start, end, info)

    def read_range(start: int, end: int) -> RangeResult:
        with raise_s3_error(url, settings):
            return retry_call(once, start, end)

    def read_into(start: int, end: int, buffer: memoryview) -> RangeResult:
        with raise_s3_error(url, settings):
            return retry_call(once, start, end, buffer)

    return read_range, read_into


def _get_object_range(
    client: S3Client, bucket: str, key: str, start: int, end: int, info: ObjectInfo | None
) -> RangeResult:
    """Bytes ``start``-``end`` through ``get_object`` (metadata recorded in ``info``)."""
    import botocore.exceptions

    try:
        response = client.get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{end}")
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "InvalidRange":
            raise
        actual = str(error.response.get("Error", {}).get("ActualObjectSize", ""))
        if start == 0 and actual in ("", "0"):
            return _get_whole(client, bucket, key, end, info)
        if actual.isdigit():  # asked past the end: the reader then sees the size
            return RangeResult(b"", int(actual), None)
        raise
    began = time.monotonic()
    data: bytes | memoryview = read_body(response)
    if info is not None and info.body_sample is None:
        info.body_sample = (len(data), time.monotonic() - began)
    size = total_size(response.get("ContentRange"))
    if size is None:  # a 200 with the whole object: the server ignored Range
        size = len(data)
        data = memoryview(data)[start : end + 1]
    if info is not None:
        info.record(response, size)
    return RangeResult(data, size, response.get("ETag"))


def _get_whole(
    client: S3Client, bucket: str, key: str, end: int, info: ObjectInfo | None
) -> RangeResult:
    """An empty object (or a link) has no byte 0: a plain GET gives its metadata and
    ETag (a lean one when it can: an empty object needs no client either)."""
    answer = lean.get(client, bucket, key)
    if isinstance(answer, lean.LeanAnswer):
        if info is not None:
            info.record(answer.response(), answer.size)
        return RangeResult(answer.data[: end + 1], answer.size, answer.etag)
    response = client.get_object(Bucket=bucket, Key=key)
    with response["Body"] as body:
        data: bytes = body.read()
    if info is not None:
        info.record(response, len(data))
    return RangeResult(data[: end + 1], len(data), response.get("ETag"))


def probe_range(options: dict[str, Any]) -> tuple[int, int] | None:
    """The bytes :func:`open_reader` GETs at open with these options (the probe),
    or None when it sends a HEAD instead or shares a cache."""
    lazy = options.get("lazy")
    if lazy is None:
        lazy = core_config.env_bool("MEGFILE_READER_LAZY_PREFETCH", False)
    if lazy or options.get("share_cache_key") is not None:
        return None
    block_size = options.get("block_size") or core_config.reader_block_size()
    return 0, min(PROBE_SIZE, block_size) - 1


def open_reader(
    client: S3Client,
    bucket: str,
    key: str,
    url: str,
    options: dict[str, Any],
    info: ObjectInfo | None = None,
) -> IO[bytes]:
    """A prefetching reader of the object; ``buffered=True`` wraps it in a
    ``BufferedReader``. ``lazy=True`` (or ``MEGFILE_READER_LAZY_PREFETCH``) sends a
    HEAD at open instead of the probe; so does ``share_cache_key`` (see
    :mod:`megfile_s3.shared_cache`).

    Sequential reads are parallel ranged GETs of whole blocks. ``stream=True``
    reads them over one GET to the end instead, unless the probe's body came slower
    than core's fast-stream rate (then one connection is the limit, as on real S3:
    ~50-100 MiB/s each); core's reader still switches to ranges when two
    connections prove faster. Against s3rver (one node process) ranges were faster
    in every setting measured (``docs/benchmarks.md``), hence the default."""
    reader_options = {k: options[k] for k in READER_OPTIONS if options.get(k) is not None}
    if "lazy" not in reader_options and core_config.env_bool("MEGFILE_READER_LAZY_PREFETCH", False):
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
        reader = _shared_reader(
            str(share_key), make_read_range(client, bucket, key, url), url, stat, reader_options
        )
    else:
        known = info if info is not None else ObjectInfo()

        def open_stream(start: int) -> S3RangeStream:
            size = known.size
            if size is None:  # only after a lazy open: the reader knows it from stat
                size, known.etag = stat()
            return S3RangeStream(client, bucket, key, url, size, known.etag, start)

        if options.get("max_workers") is None:
            reader_options["executor"] = read_executor()
        read_range, read_into = make_reads(client, bucket, key, url, known)
        streaming: Callable[[int], Any] | None = open_stream
        if not reader_options.get("lazy"):
            read_range, read_into, head = _probe(read_range, read_into, reader_options, url)
            if head.nbytes >= reader_options["size"]:  # every byte: nothing to stream
                streaming = None
            elif head.nbytes:

                def streaming(start: int) -> Any:
                    if start >= head.nbytes:
                        return open_stream(start)
                    return _HeadStream(
                        head, start, open_stream, reader_options["size"], reader_options["version"]
                    )

        if not options.get("stream"):
            streaming = None
        reader = PrefetchReader(
            read_range,
            name=url,
            stat=stat,
            open_stream=streaming,
            first_sample=known.body_sample,
            read_into=read_into,
            **reader_options,
        )
    if options.get("buffered"):
        return io.BufferedReader(reader)
    return reader  # type: ignore[return-value]


def _probe(
    read_range: Callable[[int, int], RangeResult],
    read_into: ReadInto,
    reader_options: dict[str, Any],
    name: str,
) -> tuple[Callable[[int, int], RangeResult], ReadInto, memoryview]:
    """GET the first :data:`PROBE_SIZE` bytes now (size and ETag for the reader, so it
    skips its own first-block fetch) and serve ranges inside them from memory: an
    open followed by random reads costs less than a block. Also gives the probe's
    bytes (a stream from inside them starts with them: :class:`_HeadStream`)."""
    first, last = probe_range(reader_options) or (0, PROBE_SIZE - 1)
    head = read_range(first, last)
    assert head.size is not None  # make_read_range always tells the size
    size, version, waited = head.size, head.version, head.waited
    data = memoryview(head.data)
    stop = data.nbytes
    reader_options["size"] = size
    reader_options["version"] = version

    held: memoryview | None = data  # dropped once a fetch has used all of it

    def read_range_or_head(start: int, end: int) -> RangeResult:
        nonlocal held
        head = held
        if head is None or start >= stop:
            return read_range(start, end)
        if end < stop:  # from memory: the probe's wait says so to the reader
            if start == 0 and end == stop - 1:  # all of them (a block's first part)
                held = None
            return RangeResult(head[start : end + 1], size, version, waited)
        # a range through the probe's end (the first block): only the rest is
        # fetched, and the probe's bytes are not kept beside the block
        answer = joined([RangeResult(head[start:], size, version), read_range(stop, end)], name)
        if start == 0:
            held = None
        return answer

    def read_into_or_head(start: int, end: int, buffer: memoryview) -> RangeResult:
        if held is not None and start < stop:
            return read_range_or_head(start, end)  # the probe's bytes: not in place
        return read_into(start, end, buffer)

    return read_range_or_head, read_into_or_head, data


class _HeadStream:
    """A stream from ``start`` inside the probe's bytes: those first, then a real
    stream from the probe's end (the probe's bytes are not fetched twice)."""

    def __init__(
        self,
        head: memoryview,
        start: int,
        open_rest: Callable[[int], S3RangeStream],
        size: int,
        version: str | None,
    ) -> None:
        self._head = head
        self._pos = start
        self._open_rest = open_rest
        self._rest: S3RangeStream | None = None
        self._size = size
        self._version = version

    def _stream(self) -> S3RangeStream:
        if self._rest is None:
            self._rest = self._open_rest(self._head.nbytes)
        return self._rest

    def read(self, size: int, /) -> RangeResult:
        if self._pos >= self._head.nbytes:
            return self._stream().read(size)
        count = min(size, self._head.nbytes - self._pos)
        if count == size:
            data = bytes(self._head[self._pos : self._pos + count])
            self._pos += count
            return RangeResult(data, self._size, self._version)
        buffer = bytearray(size)
        result = self.readinto(memoryview(buffer))
        return RangeResult(
            memoryview(buffer)[: _as_nbytes(result.data)], result.size, result.version
        )

    def readinto(self, buffer: memoryview, /) -> RangeResult:
        if self._pos >= self._head.nbytes:
            return self._stream().readinto(buffer)
        count = min(buffer.nbytes, self._head.nbytes - self._pos)
        buffer[:count] = self._head[self._pos : self._pos + count]
        self._pos += count
        if count == buffer.nbytes:
            return RangeResult(buffer[:count], self._size, self._version)
        rest = self._stream().readinto(buffer[count:])
        got = count + _as_nbytes(rest.data)
        return RangeResult(buffer[:got], rest.size, rest.version)

    def close(self) -> None:
        rest, self._rest = self._rest, None
        if rest is not None:
            rest.close()


def _as_nbytes(data: bytes | bytearray | memoryview) -> int:
    return data.nbytes if isinstance(data, memoryview) else len(data)


def _shared_reader(
    share_key: str,
    read_range: Callable[[int, int], RangeResult],
    url: str,
    stat: Callable[[], tuple[int, str | None]],
    options: dict[str, Any],
) -> PrefetchReader:
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
        name=url,
        size=size,
        version=etag,
        **options,
    )
