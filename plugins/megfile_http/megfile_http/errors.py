"""HTTP errors: builtin OSError families mixed with :class:`HttpError`.

Every message names the URL with its secrets masked by core's
:func:`megfile_core.url.mask_url` (``https://user:***@host/...``, and the values of
query parameters that look like signatures or tokens).
"""

from __future__ import annotations

from typing import Any

from megfile_core.errors import MegfileError, UnsupportedError
from megfile_core.url import mask_url

__all__ = [
    "HttpBodyIncompleteError",
    "HttpError",
    "HttpFileNotFoundError",
    "HttpPermissionError",
    "HttpRetryableStatusError",
    "HttpStatusError",
    "HttpUnacceptableModeError",
    "status_error",
]


class HttpError(MegfileError):
    """Base class of the errors raised by megfile_http."""


class HttpFileNotFoundError(HttpError, FileNotFoundError):
    """The server answered 404 or 410."""


class HttpPermissionError(HttpError, PermissionError):
    """The server answered 401 or 403."""


class HttpStatusError(HttpError, OSError):
    """Any other unexpected status; ``status`` holds it."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.status))


class HttpRetryableStatusError(HttpStatusError):
    """429, 500, 502, 503 or 504: retried with backoff."""


class HttpBodyIncompleteError(HttpError, OSError):
    """The connection ended before the body the server announced was complete."""


class HttpUnacceptableModeError(UnsupportedError, ValueError):
    """A write to an HTTP URL (``open`` in any mode but ``rb``, ``write_bytes``,
    ``touch`` ...). megfile raises ``ValueError("unacceptable mode: 'wb'")`` there,
    so this is a ``ValueError`` too and its message begins with those words."""

    def __init__(self, mode: str, operation: str, path: object = None) -> None:
        super().__init__(operation, path)
        self.mode = mode
        self.args = (f"unacceptable mode: {mode!r} ({self.args[0]}: HTTP is read-only)",)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.mode, self.operation, self.path))


RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


def status_error(status: int, reason: str, url: str, method: str = "GET") -> OSError:
    """The exception for an unexpected HTTP status answering ``method url``."""
    where = mask_url(url)
    head = f"{method} {where}: HTTP {status} {reason}".rstrip()
    if status in (404, 410):
        return HttpFileNotFoundError(2, f"{head}; check the URL", where)
    if status in (401, 403):
        return HttpPermissionError(
            13,
            f"{head}; pass credentials with auth=, headers= or cookies= "
            "(open options or HttpPath(..., auth=...))",
            where,
        )
    if status in RETRYABLE_STATUS:
        return HttpRetryableStatusError(f"{head}; the server is busy or failing", status)
    return HttpStatusError(f"{head}; the server refused the request", status)
