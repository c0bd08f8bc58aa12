"""``SftpPath``: ``sftp://[user[:password]@]host[:port]//absolute/path`` or
``sftp://host/path/relative/to/the/login/directory``.

``path`` holds the remote path (``/tmp/x`` for the absolute form, ``x/y`` for the
relative one, ``""`` for the login directory); the connection part rides along in
every derived path (parent, joinpath, glob and scan results). ``str()`` gives the
URL as written; ``repr()`` and every error message mask the password.
"""

from __future__ import annotations

import errno
import os
import secrets
import shlex
import stat as _stat
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, TypeVar

import paramiko

from megfile_core.errors import UnsupportedError
from megfile_core.io.copy import concat_streams, copy_stream, stream_copy
from megfile_core.path_algebra import _fspath_str
from megfile_core.pathlike import BasePath, ContextIterator
from megfile_core.sync import move
from megfile_core.types import FileEntry, StatResult
from megfile_core.url import mask_url, split_scheme
from megfile_sftp.client import Connection, Target, call
from megfile_sftp.errors import make_error
from megfile_sftp.files import SftpFile
from megfile_sftp.url import SftpUrl, parse_netloc, split_url

__all__ = ["SftpPath"]

Self = TypeVar("Self", bound="SftpPath")


def _stat_result(attrs: paramiko.SFTPAttributes) -> StatResult:
    mode = attrs.st_mode or 0
    mtime = float(attrs.st_mtime or 0)
    atime = float(attrs.st_atime if attrs.st_atime is not None else mtime)
    size = attrs.st_size or 0
    extra = os.stat_result((mode, 0, 0, 1, attrs.st_uid or 0, attrs.st_gid or 0, size,
                            atime, mtime, mtime))
    return StatResult(size, mtime, mtime, _stat.S_ISDIR(mode), _stat.S_ISLNK(mode),
                      extra=extra)


def _version(attrs: Any) -> str | None:
    if attrs is None or attrs.st_mtime is None:
        return None
    return str(attrs.st_mtime)


