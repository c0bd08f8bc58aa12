"""Hook implementations only: nothing here imports paramiko."""

from __future__ import annotations

from megfile_core import hookimpl
from megfile_core.types import RegisterCopyFunc, RegisterProtocol


@hookimpl
def megfile_register_protocols(register: RegisterProtocol) -> None:
    register("sftp", "megfile_sftp.path:SftpPath")


@hookimpl
def megfile_register_copy_funcs(register: RegisterCopyFunc) -> None:
    register("file", "sftp", "megfile_sftp.transfer:upload")
    register("sftp", "file", "megfile_sftp.transfer:download")
