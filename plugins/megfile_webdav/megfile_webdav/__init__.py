"""megfile-webdav: ``webdav://`` and ``webdavs://`` for megfile-core.

Importing this package is cheap; ``requests`` is imported with the path classes,
on first use of a webdav URL.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from megfile_webdav.errors import WebdavLockedError
    from megfile_webdav.path import WebdavPath, WebdavsPath

__all__ = ["WebdavLockedError", "WebdavPath", "WebdavsPath", "is_webdav"]

_LAZY = {
    "WebdavPath": "megfile_webdav.path",
    "WebdavsPath": "megfile_webdav.path",
    "WebdavLockedError": "megfile_webdav.errors",
}


def is_webdav(path: Any) -> bool:
    """Whether ``path`` is a ``webdav://`` or ``webdavs://`` URL."""
    text = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(text, str):
        text = str(path)
    scheme = text.partition("://")[0].lower() if "://" in text else ""
    return scheme in ("webdav", "webdavs")


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
