"""megfile hooks of megfile-http: class and function names only, nothing imported."""

from __future__ import annotations

from megfile_core import hookimpl
from megfile_core.types import RegisterCopyFunc, RegisterProtocol


@hookimpl
def megfile_register_protocols(register: RegisterProtocol) -> None:
    register("http", "megfile_http.path:HttpPath")
    register("https", "megfile_http.path:HttpsPath")


@hookimpl
def megfile_register_copy_funcs(register: RegisterCopyFunc) -> None:
    register("http", "file", "megfile_http.transfer:download")
    register("https", "file", "megfile_http.transfer:download")
