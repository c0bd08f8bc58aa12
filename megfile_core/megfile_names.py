"""megfile's names that plugins provide, and megfile's submodules.

This is the one table in core that names backend classes: it tells where each of
megfile's plugin-provided names lives and, when that plugin is not installed, which
plugin to install. ``megfile_core.S3Path`` and ``from megfile_core.s3_path import
S3Path`` both resolve here, importing the plugin only when a name is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["PLUGIN_NAMES", "SUBMODULES", "plugin_names", "reexport", "resolve"]

#: plugin package -> how to install it (None: no such plugin in this project)
_INSTALL = {
    "megfile_s3": "pip install ./plugins/megfile_s3 (or megfile-s3)",
    "megfile_sftp": "pip install ./plugins/megfile_sftp (or megfile-sftp)",
    "megfile_http": "pip install ./plugins/megfile_http (or megfile-http)",
    "megfile_webdav": "pip install ./plugins/megfile_webdav (or megfile-webdav)",
    "megfile_hdfs": None,
    "megfile_sftp2": None,
}

_S3_API = (
    "parse_s3_url get_s3_client s3_generate_presigned_url s3_upload s3_copy s3_download "
    "s3_load_content s3_concat"
).split()
_S3_OPENS = (
    "s3_buffered_open s3_cached_open s3_memory_open s3_pipe_open s3_prefetch_open "
    "s3_share_cache_open s3_open"
).split()
_SFTP_API = "sftp_concat sftp_copy sftp_download sftp_upload".split()

#: megfile's name -> the plugin module that provides it
PLUGIN_NAMES: dict[str, str] = {
    "S3Path": "megfile_s3.path",
    **dict.fromkeys(_S3_API, "megfile_s3.api"),
    **dict.fromkeys(_S3_OPENS, "megfile_s3.opens"),
    "SftpPath": "megfile_sftp.path",
    "sftp_add_host_key": "megfile_sftp.hostkeys",
    **dict.fromkeys(_SFTP_API, "megfile_sftp.api"),
    "HttpPath": "megfile_http.path",
    "HttpsPath": "megfile_http.path",
    "get_http_session": "megfile_http.session",
    "WebdavPath": "megfile_webdav.path",
    "HdfsPath": "megfile_hdfs.path",
    "Sftp2Path": "megfile_sftp2.path",
}

_FS = ("FSPath", "is_fs", "fs_copy")
_HTTP = ("HttpPath", "HttpsPath", "get_http_session", "is_http")
_S3 = ("S3Path", "is_s3", *_S3_API, *_S3_OPENS)
_SFTP = ("SftpPath", "is_sftp", "sftp_add_host_key", *_SFTP_API)
_STDIO = ("StdioPath", "is_stdio", "stdio_open")

#: megfile's submodule (``megfile.s3_path``; ``megfile.s3`` of megfile 3/4) -> its names
SUBMODULES: dict[str, tuple[str, ...]] = {
    "fs": _FS,
    "fs_path": _FS,
    "http": _HTTP,
    "http_path": _HTTP,
    "s3": _S3,
    "s3_path": _S3,
    "sftp": _SFTP,
    "sftp_path": _SFTP,
    "stdio": _STDIO,
    "stdio_path": _STDIO,
    "interfaces": ("Access", "BasePath", "ContextIterator", "FileEntry", "StatResult"),
}


#: names of megfile's submodules that megfile_core has but does not export at its top
_CORE_HOMES = {"ContextIterator": "megfile_core.types"}


def plugin_names(installed_only: bool = True) -> list[str]:
    """The table's names; by default only those whose plugin can be imported
    (found without importing it)."""
    from importlib.util import find_spec

    found: dict[str, bool] = {}
    names = []
    for name, module in PLUGIN_NAMES.items():
        package = module.partition(".")[0]
        if package not in found:
            found[package] = find_spec(package) is not None
        if found[package] or not installed_only:
            names.append(name)
    return names


def resolve(name: str) -> Any:
    """A name of the table from its plugin, or an ImportError that says what to
    install; any other public name from megfile_core."""
    module_name = PLUGIN_NAMES.get(name)
    if module_name is None:
        home = _CORE_HOMES.get(name, "megfile_core")
        return getattr(importlib.import_module(home), name)
    package = module_name.partition(".")[0]
    try:
        importlib.import_module(package)
    except ImportError as error:
        if error.name != package:
            raise  # the plugin is there but something it imports is not
        hint = _INSTALL[package]
        how = (
            hint
            if hint
            else f"no such plugin ships with megfile_core: a plugin package named {package} "
            "would provide it (see docs/plugins.md)"
        )
        raise ImportError(
            f"{name} needs the {package.replace('_', '-')} plugin: {how}", name=package
        ) from None
    return getattr(importlib.import_module(module_name), name)


def reexport(
    submodule: str,
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` of the module named after
    megfile's ``submodule``: each name resolved on first use."""
    names = list(SUBMODULES[submodule])

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module 'megfile_core.{submodule}' has no attribute {name!r}")
        return resolve(name)

    def __dir__() -> list[str]:
        return sorted(names)

    return names, __getattr__, __dir__