class SftpPath(BasePath):
    """A file or directory on an SFTP server; see the module docstring."""

    protocol = "sftp"
    _url: SftpUrl

    def __init__(self, path: Any = "", *other_paths: Any) -> None:
        text = _fspath_str(path)
        scheme, rest = split_scheme(text)
        if not scheme:  # megfile's path_without_protocol form: host//abs
            scheme, rest = "sftp", text
        base, _, variant = scheme.partition("+")
        if base != self.protocol:
            raise ValueError(f"SftpPath serves sftp:// URLs, not {mask_url(text)!r}")
        if variant:
            raise ValueError(f"sftp URLs take no +variant: {mask_url(text)!r}")
        netloc, remote = split_url(rest)
        self._url = parse_netloc(netloc)
        self.scheme = base
        self.variant = None
        self.path = remote
        if other_paths:
            self.path = self._join(remote, *(_fspath_str(p) for p in other_paths))

    # -- identity --------------------------------------------------------------------
    @property
    def netloc(self) -> str:
        return self._url.netloc

    @property
    def hostname(self) -> str:
        return self._url.host

    @property
    def port(self) -> int:
        return self._url.port or 22

    @property
    def username(self) -> str | None:
        return self._url.username

    @property
    def path_with_protocol(self) -> str:
        return f"{self.root_scheme}://{self.netloc}/{self.path}" if self.path \
            else f"{self.root_scheme}://{self.netloc}"

    @property
    def path_without_protocol(self) -> str:
        return self.path_with_protocol[len(self.root_scheme) + 3 :]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._display()!r})"

    def _display(self) -> str:
        """The URL for messages, logs and ``repr`` (SmartPath's and core's too): the
        password as ``***``, whatever characters it holds."""
        return mask_url(str(self))

    @property
    def _safe(self) -> str:
        return self._display()

    def _other_path(self, other: Any) -> str:
        text = _fspath_str(other)
        scheme, rest = split_scheme(text)
        if not scheme:
            return text
        if scheme.partition("+")[0] != self.protocol:
            raise ValueError(f"{mask_url(text)!r} is not an sftp:// path")
        return split_url(rest)[1]

    # -- pure path operations ---------------------------------------------------------
    # As megfile: ``parts`` starts with the connection (``sftp://u@h//``) and a
    # trailing slash ends in an empty part, so ``sftp://h//a/`` has the name "" and
    # the parent ``sftp://h//a``; ``root`` and ``anchor`` are the bare ``sftp://``.
    @property
    def _parts_head(self) -> str:
        head = f"{self.root_scheme}://{self.netloc}/"
        return head + "/" if self.path.startswith("/") else head

    @property
    def parents(self) -> Sequence[BasePath]:  # type: ignore[override]
        """Up to the root, then megfile's last entry: the empty local path ``''``."""
        from megfile_core.builtin.fs import FSPath

        return (*super().parents, FSPath(""))

    def is_absolute(self) -> bool:
        return True  # a relative form is relative to the login dir, a fixed place

    # -- connection --------------------------------------------------------------------
    @property
    def _target(self) -> Target:
        return Target.from_url(self._url)

    @property
    def _remote(self) -> str:
        return self.path or "."

    def _call(self, func: Callable[[Connection], Any]) -> Any:
        return call(self._target, func, self._safe)

    def _same_server(self, other: BasePath) -> bool:
        return isinstance(other, SftpPath) and other._target == self._target

    def _same_backend(self, other: BasePath) -> bool:
        return self._same_server(other)

    # -- metadata ----------------------------------------------------------------------
    def _attrs(self, follow_symlinks: bool = True) -> paramiko.SFTPAttributes:
        remote = self._remote
        if follow_symlinks:
            attrs = self._call(lambda c: c.sftp.stat(remote))
        else:
            attrs = self._call(lambda c: c.sftp.lstat(remote))
        return attrs

    def stat(self, follow_symlinks: bool = True) -> StatResult:
        return _stat_result(self._attrs(follow_symlinks))

    def _kind(self) -> str | None:
        """'dir', 'file', 'link' or None (missing), without following links."""
        try:
            attrs = self._attrs(False)
        except FileNotFoundError:
            return None
        mode = attrs.st_mode or 0
        if _stat.S_ISLNK(mode):
            return "link"
        return "dir" if _stat.S_ISDIR(mode) else "file"

    def scandir(self) -> ContextIterator:
        remote = self._remote
        try:
            items = self._call(lambda c: c.sftp.listdir_attr(remote))
        except OSError:
            # OpenSSH answers "no such file" for opendir() of a file (ENOTDIR)
            if self._kind() not in ("dir", "link", None):
                raise make_error(errno.ENOTDIR, self._safe) from None
            raise
        entries = [FileEntry(a.filename, str(self.joinpath(a.filename)), _stat_result(a))
                   for a in items if a.filename not in (".", "..")]
        entries.sort(key=lambda e: e.name)
        return ContextIterator(iter(entries))

    def listdir(self) -> list[str]:
        with self.scandir() as entries:
            return [entry.name for entry in entries]

    def resolve(self: Self, strict: bool = False) -> Self:
        remote = self._remote
        real = self._call(lambda c: c.sftp.normalize(remote))
        return self._derive(real)

    def absolute(self: Self) -> Self:
        if self.path.startswith("/"):
            return self
        return self.resolve()

    def readlink(self: Self) -> Self:
        remote = self._remote
        target = self._call(lambda c: c.sftp.readlink(remote))
        if target is None:
            raise make_error(errno.EINVAL, self._safe, "not a symbolic link")
        if not target.startswith("/"):
            parent = self.parent.path
            target = self._join(parent, target) if parent else target
        return self._derive(target)

    def md5(self, recalculate: bool = False, followlinks: bool = False) -> str:
        if not self.is_dir(followlinks=followlinks):
            found = self._remote_md5()
            if found is not None:
                return found
        return super().md5(recalculate, followlinks)

    def _remote_md5(self) -> str | None:
        from megfile_sftp import remote

        target = self._absolute_remote()
        result = remote.run(self._target, f"md5sum -- {shlex.quote(target)}", self._safe)
        if result is None or result[0] != 0:
            return None
        digest = result[1].split(b" ", 1)[0].decode("ascii", "replace")
        return digest if len(digest) == 32 else None

    def _absolute_remote(self) -> str:
        if self.path.startswith("/"):
            return self.path
        remote = self._remote
        return self._call(lambda c: c.sftp.normalize(remote))  # type: ignore[no-any-return]

    # -- changes -----------------------------------------------------------------------
    def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        remote = self._remote
        try:
            self._call(lambda c: c.sftp.mkdir(remote, mode))
            return
        except OSError:
            kind = self._kind()
        if kind is not None:
            if exist_ok and kind == "dir":
                return
            raise make_error(errno.EEXIST, self._safe) from None
        parent = self.parent
        if not parents or parent.path == self.path:
            raise make_error(errno.ENOENT, self._safe, "parent directory missing")
        parent.mkdir(mode, parents=True, exist_ok=True)
        self.mkdir(mode, parents=False, exist_ok=exist_ok)

    def unlink(self, missing_ok: bool = False) -> None:
        remote = self._remote
        try:
            self._call(lambda c: c.sftp.remove(remote))
            return
        except FileNotFoundError:
            if missing_ok:
                return
            raise
        except OSError:
            if self._kind() == "dir":
                raise make_error(errno.EISDIR, self._safe) from None
            raise

    def rmdir(self) -> None:
        remote = self._remote
        try:
            self._call(lambda c: c.sftp.rmdir(remote))
        except OSError:
            kind = self._kind()
            if kind is None:
                raise make_error(errno.ENOENT, self._safe) from None
            if kind != "dir":
                raise make_error(errno.ENOTDIR, self._safe) from None
            error = OSError(errno.ENOTEMPTY, f"directory not empty: {self._safe}")
            raise error from None

    def remove(self, missing_ok: bool = False, followlinks: bool = False) -> None:
        super().remove(missing_ok=missing_ok, followlinks=followlinks)

    def rename(self: Self, dst_path: Any, overwrite: bool = True) -> Self:
        dst = self._coerce(dst_path)
        if not self._same_server(dst):
            return self._move_across(dst, overwrite)
        kind = self._kind()
        if kind is None:
            raise make_error(errno.ENOENT, self._safe)
        dst_kind = dst._kind()
        if kind == "dir" and dst_kind == "dir":
            for name in self.listdir():  # merge into the existing directory
                self.joinpath(name).rename(dst.joinpath(name), overwrite=overwrite)
            try:
                self.rmdir()
            except OSError:
                if overwrite or self._kind() != "dir":
                    raise  # with overwrite=False, what was kept stays here
            return dst
        if dst_kind is not None and not overwrite:
            return dst
        if dst_kind is None:
            dst.parent.mkdir(parents=True, exist_ok=True)
        src_remote, dst_remote = self._remote, dst._remote
        self._call(lambda c: _rename(c, src_remote, dst_remote, overwrite=True))
        return dst

    def _move_across(self: Self, dst: Self, overwrite: bool) -> Self:
        move(self, dst, overwrite=overwrite)
        return dst

    def _coerce(self: Self, value: Any) -> Self:
        if isinstance(value, SftpPath):
            return value  # type: ignore[return-value]
        inner = getattr(value, "pathlike", None)
        if isinstance(inner, SftpPath):
            return inner  # type: ignore[return-value]
        text = _fspath_str(value)
        if split_scheme(text)[0]:
            return type(self)(text)
        return self._derive(text)

    def symlink(self, dst_path: Any) -> None:
        dst = self._coerce(dst_path)
        target, link = self._remote, dst._remote
        dst._call(lambda c: c.sftp.symlink(target, link))

    def chmod(self, mode: int, *, follow_symlinks: bool = True) -> None:
        """``follow_symlinks=False`` (``lchmod``) on a symbolic link needs the
        ``lsetstat@openssh.com`` extension and a server OS that can change a link's
        mode; OpenSSH on Linux cannot: :class:`UnsupportedError` then. On anything
        else than a link it is the same as ``chmod``."""
        remote = self._remote
        if not follow_symlinks and self._kind() == "link":
            if not self._call(lambda c: _lsetstat_mode(c, remote, mode)):
                raise UnsupportedError(
                    "changing the mode of a symbolic link itself (lchmod or "
                    "chmod(follow_symlinks=False); chmod its target instead)", self._safe)
            return
        self._call(lambda c: c.sftp.chmod(remote, mode))

    def utime(self, atime: float, mtime: float) -> None:
        remote = self._remote
        self._call(lambda c: c.sftp.utime(remote, (atime, mtime)))

    def touch(self, exist_ok: bool = True) -> None:
        if self.exists():
            if not exist_ok:
                raise make_error(errno.EEXIST, self._safe)
            import time

            now = time.time()
            self.utime(now, now)
            return
        with self.open("wb"):
            pass

    # -- content -------------------------------------------------------------------------
    def _load_content(self, start: int | None, stop: int | None) -> bytes:
        from megfile_sftp.pipeline import read_at

        begin = start or 0
        if stop is None:
            stop = self.stat().size
        if stop <= begin:
            return b""
        remote = self._remote
        data, _attrs = self._call(lambda c: read_at(c, remote, begin, stop - begin))
        return data  # type: ignore[no-any-return]

    def _open(self, mode: str, **options: Any) -> IO[bytes]:
        atomic = bool(options.pop("atomic", False))
        options.pop("followlinks", None)
        if mode == "rb":
            if atomic:
                raise ValueError("atomic=True is for writing, not for mode 'rb'")
            return self._reader(options)
        if mode in ("wb", "xb"):
            return self._writer(mode, atomic, options)
        if atomic:
            return self._atomic_file(mode)
        return self._paramiko_file(mode)

    def _reader(self, options: dict[str, Any]) -> IO[bytes]:
        from megfile_core.io.prefetch import PrefetchReader, RangeResult
        from megfile_sftp.pipeline import read_at

        attrs = self._attrs(True)
        if _stat.S_ISDIR(attrs.st_mode or 0):
            raise make_error(errno.EISDIR, self._safe)
        remote = self._remote

        def read_range(start: int, end: int) -> RangeResult:
            data, now = self._call(lambda c: read_at(c, remote, start, end - start + 1))
            size = now.st_size if now is not None else None
            return RangeResult(data, size, _version(now))

        reader_options = {k: options[k] for k in (
            "block_size", "max_buffer_size", "max_workers", "block_forward")
            if k in options}
        return PrefetchReader(read_range, name=self._safe,  # type: ignore[return-value]
                              size=attrs.st_size or 0, version=_version(attrs),
                              **reader_options)

    def _create(self, remote: str, flags: int) -> None:
        """Create (``flags``: truncate or exclusive) ``remote``; parents as needed."""
        from megfile_sftp.pipeline import _close_handle, _open_handle

        def create(c: Connection) -> None:
            _close_handle(c, _open_handle(c, remote, flags))

        try:
            self._call(create)
        except FileNotFoundError:
            self.parent.mkdir(parents=True, exist_ok=True)
            self._call(create)
        except OSError:
            kind = self._kind()
            if kind == "dir":
                raise make_error(errno.EISDIR, self._safe) from None
            if flags & paramiko.sftp.SFTP_FLAG_EXCL and kind is not None:
                raise make_error(errno.EEXIST, self._safe) from None
            raise

    def _writer(self, mode: str, atomic: bool, options: dict[str, Any]) -> IO[bytes]:
        from paramiko.sftp import (
            SFTP_FLAG_CREATE,
            SFTP_FLAG_EXCL,
            SFTP_FLAG_TRUNC,
            SFTP_FLAG_WRITE,
        )

        from megfile_core.io.writer import PartWriter
        from megfile_sftp.pipeline import write_at

        if not self.path.strip("/"):
            raise make_error(errno.EISDIR, self._safe)
        exclusive = mode[0] == "x"
        final = self._remote
        if exclusive and self._kind() is not None:
            raise make_error(errno.EEXIST, self._safe)
        if atomic:
            name = f".{self.name}.{secrets.token_hex(4)}.temp"
            temp = self.with_name(name)
            write_to = temp._remote
            self._create(write_to, SFTP_FLAG_WRITE | SFTP_FLAG_CREATE | SFTP_FLAG_EXCL)
        else:
            write_to = final
            flags = SFTP_FLAG_WRITE | SFTP_FLAG_CREATE
            flags |= SFTP_FLAG_EXCL if exclusive else SFTP_FLAG_TRUNC
            self._create(write_to, flags)

        def upload_part(number: int, offset: int, data: memoryview) -> int:
            self._call(lambda c: write_at(c, write_to, offset, data))
            return number

        def complete(_parts: list[int]) -> None:
            if atomic:
                self._call(lambda c: _rename(c, write_to, final, overwrite=not exclusive))

        def put_single(data: bytes) -> None:
            if data:
                upload_part(1, 0, memoryview(data))
            complete([])

        def abort() -> None:
            if atomic:
                self._call(lambda c: _remove_quietly(c, write_to))

        writer_options = {k: options[k] for k in ("block_size", "max_buffer_size",
                                                   "max_workers") if k in options}
        return PartWriter(upload_part, name=self._safe,  # type: ignore[return-value]
                          complete=complete, abort=abort, put_single=put_single,
                          atomic=atomic, **writer_options)

    def _paramiko_file(self, mode: str) -> IO[bytes]:
        remote = self._remote
        flavour = mode.replace("b", "")  # 'ab', 'rb+', 'wb+', 'ab+', 'xb+'
        if flavour[0] in "wax":
            if not self.path.strip("/"):
                raise make_error(errno.EISDIR, self._safe)
            parent = self.parent
            if parent.path != self.path and not parent.exists():
                parent.mkdir(parents=True, exist_ok=True)
        if self._kind() == "dir":
            raise make_error(errno.EISDIR, self._safe)

        def open_file(c: Connection) -> tuple[paramiko.SFTPFile, int]:
            return c.sftp.open(remote, flavour), c.write_size

        try:
            handle, write_size = self._call(open_file)
        except OSError:
            if flavour[0] == "x" and self._kind() is not None:
                raise make_error(errno.EEXIST, self._safe) from None
            raise
        return SftpFile(handle, mode, self._safe, write_size)  # type: ignore[return-value]

    def _atomic_file(self, mode: str) -> IO[bytes]:
        """``ab``, ``rb+``, ``wb+``, ``ab+``, ``xb+`` with ``atomic=True``: edit a temp
        file beside the target (a copy of it for ``a``/``r+``), renamed into place on
        close and deleted on error or ``abort()``; the target is untouched till then."""
        from paramiko.sftp import SFTP_FLAG_CREATE, SFTP_FLAG_EXCL, SFTP_FLAG_WRITE

        from megfile_sftp.files import AtomicSftpFile, add_note

        flavour = mode.replace("b", "")
        if not self.path.strip("/"):
            raise make_error(errno.EISDIR, self._safe)
        try:
            attrs: paramiko.SFTPAttributes | None = self._attrs(True)
        except FileNotFoundError:
            attrs = None
        if attrs is not None and _stat.S_ISDIR(attrs.st_mode or 0):
            raise make_error(errno.EISDIR, self._safe)
        if attrs is None and flavour[0] == "r":
            raise make_error(errno.ENOENT, self._safe)
        exclusive = flavour[0] == "x"
        if exclusive and (attrs is not None or self._kind() is not None):
            raise make_error(errno.EEXIST, self._safe)
        temp = self.with_name(f".{self.name}.{secrets.token_hex(4)}.temp")
        temp_remote, final = temp._remote, self._remote
        temp._create(temp_remote, SFTP_FLAG_WRITE | SFTP_FLAG_CREATE | SFTP_FLAG_EXCL)

        def discard() -> None:
            temp._call(lambda c: _remove_quietly(c, temp_remote))

        def publish() -> None:
            self._call(lambda c: _rename(c, temp_remote, final, overwrite=not exclusive))

        try:
            if attrs is not None:
                if flavour[0] in "ra":  # starts as the target's content
                    self._copy_into(temp)
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
        return AtomicSftpFile(handle, mode, self._safe,  # type: ignore[return-value]
                              write_size, publish=publish, discard=discard)

    def _copy_into(self, dst: SftpPath) -> None:
        """Overwrite the existing file ``dst`` (same server) with this file's bytes:
        ``cp`` on the server when it allows commands, else streamed through us."""
        from megfile_sftp import remote

        src_abs, dst_abs = self._absolute_remote(), dst._absolute_remote()
        command = f"cp -- {shlex.quote(src_abs)} {shlex.quote(dst_abs)}"
        result = remote.run(self._target, command, self._safe)
        if result is not None and result[0] == 0:
            return
        # streamed: dst opened for writing starts empty again (cp may have failed
        # halfway)
        with self.open("rb") as reader, dst.open("wb") as writer:
            copy_stream(reader, writer)

    # -- copies --------------------------------------------------------------------------
    def copy(
        self,
        dst_path: Any,
        callback: Callable[[int], None] | None = None,
        followlinks: bool = False,
        overwrite: bool = True,
    ) -> None:
        dst = self._coerce(dst_path)
        if not overwrite and dst.exists():
            return
        if self._same_server(dst) and self._remote_copy(dst, callback):
            return
        stream_copy(self, dst, callback=callback, overwrite=True, followlinks=followlinks)

    def _remote_copy(self, dst: SftpPath, callback: Callable[[int], None] | None) -> bool:
        """``cp`` on the server (no bytes through us); False when exec is unavailable."""
        from megfile_sftp import remote

        attrs = self._attrs(True)
        if _stat.S_ISDIR(attrs.st_mode or 0):
            raise make_error(errno.EISDIR, self._safe, "use sync to copy trees")
        dst.parent.mkdir(parents=True, exist_ok=True)
        src_abs, dst_abs = self._absolute_remote(), dst._absolute_remote()
        command = f"cp -- {shlex.quote(src_abs)} {shlex.quote(dst_abs)}"
        result = remote.run(self._target, command, self._safe)
        if result is None or result[0] != 0:
            return False
        dst.utime(float(attrs.st_atime or attrs.st_mtime or 0), float(attrs.st_mtime or 0))
        if callback is not None:
            callback(attrs.st_size or 0)
        return True

    @classmethod
    def concat(cls, src_paths: list[SftpPath], dst_path: SftpPath) -> None:
        """``cat a b > dst`` on the server when every path is on it; else streamed."""
        from megfile_sftp import remote

        dst = dst_path
        if src_paths and all(dst._same_server(src) for src in src_paths):
            sources = [shlex.quote(src._absolute_remote()) for src in src_paths]
            dst.parent.mkdir(parents=True, exist_ok=True)
            final = dst._absolute_remote()
            temp = posix_join(final.rpartition("/")[0] or "/",
                              f".{dst.name}.{secrets.token_hex(4)}.temp")
            command = (f"cat -- {' '.join(sources)} > {shlex.quote(temp)} && "
                       f"mv -f -- {shlex.quote(temp)} {shlex.quote(final)}")
            result = remote.run(dst._target, command, dst._safe)
            if result is not None and result[0] == 0:
                return
            if result is not None:
                remote.run(dst._target, f"rm -f -- {shlex.quote(temp)}", dst._safe)
                if result[0] not in (126, 127):  # a real failure, not "no cat here"
                    raise make_error(errno.EIO, dst._safe,
                                     result[2].decode("utf-8", "replace").strip())
        concat_streams(src_paths, dst)

    def walk(self, followlinks: bool = False) -> Iterator[tuple[str, list[str], list[str]]]:
        return super().walk(followlinks=followlinks)


