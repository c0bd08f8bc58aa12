"""Commands on the server over an SSH exec channel (``cp``, ``cat``, ``md5sum``).

Every argument is quoted with :func:`shlex.quote` by the caller. ``run`` returns
``None`` when the server allows no exec channel (sftp-only accounts), so callers fall
back to moving the bytes themselves.
"""

from __future__ import annotations

import paramiko

from megfile_sftp.client import Connection, Target, call

__all__ = ["run"]

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
