"""``BasePath``: the contract a backend implements, and everything derived from it.

A backend subclasses :class:`BasePath`, sets ``protocol`` and implements the
primitives (:mod:`megfile_core.primitives`): ``stat``, ``scandir``, ``_open``
(binary), ``mkdir``, ``unlink``, ``rename`` and, where the store has directories,
``rmdir``. Optional capabilities (``symlink``, ``readlink``, ``utime``, ``chmod`` ...)
raise :class:`~megfile_core.errors.UnsupportedError` until a backend offers them.
Everything else (``exists``, ``walk``, ``glob``, ``read_text``, ``copy``, ``md5`` ...)
is derived here; a backend overrides a derived method only where it can do better
(S3 lists a whole tree in one paginated call by overriding ``_scan_tree``).

Identity and pure path operations live in :mod:`megfile_core.path_algebra`, the
checks of ``open``'s arguments in :mod:`megfile_core.open_modes`, the text wrapper in
:mod:`megfile_core.io.text`; this module re-exports their public names.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, BinaryIO, ClassVar, TypeVar

from megfile_core.errors import UnsupportedError
from megfile_core.glob import iglob_entries
from megfile_core.io.copy import copy_stream, stream_copy
from megfile_core.io.text import TextFile
from megfile_core.open_modes import (
    COMMON_OPEN_OPTIONS,
    check_buffering,
    check_open_options,
    parse_mode,
)
from megfile_core.path_algebra import PathAlgebra, display
from megfile_core.primitives import PathPrimitives
from megfile_core.types import Access, ContextIterator, FileEntry, StatResult

if TYPE_CHECKING:
    from megfile_core.sync import SyncResult

__all__ = [
    "COMMON_OPEN_OPTIONS",
    "BasePath",
    "ContextIterator",
    "PathAlgebra",
    "PathPrimitives",
    "TextFile",
    "check_buffering",
    "check_open_options",
    "display",
    "parse_mode",
]

Self = TypeVar("Self", bound="BasePath")


def _first(item: tuple[str, FileEntry]) -> str:
    return item[0]


_COPY_CHUNK = 8 << 20


class BasePath(PathPrimitives):
    """Base class of every backend's path: the primitives a backend implements
    (:class:`~megfile_core.primitives.PathPrimitives`), its identity and pure
    operations (:class:`~megfile_core.path_algebra.PathAlgebra`), and everything
    derived from them (here); see the module docstring."""

    #: ``open()`` options this backend understands beyond ``COMMON_OPEN_OPTIONS``
    #: (an unknown option is a ``TypeError`` naming it, so a typo never passes)
    open_options: ClassVar[frozenset[str]] = frozenset()
    #: whether ``glob("dir/**")`` yields ``dir/`` itself, as the stdlib does on a
    #: file system; an object store, whose directories are only key prefixes,
    #: sets it False (megfile's S3 yields only what lies below the prefix)
    glob_base_dir: ClassVar[bool] = True
    #: whether ``_scan_tree`` yields in the order of the relative paths (an object
    #: store's key order); else :meth:`_scan_files_sorted` sorts one directory at a time
    tree_listing_sorted: ClassVar[bool] = False

    # -- derived: metadata -------------------------------------------------------
    def open(
        self,
        mode: str = "r",
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
        *,
        compression: str | None = None,
        **options: Any,
    ) -> IO[Any]:
        if compression is not None:  # megfile_core.io.compression: "infer" or a codec
            from megfile_core.io.compression import open_compressed

            return open_compressed(
                self, compression, mode, buffering, encoding, errors, newline, **options
            )
        binary_mode, text = parse_mode(mode)
        if not text and (encoding or errors or newline is not None):
            raise ValueError(f"mode {mode!r} is binary: it takes no encoding, errors or newline")
        check_buffering(buffering)
        if buffering == 0 and text:
            raise ValueError("can't have unbuffered text I/O")
        check_open_options(options, self)
        raw = self._open(binary_mode, **options)
        if isinstance(raw, io.RawIOBase) and (text or buffering != 0):
            buffered: IO[bytes] = (
                io.BufferedReader(raw) if raw.readable() else io.BufferedWriter(raw)
            )
            raw = buffered
        if not text:
            return raw
        return TextFile(
            raw,
            encoding=encoding or "utf-8",
            errors=errors,
            newline=newline,
            line_buffering=buffering == 1,
            write_through=False,
        )

    def lstat(self) -> StatResult:
        return self.stat(follow_symlinks=False)

    def exists(self, followlinks: bool = False) -> bool:
        try:
            self.stat(follow_symlinks=followlinks)
        except (FileNotFoundError, NotADirectoryError):
            return False
        return True

    def is_dir(self, followlinks: bool = False) -> bool:
        try:
            return self.stat(follow_symlinks=followlinks).is_dir()
        except (FileNotFoundError, NotADirectoryError):
            return False

    def is_file(self, followlinks: bool = False) -> bool:
        try:
            return self.stat(follow_symlinks=followlinks).is_file()
        except (FileNotFoundError, NotADirectoryError):
            return False

    def is_symlink(self) -> bool:
        try:
            return self.stat(follow_symlinks=False).is_symlink()
        except (FileNotFoundError, NotADirectoryError, UnsupportedError):
            return False

    def getsize(self, follow_symlinks: bool = False) -> int:
        """Size of a file, or the total size of every file under a directory."""
        stat = self.stat(follow_symlinks=follow_symlinks)
        if not stat.is_dir():
            return stat.size
        return sum(entry.stat.size for entry in self.scan_stat(followlinks=follow_symlinks))

    def getmtime(self, follow_symlinks: bool = False) -> float:
        """mtime of a file, or the newest mtime of the files under a directory."""
        stat = self.stat(follow_symlinks=follow_symlinks)
        if not stat.is_dir():
            return stat.mtime
        newest = stat.mtime
        for entry in self.scan_stat(followlinks=follow_symlinks):
            newest = max(newest, entry.stat.mtime)
        return newest

    def access(self, mode: Access = Access.READ, followlinks: bool = False) -> bool:
        if not isinstance(mode, Access):
            raise TypeError(f"access mode must be megfile_core.Access, not {mode!r}")
        if mode is Access.READ:
            return self.exists(followlinks=followlinks)
        raise UnsupportedError("access(WRITE)", self)

    def samefile(self, other_path: Any) -> bool:
        other = self.from_path(other_path) if not isinstance(other_path, BasePath) else other_path
        return self.resolve().path_with_protocol == other.resolve().path_with_protocol

    def md5(self, recalculate: bool = False, followlinks: bool = False) -> str:
        """Hex md5 of a file; of a directory, the md5 of its children's md5s by name."""
        import hashlib

        if self.is_dir(followlinks=followlinks):
            digest = hashlib.md5()
            for name in self.listdir():
                digest.update(self.joinpath(name).md5(recalculate, followlinks).encode())
            return digest.hexdigest()
        digest = hashlib.md5()
        with self.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_COPY_CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest()

    # -- derived: listing --------------------------------------------------------
    def listdir(self) -> list[str]:
        with self.scandir() as entries:
            return sorted(entry.name for entry in entries)

    def iterdir(self: Self) -> Iterator[Self]:
        for name in self.listdir():
            yield self.joinpath(name)

    def walk(self, followlinks: bool = False) -> Iterator[tuple[str, list[str], list[str]]]:
        """Top-down ``(root, dirs, files)``, sorted; nothing for a file or a miss."""
        if not self.is_dir(followlinks=True):
            return
        stack = [self]
        while stack:
            current = stack.pop()
            dirs, files = [], []
            try:
                with current.scandir() as entries:
                    for entry in entries:
                        if entry.is_dir() or (
                            followlinks
                            and entry.is_symlink()
                            and self._derive(self._other_path(entry.path)).is_dir(True)
                        ):
                            dirs.append(entry.name)
                        else:
                            files.append(entry.name)
            except (FileNotFoundError, NotADirectoryError):
                continue
            dirs.sort()
            files.sort()
            yield str(current), dirs, files
            stack.extend(current.joinpath(d) for d in reversed(dirs))

    def _scan_tree(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        """Every descendant (files and directories) as ``(relative path, entry)``.

        Order is unspecified. Backends that can list a tree in one call (object
        stores) override this; glob and scan build on it.
        """
        stack: list[tuple[str, BasePath]] = [("", self)]
        while stack:
            prefix, current = stack.pop()
            try:
                with current.scandir() as entries:
                    for entry in entries:
                        relative = prefix + entry.name
                        yield relative, entry
                        descend = entry.is_dir()
                        if not descend and followlinks and entry.is_symlink():
                            descend = current.joinpath(entry.name).is_dir(True)
                        if descend:
                            stack.append((relative + "/", current.joinpath(entry.name)))
            except (FileNotFoundError, NotADirectoryError):
                continue

    def _scan_tree_files(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        """The files of :meth:`_scan_tree`, in its order, without its directories. A
        backend that derives directories from its keys (an object store) can skip
        deriving them here: a listing of many keys spends most of its time per key."""
        return (item for item in self._scan_tree(followlinks) if not item[1].is_dir())

    def _scan_files_sorted(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        """Every file below this directory as ``(relative path, entry)``, in the
        order of the relative paths as strings, so that two trees can be compared by
        walking both at once (sync) with memory for one directory per level, never
        for the whole tree. Default: a depth-first walk that sorts each directory,
        a directory's name counting as ``name/``; a backend with its own
        ``_scan_tree`` sets ``tree_listing_sorted`` when that comes in order (else
        its listing is sorted whole)."""
        if self.tree_listing_sorted or type(self)._scan_tree is not BasePath._scan_tree:
            files = self._scan_tree_files(followlinks)
            # a backend's own tree listing in no known order is sorted whole
            yield from files if self.tree_listing_sorted else sorted(files, key=_first)
            return
        levels = [iter(self._sorted_level("", self, followlinks))]
        while levels:
            item = next(levels[-1], None)
            if item is None:
                levels.pop()
            elif item[2]:
                child = self.joinpath(item[0])
                levels.append(iter(self._sorted_level(item[0] + "/", child, followlinks)))
            else:
                yield item[0], item[1]

    @staticmethod
    def _sorted_level(
        prefix: str, node: BasePath, followlinks: bool
    ) -> list[tuple[str, FileEntry, bool]]:
        """One directory of :meth:`_scan_files_sorted`: (relative path, entry, is a
        directory to enter), sorted as the relative paths of what lies below."""
        rows = []
        try:
            with node.scandir() as entries:
                for entry in entries:
                    descend = entry.is_dir() or (
                        followlinks
                        and entry.is_symlink()
                        and node.joinpath(entry.name).is_dir(True)
                    )
                    rows.append((prefix + entry.name, entry, descend))
        except (FileNotFoundError, NotADirectoryError):
            return []
        rows.sort(key=lambda row: row[0] + "/" if row[2] else row[0])
        return rows

    def _scandir_from(self, start: str) -> ContextIterator:
        """``scandir`` for a caller that needs only the names beginning with the
        literal text ``start`` (no ``/``). A hint, like :meth:`_scan_tree_from`: a
        backend that lists by key prefix lists only those, and unlike ``scandir`` may
        then yield nothing for a missing directory; callers filter. Default: the
        whole ``scandir``."""
        return self.scandir()

    def _scan_tree_from(
        self, start: str, followlinks: bool = False
    ) -> Iterator[tuple[str, FileEntry]]:
        """``_scan_tree`` for a caller that needs only the relative paths beginning
        with the literal text ``start`` (which may hold ``/``). A hint: a backend
        that lists by key prefix (an object store) lists only those; others may
        yield everything, and callers filter. Default: the whole ``_scan_tree``."""
        return self._scan_tree(followlinks)

    def scan_stat(self, missing_ok: bool = True, followlinks: bool = False) -> Iterator[FileEntry]:
        """Every file under this path (or the file itself), sorted by path."""
        try:
            stat = self.stat(follow_symlinks=followlinks)
        except FileNotFoundError:
            if missing_ok:
                return
            raise
        if not stat.is_dir():
            yield FileEntry(self.name, str(self), stat)
            return
        for _, entry in self._scan_files_sorted(followlinks):
            yield entry

    def scan(self, missing_ok: bool = True, followlinks: bool = False) -> Iterator[str]:
        for entry in self.scan_stat(missing_ok=missing_ok, followlinks=followlinks):
            yield entry.path

    def iglob(
        self: Self, pattern: str = "", recursive: bool = True, missing_ok: bool = True
    ) -> Iterator[Self]:
        for entry in self.glob_stat(pattern, recursive=recursive, missing_ok=missing_ok):
            yield self._derive(self._other_path(entry.path))

    def glob(
        self: Self, pattern: str = "", recursive: bool = True, missing_ok: bool = True
    ) -> list[Self]:
        return list(self.iglob(pattern, recursive=recursive, missing_ok=missing_ok))

    def glob_stat(
        self, pattern: str = "", recursive: bool = True, missing_ok: bool = True
    ) -> Iterator[FileEntry]:
        """Entries matching ``self / pattern`` (``self`` itself when pattern is empty)."""
        target = self.joinpath(pattern) if pattern else self
        return iglob_entries(target, recursive=recursive, missing_ok=missing_ok)

    def rglob(self: Self, pattern: str = "") -> list[Self]:
        return self.glob("**/" + pattern if pattern else "**", recursive=True)

    # -- derived: content --------------------------------------------------------
    def read_bytes(self) -> bytes:
        with self.open("rb") as handle:
            data: bytes = handle.read()
            return data

    def read_text(self, encoding: str | None = None, errors: str | None = None) -> str:
        with self.open("r", encoding=encoding, errors=errors) as handle:
            text: str = handle.read()
            return text

    def write_bytes(self, data: bytes) -> int:
        view = memoryview(data)
        with self.open("wb") as handle:
            handle.write(view)
        return len(view)

    def write_text(
        self,
        data: str,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> int:
        if not isinstance(data, str):
            raise TypeError(f"data must be str, not {type(data).__name__}")
        with self.open("w", encoding=encoding, errors=errors, newline=newline) as handle:
            handle.write(data)
        return len(data)

    def _content_size(self) -> int | None:
        """The number of bytes ``open("rb")`` reads, for offsets that count from
        the end; None when the backend cannot tell without reading (a server that
        sends no length, or a coded representation)."""
        return self.stat(follow_symlinks=True).size

    def _load_content(self, start: int | None, stop: int | None) -> bytes:
        """Bytes ``[start, stop)``; backends with ranged reads override this."""
        with self.open("rb") as handle:
            if start:
                handle.seek(start)
            if stop is None:
                data: bytes = handle.read()
            else:
                data = handle.read(max(0, stop - (start or 0)))
            return data

    def load(self) -> BinaryIO:
        """The whole file in a ``BytesIO``."""
        return io.BytesIO(self.read_bytes())

    def save(self, file_object: BinaryIO) -> None:
        with self.open("wb") as handle:
            copy_stream(file_object, handle)

    # -- derived: changes --------------------------------------------------------
    def touch(self, exist_ok: bool = True) -> None:
        if self.exists():
            if not exist_ok:
                raise FileExistsError(f"file exists: {self._display()}")
            try:
                now = time.time()
                self.utime(now, now)
            except UnsupportedError:
                pass
            return
        with self.open("wb"):
            pass

    def makedirs(self, exist_ok: bool = False) -> None:
        self.mkdir(parents=True, exist_ok=exist_ok)

    def remove(self, missing_ok: bool = False, followlinks: bool = False) -> None:
        """Remove a file, or a directory and everything under it."""
        try:
            stat = self.stat(follow_symlinks=False)
        except FileNotFoundError:
            if missing_ok:
                return
            raise
        if not stat.is_dir():
            self.unlink(missing_ok=missing_ok)
            return
        tree = list(self._scan_tree())
        tree.sort(key=lambda item: item[0].count("/"), reverse=True)
        for relative, entry in tree:
            child = self.joinpath(relative)
            if entry.is_dir():
                child._rmdir_if_supported()
            else:
                child.unlink(missing_ok=True)
        self._rmdir_if_supported()

    def _rmdir_if_supported(self) -> None:
        try:
            self.rmdir()
        except UnsupportedError:
            pass
        except FileNotFoundError:
            pass

    def replace(self: Self, dst_path: Any, overwrite: bool = True) -> Self:
        return self.rename(dst_path, overwrite=overwrite)

    def move(self: Self, dst_path: Any, overwrite: bool = True) -> Self:
        return self.rename(dst_path, overwrite=overwrite)

    def copy(
        self,
        dst_path: Any,
        callback: Callable[[int], None] | None = None,
        followlinks: bool = False,
        overwrite: bool = True,
    ) -> None:
        """Copy this file to ``dst_path`` of the same protocol (streams by default)."""
        dst = self.from_path(dst_path) if not isinstance(dst_path, BasePath) else dst_path
        stream_copy(self, dst, callback=callback, overwrite=overwrite, followlinks=followlinks)

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