def posix_join(directory: str, name: str) -> str:
    return directory.rstrip("/") + "/" + name


def _rename(conn: Connection, src: str, dst: str, overwrite: bool) -> None:
    """posix-rename@openssh.com when offered (atomic overwrite); else SFTP rename,
    which refuses an existing target: remove it first when ``overwrite``."""
    sftp = conn.sftp
    if overwrite and conn.posix_rename is not False:
        try:
            sftp.posix_rename(src, dst)
            conn.posix_rename = True
            return
        except OSError as error:
            if conn.posix_rename or error.errno is not None:
                raise
            conn.posix_rename = False  # unsupported: emulate
    try:
        sftp.rename(src, dst)
    except OSError:
        if not overwrite:
            try:
                sftp.lstat(dst)
            except OSError:
                raise
            raise OSError(errno.EEXIST, "file exists") from None
        try:
            attrs = sftp.lstat(dst)
        except OSError:
            raise
        if _stat.S_ISDIR(attrs.st_mode or 0):
            raise
        sftp.remove(dst)
        sftp.rename(src, dst)


def _lsetstat_mode(conn: Connection, remote: str, mode: int) -> bool:
    """Set the mode of ``remote`` without following a link (``lsetstat@openssh.com``).
    False when the server lacks the extension or refuses it for this file."""
    from paramiko.sftp import CMD_EXTENDED, CMD_STATUS, SFTP_OK

    attrs = paramiko.SFTPAttributes()
    attrs.st_mode = mode
    try:
        kind, msg = conn.sftp._request(CMD_EXTENDED, "lsetstat@openssh.com", remote, attrs)
    except OSError as error:  # paramiko raises the error statuses
        if isinstance(error, (FileNotFoundError, PermissionError)):
            raise
        return False
    return bool(kind == CMD_STATUS and msg is not None and msg.get_int() == SFTP_OK)


def _remove_quietly(conn: Connection, remote: str) -> None:
    try:
        conn.sftp.remove(remote)
    except FileNotFoundError:
        pass


