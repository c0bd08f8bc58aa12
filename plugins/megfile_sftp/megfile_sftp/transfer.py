"""Copy functions between local files and SFTP (registered through the copy hook).

Downloads read through the prefetch reader (several blocks in flight, each a
pipeline of SFTP reads) into core's local download (a temp file beside the target,
renamed over it when complete) with the remote mtime, so a second sync skips it.
Uploads write through the part writer (parts in parallel at their offsets, each a
pipeline of SFTP writes) and set the remote mtime.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from megfile_core.io.copy import download_to, upload_from
from megfile_sftp.path import SftpPath

__all__ = ["download", "upload"]


def upload(
    src_path: str,
    dst_path: str,
    *,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    """Local file -> ``sftp://``, with the local mtime."""
    dst = SftpPath(dst_path)
    stat = upload_from(src_path, dst, callback, followlinks=followlinks, overwrite=overwrite)
    if stat is not None:
        dst.utime(stat.st_atime, stat.st_mtime)


def download(
    src_path: str,
    dst_path: str,
    *,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    """``sftp://`` -> local file."""
    if dst_path.startswith("file://"):
        dst_path = dst_path[len("file://") :]
    if not overwrite and os.path.exists(dst_path):
        return
    src = SftpPath(src_path)
    stat = src.stat(follow_symlinks=True)
    if stat.is_dir():
        raise IsADirectoryError(f"is a directory: {src!r} (use sync to copy trees)")
    with src.open("rb") as reader:
        download_to(dst_path, reader, stat.mtime, callback, size=stat.size)
