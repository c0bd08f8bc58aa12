"""Copies that never stream through ``smart_open``'s generic path.

* :func:`upload` (file -> s3) and :func:`download` (s3 -> file) are registered with
  core's copy-func hook; both move parts in parallel (the part writer and the
  prefetch reader). A download writes a temporary file next to the target, renames
  it into place and sets its mtime to the object's ``LastModified``, so a later
  ``sync`` skips it.
* :func:`copy_object` is ``S3Path.copy``: ``CopyObject`` up to 5 GiB, a multipart
  ``UploadPartCopy`` above (parts copied in parallel); across profiles (two
  endpoints or two accounts) the bytes stream through this process.
* :func:`concat` builds one multipart upload from whole objects (``UploadPartCopy``)
  and downloads only pieces smaller than S3's 5 MiB minimum part.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from megfile_core import config as core_config
from megfile_core.io.copy import (
    BATCH_FILE_SIZE,
    BATCH_UNDER_WAY,
    copy_stream,
    open_download,
    stream_copy,
    upload_from,
)
from megfile_core.io.pool import bounded_map
from megfile_core.pathlike import BasePath
from megfile_s3 import lean
from megfile_s3.client import S3Client, settings_of
from megfile_s3.errors import S3FileNotFoundError, S3IsADirectoryError, raise_s3_error
from megfile_s3.writers import MAX_PART_SIZE, MIN_PART_SIZE

if TYPE_CHECKING:
    from megfile_core.io.prefetch import RangeResult
    from megfile_s3.lean import LeanAnswer
    from megfile_s3.path import S3Path
    from megfile_s3.readers import ObjectInfo

__all__ = ["concat", "copy", "copy_object", "download", "multipart_copy", "run_parallel", "upload"]

T = TypeVar("T")
_CHUNK = 8 << 20
#: objects above this size are copied with UploadPartCopy (S3 refuses CopyObject)
COPY_THRESHOLD = MAX_PART_SIZE
#: part size of a multipart copy
COPY_PART_SIZE = 1 << 30


def run_parallel(
    func: Callable[[T], None], items: Iterable[T], max_workers: int | None = None
) -> None:
    """``func`` over ``items`` on a private pool; the first error is raised."""
    items = list(items)
    if items:
        workers = min(max_workers or core_config.max_workers(), len(items))
        bounded_map(func, items, workers, name="megfile-s3")


def _s3(path: str) -> S3Path:
    from megfile_s3.path import S3Path

    return S3Path(path)


def _resolved(src: S3Path, followlinks: bool) -> tuple[S3Path, dict[str, Any]]:
    """The object to read (the link target with ``followlinks``) and its HEAD."""
    client = src._client
    src._need_key()
    head = src._head(client)
    if head is None:
        if src._prefix_exists(client):
            raise S3IsADirectoryError(f"is a directory: {src._url} (use sync to copy trees)")
        raise S3FileNotFoundError(f"no such file: {src._url}")
    target = (head.get("Metadata") or {}).get("symlink_to")
    if target is not None and followlinks:
        return _resolved(src._link_target(target), True)
    return src, head


def copy_object(
    src: S3Path,
    dst: BasePath,
    *,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
    threshold: int | None = None,
    part_size: int | None = None,
) -> None:
    """``S3Path.copy``: server-side within one profile, streamed otherwise."""
    source, head = _resolved(src, followlinks)
    if not src._same_store(dst):
        stream_copy(source, dst, callback=callback, overwrite=overwrite)
        return
    target: S3Path = dst  # type: ignore[assignment]
    target._need_key()
    client = target._client
    if not overwrite and target._head(client) is not None:
        return
    size = int(head.get("ContentLength", 0))
    limit = COPY_THRESHOLD if threshold is None else threshold
    if size > limit:
        multipart_copy(
            client, source, target, size, part_size or COPY_PART_SIZE, callback=callback, head=head
        )
        return
    with raise_s3_error(target._url, settings_of(client)):
        client.copy_object(
            Bucket=target.bucket,
            Key=target.key,
            CopySource={"Bucket": source.bucket, "Key": source.key},
            MetadataDirective="COPY",
        )
    if callback is not None and size:
        callback(size)


def _ranges(size: int, part_size: int) -> list[tuple[int, int]]:
    """[start, stop) ranges of ``part_size`` covering ``size``; a short tail joins the
    previous range so that every part but the last is >= 5 MiB."""
    ranges = []
    start = 0
    while start < size:
        stop = min(start + part_size, size)
        if 0 < size - stop < MIN_PART_SIZE:
            stop = size
        ranges.append((start, stop))
        start = stop
    return ranges


#: what a multipart copy takes over from the source's HEAD
_KEPT_HEADERS = (
    "ContentType",
    "ContentEncoding",
    "ContentDisposition",
    "ContentLanguage",
    "CacheControl",
    "Expires",
    "Metadata",
)


def multipart_copy(
    client: S3Client,
    source: S3Path,
    target: S3Path,
    size: int,
    part_size: int,
    callback: Callable[[int], None] | None = None,
    head: dict[str, Any] | None = None,
) -> None:
    """Copy with ``UploadPartCopy`` in parallel parts; aborted on any failure.

    With the source's ``head``, the copy keeps its content headers and metadata (as
    ``CopyObject`` does) and every part is copied only from that version of the
    source (``CopySourceIfMatch``): a source replaced during the copy fails it
    instead of leaving a mix of two versions."""
    from megfile_s3.writers import Multipart

    head = head or {}
    kept = {name: head[name] for name in _KEPT_HEADERS if head.get(name)}
    upload = Multipart(client, target.bucket, target.key, target._url, create_args=kept)
    copy_source = {"Bucket": source.bucket, "Key": source.key}
    condition = {"CopySourceIfMatch": head["ETag"]} if head.get("ETag") else {}
    settings = settings_of(client)

    def copy_part(item: tuple[int, tuple[int, int]]) -> dict[str, Any]:
        number, (start, stop) = item
        upload_id = upload.ensure_upload()
        with raise_s3_error(source._url, settings):
            response = client.upload_part_copy(
                Bucket=target.bucket,
                Key=target.key,
                UploadId=upload_id,
                PartNumber=number,
                CopySource=copy_source,
                CopySourceRange=f"bytes={start}-{stop - 1}",
                **condition,
            )
        if callback is not None:
            callback(stop - start)
        return {"PartNumber": number, "ETag": response["CopyPartResult"]["ETag"]}

    parts = list(enumerate(_ranges(size, part_size), start=1))
    try:
        upload.ensure_upload()
        results: list[dict[str, Any]] = []
        bounded_map(
            copy_part,
            parts,
            min(core_config.max_workers(), len(parts)),
            on_result=results.append,
            name="megfile-s3-copy",
        )
        upload.complete(sorted(results, key=lambda part: int(part["PartNumber"])))
    except BaseException:
        upload.abort()
        raise


def copy(
    src_path: str,
    dst_path: str,
    *,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    """s3 -> s3 (any profiles): server-side within one profile (multipart above
    5 GiB), streamed through this process across profiles."""
    copy_object(
        _s3(src_path),
        _s3(dst_path),
        callback=callback,
        followlinks=followlinks,
        overwrite=overwrite,
    )


def upload(
    src_path: str,
    dst_path: str,
    *,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
    resume: bool = False,
) -> None:
    """file -> s3: the local file through the parallel multipart writer; with
    ``resume``, a multipart upload that an interrupted run left is continued
    (:mod:`megfile_s3.resume`)."""
    if resume:
        from megfile_s3.resume import upload_resumable

        upload_resumable(
            src_path, _s3(dst_path), callback, followlinks=followlinks, overwrite=overwrite
        )
        return
    upload_from(src_path, _s3(dst_path), callback, followlinks=followlinks, overwrite=overwrite)


def _first_block(
    src: S3Path, followlinks: bool, depth: int = 0
) -> tuple[S3Path, Any, RangeResult, ObjectInfo]:
    """One ranged GET of the first block, no HEAD: its answer tells size, ETag,
    ``LastModified`` and metadata (a link is followed with ``followlinks``)."""
    from megfile_s3.errors import S3BucketNotFoundError
    from megfile_s3.readers import ObjectInfo, make_read_range

    client = src._client
    src._need_key()
    info = ObjectInfo()
    read_range = make_read_range(client, src.bucket, src.key, src._url, info)
    try:
        first = read_range(0, _CHUNK - 1)
    except S3BucketNotFoundError:
        raise
    except S3FileNotFoundError:
        if src._prefix_exists(client):
            raise S3IsADirectoryError(
                f"is a directory: {src._url} (use sync to copy trees)"
            ) from None
        raise S3FileNotFoundError(f"no such file: {src._url}") from None
    target = (info.metadata or {}).get("symlink_to")
    if target is not None and followlinks and not info.size:
        return _first_block(src._resolve_link(target, depth), True, depth + 1)
    return src, read_range, first, info


def download(
    src_path: str,
    dst_path: str,
    *,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    """s3 -> file: the first block by one ranged GET (no HEAD: a small object costs
    one request), the rest through the parallel prefetch reader, into core's local
    download (a temporary file renamed into place, with the object's
    ``LastModified`` as its mtime)."""
    from megfile_core.io.prefetch import PrefetchReader
    from megfile_s3.readers import read_executor

    source, read_range, first, info = _first_block(_s3(src_path), followlinks)
    # a directory as the target is refused by open_download (one stat per file)
    if not overwrite and os.path.exists(dst_path) and not os.path.isdir(dst_path):
        return
    size = first.size if first.size is not None else len(first.data)
    mtime = None if info.last_modified is None else info.last_modified.timestamp()
    with open_download(dst_path, mtime) as out:
        out.write(first.data)
        done = len(first.data)
        if callback is not None and done:
            callback(done)
        if done < size:
            with PrefetchReader(
                read_range,
                name=source._url,
                size=size,
                version=first.version or info.etag,
                executor=read_executor(),
            ) as reader:
                reader.seek(done)
                copy_stream(reader, out, callback, size=size - done)


#: an answer the batch reads: (client, bucket, a function returning the response)
_Sent = tuple[Any, str, Callable[[], Any]]


def download_batch(
    pairs: Sequence[tuple[str, str]],
    *,
    done: Callable[[int, int], None],
    followlinks: bool = False,
    overwrite: bool = True,
) -> list[int]:
    """s3 -> file for many small objects (core's ``BatchCopy``, the ``batch`` of
    :func:`download`): on the calling thread alone, with
    ``BATCH_UNDER_WAY`` lean GETs under way (``megfile_s3.wire``), the next
    sent before the answer just read is written, so the server works while this
    thread writes and no other thread waits for the interpreter.

    Each GET asks for the bytes a sync hands a batch at most; an object found
    larger, a link, an answer that is not the object (an error status, a refused
    lean request, a failed connection) and a local write that fails leave the pair
    to :func:`download`, which retries, follows links and raises what is wrong.
    A ``before-send`` handler on the client answers as it does for other lean
    requests."""
    if not overwrite:
        return list(range(len(pairs)))
    last = BATCH_FILE_SIZE - 1
    client_of = _clients()
    return _pipelined(
        pairs,
        lambda src, _dst: _batch_send(src, last, client_of),
        lambda sent: _batch_answer(sent, last),
        _batch_write,
        done,
    )


def upload_batch(
    pairs: Sequence[tuple[str, str]],
    *,
    done: Callable[[int, int], None],
    followlinks: bool = False,
    overwrite: bool = True,
) -> list[int]:
    """file -> s3 for many small files (the ``batch`` of :func:`upload`): each one
    lean PUT (``megfile_s3.lean.put_request``, the check the settings ask for), as
    the writer sends a small object, with ``BATCH_UNDER_WAY`` under way from
    this thread. A file larger than a batch takes, not a regular file, a PUT not
    answered ``200`` or not sent leave the pair to :func:`upload` (``put_object``
    and its retries, which raise what is wrong)."""
    if not overwrite:
        return list(range(len(pairs)))
    client_of = _clients()
    return _pipelined(
        pairs,
        lambda src, dst: _put_send(src, dst, BATCH_FILE_SIZE, client_of),
        _put_answer,
        lambda count, _dst: count,
        done,
    )


def _pipelined(
    pairs: Sequence[tuple[str, str]],
    send: Callable[[str, str], Any],
    receive: Callable[[Any], Any],
    complete: Callable[[Any, str], int | None],
    done: Callable[[int, int], None],
) -> list[int]:
    """Run ``pairs`` with ``BATCH_UNDER_WAY`` requests under way: ``send(src,
    dst)`` (None: the pair is left), ``receive(sent)`` once its turn comes (None:
    left), then, after the next request went out, ``complete(received, dst)``: the
    bytes copied (``done`` is told), or None (left). Returns the pairs left."""
    left: list[int] = []
    queue = iter(enumerate(pairs))
    under_way: deque[tuple[int, str, Any]] = deque()

    def launch() -> None:
        for index, (src, dst) in queue:
            sent = send(src, dst)
            if sent is not None:
                under_way.append((index, dst, sent))
                return
            left.append(index)

    for _ in range(BATCH_UNDER_WAY):
        launch()
    while under_way:
        index, dst, sent = under_way.popleft()
        received = receive(sent)
        launch()  # the next request goes out before this one is completed
        count = None if received is None else complete(received, dst)
        if count is None:
            left.append(index)
        else:
            done(index, count)
    return sorted(left)


def _clients() -> Callable[[S3Path], S3Client]:
    """The client of a path's store, looked up once per store for a whole batch (a
    lookup checks the settings files: two ``stat`` calls per object otherwise)."""
    known: dict[str | None, S3Client] = {}

    def client_of(path: S3Path) -> S3Client:
        client = known.get(path.variant)
        if client is None:
            client = known[path.variant] = path._client
        return client

    return client_of


def _put_send(
    src: str, dst: str, limit: int, client_of: Callable[[S3Path], S3Client]
) -> tuple[_Sent, int] | None:
    target = _s3(dst)
    if not target.key or target.key.endswith("/"):
        return None
    local = src[len("file://") :] if src.startswith("file://") else src
    try:
        with open(local, "rb") as reader:
            info = os.fstat(reader.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
                return None
            data = reader.read(limit + 1)
    except OSError:
        return None
    if len(data) != info.st_size:
        return None  # changed while read: upload reads it again
    client = client_of(target)
    request = lean.put_request(client, target.bucket, target.key, data)
    if request is None:
        return None
    receive = lean.start(client, request, "PutObject")
    return None if receive is None else ((client, target.bucket, receive), len(data))


def _put_answer(sent: tuple[_Sent, int]) -> int | None:
    (client, bucket, receive), count = sent
    try:
        stored = lean.put_answered(client, bucket, receive())
    except Exception:  # upload sends it again and says why
        return None
    return count if stored else None


def _batch_send(src: str, last: int, client_of: Callable[[S3Path], S3Client]) -> _Sent | None:
    """Send the GET of bytes 0-``last`` of ``src``; None when it goes one by one."""
    source = _s3(src)
    if not source.key:
        return None
    client = client_of(source)
    request = lean.signed_request(client, source.bucket, source.key, 0, last)
    receive = None if request is None else lean.start(client, request, "GetObject")
    return None if receive is None else (client, source.bucket, receive)


def _batch_answer(sent: _Sent, last: int) -> LeanAnswer | None:
    """The whole object from a batch's GET, else None (download tries it)."""
    client, bucket, receive = sent
    try:
        answer = lean.answer_of(client, bucket, receive(), 0, last)
    except Exception:  # download sends it again and says why
        return None
    if isinstance(answer, int):
        return None
    if answer.size != len(answer.data) or "symlink_to" in answer.metadata:
        return None
    return answer


