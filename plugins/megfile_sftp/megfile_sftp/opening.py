"""Opening an SFTP file: the parallel prefetch reader, the parallel part writer
(optionally atomic: a temp file renamed into place), paramiko's own file for the
update modes, and the atomic edit of an existing file."""

from __future__ import annotations

import errno
import shlex
import stat as _stat
from typing import IO, TYPE_CHECKING, Any

import paramiko

from megfile_core.builtin.atomic import temp_basename
from megfile_core.io.copy import copy_stream
from megfile_sftp.client import Connection
from megfile_sftp.errors import make_error
from megfile_sftp.files import SftpFile
from megfile_sftp.ops import attrs_version, remove_quietly, rename

if TYPE_CHECKING:
    from megfile_sftp.path import SftpPath

__all__ = [
    "copy_into",
    "create",
    "open_atomic_file",
    "open_paramiko_file",
    "open_reader",
    "open_writer",
]


def open_reader(path: SftpPath, options: dict[str, Any]) -> IO[bytes]:
    from megfile_core.io.prefetch import PrefetchReader, RangeResult
    from megfile_sftp.pipeline import read_at

    attrs = path._attrs(True)
    if _stat.S_ISDIR(attrs.st_mode or 0):
        raise make_error(errno.EISDIR, path._safe)
    remote = path._remote

    def read_range(start: int, end: int) -> RangeResult:
        data, now = path._call(lambda c: read_at(c, remote, start, end - start + 1))
        size = now.st_size if now is not None else None
        return RangeResult(data, size, attrs_version(now))

    reader_options = {
        k: options[k]
        for k in ("block_size", "max_buffer_size", "max_workers", "block_forward")
        if k in options
    }
    return PrefetchReader(
        read_range,
        name=path._safe,  # type: ignore[return-value]
        size=attrs.st_size or 0,
        version=attrs_version(attrs),
        **reader_options,
    )


def create(path: SftpPath, remote: str, flags: int) -> None:
    """Create (``flags``: truncate or exclusive) ``remote``; parents as needed."""
    from megfile_sftp.pipeline import _close_handle, _open_handle

    def create(c: Connection) -> None:
        _close_handle(c, _open_handle(c, remote, flags))

    try:
        path._call(create)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        path._call(create)
    except OSError:
        kind = path._kind()
        if kind == "dir":
            raise make_error(errno.EISDIR, path._safe) from None
        if flags & paramiko.sftp.SFTP_FLAG_EXCL and kind is not None:
            raise make_error(errno.EEXIST, path._safe) from None
        raise


def open_writer(path: SftpPath, mode: str, atomic: bool, options: dict[str, Any]) -> IO[bytes]:
    from paramiko.sftp import (
        SFTP_FLAG_CREATE,
        SFTP_FLAG_EXCL,
        SFTP_FLAG_TRUNC,
        SFTP_FLAG_WRITE,
    )

    from megfile_core.io.writer import PartWriter
    from megfile_sftp.pipeline import write_at

    if not path._path.strip("/"):
        raise make_error(errno.EISDIR, path._safe)
    exclusive = mode[0] == "x"
    final = path._remote
    if exclusive and path._kind() is not None:
        raise make_error(errno.EEXIST, path._safe)
    if atomic:
        name = temp_basename(path.name)
        temp = path.with_name(name)
        write_to = temp._remote
        create(path, write_to, SFTP_FLAG_WRITE | SFTP_FLAG_CREATE | SFTP_FLAG_EXCL)
    else:
        write_to = final
        flags = SFTP_FLAG_WRITE | SFTP_FLAG_CREATE
        flags |= SFTP_FLAG_EXCL if exclusive else SFTP_FLAG_TRUNC
        create(path, write_to, flags)

    def upload_part(number: int, offset: int, data: memoryview) -> int:
        path._call(lambda c: write_at(c, write_to, offset, data))
        return number

    def complete(_parts: list[int]) -> None:
        if atomic:
            path._call(lambda c: rename(c, write_to, final, overwrite=not exclusive))

    def put_single(data: bytes) -> None:
        if data:
            upload_part(1, 0, memoryview(data))
        complete([])

    def abort() -> None:
        if atomic:
            path._call(lambda c: remove_quietly(c, write_to))

    writer_options = {
        k: options[k] for k in ("block_size", "max_buffer_size", "max_workers") if k in options
    }
    return PartWriter(
        upload_part,
        name=path._safe,  # type: ignore[return-value]
        complete=complete,
        abort=abort,
        put_single=put_single,
        atomic=atomic,
        **writer_options,
    )


