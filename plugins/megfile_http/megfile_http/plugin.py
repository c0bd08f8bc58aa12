"""megfile hook of megfile-http: names only, nothing imported (no requests)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from megfile_core import hookimpl

if TYPE_CHECKING:
    from megfile_core.registry import Registrar


@hookimpl
def megfile_register(registrar: Registrar) -> None:
    registrar.register_protocol("http", "megfile_http.path:HttpPath")
    registrar.register_protocol("https", "megfile_http.path:HttpsPath")
    registrar.register_copy_func("http", "file", "megfile_http.transfer:download")
    registrar.register_copy_func("https", "file", "megfile_http.transfer:download")
