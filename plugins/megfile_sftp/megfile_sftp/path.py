"""``SftpPath``: ``sftp://[user[:password]@]host[:port]//absolute/path`` or
``sftp://host/path/relative/to/the/login/directory``.

``path`` holds the remote path (``/tmp/x`` for the absolute form, ``x/y`` for the
relative one, ``""`` for the login directory); the connection part rides along in
every derived path (parent, joinpath, glob and scan results). ``str()`` gives the
URL as written; ``repr()`` and every error message mask the password.

Opening a file is in :mod:`megfile_sftp.opening`, single SFTP requests in
:mod:`megfile_sftp.ops`, commands on the server (``cp``, ``cat``, ``md5sum``) in
:mod:`megfile_sftp.remote`, the URL in :mod:`megfile_sftp.url`.
"""

from __future__ import annotations

import errno
import stat as _stat
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, TypeVar

import paramiko

from megfile_core.errors import UnsupportedError
from megfile_core.io.copy import concat_streams, stream_copy
from megfile_core.path_algebra import _fspath_str
from megfile_core.pathlike import BasePath, ContextIterator
from megfile_core.sync import move
from megfile_core.types import FileEntry, StatResult
from megfile_core.url import mask_url, split_scheme
from megfile_sftp.client import Connection, Target, call
from megfile_sftp.errors import make_error
from megfile_sftp.opening import (
    open_atomic_file,
    open_paramiko_file,
    open_reader,
    open_writer,
)
from megfile_sftp.ops import (
    lsetstat_mode,
    rename,
    stat_result,
)
from megfile_sftp.remote import remote_concat, remote_copy, remote_md5
from megfile_sftp.url import SftpUrl, parse_netloc, split_url

__all__ = ["SftpPath"]

Self = TypeVar("Self", bound="SftpPath")


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
        if base != type(self).protocol:
            raise ValueError(f"SftpPath serves sftp:// URLs, not {mask_url(text)!r}")
        if variant:
            raise ValueError(f"sftp URLs take no +variant: {mask_url(text)!r}")
        netloc, remote = split_url(rest)
        self._url = parse_netloc(netloc)
        self.scheme = base
        self.variant = None
        self._path = remote
        if other_paths:
            self._path = self._join(remote, *(_fspath_str(p) for p in other_paths))

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
        return (
            f"{self.root_scheme}://{self.netloc}/{self._path}"
            if self._path
            else f"{self.root_scheme}://{self.netloc}"
        )

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
        if scheme.partition("+")[0] != type(self).protocol:
            raise ValueError(f"{mask_url(text)!r} is not an sftp:// path")
        return split_url(rest)[1]

    # -- pure path operations ---------------------------------------------------------
    # As megfile: ``parts`` starts with the connection (``sftp://u@h//``) and a
    # trailing slash ends in an empty part, so ``sftp://h//a/`` has the name "" and
    # the parent ``sftp://h//a``; ``root`` and ``anchor`` are the bare ``sftp://``.
    @property
    def _parts_head(self) -> str:
        head = f"{self.root_scheme}://{self.netloc}/"
        return head + "/" if self._path.startswith("/") else head

    @property
    def parents(self) -> Sequence[BasePath]:  # type: ignore[override]
        """Up to the root, then megfile's last entry: the empty local path ``''``."""
        from megfile_core.builtin.fs import FSPath
        from megfile_core.smart_path import SmartPath

        last = SmartPath("") if isinstance(self, SmartPath) else FSPath("")
        return (*super().parents, last)

    def is_absolute(self) -> bool:
        return True  # a relative form is relative to the login dir, a fixed place

    # -- connection --------------------------------------------------------------------
    @property
    def _target(self) -> Target:
        return Target.from_url(self._url)

    @property
    def _remote(self) -> str:
        return self._path or "."

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
        return stat_result(self._attrs(follow_symlinks))

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
        entries = [
            FileEntry(a.filename, str(self.joinpath(a.filename)), stat_result(a))
            for a in items
            if a.filename not in (".", "..")
        ]
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
        if self._path.startswith("/"):
            return self
        return self.resolve()

    def readlink(self: Self) -> Self:
        remote = self._remote
        target = self._call(lambda c: c.sftp.readlink(remote))
        if target is None:
            raise make_error(errno.EINVAL, self._safe, "not a symbolic link")
        if not target.startswith("/"):
            parent = self.parent._path
            target = self._join(parent, target) if parent else target
        return self._derive(target)

    def md5(self, recalculate: bool = False, followlinks: bool = False) -> str:
        if not self.is_dir(followlinks=followlinks):
            found = remote_md5(self)
            if found is not None:
                return found
        return super().md5(recalculate, followlinks)

    def _absolute_remote(self) -> str:
        if self._path.startswith("/"):
            return self._path
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
        if not parents or parent._path == self._path:
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
        self._call(lambda c: rename(c, src_remote, dst_remote, overwrite=True))
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
            if not self._call(lambda c: lsetstat_mode(c, remote, mode)):
                raise UnsupportedError(
                    "changing the mode of a symbolic link itself (lchmod or "
                    "chmod(follow_symlinks=False); chmod its target instead)",
                    self._safe,
                )
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
            return open_reader(self, options)
        if mode in ("wb", "xb"):
            return open_writer(self, mode, atomic, options)
        if atomic:
            return open_atomic_file(self, mode)
        return open_paramiko_file(self, mode)

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
        if self._same_server(dst) and remote_copy(self, dst, callback):
            return
        stream_copy(self, dst, callback=callback, overwrite=True, followlinks=followlinks)

    @classmethod
    def concat(cls, src_paths: list[SftpPath], dst_path: SftpPath) -> None:
        """``cat a b > dst`` on the server when every path is on it; else streamed."""
        if not remote_concat(src_paths, dst_path):
            concat_streams(src_paths, dst_path)

    def walk(self, followlinks: bool = False) -> Iterator[tuple[str, list[str], list[str]]]:
        return super().walk(followlinks=followlinks)
