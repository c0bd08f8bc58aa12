"""megfile's ``is_s3``, ``is_sftp``, ``is_http``, ``is_webdav`` and ``is_hdfs``:
pure checks of a URL's scheme, which work whether or not the plugin for that
protocol is installed (a plugin is needed to open the path, not to recognise it)."""

from __future__ import annotations

import os
from typing import Any

from megfile_core.url import split_scheme

__all__ = ["is_hdfs", "is_http", "is_s3", "is_sftp", "is_webdav"]


def _scheme(path: Any) -> str:
    """The scheme of ``path`` without a ``+PROFILE`` suffix ("" for none)."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str):
        path = str(path)
    return split_scheme(path)[0].partition("+")[0]


def is_s3(path: Any) -> bool:
    """Whether ``path`` is an ``s3://`` or ``s3+PROFILE://`` URL."""
    return _scheme(path) == "s3"


def is_sftp(path: Any) -> bool:
    """Whether ``path`` is an ``sftp://`` URL."""
    return _scheme(path) == "sftp"


def is_http(path: Any) -> bool:
    """Whether ``path`` is an ``http://`` or ``https://`` URL."""
    return _scheme(path) in ("http", "https")


def is_webdav(path: Any) -> bool:
    """Whether ``path`` is a ``webdav://`` or ``webdavs://`` URL."""
    return _scheme(path) in ("webdav", "webdavs")


def is_hdfs(path: Any) -> bool:
    """Whether ``path`` is an ``hdfs://`` (or ``hdfs+PROFILE://``) URL."""
    return _scheme(path) == "hdfs"
