"""WebDAV answers as builtin ``OSError`` subclasses, with messages that say what
to do. Messages name the path as :func:`megfile_core.url.mask_url` shows it: never
a password or a token."""

from __future__ import annotations

import errno

__all__ = [
    "RETRY_STATUSES",
    "WebdavLockedError",
    "WebdavServerError",
    "WebdavTLSError",
    "WebdavUnsupportedError",
    "status_error",
]

#: answers worth another try (through core's retry policy)
RETRY_STATUSES = frozenset((500, 502, 503, 504))

_AUTH_HINT = (
    "check the user and password (in the URL, or WEBDAV_USERNAME and WEBDAV_PASSWORD) "
    "or the token (WEBDAV_TOKEN), and the server's permissions"
)


class WebdavLockedError(PermissionError):
    """423 Locked: another client holds a WebDAV lock on the resource."""

    def __init__(self, path: str, method: str) -> None:
        super().__init__(
            errno.EACCES,
            f"{method} refused: the resource is locked (423 Locked) by another WebDAV "
            "client; wait for that client to finish or ask it to UNLOCK, then retry",
            path,
        )


class WebdavServerError(OSError):
    """A 500, 502, 503 or 504 answer (retried, then raised when retries run out)."""

    def __init__(self, path: str, method: str, status: int, reason: str) -> None:
        self.status = status
        super().__init__(
            errno.EIO, f"{method} failed: the server answered {status} {reason}".rstrip(), path
        )


class WebdavUnsupportedError(OSError):
    """The server does not implement a method this operation needs."""

    def __init__(self, path: str, method: str, operation: str, status: int) -> None:
        super().__init__(
            errno.EOPNOTSUPP,
            f"{operation} needs WebDAV {method}, which this server refuses ({status}); "
            f"use a server with full WebDAV (class 1) support, e.g. nginx with the "
            "dav_ext module, Apache mod_dav or WsgiDAV",
            path,
        )


class WebdavTLSError(ConnectionError):
    """The server's TLS certificate could not be verified."""

    def __init__(self, path: str, base_url: str) -> None:
        super().__init__(
            errno.ECONNREFUSED,
            f"TLS certificate verification failed for {base_url}: give the CA that "
            "signed it with WEBDAV_CA_BUNDLE=/path/to/ca.pem, or (for a test server "
            "only) turn verification off with WEBDAV_VERIFY_SSL=0",
            path,
        )


_OPERATIONS = {
    "PROPFIND": "listing a directory or reading metadata",
    "MKCOL": "making a directory",
    "MOVE": "moving on the server",
    "COPY": "copying on the server",
}


def status_error(status: int, reason: str, method: str, path: str) -> OSError:
    """The error for an unexpected answer ``status`` to ``method`` on ``path``."""
    what = f"{method} failed ({status} {reason})".replace(" )", ")")
    if status == 404:
        return FileNotFoundError(errno.ENOENT, f"no such file or directory; {what}", path)
    if status in (401, 403):
        return PermissionError(errno.EACCES, f"permission denied; {what}: {_AUTH_HINT}", path)
    if status == 423:
        return WebdavLockedError(path, method)
    if status == 409:
        return FileNotFoundError(
            errno.ENOENT, f"the parent directory is missing (409 Conflict); {what}", path
        )
    if status == 412:
        return FileExistsError(errno.EEXIST, f"the target exists; {what}", path)
    if status == 507:
        return OSError(errno.ENOSPC, f"the server has no space left (507); {what}", path)
    if status in (405, 501) and method in _OPERATIONS:
        return WebdavUnsupportedError(path, method, _OPERATIONS[method], status)
    if status in RETRY_STATUSES:
        return WebdavServerError(path, method, status, reason)
    return OSError(errno.EIO, f"unexpected answer; {what}", path)
