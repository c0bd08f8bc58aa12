"""megfile's small top-level helpers (``is_fs``, ``fs_copy`` ...) and plugin exports."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import IO, Any

from megfile_core.pathlike import _fspath_str
from megfile_core.registry import get_registry, split_scheme

__all__ = ["fs_copy", "is_fs", "is_stdio", "plugin_export", "stdio_open"]


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
    from megfile_core.builtin.fs import FSPath

    FSPath(_fspath_str(src_path)).copy(dst_path, callback, followlinks, overwrite)


def stdio_open(path: Any, mode: str = "rb") -> IO[Any]:
    from megfile_core.builtin.stdio import StdioPath

    return StdioPath(_fspath_str(path)).open(mode)


def plugin_export(name: str) -> Any:
    """``name`` from the ``__all__`` of an installed plugin's top-level package."""
    from megfile_core import plugins

    registry = get_registry()
    try:
        registry.ensure_plugins()
        pm = plugins.get_plugin_manager()
    except Exception:
        return None
    for _plugin_name, plugin in pm.list_name_plugin():
        module_name = getattr(plugin, "__name__", "")
        package = module_name.split(".")[0]
        if not package or package == "megfile_core":
            continue
        try:
            module = importlib.import_module(package)
        except Exception:
            continue
        if name in getattr(module, "__all__", ()):
            return getattr(module, name)
    return None
