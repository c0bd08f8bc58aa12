"""Writing S3 objects: multipart uploads through core's
:class:`~megfile_core.io.writer.PartWriter`, and an edit buffer for ``a`` / ``+`` modes.

Multipart
=========

* An object smaller than the first part is one ``PutObject`` at close; the
  multipart upload is created when the first part is full (once, under a lock).
* Part sizes: ``block_size`` (``MEGFILE_WRITER_BLOCK_SIZE``, default 8 MiB, at least
  S3's 5 MiB minimum) for parts 1-1000, then doubling every 1000 parts, capped at
  S3's 5 GiB. With 8 MiB blocks 10,000 parts hold 1000 x 8 MiB x (2^10 - 1) ~ 8 TiB,
  above S3's 5 TiB object limit; the ceiling is ``1023000 x block_size`` (5 MiB
  blocks: ~5 TiB).
* ``x`` mode sends ``If-None-Match: *`` with ``PutObject`` and
  ``CompleteMultipartUpload``: an object created meanwhile makes the write fail with
  :class:`FileExistsError` (no check-then-write race); an existence check at open
  fails early in the common case.
* Any failure (a part refused after its retries, ``complete`` refused, a ``with``
  block raising) aborts the multipart upload, so nothing is left behind and an
  existing object is never replaced by partial content.
"""

from __future__ import annotations

import hashlib
import threading
from typing import IO, TYPE_CHECKING, Any

from megfile_core.io.writer import PartWriter
from megfile_s3 import lean
from megfile_s3.bodies import PartBody
from megfile_s3.client import S3Client, settings_of
from megfile_s3.errors import raise_s3_error

if TYPE_CHECKING:
    pass

__all__ = [
    "MAX_PARTS",
    "MAX_PART_SIZE",
    "MIN_PART_SIZE",
    "Multipart",
    "open_writer",
    "part_size_function",
]

MIN_PART_SIZE = 5 << 20
MAX_PART_SIZE = 5 << 30
MAX_PARTS = 10_000
_TIER = 1000


