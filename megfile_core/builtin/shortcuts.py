"""megfile's top-level shortcuts for the built-in backends: ``is_fs``, ``is_stdio``,
``fs_copy`` and ``stdio_open``."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from megfile_core.builtin.fs import FSPath
from megfile_core.builtin.stdio import StdioPath
from megfile_core.path_algebra import _fspath_str
from megfile_core.url import split_scheme

__all__ = ["fs_copy", "is_fs", "is_stdio", "stdio_open"]


def is_fs(path: Any) -> bool:
    """Whether ``path`` is a local path (no scheme, ``file://`` or an int fd)."""
    if isinstance(path, int) and not isinstance(path, bool):
        return True
    try:
        scheme, _ = split_scheme(_fspath_str(path))
    except TypeError:
        return False
    return scheme in ("", "file")


def is_stdio(path: Any) -> bool:
    try:
        scheme, _ = split_scheme(_fspath_str(path))
    except TypeError:
        return False
    return scheme == "stdio"


def fs_copy(
    src_path: Any,
    dst_path: Any,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    FSPath(_fspath_str(src_path)).copy(dst_path, callback, followlinks, overwrite)


def stdio_open(path: Any, mode: str = "rb") -> IO[Any]:
    return StdioPath(_fspath_str(path)).open(mode)
