"""megfile_core: one file API over local disk, stdio and every protocol a plugin adds.

``import megfile_core as megfile`` gives megfile's public names. Names are imported on
first use, so ``import megfile_core`` costs almost nothing; names a plugin exports
(``s3_upload`` and the like) resolve through the installed plugins.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from megfile_core.impl_marker import hookimpl as hookimpl

__version__ = "0.1.0"

#: modules whose ``__all__`` is the one list of the names megfile_core re-exports
#: from them: the ``smart_*`` façade (smart.py) and the errors (errors.py)
_FROM_ALL = ("megfile_core.smart", "megfile_core.errors")
#: every other public name, and the module it lives in
_LAZY: dict[str, str] = {
    "SameFileError": "megfile_core.errors",  # shutil's, imported when asked for
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
    **{
        name: "megfile_core.url_checks"
        for name in ("is_s3", "is_sftp", "is_http", "is_webdav", "is_hdfs")
    },
}
#: megfile's names that a plugin provides (s3_open, sftp_copy, the path classes) are
#: listed, with the plugin to install, in megfile_core.megfile_names


def _public_names() -> list[str]:
    """``__all__``: built on first use (it imports smart.py and errors.py)."""
    from megfile_core.megfile_names import plugin_names

    names = {"hookimpl", *_LAZY, *plugin_names()}  # a missing plugin's names are left out
    for module in _FROM_ALL:
        names.update(importlib.import_module(module).__all__)
    return sorted(names)


def _home(name: str) -> str | None:
    """The module a public name comes from (smart.py is imported only when asked
    for a name it may hold)."""
    if name in _LAZY:
        return _LAZY[name]
    if name.startswith("_") or _is_submodule(name):  # `from megfile_core import io`
        return None
    return next((m for m in _FROM_ALL if name in importlib.import_module(m).__all__), None)


def __getattr__(name: str) -> Any:
    if name == "__all__":
        names = globals()["__all__"] = _public_names()
        return names
    if name in _plugin_table():
        from megfile_core.megfile_names import resolve

        return resolve(name)  # ImportError naming the plugin when it is missing
    module_name = _home(name)
    if module_name is not None:
        value = getattr(importlib.import_module(module_name), name)
        globals()[name] = value
        return value
    if not name.startswith("_") and not _is_submodule(name):
        value = _plugin_export(name)
        if value is not None:
            return value
    raise AttributeError(f"module 'megfile_core' has no attribute {name!r}")


def _plugin_table() -> dict[str, str]:
    from megfile_core.megfile_names import PLUGIN_NAMES

    return PLUGIN_NAMES


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
    return sorted(set(globals()) | set(_public_names()))


if TYPE_CHECKING:
    from megfile_core.builtin.fs import FSPath as FSPath
    from megfile_core.builtin.shortcuts import (
        fs_copy as fs_copy,
    )
    from megfile_core.builtin.shortcuts import (
        is_fs as is_fs,
    )
    from megfile_core.builtin.shortcuts import (
        is_stdio as is_stdio,
    )
    from megfile_core.builtin.shortcuts import (
        stdio_open as stdio_open,
    )
    from megfile_core.builtin.stdio import StdioPath as StdioPath
    from megfile_core.errors import *  # noqa: F403 (the names of its __all__)
    from megfile_core.errors import SameFileError as SameFileError
    from megfile_core.pathlike import BasePath as BasePath
    from megfile_core.smart import *  # noqa: F403 (the names of its __all__)
    from megfile_core.smart_path import SmartPath as SmartPath
    from megfile_core.types import (
        Access as Access,
    )
    from megfile_core.types import (
        FileEntry as FileEntry,
    )
    from megfile_core.types import (
        StatResult as StatResult,
    )
    from megfile_core.url_checks import *  # noqa: F403 (is_s3, is_sftp ...)