#: the smallest first part size whose doublings reach 5 TiB in 10,000 parts
#: (5 MiB parts would stop at 4.88 TiB)
_MIN_BASE = -(-(5 << 40) // (_TIER * (2 ** (MAX_PARTS // _TIER) - 1)))


def part_size_function(block_size: int) -> Any:
    """``part_size(n)``: ``block_size`` for parts 1-1000, doubling every 1000 parts,
    capped at 5 GiB; never so small that 10,000 parts stay under S3's 5 TiB."""
    block_size = max(block_size, MIN_PART_SIZE, _MIN_BASE)

    def part_size(number: int) -> int:
        if number > MAX_PARTS:
            raise ValueError(
                f"an S3 multipart upload has at most {MAX_PARTS} parts; raise "
                "MEGFILE_WRITER_BLOCK_SIZE to write larger objects"
            )
        tier = (number - 1) // _TIER
        return min(block_size << tier, MAX_PART_SIZE)

    return part_size


class Multipart:
    """The S3 side of one upload: the callbacks :class:`PartWriter` calls."""

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        key: str,
        url: str,
        exclusive: bool = False,
        create_args: dict[str, Any] | None = None,
    ) -> None:
        self.client = client
        self.create_args = create_args or {}  # e.g. ContentType, Metadata
        self.bucket = bucket
        self.key = key
        self.url = url
        self.exclusive = exclusive
        self.settings = settings_of(client)
        self.upload_id: str | None = None
        self._lock = threading.Lock()

    def _conditions(self) -> dict[str, str]:
        return {"IfNoneMatch": "*"} if self.exclusive else {}

    def ensure_upload(self) -> str:
        upload_id = self.upload_id
        if upload_id is not None:
            return upload_id
        with self._lock:
            if self.upload_id is None:
                with raise_s3_error(self.url, self.settings):
                    response = self.client.create_multipart_upload(
                        Bucket=self.bucket, Key=self.key, **self.create_args
                    )
                self.upload_id = response["UploadId"]
            return self.upload_id

    def upload_part(self, number: int, offset: int, data: memoryview) -> dict[str, Any]:
        upload_id = self.ensure_upload()
        owner = data.obj
        # botocore takes bytes/bytearray or a file, not a memoryview: the whole
        # buffer when the view covers it (the writer's usual case), else a file over
        # the view (a part of a larger bytes write), never a copy of the part
        body: bytes | bytearray | PartBody = (
            owner
            if isinstance(owner, (bytes, bytearray)) and len(owner) == data.nbytes
            else PartBody(data)
        )
        with raise_s3_error(self.url, self.settings):
            response = self.client.upload_part(
                Bucket=self.bucket, Key=self.key, UploadId=upload_id, PartNumber=number, Body=body
            )
        return {"PartNumber": number, "ETag": response["ETag"]}

    def complete(self, parts: list[dict[str, Any]]) -> None:
        if not parts:  # nothing uploaded (no put_single configured): an empty object
            self.put_single(b"")
            return
        try:
            with raise_s3_error(self.url, self.settings):
                self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=self.key,
                    UploadId=self.ensure_upload(),
                    MultipartUpload={"Parts": parts},
                    **self._conditions(),
                )
        except (FileNotFoundError, FileExistsError):
            if not self._completed_already(parts):
                raise
        self.upload_id = None

    def _completed_already(self, parts: list[dict[str, Any]]) -> bool:
        """Whether an earlier attempt of this CompleteMultipartUpload did complete.

        When its answer is lost (a reset, a timeout) the retry finds the upload gone
        (``NoSuchUpload``) or, with ``x``, the object present. The object is ours
        when its ETag is the multipart ETag of exactly these parts (MD5 of the
        parts' MD5s, then ``-count``); a store whose part ETags are no MD5s cannot
        tell, and the error stands.
        """
        try:
            digests = b"".join(bytes.fromhex(str(p["ETag"]).strip('"')) for p in parts)
        except ValueError:
            return False
        expected = f'"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{len(parts)}"'
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key)
        except Exception:
            return False
        return bool(head.get("ETag") == expected)

    def abort(self) -> None:
        upload_id, self.upload_id = self.upload_id, None
        if upload_id is None:
            return
        with raise_s3_error(self.url, self.settings):
            try:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self.key, UploadId=upload_id
                )
            except Exception as error:  # already gone (completed elsewhere, expired)
                from megfile_s3.errors import error_code

                if error_code(error) != "NoSuchUpload":
                    raise

    def put_single(self, data: bytes) -> None:
        if not self.exclusive and lean.put(self.client, self.bucket, self.key, data):
            return  # one PUT without botocore's pipeline (megfile_s3.lean)
        with raise_s3_error(self.url, self.settings):
            self.client.put_object(
                Bucket=self.bucket, Key=self.key, Body=data, **self._conditions()
            )


def open_writer(
    client: S3Client,
    bucket: str,
    key: str,
    url: str,
    options: dict[str, Any],
    exclusive: bool = False,
) -> IO[bytes]:
    """A parallel multipart writer (``wb`` / ``xb``); with ``limited_seekable`` one
    that can seek in its head and tail (:mod:`megfile_s3.seekable_writer`)."""
    from megfile_core import config as core_config

    upload = Multipart(client, bucket, key, url, exclusive)
    block_size = options.get("block_size") or core_config.writer_block_size()
    if options.get("limited_seekable"):
        from megfile_s3.seekable_writer import LimitedSeekableWriter

        seekable = LimitedSeekableWriter(
            upload,
            block_size=block_size,
            head_block_size=options.get("head_block_size"),
            tail_block_size=options.get("tail_block_size"),
            max_buffer_size=options.get("max_buffer_size"),
            max_workers=options.get("max_workers"),
            atomic=bool(options.get("atomic", False)),
        )
        seekable.multipart = upload  # type: ignore[attr-defined]  # for tests and tools
        return seekable  # type: ignore[return-value]
    writer: PartWriter[dict[str, Any]] = PartWriter(
        upload.upload_part,
        name=url,
        complete=upload.complete,
        abort=upload.abort,
        put_single=upload.put_single,
        block_size=max(block_size, MIN_PART_SIZE),
        part_size=part_size_function(block_size),
        max_buffer_size=options.get("max_buffer_size"),
        max_workers=options.get("max_workers"),
        atomic=bool(options.get("atomic", False)),
    )
    writer.multipart = upload  # type: ignore[attr-defined]  # for tests and tools
    return writer  # type: ignore[return-value]