def open_paramiko_file(path: SftpPath, mode: str) -> IO[bytes]:
    remote = path._remote
    flavour = mode.replace("b", "")  # 'ab', 'rb+', 'wb+', 'ab+', 'xb+'
    if flavour[0] in "wax":
        if not path._path.strip("/"):
            raise make_error(errno.EISDIR, path._safe)
        parent = path.parent
        if parent._path != path._path and not parent.exists():
            parent.mkdir(parents=True, exist_ok=True)
    if path._kind() == "dir":
        raise make_error(errno.EISDIR, path._safe)

    def open_file(c: Connection) -> tuple[paramiko.SFTPFile, int]:
        return c.sftp.open(remote, flavour), c.write_size

    try:
        handle, write_size = path._call(open_file)
    except OSError:
        if flavour[0] == "x" and path._kind() is not None:
            raise make_error(errno.EEXIST, path._safe) from None
        raise
    return SftpFile(handle, mode, path._safe, write_size)  # type: ignore[return-value]


def open_atomic_file(path: SftpPath, mode: str) -> IO[bytes]:
    """``ab``, ``rb+``, ``wb+``, ``ab+``, ``xb+`` with ``atomic=True``: edit a temp
    file beside the target (a copy of it for ``a``/``r+``), renamed into place on
    close and deleted on error or ``abort()``; the target is untouched till then."""
    from paramiko.sftp import SFTP_FLAG_CREATE, SFTP_FLAG_EXCL, SFTP_FLAG_WRITE

    from megfile_sftp.files import AtomicSftpFile, add_note

    flavour = mode.replace("b", "")
    if not path._path.strip("/"):
        raise make_error(errno.EISDIR, path._safe)
    try:
        attrs: paramiko.SFTPAttributes | None = path._attrs(True)
    except FileNotFoundError:
        attrs = None
    if attrs is not None and _stat.S_ISDIR(attrs.st_mode or 0):
        raise make_error(errno.EISDIR, path._safe)
    if attrs is None and flavour[0] == "r":
        raise make_error(errno.ENOENT, path._safe)
    exclusive = flavour[0] == "x"
    if exclusive and (attrs is not None or path._kind() is not None):
        raise make_error(errno.EEXIST, path._safe)
    temp = path.with_name(temp_basename(path.name))
    temp_remote, final = temp._remote, path._remote
    create(temp, temp_remote, SFTP_FLAG_WRITE | SFTP_FLAG_CREATE | SFTP_FLAG_EXCL)

    def discard() -> None:
        temp._call(lambda c: remove_quietly(c, temp_remote))

    def publish() -> None:
        path._call(lambda c: rename(c, temp_remote, final, overwrite=not exclusive))

    try:
        if attrs is not None:
            if flavour[0] in "ra":  # starts as the target's content
                copy_into(path, temp)
            mode_bits = _stat.S_IMODE(attrs.st_mode or 0)
            if mode_bits:  # the result keeps the target's permissions
                temp._call(lambda c: c.sftp.chmod(temp_remote, mode_bits))
        how = "w+" if flavour[0] in "wx" else flavour  # temp is new and ours

        def open_file(c: Connection) -> tuple[paramiko.SFTPFile, int]:
            return c.sftp.open(temp_remote, how), c.write_size

        handle, write_size = temp._call(open_file)
    except BaseException as error:
        try:
            discard()
        except Exception as cleanup:
            add_note(error, f"removing {temp._safe} also failed: {cleanup!r}")
        raise
    return AtomicSftpFile(
        handle,
        mode,
        path._safe,  # type: ignore[return-value]
        write_size,
        publish=publish,
        discard=discard,
    )


def copy_into(path: SftpPath, dst: SftpPath) -> None:
    """Overwrite the existing file ``dst`` (same server) with this file's bytes:
    ``cp`` on the server when it allows commands, else streamed through us."""
    from megfile_sftp import remote

    src_abs, dst_abs = path._absolute_remote(), dst._absolute_remote()
    command = f"cp -- {shlex.quote(src_abs)} {shlex.quote(dst_abs)}"
    result = remote.run(path._target, command, path._safe)
    if result is not None and result[0] == 0:
        return
    # streamed: dst opened for writing starts empty again (cp may have failed
    # halfway)
    with path.open("rb") as reader, dst.open("wb") as writer:
        copy_stream(reader, writer)
