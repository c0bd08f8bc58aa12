"""megfile hook of megfile-webdav: names only, nothing imported (no requests)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from megfile_core import hookimpl

if TYPE_CHECKING:
    from megfile_core.registry import Registrar


@hookimpl
def megfile_register(registrar: Registrar) -> None:
    registrar.register_protocol("webdav", "megfile_webdav.path:WebdavPath")
    registrar.register_protocol("webdavs", "megfile_webdav.path:WebdavsPath")
