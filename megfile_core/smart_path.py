"""``SmartPath``: a path of any protocol, dispatched by its URL scheme.

``SmartPath(url)`` splits the scheme, rewrites an alias, asks the registry for the
backend class and delegates every call to that backend's path (``.pathlike``). Paths
and path strings it hands back keep the scheme, variant and alias the user wrote.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from megfile_core.builtin.fs import check_fd
from megfile_core.errors import ProtocolExistsError
from megfile_core.io.compression import (
    DEFAULT,
    CompressionArg,
    default_compression,
    open_compressed,
)
from megfile_core.path_algebra import _fspath_str
from megfile_core.pathlike import BasePath, ContextIterator
from megfile_core.registry import get_registry
from megfile_core.types import Access, FileEntry, StatResult
from megfile_core.url import split_scheme

if TYPE_CHECKING:
    from megfile_core.sync import SyncResult

__all__ = ["SmartPath", "as_smart_path", "resolve_alias"]


def as_smart_path(path: Any, name: str = "path") -> SmartPath:
    """``path`` as a SmartPath. A value of the wrong type or range is a TypeError
    or ValueError that names the argument ``name`` (never an OverflowError from
    ``os``, nor a ProtocolNotFoundError for bytes)."""
    if isinstance(path, SmartPath):
        return path
    if isinstance(path, bool) or not isinstance(path, (str, int, os.PathLike, BasePath)):
        raise TypeError(
            f"{name} must be a path (str, os.PathLike or a path object), not {type(path).__name__}"
        )
    if isinstance(path, int):
        check_fd(path, name)
    return SmartPath(path)


def resolve_alias(scheme: str, rest: str) -> tuple[str, str, tuple[str, str] | None]:
    """Rewrite ``alias://rest``; returns (url, scheme, (alias name, target prefix))."""
    from megfile_core.config import get_aliases  # configparser: not for local paths

    target = get_aliases().get(scheme)
    if target is None:
        return f"{scheme}://{rest}", scheme, None
    prefix = target if "://" in target else target + "://"
    url = prefix + rest
    new_scheme, _ = split_scheme(url)
    if not new_scheme:
        raise ValueError(f"alias {scheme!r} points at {target!r}, which has no protocol")
    if get_aliases().get(new_scheme) is not None and new_scheme != scheme:
        raise ValueError(f"alias {scheme!r} points at another alias {new_scheme!r}")
    return url, new_scheme, (scheme, prefix)


def _make_pathlike(
    path: Any, other_paths: Sequence[Any]
) -> tuple[BasePath, tuple[str, str] | None]:
    if isinstance(path, int) and not isinstance(path, bool):
        return get_registry().get_path_class("file")(path), None
    text = _fspath_str(path)
    scheme, rest = split_scheme(text)
    alias = None
    if not scheme:
        cls = get_registry().get_path_class("file")
    else:
        if scheme not in ("file", "stdio"):
            from megfile_core.config import apply_config_env  # not for local paths

            apply_config_env()
            text, scheme, alias = resolve_alias(scheme, rest)
        cls = get_registry().get_path_class(scheme)
    return cls(text, *other_paths), alias


