"""Errors of the SFTP plugin: builtin ``OSError`` families mixed with :class:`SftpError`.

Messages name paths through :func:`megfile_core.url.mask_url`, so a password written in a
URL never appears in them.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from typing import Any

from megfile_core.errors import MegfileError
from megfile_core.url import mask_url

__all__ = [
    "SftpAuthenticationError",
    "SftpConnectionError",
    "SftpError",
    "SftpFileExistsError",
    "SftpFileNotFoundError",
    "SftpHostKeyChangedError",
    "SftpHostKeyError",
    "SftpIsADirectoryError",
    "SftpNotADirectoryError",
    "SftpPermissionError",
    "SftpUnknownHostKeyError",
    "is_transient",
    "translate",
]


class SftpError(MegfileError, OSError):
    """Base class of the SFTP plugin's errors."""


class SftpConnectionError(SftpError, ConnectionError):
    """The SSH connection could not be made or broke."""


class SftpAuthenticationError(SftpError, PermissionError):
    """The server refused every credential offered."""


class SftpHostKeyError(SftpError, ConnectionError):
    """The server's host key is not the one we trust."""


class SftpUnknownHostKeyError(SftpHostKeyError):
    """The server's host key is in no known_hosts file (rejected by default).

    Raised with ``megfile_cli_fix``: the megfile CLI, at a terminal, calls it to
    show the key and ask whether to trust it (and then runs the command again).
    """

    megfile_cli_fix: Callable[[], bool]  # set on the instances that the policy raises

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self.args)  # the fix (a live key and prompt) stays here


class SftpHostKeyChangedError(SftpHostKeyError):
    """The server's host key differs from the known one: never accepted."""


class SftpFileNotFoundError(SftpError, FileNotFoundError):
    pass


class SftpFileExistsError(SftpError, FileExistsError):
    pass


class SftpPermissionError(SftpError, PermissionError):
    pass


class SftpIsADirectoryError(SftpError, IsADirectoryError):
    pass


class SftpNotADirectoryError(SftpError, NotADirectoryError):
    pass


_BY_ERRNO: dict[int, tuple[type[SftpError], str]] = {
    errno.ENOENT: (SftpFileNotFoundError, "no such file or directory"),
    errno.EACCES: (SftpPermissionError, "permission denied"),
    errno.EPERM: (SftpPermissionError, "operation not permitted"),
    errno.EEXIST: (SftpFileExistsError, "file exists"),
    errno.EISDIR: (SftpIsADirectoryError, "is a directory"),
    errno.ENOTDIR: (SftpNotADirectoryError, "not a directory"),
}

_TRANSIENT_ERRNOS = frozenset(
    {
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.ECONNREFUSED,
        errno.EPIPE,
        errno.ETIMEDOUT,
        errno.EADDRNOTAVAIL,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
    }
)
_TRANSIENT_TEXT = (
    "socket is closed",
    "cannot assign requested address",
    "server connection dropped",
    "connection reset",
    "broken pipe",
    "channel closed",
    "eof during negotiation",
)


def make_error(kind: int, path: Any, text: str = "") -> SftpError:
    cls, what = _BY_ERRNO.get(kind, (SftpError, "failed"))
    message = f"{what}: {mask_url(str(path))}"
    if text and text.lower() not in (what, "no such file", "permission denied"):
        message += f" ({mask_url(text)})"
    return cls(kind, message)


def translate(error: BaseException, path: Any) -> BaseException:
    """A paramiko/socket error on ``path`` as the matching :class:`SftpError`."""
    if isinstance(error, (SftpError, MegfileError)):
        return error
    if isinstance(error, OSError) and error.errno in _BY_ERRNO and not is_transient(error):
        return make_error(error.errno, path, str(error.strerror or ""))
    if is_transient(error):
        wrapped = SftpConnectionError(
            f"connection to {mask_url(str(path))} failed: {type(error).__name__}: "
            f"{mask_url(str(error))}"
        )
        wrapped.__cause__ = error
        return wrapped
    if isinstance(error, OSError) and not isinstance(error, socket.timeout):
        text = str(error.strerror or error) if error.errno is None else str(error)
        wrapped2 = SftpError(f"SFTP operation failed on {mask_url(str(path))}: {mask_url(text)}")
        wrapped2.__cause__ = error
        return wrapped2
    return error


def is_transient(error: BaseException) -> bool:
    """Worth a new connection and another try: the link broke, not the request."""
    import paramiko

    if isinstance(error, (SftpHostKeyError, SftpAuthenticationError)):
        return False
    if isinstance(error, (paramiko.AuthenticationException, paramiko.BadHostKeyException)):
        return False
    if isinstance(error, SftpConnectionError):
        return bool(getattr(error, "transient", True))
    if isinstance(
        error,
        (
            paramiko.SSHException,
            EOFError,
            ConnectionError,
            paramiko.ssh_exception.NoValidConnectionsError,
            socket.timeout,
            TimeoutError,
        ),
    ):
        return True
    if isinstance(error, OSError):
        if error.errno in _TRANSIENT_ERRNOS:
            return True
        text = str(error).lower()
        return any(marker in text for marker in _TRANSIENT_TEXT)
    return False
