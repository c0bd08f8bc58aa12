"""Opening a WebDAV file for writing: ``wb``/``xb``/``ab`` through the streamed PUT
writer (:mod:`megfile_webdav.writer`), the update modes through core's
:class:`~megfile_core.io.edit.EditFile` (a local copy uploaded as one write when
closed)."""

from __future__ import annotations

import errno
from typing import IO, TYPE_CHECKING, Any

from megfile_core.io.copy import copy_stream
from megfile_core.io.edit import EditFile
from megfile_webdav.writer import open_writer

if TYPE_CHECKING:
    from megfile_webdav.path import WebdavPath

__all__ = ["open_edit", "open_write"]


def _check_target(path: WebdavPath, mode: str) -> str | None:
    """The kind of what is at ``path`` ("file", "dir" or None; not asked for
    ``wb``), after the checks every writing mode shares."""
    if not path._split()[1].strip("/") or path.remote.endswith("/"):
        raise IsADirectoryError(errno.EISDIR, "is a directory", path.display_name)
    kind = path._kind() if mode != "wb" else None
    if kind == "dir":
        raise IsADirectoryError(errno.EISDIR, "is a directory", path.display_name)
    if mode[0] == "x" and kind is not None:
        raise FileExistsError(errno.EEXIST, "file exists", path.display_name)
    if mode[0] == "r" and kind is None:
        raise FileNotFoundError(errno.ENOENT, "no such file", path.display_name)
    return kind


def open_write(path: WebdavPath, mode: str, atomic: bool, options: dict[str, Any]) -> IO[bytes]:
    """``wb``, ``xb``, and ``ab`` (a new upload that starts as a copy of the file)."""
    kind = _check_target(path, mode)
    writer = open_writer(path, "xb" if mode == "xb" else "wb", atomic, options)
    if mode == "ab" and kind == "file":
        try:
            with path.open("rb") as reader:
                copy_stream(reader, writer)
        except BaseException:
            writer.abort()  # nothing is published
            raise
    return writer  # type: ignore[return-value]


def open_edit(path: WebdavPath, mode: str, atomic: bool, options: dict[str, Any]) -> IO[bytes]:
    """``rb+``, ``wb+``, ``ab+``, ``xb+``: edited in a local temp file, uploaded as
    one write when closed; an error in the ``with`` block uploads nothing."""
    kind = _check_target(path, mode)
    write_mode = "xb" if mode[0] == "x" else "wb"

    def publish(content: IO[bytes]) -> None:
        with open_writer(path, write_mode, atomic, options) as writer:
            copy_stream(content, writer)

    name = path.display_name
    if kind == "file" and mode[0] in "ra":
        with path.open("rb") as initial:
            edit = EditFile(publish, name=name, mode=mode, initial=initial, atomic=atomic)
    else:
        edit = EditFile(publish, name=name, mode=mode, atomic=atomic)
    return edit  # type: ignore[return-value]
