"""Copy functions between local files and SFTP (registered through the copy hook).

Downloads read through the prefetch reader (several blocks in flight, each a
pipeline of SFTP reads) and set the local mtime from the remote one, so a second
sync skips the file. Uploads write through the part writer (parts in parallel at
their offsets, each a pipeline of SFTP writes) and set the remote mtime.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from megfile_sftp.path import SftpPath

__all__ = ["download", "upload"]

_CHUNK = 8 << 20


def _pump(reader: object, writer: object, callback: Callable[[int], None] | None) -> None:
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    readinto = reader.readinto  # type: ignore[attr-defined]
    write = writer.write  # type: ignore[attr-defined]
    while True:
        count = readinto(view)
        if not count:
            break
        write(view[:count])
        if callback is not None:
            callback(count)


def upload(src_path: str, dst_path: str, *, callback: Callable[[int], None] | None = None,
           followlinks: bool = False, overwrite: bool = True) -> None:
    """Local file -> ``sftp://``."""
    if src_path.startswith("file://"):
        src_path = src_path[len("file://"):]
    dst = SftpPath(dst_path)
    if not overwrite and dst.exists():
        return
    stat = os.stat(src_path)
    if os.path.isdir(src_path):
        raise IsADirectoryError(f"is a directory: {src_path} (use sync to copy trees)")
    with open(src_path, "rb") as reader, dst.open("wb") as writer:
        _pump(reader, writer, callback)
    dst.utime(stat.st_atime, stat.st_mtime)


def download(src_path: str, dst_path: str, *, callback: Callable[[int], None] | None = None,
             followlinks: bool = False, overwrite: bool = True) -> None:
    """``sftp://`` -> local file."""
    if dst_path.startswith("file://"):
        dst_path = dst_path[len("file://"):]
    if not overwrite and os.path.exists(dst_path):
        return
    src = SftpPath(src_path)
    stat = src.stat(follow_symlinks=True)
    if stat.is_dir():
        raise IsADirectoryError(f"is a directory: {src!r} (use sync to copy trees)")
    directory = os.path.dirname(dst_path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with src.open("rb") as reader, open(dst_path, "wb") as writer:
        _pump(reader, writer, callback)
    atime = getattr(stat.extra, "st_atime", None) or stat.mtime
    os.utime(dst_path, (float(atime), stat.mtime))