class SmartPath(BasePath):
    """A path of any registered protocol; see the module docstring."""

    pathlike: BasePath
    _alias: tuple[str, str] | None

    def __init__(self, path: Any = ".", *other_paths: Any) -> None:
        if isinstance(path, SmartPath):
            self.pathlike = path.pathlike.joinpath(*other_paths) if other_paths else path.pathlike
            self._alias = path._alias
        elif isinstance(path, BasePath):
            self.pathlike = path.joinpath(*other_paths) if other_paths else path
            self._alias = None
        else:
            self.pathlike, self._alias = _make_pathlike(path, other_paths)

    @classmethod
    def register(cls, path_class: type[BasePath], override_ok: bool = False) -> type[BasePath]:
        """Register ``path_class`` for its ``protocol`` at run time (megfile's decorator)."""
        registry = get_registry()
        protocol = path_class.protocol
        with registry.lock:
            if protocol in registry.protocols() and not override_ok:
                raise ProtocolExistsError(f"protocol {protocol!r} is already registered")
            registry.remove_protocol(protocol)
            registry.registrar("runtime").register_protocol(protocol, path_class)
        return path_class

    # -- wrapping of results -------------------------------------------------------
    def _wrap(self, pathlike: BasePath) -> SmartPath:
        new = object.__new__(SmartPath)
        new.pathlike = pathlike
        new._alias = self._alias
        return new

    def _str(self, text: str) -> str:
        """Re-apply the alias to a path string the backend returned."""
        if self._alias is None:
            return text
        name, prefix = self._alias
        full = text
        if "://" not in text:
            full = f"{self.pathlike.root_scheme}://{text}"
        if full.startswith(prefix):
            return f"{name}://{full[len(prefix) :]}"
        return text

    def _entry(self, entry: FileEntry) -> FileEntry:
        if self._alias is None:
            return entry
        return FileEntry(entry.name, self._str(entry.path), entry.stat)

    def _arg(self, value: Any) -> Any:
        """A path argument as the backend expects it (aliases resolved)."""
        if isinstance(value, SmartPath):
            return value.pathlike
        if isinstance(value, BasePath):
            return value
        return SmartPath(value).pathlike

    # -- identity ------------------------------------------------------------------
    @property
    def protocol(self) -> str:  # type: ignore[override]
        """The scheme with its variant (``s3+prof``), as megfile; ``file`` for local paths."""
        return self.pathlike.root_scheme

    @property
    def path(self) -> str:  # type: ignore[override]
        """The whole path as written, protocol included (megfile's ``path``); the
        backend's own ``path`` is ``path_without_protocol``."""
        return str(self)

    @property
    def scheme(self) -> str:  # type: ignore[override]
        return self._alias[0] if self._alias else self.pathlike.scheme

    @property
    def variant(self) -> str | None:  # type: ignore[override]
        return self.pathlike.variant

    @property
    def root_scheme(self) -> str:
        return self.pathlike.root_scheme

    @property
    def path_with_protocol(self) -> str:
        return self._str(self.pathlike.path_with_protocol)

    @property
    def path_without_protocol(self) -> str:
        return self.pathlike.path_without_protocol

    def __str__(self) -> str:
        return self._str(str(self.pathlike))

    def __repr__(self) -> str:
        return f"SmartPath({self._display()!r})"

    def _display(self) -> str:
        return self._str(self.pathlike._display())

    def __fspath__(self) -> str:
        return self.pathlike.__fspath__()

    def __lt__(self, other: BasePath) -> bool:
        other_like = other.pathlike if isinstance(other, SmartPath) else other
        return self.pathlike < other_like

    def _derive(self, path: str) -> SmartPath:
        return self._wrap(self.pathlike._derive(path))

    @classmethod
    def from_path(cls, path: Any) -> SmartPath:
        return cls(path)

    @classmethod
    def from_uri(cls, uri: str) -> SmartPath:
        return cls(uri)

    # -- pure operations -------------------------------------------------------------
    def joinpath(self, *other_paths: Any) -> SmartPath:
        return self._wrap(self.pathlike.joinpath(*other_paths))

    @property
    def parts(self) -> tuple[str, ...]:
        parts = self.pathlike.parts
        if self._alias and parts and "://" in parts[0]:
            full = str(self)
            if full.startswith(self._alias[0] + "://"):
                return (self._alias[0] + "://", *[p for p in full.split("://", 1)[1].split("/")])
        return parts

    @property
    def root(self) -> str:
        return self.pathlike.root

    @property
    def anchor(self) -> str:
        return self.pathlike.anchor

    @property
    def drive(self) -> str:
        return self.pathlike.drive

    @property
    def name(self) -> str:
        return self.pathlike.name

    @property
    def suffix(self) -> str:
        return self.pathlike.suffix

    @property
    def suffixes(self) -> list[str]:
        return self.pathlike.suffixes

    @property
    def stem(self) -> str:
        return self.pathlike.stem

    @property
    def parent(self) -> SmartPath:
        return self._wrap(self.pathlike.parent)

    @property
    def parents(self) -> Sequence[SmartPath]:
        return tuple(self._wrap(p) for p in self.pathlike.parents)

    def with_name(self, name: str) -> SmartPath:
        return self._wrap(self.pathlike.with_name(name))

    def with_stem(self, stem: str) -> SmartPath:
        return self._wrap(self.pathlike.with_stem(stem))

    def with_suffix(self, suffix: str) -> SmartPath:
        return self._wrap(self.pathlike.with_suffix(suffix))

    def relative_to(self, *other: Any) -> SmartPath:
        resolved = [
            self._arg(o) if isinstance(o, SmartPath) or "://" in _fspath_str(o) else o
            for o in other
        ]
        return self._wrap(self.pathlike.relative_to(*resolved))

    def match(self, pattern: str) -> bool:
        scheme, _rest = split_scheme(pattern)
        if self._alias and scheme == self._alias[0]:
            pattern = str(SmartPath(pattern).pathlike)
        return self.pathlike.match(pattern)

    def is_absolute(self) -> bool:
        return self.pathlike.is_absolute()

    def is_reserved(self) -> bool:
        return self.pathlike.is_reserved()

    def as_posix(self) -> str:
        return str(self)

    def as_uri(self) -> str:
        return self.pathlike.as_uri()

    def absolute(self) -> SmartPath:
        return self._wrap(self.pathlike.absolute())

    def abspath(self) -> str:
        return self._str(self.pathlike.abspath())

    def resolve(self, strict: bool = False) -> SmartPath:
        return self._wrap(self.pathlike.resolve(strict))

    def realpath(self) -> str:
        return self._str(self.pathlike.realpath())

    def relpath(self, start: Any = None) -> str:
        return self.pathlike.relpath(start)

    def expanduser(self) -> SmartPath:
        return self._wrap(self.pathlike.expanduser())

    def cwd(self) -> str:  # type: ignore[override]
        return self.pathlike.cwd()

    def home(self) -> str:  # type: ignore[override]
        return self.pathlike.home()

    # -- metadata ------------------------------------------------------------------
    def stat(self, follow_symlinks: bool = True) -> StatResult:
        return self.pathlike.stat(follow_symlinks=follow_symlinks)

    def lstat(self) -> StatResult:
        return self.pathlike.lstat()

    def exists(self, followlinks: bool = False) -> bool:
        return self.pathlike.exists(followlinks=followlinks)

    def is_dir(self, followlinks: bool = False) -> bool:
        return self.pathlike.is_dir(followlinks=followlinks)

    def is_file(self, followlinks: bool = False) -> bool:
        return self.pathlike.is_file(followlinks=followlinks)

    def is_symlink(self) -> bool:
        return self.pathlike.is_symlink()

    def is_mount(self) -> bool:
        return self.pathlike.is_mount()

    def is_socket(self) -> bool:
        return self.pathlike.is_socket()

    def is_fifo(self) -> bool:
        return self.pathlike.is_fifo()

    def is_block_device(self) -> bool:
        return self.pathlike.is_block_device()

    def is_char_device(self) -> bool:
        return self.pathlike.is_char_device()

    def getsize(self, follow_symlinks: bool = False) -> int:
        return self.pathlike.getsize(follow_symlinks)

    def getmtime(self, follow_symlinks: bool = False) -> float:
        return self.pathlike.getmtime(follow_symlinks)

    def access(self, mode: Access = Access.READ, followlinks: bool = False) -> bool:
        return self.pathlike.access(mode, followlinks)

    def samefile(self, other_path: Any) -> bool:
        return self.pathlike.samefile(self._arg(other_path))

    def md5(self, recalculate: bool = False, followlinks: bool = False) -> str:
        return self.pathlike.md5(recalculate=recalculate, followlinks=followlinks)

    def owner(self) -> str:
        return self.pathlike.owner()

    def group(self) -> str:
        return self.pathlike.group()

    # -- listing -------------------------------------------------------------------
    def scandir(self) -> ContextIterator:
        inner = self.pathlike.scandir()
        if self._alias is None:
            return inner

        def entries() -> Iterator[FileEntry]:
            with inner:
                for entry in inner:
                    yield self._entry(entry)

        return ContextIterator(entries())

    def listdir(self) -> list[str]:
        return self.pathlike.listdir()

    def iterdir(self) -> Iterator[SmartPath]:
        for child in self.pathlike.iterdir():
            yield self._wrap(child)

    def walk(self, followlinks: bool = False) -> Iterator[tuple[str, list[str], list[str]]]:
        for root, dirs, files in self.pathlike.walk(followlinks=followlinks):
            yield self._str(root), dirs, files

    def scan(self, missing_ok: bool = True, followlinks: bool = False) -> Iterator[str]:
        for path in self.pathlike.scan(missing_ok=missing_ok, followlinks=followlinks):
            yield self._str(path)

    def scan_stat(self, missing_ok: bool = True, followlinks: bool = False) -> Iterator[FileEntry]:
        for entry in self.pathlike.scan_stat(missing_ok=missing_ok, followlinks=followlinks):
            yield self._entry(entry)

    def _scan_tree(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        for relative, entry in self.pathlike._scan_tree(followlinks):
            yield relative, self._entry(entry)

    def glob_stat(
        self, pattern: str = "", recursive: bool = True, missing_ok: bool = True
    ) -> Iterator[FileEntry]:
        for entry in self.pathlike.glob_stat(pattern, recursive=recursive, missing_ok=missing_ok):
            yield self._entry(entry)

    def iglob(
        self, pattern: str = "", recursive: bool = True, missing_ok: bool = True
    ) -> Iterator[SmartPath]:
        for child in self.pathlike.iglob(pattern, recursive=recursive, missing_ok=missing_ok):
            yield self._wrap(child)

    def glob(
        self, pattern: str = "", recursive: bool = True, missing_ok: bool = True
    ) -> list[SmartPath]:
        return list(self.iglob(pattern, recursive=recursive, missing_ok=missing_ok))

    def rglob(self, pattern: str = "") -> list[SmartPath]:
        return [self._wrap(p) for p in self.pathlike.rglob(pattern)]

    # -- content -------------------------------------------------------------------
    def open(
        self,
        mode: str = "r",
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
        *,
        compression: CompressionArg = DEFAULT,
        **options: Any,
    ) -> IO[Any]:
        """``compression``: see megfile_core.io.compression (default MEGFILE_COMPRESSION)."""
        codec = default_compression() if compression is DEFAULT else compression
        if codec is not None:  # a backend's own open never needs to know about it
            return open_compressed(
                self.pathlike, codec, mode, buffering, encoding, errors, newline, **options
            )
        return self.pathlike.open(mode, buffering, encoding, errors, newline, **options)

    def _open(self, mode: str, **options: Any) -> IO[bytes]:
        return self.pathlike._open(mode, **options)

    def read_bytes(self) -> bytes:
        return self.pathlike.read_bytes()

    def read_text(self, encoding: str | None = None, errors: str | None = None) -> str:
        return self.pathlike.read_text(encoding, errors)

    def write_bytes(self, data: bytes) -> int:
        return self.pathlike.write_bytes(data)

    def write_text(
        self,
        data: str,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> int:
        return self.pathlike.write_text(data, encoding, errors, newline)

    def load(self) -> BinaryIO:
        return self.pathlike.load()

    def save(self, file_object: BinaryIO) -> None:
        self.pathlike.save(file_object)

    def _load_content(self, start: int | None, stop: int | None) -> bytes:
        return self.pathlike._load_content(start, stop)

    # -- changes -------------------------------------------------------------------
    def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        self.pathlike.mkdir(mode, parents, exist_ok)

    def makedirs(self, exist_ok: bool = False) -> None:
        self.pathlike.makedirs(exist_ok)

    def touch(self, exist_ok: bool = True) -> None:
        self.pathlike.touch(exist_ok)

    def unlink(self, missing_ok: bool = False) -> None:
        self.pathlike.unlink(missing_ok)

    def rmdir(self) -> None:
        self.pathlike.rmdir()

    def remove(self, missing_ok: bool = False, followlinks: bool = False) -> None:
        self.pathlike.remove(missing_ok, followlinks)

    def rename(self, dst_path: Any, overwrite: bool = True) -> SmartPath:
        from megfile_core.smart import smart_move

        smart_move(self, dst_path, overwrite=overwrite)
        return SmartPath(dst_path)

    def replace(self, dst_path: Any, overwrite: bool = True) -> SmartPath:
        return self.rename(dst_path, overwrite=overwrite)

    def move(self, dst_path: Any, overwrite: bool = True) -> SmartPath:
        return self.rename(dst_path, overwrite=overwrite)

    def symlink(self, dst_path: Any) -> None:
        self.pathlike.symlink(self._arg(dst_path))

    def symlink_to(self, target: Any, target_is_directory: bool = False) -> None:
        self.pathlike.symlink_to(self._arg(target), target_is_directory)

    def hardlink_to(self, target: Any) -> None:
        self.pathlike.hardlink_to(self._arg(target))

    def readlink(self) -> SmartPath:
        return self._wrap(self.pathlike.readlink())

    def utime(self, atime: float, mtime: float) -> None:
        self.pathlike.utime(atime, mtime)

    def chmod(self, mode: int, *, follow_symlinks: bool = True) -> None:
        self.pathlike.chmod(mode, follow_symlinks=follow_symlinks)

    def lchmod(self, mode: int) -> None:
        self.pathlike.lchmod(mode)

    def copy(
        self,
        dst_path: Any,
        callback: Callable[[int], None] | None = None,
        followlinks: bool = False,
        overwrite: bool = True,
    ) -> None:
        from megfile_core.smart import smart_copy

        smart_copy(self, dst_path, callback=callback, followlinks=followlinks, overwrite=overwrite)

    def sync(
        self,
        dst_path: Any,
        followlinks: bool = False,
        force: bool = False,
        overwrite: bool = True,
        **options: Any,
    ) -> SyncResult:
        from megfile_core.sync import sync

        return sync(
            self, dst_path, followlinks=followlinks, force=force, overwrite=overwrite, **options
        )


os.PathLike.register(SmartPath)
