"""Single SFTP requests and what their answers mean: a stat as ``StatResult``, a
version for the reader's guard, rename with or without posix-rename, a mode set
without following links, a quiet remove."""

from __future__ import annotations

import errno
import os
import stat as _stat
from typing import Any

import paramiko

from megfile_core.types import StatResult
from megfile_sftp.client import Connection

__all__ = [
    "attrs_version",
    "lsetstat_mode",
    "posix_join",
    "remove_quietly",
    "rename",
    "stat_result",
]


def stat_result(attrs: paramiko.SFTPAttributes) -> StatResult:
    mode = attrs.st_mode or 0
    mtime = float(attrs.st_mtime or 0)
    atime = float(attrs.st_atime if attrs.st_atime is not None else mtime)
    size = attrs.st_size or 0
    extra = os.stat_result(
        (mode, 0, 0, 1, attrs.st_uid or 0, attrs.st_gid or 0, size, atime, mtime, mtime)
    )
    return StatResult(size, mtime, mtime, _stat.S_ISDIR(mode), _stat.S_ISLNK(mode), extra=extra)


def attrs_version(attrs: Any) -> str | None:
    if attrs is None or attrs.st_mtime is None:
        return None
    return str(attrs.st_mtime)


def posix_join(directory: str, name: str) -> str:
    return directory.rstrip("/") + "/" + name


def rename(conn: Connection, src: str, dst: str, overwrite: bool) -> None:
    """posix-rename@openssh.com when offered (atomic overwrite); else SFTP rename,
    which refuses an existing target: remove it first when ``overwrite``."""
    sftp = conn.sftp
    if overwrite and conn.posix_rename is not False:
        try:
            sftp.posix_rename(src, dst)
            conn.posix_rename = True
            return
        except OSError as error:
            if conn.posix_rename or error.errno is not None:
                raise
            conn.posix_rename = False  # unsupported: emulate
    try:
        sftp.rename(src, dst)
    except OSError:
        if not overwrite:
            try:
                sftp.lstat(dst)
            except OSError:
                raise
            raise OSError(errno.EEXIST, "file exists") from None
        try:
            attrs = sftp.lstat(dst)
        except OSError:
            raise
        if _stat.S_ISDIR(attrs.st_mode or 0):
            raise
        sftp.remove(dst)
        sftp.rename(src, dst)


def lsetstat_mode(conn: Connection, remote: str, mode: int) -> bool:
    """Set the mode of ``remote`` without following a link (``lsetstat@openssh.com``).
    False when the server lacks the extension or refuses it for this file."""
    from paramiko.sftp import CMD_EXTENDED, CMD_STATUS, SFTP_OK

    attrs = paramiko.SFTPAttributes()
    attrs.st_mode = mode
    try:
        kind, msg = conn.sftp._request(CMD_EXTENDED, "lsetstat@openssh.com", remote, attrs)
    except OSError as error:  # paramiko raises the error statuses
        if isinstance(error, (FileNotFoundError, PermissionError)):
            raise
        return False
    return bool(kind == CMD_STATUS and msg is not None and msg.get_int() == SFTP_OK)


def remove_quietly(conn: Connection, remote: str) -> None:
    try:
        conn.sftp.remove(remote)
    except FileNotFoundError:
        pass
