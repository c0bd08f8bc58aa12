"""megfile hook of the SFTP plugin: names only, nothing imported (no paramiko)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from megfile_core import hookimpl

if TYPE_CHECKING:
    from megfile_core.registry import Registrar


@hookimpl
def megfile_register(registrar: Registrar) -> None:
    registrar.register_protocol("sftp", "megfile_sftp.path:SftpPath")
    registrar.register_copy_func("file", "sftp", "megfile_sftp.transfer:upload")
    registrar.register_copy_func("sftp", "file", "megfile_sftp.transfer:download")
