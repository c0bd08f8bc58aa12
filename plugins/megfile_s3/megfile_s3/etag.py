"""Whether an object's ETag is the MD5 of its bytes (``sync --checksum``).

It is for an object written by one ``PutObject`` or ``CopyObject`` and stored
unencrypted or with S3-managed keys (SSE-S3). It is not for a multipart upload (its
ETag ends in ``-<parts>``), nor under SSE-KMS or customer keys (SSE-C), whose ETags
are opaque although they look like MD5s. A listing tells the ETag but not the
encryption, so a HEAD decides unless the ETag already shows a multipart upload.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from megfile_core.types import StatResult
    from megfile_s3.path import S3Path

__all__ = ["is_md5", "plain_md5"]

_HEX = frozenset("0123456789abcdef")
#: ServerSideEncryption values whose ETags are no MD5 of the content
_OPAQUE_ENCRYPTION = frozenset(("aws:kms", "aws:kms:dsse"))


def is_md5(etag: str) -> bool:
    """Whether ``etag`` (quotes stripped) has the form of a hex MD5."""
    return len(etag) == 32 and set(etag.lower()) <= _HEX


def _etag(info: dict[str, Any]) -> str:
    return str(info.get("ETag") or "").strip('"')


def _trusted(head: dict[str, Any]) -> str | None:
    """The MD5 a HEAD answer vouches for, if any."""
    if head.get("ServerSideEncryption") in _OPAQUE_ENCRYPTION or head.get("SSECustomerAlgorithm"):
        return None
    if (head.get("Metadata") or {}).get("symlink_to") is not None:
        return None  # a link object: its own ETag, not its target's content
    etag = _etag(head)
    return etag.lower() if is_md5(etag) else None


def plain_md5(path: S3Path, stat: StatResult | None = None) -> str | None:
    """The object's MD5 when its ETag is one, else None (then hash the content).

    ``stat.extra`` may be a HEAD answer (used as is) or a listing item (a HEAD is
    sent only when its ETag could be an MD5)."""
    info = stat.extra if stat is not None and isinstance(stat.extra, dict) else None
    if info is not None and "ContentLength" in info:
        return _trusted(info)
    if info is not None and not is_md5(_etag(info)):
        return None
    head = path._head(path._client)
    return None if head is None else _trusted(head)
