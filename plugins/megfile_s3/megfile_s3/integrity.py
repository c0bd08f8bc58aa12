"""What protects an uploaded body on its way to the store (``AWS_S3_UPLOAD_CHECKSUM``).

The clients ask botocore for checksums only where S3 requires them
(``request_checksum_calculation="when_required"``, kept for stores that predate
flexible checksums), so botocore alone sends a PutObject / UploadPart body with no
checksum of its own: over plain http it signs the payload instead (a SHA-256 of
every body, the largest CPU cost of an upload after the copies the producer makes),
over https nothing but TLS checks the body.

Here every body carries a check the server verifies, computed once from the bytes
in memory (no copy, whatever object holds them: :func:`megfile_s3.bodies.body_view`):

* ``crc32`` (default): ``x-amz-checksum-crc32`` on PutObject and UploadPart (zlib,
  several times faster than SHA-256), ``Content-MD5`` on the small bodies of other
  calls (CompleteMultipartUpload ...); the payload is sent unsigned
  (``UNSIGNED-PAYLOAD``), the checksum header itself is signed.
* ``md5``: ``Content-MD5`` on every body, for stores that refuse
  ``x-amz-checksum-*`` headers (MD5 is slower than CRC32).
* ``sha256``: botocore signs every payload (on https too): a body changed on the way
  on purpose fails the signature, which a CRC, easy to forge, cannot promise on
  plain http.

Corruption on the way is caught by all three; the store answers ``BadDigest`` (or
``InvalidRequest``) and the upload fails (the writer then aborts it).
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable
from functools import partial
from typing import Any

from megfile_s3.bodies import body_view

__all__ = ["crc32_header", "install", "md5_header"]

#: the calls whose bodies are object data (large): the CRC goes there
_DATA_CALLS = ("PutObject", "UploadPart")
_CHUNK = 1 << 20


def _digest_stream(body: Any, update: Callable[[bytes], None]) -> bool:
    """Feed a seekable file's bytes from its position to ``update``, then seek back."""
    try:
        start = body.tell()
    except (AttributeError, OSError, ValueError):
        return False
    try:
        for chunk in iter(partial(body.read, _CHUNK), b""):
            update(chunk)
    finally:
        body.seek(start)
    return True


def crc32_header(body: Any) -> str | None:
    """``x-amz-checksum-crc32`` of ``body`` (bytes-like or a seekable file), or None."""
    view = body_view(body)
    if view is not None:
        value = zlib.crc32(view)
    else:
        box = [0]

        def update(chunk: bytes) -> None:
            box[0] = zlib.crc32(chunk, box[0])

        if not _digest_stream(body, update):
            return None
        value = box[0]
    return base64.b64encode(value.to_bytes(4, "big")).decode()


def md5_header(body: Any) -> str | None:
    """``Content-MD5`` of ``body`` (bytes-like or a seekable file), or None."""
    digest = hashlib.md5(usedforsecurity=False)
    view = body_view(body)
    if view is not None:
        digest.update(view)
    elif not _digest_stream(body, digest.update):
        return None
    return base64.b64encode(digest.digest()).decode()


def _has_check(headers: Any) -> bool:
    return any(
        name.lower() == "content-md5" or name.lower().startswith("x-amz-checksum-")
        for name in headers
    )


def protect_body(mode: str, params: dict[str, Any], model: Any, **_: Any) -> None:
    """``before-call`` handler: add the check of ``mode`` (module doc) to a request
    whose body has none yet."""
    headers = params["headers"]
    if mode == "sha256" or _has_check(headers):
        return
    if (params.get("context") or {}).get("checksum", {}).get("request_algorithm"):
        return  # the caller asked botocore for a checksum (ChecksumAlgorithm=...)
    body = params.get("body")
    data_call = model.name in _DATA_CALLS
    if not data_call and (body is None or body == b""):
        return
    if mode == "crc32" and data_call:
        value = crc32_header(body)
        if value is not None:
            headers["x-amz-checksum-crc32"] = value
        return
    value = md5_header(body)
    if value is not None:
        headers["Content-MD5"] = value


def install(client: Any, mode: str) -> None:
    """Add the checks of ``mode`` to every request of ``client`` (built with
    ``payload_signing_enabled`` false unless ``mode`` is ``sha256``)."""
    client.meta.events.register("before-call.s3", partial(protect_body, mode))
