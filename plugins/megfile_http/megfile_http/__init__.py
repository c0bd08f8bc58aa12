"""megfile-http: ``http://`` and ``https://`` for megfile-core (read-only).

Importing this package is cheap; ``requests`` is imported with the path classes,
on first use of an http(s) URL.
"""

from __future__ import annotations

from typing import Any

from megfile_core.url_checks import is_http

__all__ = ["HttpPath", "HttpsPath", "get_http_session", "is_http"]


def __getattr__(name: str) -> Any:
    if name in ("HttpPath", "HttpsPath"):
        from megfile_http import path

        return getattr(path, name)
    if name == "get_http_session":
        from megfile_http.session import get_http_session

        return get_http_session
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
