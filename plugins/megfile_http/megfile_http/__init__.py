"""megfile-http: ``http://`` and ``https://`` for megfile-core (read-only).

Importing this package is cheap; ``requests`` is imported with the path classes,
on first use of an http(s) URL.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HttpPath", "HttpsPath", "get_http_session", "is_http"]


def is_http(path: Any) -> bool:
    """Whether ``path`` is an ``http://`` or ``https://`` URL."""
    import os

    text = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(text, str):
        text = str(path)
    scheme = text.partition("://")[0].partition("+")[0].lower() if "://" in text else ""
    return scheme in ("http", "https")


def __getattr__(name: str) -> Any:
    if name in ("HttpPath", "HttpsPath"):
        from megfile_http import path

        return getattr(path, name)
    if name == "get_http_session":
        from megfile_http.session import get_http_session

        return get_http_session
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
