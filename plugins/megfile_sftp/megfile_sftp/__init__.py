"""``sftp://`` for megfile-core, on paramiko.

Importing this package is cheap; paramiko is imported when a name below is first
used (``from megfile_sftp import sftp_add_host_key``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from megfile_sftp.api import sftp_concat, sftp_copy, sftp_download, sftp_upload
    from megfile_sftp.errors import (
        SftpAuthenticationError,
        SftpConnectionError,
        SftpError,
        SftpHostKeyChangedError,
        SftpHostKeyError,
        SftpUnknownHostKeyError,
    )
    from megfile_sftp.hostkeys import sftp_add_host_key
    from megfile_sftp.path import SftpPath

__all__ = [
    "SftpAuthenticationError",
    "SftpConnectionError",
    "SftpError",
    "SftpHostKeyChangedError",
    "SftpHostKeyError",
    "SftpPath",
    "SftpUnknownHostKeyError",
    "sftp_add_host_key",
    "sftp_concat",
    "sftp_copy",
    "sftp_download",
    "sftp_upload",
]

_LAZY = {
    "SftpPath": "megfile_sftp.path",
    "sftp_add_host_key": "megfile_sftp.hostkeys",
    **{
        name: "megfile_sftp.api"
        for name in __all__
        if name.startswith("sftp_") and "host" not in name
    },
    **{name: "megfile_sftp.errors" for name in __all__ if name.endswith("Error")},
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