def _batch_write(answer: LeanAnswer, dst: str) -> int | None:
    """Publish ``answer``'s body as the local file ``dst`` (its mtime the object's):
    the bytes written, or None when that failed (download tries again and raises
    the error)."""
    mtime = None if answer.last_modified is None else answer.last_modified.timestamp()
    try:
        # a directory at dst fails the rename: the pair goes to download, which says so
        with open_download(dst, mtime, check_dir=False) as out:
            out.write(answer.data)
    except OSError:
        return None
    return len(answer.data)


download.batch = download_batch  # type: ignore[attr-defined]
upload.batch = upload_batch  # type: ignore[attr-defined]


def concat(
    src_paths: list[S3Path],
    dst_path: S3Path,
    *,
    part_size: int = COPY_PART_SIZE,
    min_part_size: int = MIN_PART_SIZE,
) -> None:
    """One multipart upload: whole sources (>= ``min_part_size``) by UploadPartCopy,
    smaller pieces downloaded and joined until they make a part."""
    from megfile_s3.writers import Multipart

    dst_path._need_key()
    client = dst_path._client
    upload = Multipart(client, dst_path.bucket, dst_path.key, dst_path._url)
    settings = settings_of(client)
    sources = []
    for src in src_paths:
        source, head = _resolved(src, True)
        sources.append((source, int(head.get("ContentLength", 0))))
    if not all(dst_path._same_store(source) for source, _ in sources):
        # UploadPartCopy reads through the destination's credentials and endpoint
        raise ValueError(
            f"concat into {dst_path._url}: every source must be of the same "
            "profile; smart_concat streams sources of other profiles"
        )
    total = sum(size for _, size in sources)
    if total < min_part_size:  # one small object: download the pieces, one PUT
        data = b"".join(s._load_content(None, None) for s, size in sources if size)
        upload.put_single(data)
        return
    parts: list[dict[str, Any]] = []
    buffer = bytearray()

    def flush() -> None:
        number = len(parts) + 1
        parts.append(upload.upload_part(number, 0, memoryview(buffer)))
        buffer.clear()

    try:
        for source, size in sources:
            position = 0
            if buffer:
                take = min(min_part_size - len(buffer), size)
                buffer += source._load_content(0, take)
                position = take
                if len(buffer) >= min_part_size:
                    flush()
            rest = size - position
            if rest >= min_part_size:
                for start, stop in _ranges(rest, part_size):
                    number = len(parts) + 1
                    with raise_s3_error(source._url, settings):
                        response = client.upload_part_copy(
                            Bucket=dst_path.bucket,
                            Key=dst_path.key,
                            UploadId=upload.ensure_upload(),
                            PartNumber=number,
                            CopySource={"Bucket": source.bucket, "Key": source.key},
                            CopySourceRange=f"bytes={position + start}-{position + stop - 1}",
                        )
                    parts.append({"PartNumber": number, "ETag": response["CopyPartResult"]["ETag"]})
            elif rest > 0:
                buffer += source._load_content(position, size)
        if buffer:
            flush()
        upload.complete(parts)
    except BaseException:
        upload.abort()
        raise
