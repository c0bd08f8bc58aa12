"""Commands on the server over an SSH exec channel (``cp``, ``cat``, ``md5sum``).

Every argument is quoted with :func:`shlex.quote` by the caller. ``run`` returns
``None`` when the server allows no exec channel (sftp-only accounts), so callers fall
back to moving the bytes themselves.
"""

from __future__ import annotations

import errno
import shlex
import stat as _stat
from collections.abc import Callable
from typing import TYPE_CHECKING

import paramiko

from megfile_core.builtin.atomic import temp_basename
from megfile_sftp.client import Connection, Target, call
from megfile_sftp.errors import make_error
from megfile_sftp.ops import posix_join

if TYPE_CHECKING:
    from megfile_sftp.path import SftpPath

__all__ = ["remote_concat", "remote_copy", "remote_md5", "run"]

#: seconds a remote command may take (cp of big files is bounded by disk speed)
COMMAND_TIMEOUT = 3600.0


def run(target: Target, command: str, path: object) -> tuple[int, bytes, bytes] | None:
    """``(exit status, stdout, stderr)`` of ``command``, or ``None`` without exec."""

    def execute(conn: Connection) -> tuple[int, bytes, bytes] | None:
        if conn.can_exec.get("exec") is False:
            return None
        try:
            channel = conn.transport.open_session(timeout=10.0)
        except paramiko.ChannelException:
            conn.can_exec["exec"] = False
            return None
        try:
            channel.settimeout(COMMAND_TIMEOUT)
            try:
                channel.exec_command(command)
            except paramiko.SSHException as error:
                if "rejected" in str(error).lower() or "failed" in str(error).lower():
                    conn.can_exec["exec"] = False
                    return None
                raise
            stdout = channel.makefile("rb").read()
            stderr = channel.makefile_stderr("rb").read()
            status = channel.recv_exit_status()
            return status, stdout, stderr
        finally:
            channel.close()

    return call(target, execute, path)


def remote_md5(path: SftpPath) -> str | None:
    """``md5sum`` on the server; None when it cannot run it."""
    target = path._absolute_remote()
    result = run(path._target, f"md5sum -- {shlex.quote(target)}", path._safe)
    if result is None or result[0] != 0:
        return None
    digest = result[1].split(b" ", 1)[0].decode("ascii", "replace")
    return digest if len(digest) == 32 else None


def remote_copy(path: SftpPath, dst: SftpPath, callback: Callable[[int], None] | None) -> bool:
    """``cp`` on the server (no bytes through us); False when exec is unavailable."""
    attrs = path._attrs(True)
    if _stat.S_ISDIR(attrs.st_mode or 0):
        raise make_error(errno.EISDIR, path._safe, "use sync to copy trees")
    dst.parent.mkdir(parents=True, exist_ok=True)
    src_abs, dst_abs = path._absolute_remote(), dst._absolute_remote()
    command = f"cp -- {shlex.quote(src_abs)} {shlex.quote(dst_abs)}"
    result = run(path._target, command, path._safe)
    if result is None or result[0] != 0:
        return False
    dst.utime(float(attrs.st_atime or attrs.st_mtime or 0), float(attrs.st_mtime or 0))
    if callback is not None:
        callback(attrs.st_size or 0)
    return True


def remote_concat(src_paths: list[SftpPath], dst_path: SftpPath) -> bool:
    """``cat a b > dst`` on the server when every path is on it; False when the
    server cannot run it (the caller streams)."""
    dst = dst_path
    if src_paths and all(dst._same_server(src) for src in src_paths):
        sources = [shlex.quote(src._absolute_remote()) for src in src_paths]
        dst.parent.mkdir(parents=True, exist_ok=True)
        final = dst._absolute_remote()
        temp = posix_join(final.rpartition("/")[0] or "/", temp_basename(dst.name))
        command = (
            f"cat -- {' '.join(sources)} > {shlex.quote(temp)} && "
            f"mv -f -- {shlex.quote(temp)} {shlex.quote(final)}"
        )
        result = run(dst._target, command, dst._safe)
        if result is not None and result[0] == 0:
            return True
        if result is not None:
            run(dst._target, f"rm -f -- {shlex.quote(temp)}", dst._safe)
            if result[0] not in (126, 127):  # a real failure, not "no cat here"
                raise make_error(errno.EIO, dst._safe, result[2].decode("utf-8", "replace").strip())
    return False
