"""Plain data types shared by every backend: StatResult, FileEntry, Access."""

from __future__ import annotations

import enum
import os
import stat as _stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Union

if TYPE_CHECKING:
    from megfile_core.pathlike import BasePath

__all__ = [
    "Access",
    "BrokenPlugin",
    "ContextIterator",
    "CopyFunc",
    "FileEntry",
    "PathLike",
    "PluginInfo",
    "StatResult",
]

PathLike = Union[str, "BasePath", "os.PathLike[str]"]
#: ``callback(n)`` receives the number of bytes moved since the previous call.
CopyFunc = Callable[..., None]


class Access(enum.IntEnum):
    """What ``smart_access`` checks for."""

    READ = 1
    WRITE = 2

    def __str__(self) -> str:  # megfile's Access is a plain Enum: "Access.READ"
        return f"{type(self).__name__}.{self.name}"


class StatResult(NamedTuple):
    """Metadata of one path; ``extra`` holds the backend's raw answer."""

    size: int = 0
    ctime: float = 0.0
    mtime: float = 0.0
    isdir: bool = False
    islnk: bool = False
    extra: Any = None

    def is_file(self) -> bool:
        return not self.isdir or self.islnk

    def is_dir(self) -> bool:
        return self.isdir and not self.islnk

    def is_symlink(self) -> bool:
        return self.islnk

    @property
    def st_mode(self) -> int:
        if isinstance(self.extra, os.stat_result):
            return self.extra.st_mode
        if self.islnk:
            return _stat.S_IFLNK | 0o777
        if self.isdir:
            return _stat.S_IFDIR | 0o755
        return _stat.S_IFREG | 0o644

    def _extra_int(self, name: str) -> int:
        value = getattr(self.extra, name, 0)
        return value if isinstance(value, int) else 0

    @property
    def st_ino(self) -> int:
        return self._extra_int("st_ino")

    @property
    def st_dev(self) -> int:
        return self._extra_int("st_dev")

    @property
    def st_nlink(self) -> int:
        return self._extra_int("st_nlink") or 1

    @property
    def st_uid(self) -> int:
        return self._extra_int("st_uid")

    @property
    def st_gid(self) -> int:
        return self._extra_int("st_gid")

    @property
    def st_size(self) -> int:
        return self.size

    @property
    def st_mtime(self) -> float:
        return self.mtime

    @property
    def st_ctime(self) -> float:
        return self.ctime

    @property
    def st_atime(self) -> float:
        value = getattr(self.extra, "st_atime", None)
        return float(value) if isinstance(value, (int, float)) else self.mtime

    @property
    def st_mtime_ns(self) -> int:
        return int(self.mtime * 1_000_000_000)

    @property
    def st_ctime_ns(self) -> int:
        return int(self.ctime * 1_000_000_000)

    @property
    def st_atime_ns(self) -> int:
        return int(self.st_atime * 1_000_000_000)


class FileEntry(NamedTuple):
    """One listing result: the base ``name``, the full ``path`` and its ``stat``."""

    name: str
    path: str
    stat: StatResult

    def inode(self) -> int:
        return self.stat.st_ino

    def is_file(self) -> bool:
        return self.stat.is_file()

    def is_dir(self) -> bool:
        return self.stat.is_dir()

    def is_symlink(self) -> bool:
        return self.stat.is_symlink()


class ContextIterator(Iterator[FileEntry]):
    """An iterator that is also a context manager (``with path.scandir() as it``)."""

    def __init__(self, iterable: Iterator[FileEntry]) -> None:
        self._it = iterable

    def __iter__(self) -> ContextIterator:
        return self

    def __next__(self) -> FileEntry:
        return next(self._it)

    def close(self) -> None:
        close = getattr(self._it, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> ContextIterator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class PluginInfo:
    """A loaded plugin, as ``megfile plugins`` lists it."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False


@dataclass
class BrokenPlugin:
    """A plugin that failed to load or to register, and why."""

    name: str
    distribution: str | None
    reason: str
    traceback: str
