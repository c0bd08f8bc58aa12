"""The ``file`` backend: local paths, ``file://`` URLs and file descriptors."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import posixpath
import stat as _stat
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, TypeVar

from megfile_core.builtin.atomic import AtomicFile, temp_name
from megfile_core.impl_marker import hookimpl
from megfile_core.io.copy import copy_stream
from megfile_core.path_algebra import _fspath_str
from megfile_core.pathlike import (
    BasePath,
    ContextIterator,
    check_buffering,
    check_open_options,
    parse_mode,
)
from megfile_core.types import Access, FileEntry, StatResult
from megfile_core.url import split_scheme

if TYPE_CHECKING:
    from megfile_core.registry import Registrar

__all__ = ["FSPath", "megfile_register"]

Self = TypeVar("Self", bound="FSPath")
_MAX_FD = 2**31 - 1  # the C int the os functions take


def check_fd(fd: int, name: str = "path") -> int:
    """An int path is a file descriptor; one out of range is a ValueError naming
    the argument (``os`` would raise an OverflowError)."""
    if not 0 <= fd <= _MAX_FD:
        raise ValueError(
            f"{name}: {fd} is no file descriptor (an int path is one, from 0 to "
            f"{_MAX_FD}); pass a str or os.PathLike for a file name"
        )
    return fd


@hookimpl
def megfile_register(registrar: Registrar) -> None:
    registrar.register_protocol("file", FSPath)


def _to_stat(result: os.stat_result, islnk: bool | None = None) -> StatResult:
    return StatResult(
        size=result.st_size,
        ctime=result.st_ctime,
        mtime=result.st_mtime,
        isdir=_stat.S_ISDIR(result.st_mode),
        islnk=_stat.S_ISLNK(result.st_mode) if islnk is None else islnk,
        extra=result,
    )


def _sorted_dir(
    prefix: str, directory: str, followlinks: bool
) -> list[tuple[str, os.DirEntry[str], StatResult | None]]:
    """One directory of ``FSPath._scan_files_sorted``: (relative path, entry, stat
    of a file or None for a directory to enter), in the order of the relative paths
    of what lies below (a directory's name counts as ``name/``)."""
    rows: list[tuple[str, os.DirEntry[str], StatResult | None]] = []
    try:
        handle = os.scandir(directory)
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return rows
    with handle:
        for entry in handle:
            try:
                if entry.is_dir(follow_symlinks=followlinks):
                    rows.append((prefix + entry.name, entry, None))
                else:
                    stat = _to_stat(entry.stat(follow_symlinks=followlinks))
                    rows.append((prefix + entry.name, entry, stat))
            except FileNotFoundError:
                continue  # removed while we listed, or a dangling link
    rows.sort(key=lambda row: row[0] + "/" if row[2] is None else row[0])
    return rows


class FSPath(BasePath):
    """A local path. ``file:///abs``, ``file://rel``, ``/abs``, ``rel`` or an int fd."""

    protocol = "file"

    def __init__(self, path: Any = ".", *other_paths: Any) -> None:
        self.fd: int | None = None
        if isinstance(path, int) and not isinstance(path, bool):
            self.fd = check_fd(path)
            path = str(path)
        super().__init__(path, *other_paths)
        if self.variant is not None:
            raise ValueError(f"file paths take no variant: {path!r}")

    @staticmethod
    def _join(path: str, *others: str) -> str:
        return posixpath.join(path, *others) if others else path

    def joinpath(self: Self, *other_paths: Any) -> Self:
        if self._path == "." and other_paths:  # pathlib and megfile: "." / "x" is "x"
            return self._derive(self._join(*map(_fspath_str, other_paths)))
        return super().joinpath(*other_paths)

    def _derive(self: Self, path: str) -> Self:
        # as megfile: a path derived from ``file:///x`` (parent, joinpath, listing
        # results) is a plain local path; only ``with_name`` keeps the scheme, and
        # an alias for a file:// URL, which shows the alias on every derived path
        new = super()._derive(path)
        if self._alias is None:
            new.scheme = ""
        new.fd = None
        return new

    def _path_join(self, *others: str) -> str:
        return os.path.normpath(posixpath.join(self._local, *others))

    # -- pure operations: pathlib semantics --------------------------------------
    @property
    def _local(self) -> str:
        return self._path or "."

    @property
    def parts(self) -> tuple[str, ...]:
        # pathlib semantics: drop empty and "." components, keep ".." (a symlink
        # may stand before it, so "a/../b" is not "b").
        pieces = tuple(p for p in self._path.split("/") if p and p != ".")
        return ("/", *pieces) if self._path.startswith("/") else pieces

    @property
    def root(self) -> str:
        return "/" if self._path.startswith("/") else ""

    @property
    def anchor(self) -> str:
        return self.root

    @property
    def name(self) -> str:
        parts = self.parts
        return "" if not parts or parts[-1] == "/" else parts[-1]

    @staticmethod
    def _from_parts(parts: tuple[str, ...], empty: str = ".") -> str:
        if not parts:
            return empty
        if parts[0] == "/":
            return "/" + "/".join(parts[1:])
        return "/".join(parts)

    # the parent of a one-part relative path is "" (as megfile), not pathlib's "."
    @property
    def parent(self: Self) -> Self:
        parts = self.parts
        if not parts or parts == ("/",):
            return self._derive(self._from_parts(parts, ""))
        return self._derive(self._from_parts(parts[:-1], ""))

    @property
    def parents(self: Self) -> tuple[Self, ...]:
        parts = self.parts
        stop = 1 if parts[:1] == ("/",) else 0
        return tuple(
            self._derive(self._from_parts(parts[:i], ""))
            for i in range(len(parts) - 1, stop - 1, -1)
        )

    def with_name(self: Self, name: str) -> Self:
        if not self.name:
            raise ValueError(f"{self!s} has an empty name")
        if not name or "/" in name or name == ".":
            raise ValueError(f"invalid name {name!r}")
        new = self._derive(self._from_parts((*self.parts[:-1], name)))
        new.scheme = self.scheme
        return new

    def relative_to(self: Self, *other: Any) -> Self:
        if not other:
            raise TypeError("relative_to() needs at least one argument")
        base = FSPath(posixpath.join(self._other_path(other[0]), *map(_fspath_str, other[1:])))
        parts, base_parts = self.parts, base.parts
        if parts[: len(base_parts)] != base_parts or (self.is_absolute() != base.is_absolute()):
            raise ValueError(f"{str(self)!r} is not under {_fspath_str(other[0])!r}")
        new = self._derive(self._from_parts(parts[len(base_parts) :]))
        new.scheme = ""
        return new

    def is_absolute(self) -> bool:
        return self._path.startswith("/")

    def absolute(self: Self) -> Self:
        if self.is_absolute():
            return self
        return self._derive(posixpath.join(os.getcwd(), self._path))

    def abspath(self) -> str:
        return os.path.abspath(self._local)

    def resolve(self: Self, strict: bool = False) -> Self:
        if strict:
            os.stat(self._local)
        return self._derive(os.path.realpath(self._local))

    def realpath(self) -> str:
        return os.path.realpath(self._local)

    def relpath(self, start: Any = None) -> str:
        return os.path.relpath(self._local, start=_fspath_str(start) if start else None)

    def as_uri(self) -> str:
        return "file://" + os.path.abspath(self._local)

    def __fspath__(self) -> str:
        return self._local

    @classmethod
    def from_uri(cls: type[Self], uri: str) -> Self:
        scheme, _ = split_scheme(uri)
        if scheme != "file":
            raise ValueError(f"{uri!r} is not a file:// URI")
        return cls(uri)

    def expanduser(self: Self) -> Self:
        return self._derive(os.path.expanduser(self._path))

    @classmethod
    def cwd(cls) -> str:
        return os.getcwd()

    @classmethod
    def home(cls) -> str:
        return os.path.expanduser("~")

    # -- metadata ----------------------------------------------------------------
    def _target(self) -> str | int:
        return self.fd if self.fd is not None else self._local

    def stat(self, follow_symlinks: bool = True) -> StatResult:
        target = self._target()
        if isinstance(target, int):
            return _to_stat(os.fstat(target))
        return _to_stat(os.stat(target, follow_symlinks=follow_symlinks))

    def exists(self, followlinks: bool = False) -> bool:
        if self.fd is not None:
            try:
                os.fstat(self.fd)
            except OSError:
                return False
            return True
        check = os.path.exists if followlinks else os.path.lexists
        return check(self._local)

    def is_dir(self, followlinks: bool = False) -> bool:
        if not followlinks and os.path.islink(self._local):
            return False
        return os.path.isdir(self._local)

    def is_file(self, followlinks: bool = False) -> bool:
        if not followlinks and os.path.islink(self._local):
            return True
        return os.path.isfile(self._local)

    def is_symlink(self) -> bool:
        return os.path.islink(self._local)

    def is_mount(self) -> bool:
        return os.path.ismount(self._local)

    def _mode_is(self, test: Callable[[int], bool]) -> bool:
        try:
            return test(os.stat(self._local).st_mode)
        except OSError:
            return False

    def is_socket(self) -> bool:
        return self._mode_is(_stat.S_ISSOCK)

    def is_fifo(self) -> bool:
        return self._mode_is(_stat.S_ISFIFO)

    def is_block_device(self) -> bool:
        return self._mode_is(_stat.S_ISBLK)

    def is_char_device(self) -> bool:
        return self._mode_is(_stat.S_ISCHR)

    def access(self, mode: Access = Access.READ, followlinks: bool = False) -> bool:
        if not isinstance(mode, Access):
            raise TypeError(f"access mode must be megfile_core.Access, not {mode!r}")
        flag = os.R_OK if mode is Access.READ else os.W_OK
        return os.access(self._local, flag, follow_symlinks=followlinks)

    def owner(self) -> str:
        import pwd

        return pwd.getpwuid(os.stat(self._local).st_uid).pw_name

    def group(self) -> str:
        import grp

        return grp.getgrgid(os.stat(self._local).st_gid).gr_name

    def samefile(self, other_path: Any) -> bool:
        return os.path.samefile(self._local, os.fspath(FSPath(_fspath_str(other_path))))

    # -- listing -------------------------------------------------------------------
    def _entry(self, entry: os.DirEntry[str], base: str) -> FileEntry:
        return FileEntry(
            entry.name,
            posixpath.join(base, entry.name),
            _to_stat(entry.stat(follow_symlinks=False)),
        )

    def scandir(self) -> ContextIterator:
        if self.fd is None and not self.is_dir(followlinks=True):
            if not self.exists(followlinks=True):
                raise FileNotFoundError(f"no such directory: {self!s}")
            raise NotADirectoryError(f"not a directory: {self!s}")

        def entries() -> Iterator[FileEntry]:
            base = self._path  # plain local paths, as megfile, also for file://
            with os.scandir(self._local) as handle:
                for entry in handle:
                    try:
                        yield self._entry(entry, base)
                    except FileNotFoundError:
                        continue  # removed while we listed

        return ContextIterator(entries())

    def listdir(self) -> list[str]:
        return sorted(os.listdir(self._local))

    def _scan_tree(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        base = self._path
        stack = [("", self._local)]
        while stack:
            prefix, directory = stack.pop()
            try:
                handle = os.scandir(directory)
            except (FileNotFoundError, NotADirectoryError, PermissionError):
                continue
            with handle:
                for entry in handle:
                    relative = prefix + entry.name
                    try:
                        # followlinks: a link is what it points to (a dangling
                        # link is skipped), never both a file and a directory
                        stat = _to_stat(entry.stat(follow_symlinks=followlinks))
                    except FileNotFoundError:
                        continue
                    yield relative, FileEntry(entry.name, self._join(base, relative), stat)
                    if entry.is_dir(follow_symlinks=followlinks):
                        stack.append((relative + "/", entry.path))

    def _scan_files_sorted(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        base = self._path
        levels = [iter(_sorted_dir("", self._local, followlinks))]
        while levels:
            row = next(levels[-1], None)
            if row is None:
                levels.pop()
                continue
            relative, entry, stat = row
            if stat is None:
                levels.append(iter(_sorted_dir(relative + "/", entry.path, followlinks)))
            else:
                yield relative, FileEntry(entry.name, self._join(base, relative), stat)

    def walk(self, followlinks: bool = False) -> Iterator[tuple[str, list[str], list[str]]]:
        if not os.path.isdir(self._local):
            return
        for root, dirs, files in os.walk(self._local, followlinks=followlinks):
            if not followlinks:
                # a link to a directory is a file unless links are followed
                links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
                if links:
                    dirs[:] = [d for d in dirs if d not in links]
                    files.extend(links)
            dirs.sort()
            files.sort()
            yield root, dirs, files

    # -- content -------------------------------------------------------------------
    def open(
        self,
        mode: str = "r",
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
        *,
        atomic: bool = False,
        closefd: bool = True,
        compression: str | None = None,
        **options: Any,
    ) -> IO[Any]:
        if compression is not None:  # megfile_core.io.compression: "infer" or a codec
            from megfile_core.io.compression import open_compressed

            options.update(atomic=atomic, closefd=closefd)
            return open_compressed(
                self, compression, mode, buffering, encoding, errors, newline, **options
            )
        binary_mode, _text = parse_mode(mode)
        check_buffering(buffering)
        check_open_options(options, self)
        if self.fd is not None:
            return open(self.fd, mode, buffering, encoding, errors, newline, closefd)
        writing = binary_mode[0] != "r" or "+" in binary_mode
        if binary_mode[0] != "r":  # r+ needs an existing file: create nothing
            parent = os.path.dirname(self._local)
            if parent:
                os.makedirs(parent, exist_ok=True)
        if atomic and writing:
            atomic_file: IO[Any] = AtomicFile(  # type: ignore[assignment]
                self._local, mode, buffering, encoding, errors, newline
            )
            return atomic_file
        return open(self._local, mode, buffering, encoding, errors, newline)

    def _open(self, mode: str, **options: Any) -> IO[bytes]:
        handle: IO[bytes] = self.open(mode, **options)
        return handle

    def read_bytes(self) -> bytes:
        with open(self._target(), "rb") as handle:
            return handle.read()

    def _load_content(self, start: int | None, stop: int | None) -> bytes:
        with open(self._target(), "rb", closefd=self.fd is None) as handle:
            size = os.fstat(handle.fileno()).st_size
            begin = min(start or 0, size)  # past the end is b"", as on S3 and HTTP
            end = size if stop is None else min(stop, size)
            handle.seek(begin)
            return handle.read(max(0, end - begin))

    def load(self) -> io.BytesIO:
        return io.BytesIO(self.read_bytes())

    # -- changes -------------------------------------------------------------------
    def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        if parents:
            os.makedirs(self._local, mode=mode, exist_ok=exist_ok)
            return
        try:
            os.mkdir(self._local, mode)
        except FileExistsError:
            if not exist_ok or not os.path.isdir(self._local):
                raise

    def touch(self, exist_ok: bool = True) -> None:
        parent = os.path.dirname(self._local)
        if parent:
            os.makedirs(parent, exist_ok=True)
        flags = os.O_CREAT | os.O_WRONLY | (0 if exist_ok else os.O_EXCL)
        os.close(os.open(self._local, flags, 0o666))
        os.utime(self._local)

    def unlink(self, missing_ok: bool = False) -> None:
        try:
            os.unlink(self._local)
        except FileNotFoundError:
            if not missing_ok:
                raise

    def rmdir(self) -> None:
        os.rmdir(self._local)

    def remove(self, missing_ok: bool = False, followlinks: bool = False) -> None:
        if not os.path.lexists(self._local):
            if missing_ok:
                return
            raise FileNotFoundError(f"no such file or directory: {self!s}")
        if os.path.isdir(self._local) and not os.path.islink(self._local):
            import shutil

            shutil.rmtree(self._local)
        else:
            os.unlink(self._local)

    def rename(self: Self, dst_path: Any, overwrite: bool = True) -> Self:
        dst = os.fspath(FSPath(_fspath_str(dst_path)))
        src = self._local
        if not os.path.lexists(src):
            raise FileNotFoundError(f"no such file or directory: {self!s}")
        if os.path.isdir(src) and not os.path.islink(src) and os.path.isdir(dst):
            _merge_dirs(src, dst, overwrite)
        elif os.path.lexists(dst) and not overwrite:
            pass  # megfile semantics: keep the existing destination, leave src
        else:
            parent = os.path.dirname(dst)
            if parent:
                os.makedirs(parent, exist_ok=True)
            try:
                os.replace(src, dst)
            except OSError as error:
                if error.errno != 18:  # EXDEV: another filesystem
                    raise
                import shutil

                shutil.move(src, dst)
        return self._derive(_fspath_str(dst_path) if not self.scheme else dst)

    def symlink(self, dst_path: Any) -> None:
        os.symlink(self._path, os.fspath(FSPath(_fspath_str(dst_path))))

    def symlink_to(self, target: Any, target_is_directory: bool = False) -> None:
        os.symlink(os.fspath(FSPath(_fspath_str(target))), self._local, target_is_directory)

    def hardlink_to(self, target: Any) -> None:
        os.link(os.fspath(FSPath(_fspath_str(target))), self._local)

    def readlink(self: Self) -> Self:
        return self._derive(os.readlink(self._local))

    def utime(self, atime: float, mtime: float) -> None:
        os.utime(self._local, times=(atime, mtime))

    def chmod(self, mode: int, *, follow_symlinks: bool = True) -> None:
        os.chmod(self._local, mode, follow_symlinks=follow_symlinks)

    def copy(
        self,
        dst_path: Any,
        callback: Callable[[int], None] | None = None,
        followlinks: bool = False,
        overwrite: bool = True,
    ) -> None:
        dst = os.fspath(FSPath(_fspath_str(dst_path)))
        if not overwrite and os.path.lexists(dst):
            return
        src = os.path.realpath(self._local) if followlinks else self._local
        if os.path.isdir(src):
            raise IsADirectoryError(f"is a directory: {self!s} (use sync to copy trees)")
        if not os.path.lexists(src):  # before the destination's directories are made
            raise FileNotFoundError(errno.ENOENT, "no such file", str(self))
        parent = os.path.dirname(dst)
        if parent:
            os.makedirs(parent, exist_ok=True)
        if not followlinks and os.path.islink(src):
            if os.path.lexists(dst):
                os.unlink(dst)
            os.symlink(os.readlink(src), dst)
            return
        _copy_atomically(src, dst, callback)


def _copy_atomically(src: str, dst: str, callback: Callable[[int], None] | None) -> None:
    """Copy into a temp file beside ``dst`` (through a link at ``dst``, beside its
    target), give it the source's mode and times, then rename it over ``dst``: a copy
    killed midway never leaves partial content under the final name."""
    import shutil

    if os.path.islink(dst):
        dst = os.path.realpath(dst)
    if os.path.exists(dst) and os.path.samefile(src, dst):
        raise shutil.SameFileError(f"{src!r} and {dst!r} are the same file")
    temp = temp_name(dst)
    try:
        if callback is None:
            shutil.copyfile(src, temp)
        else:
            with open(src, "rb") as fsrc, open(temp, "wb") as fdst:
                copy_stream(fsrc, fdst, callback, size=os.fstat(fsrc.fileno()).st_size)
        shutil.copystat(src, temp)
        os.replace(temp, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _merge_dirs(src: str, dst: str, overwrite: bool) -> None:
    for name in os.listdir(src):
        source, target = os.path.join(src, name), os.path.join(dst, name)
        if os.path.isdir(source) and not os.path.islink(source) and os.path.isdir(target):
            _merge_dirs(source, target, overwrite)
        elif os.path.lexists(target) and not overwrite:
            continue
        else:
            os.replace(source, target)
    try:
        os.rmdir(src)
    except OSError:
        pass
