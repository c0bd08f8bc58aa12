"""megfile hook of the S3 plugin: names only, nothing imported (no boto3, no click)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from megfile_core import hookimpl

if TYPE_CHECKING:
    from megfile_core.registry import Registrar


@hookimpl
def megfile_register(registrar: Registrar) -> None:
    registrar.register_protocol("s3", "megfile_s3.path:S3Path")
    registrar.register_copy_func("file", "s3", "megfile_s3.transfer:upload")
    registrar.register_copy_func("s3", "file", "megfile_s3.transfer:download")
    registrar.register_copy_func("s3", "s3", "megfile_s3.transfer:copy")
    registrar.register_command("megfile_s3.cli:config_s3", group="config")
    registrar.register_command("megfile_s3.cli:s3_group")
