"""Content comparison for ``sync --checksum``: is the destination file the same
bytes as the source?

Files of different sizes differ without reading them. Otherwise each side's MD5 is
compared: the one its store already keeps when the backend can tell it for free
(a path class may define ``_stored_md5(stat) -> str | None``; S3 answers with the
object's ETag when that is a plain MD5), else one computed by reading the file
once, in blocks.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from megfile_core.pathlike import BasePath
    from megfile_core.types import StatResult

__all__ = ["content_md5", "same_content", "streamed_md5"]

_BLOCK = 1 << 20


def streamed_md5(path: BasePath) -> str:
    """The hex MD5 of the bytes of ``path`` as stored, read in 1 MiB blocks."""
    digest = hashlib.md5(usedforsecurity=False)
    buffer = memoryview(bytearray(_BLOCK))
    with path.open("rb") as reader:
        readinto = getattr(reader, "readinto", None)
        if readinto is None:
            while chunk := reader.read(_BLOCK):
                digest.update(chunk)
        else:
            while count := readinto(buffer):
                digest.update(buffer[:count])
    return digest.hexdigest()


def content_md5(path: BasePath, stat: StatResult | None = None) -> str:
    """The MD5 the store keeps for ``path`` (``stat`` may spare it a request), else
    the MD5 computed from its content."""
    stored = getattr(path, "_stored_md5", None)
    if stored is not None:
        known = stored(stat)
        if known:
            return str(known).lower()
    return streamed_md5(path)


def same_content(src: BasePath, src_stat: StatResult, dst: BasePath, dst_stat: StatResult) -> bool:
    """Whether ``dst`` holds exactly the bytes of ``src`` (sizes, then MD5s)."""
    if dst_stat.is_dir() or src_stat.size != dst_stat.size:
        return False
    return content_md5(src, src_stat) == content_md5(dst, dst_stat)
