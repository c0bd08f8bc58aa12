"""megfile_core: one file API over local disk, stdio and every protocol a plugin adds.

``import megfile_core as megfile`` gives megfile's public names. Names are imported on
first use, so ``import megfile_core`` costs almost nothing; names a plugin exports
(``s3_upload`` and the like) resolve through the installed plugins.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from megfile_core.impl_marker import hookimpl

__version__ = "0.1.0"

_SMART = [
    "smart_abspath",
    "smart_access",
    "smart_cache",
    "smart_combine_open",
    "smart_concat",
    "smart_copy",
    "smart_exists",
    "smart_getmd5",
    "smart_getmtime",
    "smart_getsize",
    "smart_glob",
    "smart_glob_stat",
    "smart_iglob",
    "smart_isabs",
    "smart_isdir",
    "smart_isfile",
    "smart_islink",
    "smart_ismount",
    "smart_listdir",
    "smart_load_content",
    "smart_load_from",
    "smart_load_text",
    "smart_lstat",
    "smart_makedirs",
    "smart_move",
    "smart_open",
    "smart_path_join",
    "smart_readlink",
    "smart_realpath",
    "smart_relpath",
    "smart_remove",
    "smart_rename",
    "smart_save_as",
    "smart_save_content",
    "smart_save_text",
    "smart_scan",
    "smart_scan_stat",
    "smart_scandir",
    "smart_stat",
    "smart_symlink",
    "smart_sync",
    "smart_sync_with_progress",
    "smart_touch",
    "smart_unlink",
    "smart_walk",
    "register_copy_func",
    "SmartCacher",
]
_ERRORS = [
    "MegfileError",
    "ProtocolError",
    "ProtocolNotFoundError",
    "ProtocolExistsError",
    "PluginError",
    "PluginLoadError",
    "UnsupportedError",
    "FileChangedError",
    "UnsafePathError",
    "UnknownError",
    "MaxRetriesExceededError",
    "SameFileError",
]
_LAZY: dict[str, str] = {
    **{name: "megfile_core.smart" for name in _SMART},
    **{name: "megfile_core.errors" for name in _ERRORS},
    "SmartPath": "megfile_core.smart_path",
    "BasePath": "megfile_core.pathlike",
    "StatResult": "megfile_core.types",
    "FileEntry": "megfile_core.types",
    "Access": "megfile_core.types",
    "FSPath": "megfile_core.builtin.fs",
    "StdioPath": "megfile_core.builtin.stdio",
    "is_fs": "megfile_core.builtin.shortcuts",
    "is_stdio": "megfile_core.builtin.shortcuts",
    "fs_copy": "megfile_core.builtin.shortcuts",
    "stdio_open": "megfile_core.builtin.shortcuts",
}

__all__ = [
    "Access",
    "BasePath",
    "FSPath",
    "FileChangedError",
    "FileEntry",
    "MaxRetriesExceededError",
    "MegfileError",
    "PluginError",
    "PluginLoadError",
    "ProtocolError",
    "ProtocolExistsError",
    "ProtocolNotFoundError",
    "SameFileError",
    "SmartCacher",
    "SmartPath",
    "StatResult",
    "StdioPath",
    "UnknownError",
    "UnsafePathError",
    "UnsupportedError",
    "fs_copy",
    "hookimpl",
    "is_fs",
    "is_stdio",
    "register_copy_func",
    "smart_abspath",
    "smart_access",
    "smart_cache",
    "smart_combine_open",
    "smart_concat",
    "smart_copy",
    "smart_exists",
    "smart_getmd5",
    "smart_getmtime",
    "smart_getsize",
    "smart_glob",
    "smart_glob_stat",
    "smart_iglob",
    "smart_isabs",
    "smart_isdir",
    "smart_isfile",
    "smart_islink",
    "smart_ismount",
    "smart_listdir",
    "smart_load_content",
    "smart_load_from",
    "smart_load_text",
    "smart_lstat",
    "smart_makedirs",
    "smart_move",
    "smart_open",
    "smart_path_join",
    "smart_readlink",
    "smart_realpath",
    "smart_relpath",
    "smart_remove",
    "smart_rename",
    "smart_save_as",
    "smart_save_content",
    "smart_save_text",
    "smart_scan",
    "smart_scan_stat",
    "smart_scandir",
    "smart_stat",
    "smart_symlink",
    "smart_sync",
    "smart_sync_with_progress",
    "smart_touch",
    "smart_unlink",
    "smart_walk",
    "stdio_open",
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is not None:
        value = getattr(importlib.import_module(module_name), name)
        globals()[name] = value
        return value
    if not name.startswith("_") and not _is_submodule(name):
        value = _plugin_export(name)
        if value is not None:
            return value
    raise AttributeError(f"module 'megfile_core' has no attribute {name!r}")


def _is_submodule(name: str) -> bool:
    base = os.path.join(__path__[0], name)
    return os.path.exists(base + ".py") or os.path.isdir(base)


def _plugin_export(name: str) -> Any:
    """``name`` from the ``__all__`` of an installed plugin's top-level package."""
    # imported here on purpose: discovery imports pluggy and scans entry points,
    # which only a name that megfile_core itself lacks should cost
    from megfile_core import plugins

    try:
        pm = plugins.get_plugin_manager()
    except Exception:
        return None
    for _plugin_name, plugin in pm.list_name_plugin():
        package = getattr(plugin, "__name__", "").split(".")[0]
        if not package or package == "megfile_core":
            continue
        try:
            module = importlib.import_module(package)
        except Exception:
            continue
        if name in getattr(module, "__all__", ()):
            return getattr(module, name)
    return None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from megfile_core.builtin.fs import FSPath
    from megfile_core.builtin.shortcuts import fs_copy, is_fs, is_stdio, stdio_open
    from megfile_core.builtin.stdio import StdioPath
    from megfile_core.errors import (
        FileChangedError,
        MaxRetriesExceededError,
        MegfileError,
        PluginError,
        PluginLoadError,
        ProtocolError,
        ProtocolExistsError,
        ProtocolNotFoundError,
        SameFileError,
        UnknownError,
        UnsafePathError,
        UnsupportedError,
    )
    from megfile_core.pathlike import BasePath
    from megfile_core.smart import (
        SmartCacher,
        register_copy_func,
        smart_abspath,
        smart_access,
        smart_cache,
        smart_combine_open,
        smart_concat,
        smart_copy,
        smart_exists,
        smart_getmd5,
        smart_getmtime,
        smart_getsize,
        smart_glob,
        smart_glob_stat,
        smart_iglob,
        smart_isabs,
        smart_isdir,
        smart_isfile,
        smart_islink,
        smart_ismount,
        smart_listdir,
        smart_load_content,
        smart_load_from,
        smart_load_text,
        smart_lstat,
        smart_makedirs,
        smart_move,
        smart_open,
        smart_path_join,
        smart_readlink,
        smart_realpath,
        smart_relpath,
        smart_remove,
        smart_rename,
        smart_save_as,
        smart_save_content,
        smart_save_text,
        smart_scan,
        smart_scan_stat,
        smart_scandir,
        smart_stat,
        smart_symlink,
        smart_sync,
        smart_sync_with_progress,
        smart_touch,
        smart_unlink,
        smart_walk,
    )
    from megfile_core.smart_path import SmartPath
    from megfile_core.types import Access, FileEntry, StatResult
