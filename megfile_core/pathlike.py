"""``BasePath``: the contract a backend implements, and everything derived from it.

A backend subclasses :class:`BasePath`, sets ``protocol`` and implements the
primitives: ``stat``, ``scandir``, ``_open`` (binary), ``mkdir``, ``unlink``,
``rename`` and, where the store has directories, ``rmdir``. Optional capabilities
(``symlink``, ``readlink``, ``utime``, ``chmod`` ...) raise
:class:`~megfile_core.errors.UnsupportedError` until a backend offers them. Everything
else (``exists``, ``walk``, ``glob``, ``read_text``, ``copy``, ``md5`` ...) is derived
here; a backend overrides a derived method only where it can do better (S3 lists a
whole tree in one paginated call by overriding ``_scan_tree``).

Pure path operations treat the part after ``protocol://`` as a POSIX path. A path
remembers whether the protocol was written and which variant it carried
(``s3+profile://``), and every path derived from it keeps both.
"""

from __future__ import annotations

import copy as _copy
import io
import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, BinaryIO, ClassVar, TypeVar

from megfile_core.errors import UnsupportedError, _display
from megfile_core.glob import iglob_entries, match_path
from megfile_core.io.copy import copy_stream, stream_copy
from megfile_core.types import Access, FileEntry, StatResult
from megfile_core.url import mask_url, split_scheme

if TYPE_CHECKING:
    from megfile_core.sync import SyncResult

__all__ = ["BasePath", "ContextIterator", "TextFile", "parse_mode"]

Self = TypeVar("Self", bound="BasePath")
_MODE_CHARS = frozenset("rwaxbt+")
_COPY_CHUNK = 8 << 20


def parse_mode(mode: str) -> tuple[str, bool]:
    """Validate an ``open`` mode; returns (canonical binary mode, is_text).

    ``"r"`` -> ``("rb", True)``, ``"wb+"`` -> ``("wb+", False)``.
    """
    if not isinstance(mode, str):
        raise TypeError(f"open mode must be a str, not {type(mode).__name__}")
    chars = set(mode)
    if not mode or not chars <= _MODE_CHARS or len(chars) != len(mode):
        raise ValueError(
            f"invalid mode {mode!r}: use one of r, w, a, x, optionally with b or t "
            "and +, e.g. 'rb', 'w', 'a+'"
        )
    kinds = chars & set("rwax")
    if len(kinds) != 1:
        raise ValueError(
            f"invalid mode {mode!r}: it must contain exactly one of r, w, a, x"
        )
    if "b" in chars and "t" in chars:
        raise ValueError(f"invalid mode {mode!r}: b and t exclude each other")
    return kinds.pop() + "b" + ("+" if "+" in chars else ""), "b" not in chars


class TextFile(io.TextIOWrapper):
    """Text over a binary file that can ``abort()``: a ``with`` block that raises
    aborts the write instead of publishing it, and an atomic writer dropped
    unclosed is aborted too (a plain ``TextIOWrapper`` would close, i.e. commit)."""

    def abort(self) -> bool:
        abort = getattr(self.buffer, "abort", None)
        if abort is None or self.closed:
            return False
        result = bool(abort())
        try:
            super().close()  # the buffer is closed: nothing is flushed anywhere
        except (ValueError, OSError):
            pass
        return result

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and getattr(self.buffer, "abort", None) is not None:
            self.abort()
            return
        super().__exit__(exc_type, exc, tb)

    def __del__(self) -> None:
        try:
            if not self.closed and getattr(self.buffer, "atomic", False):
                self.abort()
                return
        except Exception:
            return
        super().__del__()


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


def display(value: Any) -> str:
    """A path for a message, its password masked (by its backend for path objects)."""
    return _display(value)


def _fspath_str(value: Any) -> str:
    if isinstance(value, BasePath):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        result = os.fspath(value)
        if isinstance(result, str):
            return result
    raise TypeError(
        f"expected a path (str, os.PathLike or BasePath), not {type(value).__name__}"
    )


class BasePath:
    """Base class of every backend's path; see the module docstring."""

    protocol: ClassVar[str] = ""
    #: ``open()`` options this backend understands beyond ``COMMON_OPEN_OPTIONS``
    #: (an unknown option is a ``TypeError`` naming it, so a typo never passes)
    open_options: ClassVar[frozenset[str]] = frozenset()
    #: whether ``glob("dir/**")`` yields ``dir/`` itself, as the stdlib does on a
    #: file system; an object store, whose directories are only key prefixes,
    #: sets it False (megfile's S3 yields only what lies below the prefix)
    glob_base_dir: ClassVar[bool] = True

    #: the path after ``protocol://`` (a POSIX path for URI backends)
    path: str
    #: the scheme as written (``"s3+prof"``), or ``""`` when the protocol was omitted
    scheme: str
    #: the part after ``+`` in ``base+variant://`` (an S3 profile name), else None
    variant: str | None

    def __init__(self, path: Any = "", *other_paths: Any) -> None:
        text = _fspath_str(path)
        scheme, rest = split_scheme(text)
        if scheme:
            base, _, variant = scheme.partition("+")
            if not self._accepts(base):
                raise ValueError(
                    f"{type(self).__name__} serves {self.protocol}:// URLs, "
                    f"not {text!r}"
                )
            if "+" in scheme and not variant:
                raise ValueError(f"empty variant in {text!r}: write {base}+NAME://")
            self.scheme = scheme
            self.variant = variant or None
        else:
            self.scheme = ""
            self.variant = None
            rest = text
        self.path = rest
        if other_paths:
            self.path = self._join(rest, *(_fspath_str(p) for p in other_paths))

    def _same_backend(self, other: BasePath) -> bool:
        """Whether ``other`` lives in the same store with the same credentials, so
        that ``rename`` and ``concat`` between the two can stay on the server. The
        class and the variant decide by default; a backend whose URLs name a server
        (``sftp://user@host:port``) compares that too."""
        return type(self) is type(other) and self.variant == other.variant

    def _accepts(self, base: str) -> bool:
        """Whether ``base://`` URLs belong to this class (HTTP takes two)."""
        return base == self.protocol

    # -- identity ---------------------------------------------------------------
    def _derive(self: Self, path: str) -> Self:
        """A path of the same class, scheme and variant at ``path``."""
        new = _copy.copy(self)
        new.path = path
        return new

    @property
    def root_scheme(self) -> str:
        return self.scheme or self.protocol

    @property
    def path_without_protocol(self) -> str:
        return self.path

    @property
    def path_with_protocol(self) -> str:
        return f"{self.root_scheme}://{self.path}"

    def __str__(self) -> str:
        return self.path_with_protocol if self.scheme else self.path

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._display()!r})"

    def _display(self) -> str:
        """This path as messages, logs and ``repr`` show it: ``str(self)`` with the
        URL's password masked. Backends with other secrets override it."""
        return mask_url(str(self))

    def __fspath__(self) -> str:
        return self.path_with_protocol

    def __bytes__(self) -> bytes:
        return str(self).encode()

    # As megfile: a path equals any path or string with the same ``os.fspath``
    # (``SmartPath("s3://b/k") == "s3://b/k"``; ``file:///a`` and ``/a`` are equal)
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (str, os.PathLike)):
            return NotImplemented
        return os.fspath(self) == os.fspath(other)

    def __hash__(self) -> int:
        return hash(os.fspath(self))

    def __lt__(self, other: BasePath) -> bool:
        if not isinstance(other, BasePath):
            return NotImplemented
        return self.path_with_protocol < other.path_with_protocol

    def __truediv__(self: Self, other: Any) -> Self:
        return self.joinpath(other)

    @classmethod
    def from_path(cls: type[Self], path: Any) -> Self:
        return cls(path)

    @classmethod
    def from_uri(cls: type[Self], uri: str) -> Self:
        scheme, _ = split_scheme(uri)
        if not scheme:
            raise ValueError(f"{uri!r} is not a URI: expected {cls.protocol}://...")
        return cls(uri)

    # -- pure path operations (POSIX semantics on ``path``) ----------------------
    @staticmethod
    def _join(path: str, *others: str) -> str:
        for other in others:
            if not other:
                continue
            other = other.lstrip("/")
            path = path + other if not path or path.endswith("/") else path + "/" + other
        return path

    def joinpath(self: Self, *other_paths: Any) -> Self:
        return self._derive(self._join(self.path, *(_fspath_str(p) for p in other_paths)))

    def _path_join(self, *others: str) -> str:
        """``smart_path_join``'s string: ``str(joinpath)`` for URLs, where ``..``
        stays as written (a key may hold it); the local backend normalises."""
        return str(self.joinpath(*others))

    @property
    def parts(self) -> tuple[str, ...]:
        body = self.path.lstrip("/")
        return (self._parts_head, *body.split("/")) if body else (self._parts_head,)

    @property
    def _parts_head(self) -> str:
        """The first of ``parts``: ``s3://``; a backend whose URLs name a server
        puts it there too (``sftp://user@host//``)."""
        return f"{self.root_scheme}://"

    @property
    def root(self) -> str:
        return f"{self.root_scheme}://"

    @property
    def anchor(self) -> str:
        return self.root

    @property
    def drive(self) -> str:
        return ""

    @property
    def name(self) -> str:
        return self.parts[-1] if len(self.parts) > 1 else ""

    @property
    def suffix(self) -> str:
        name = self.name
        index = name.rfind(".")
        return name[index:] if 0 < index < len(name) - 1 else ""

    @property
    def suffixes(self) -> list[str]:
        name = self.name
        if name.endswith("."):
            return []
        name = name.lstrip(".")
        return ["." + s for s in name.split(".")[1:]]

    @property
    def stem(self) -> str:
        name, suffix = self.name, self.suffix
        return name[: len(name) - len(suffix)] if suffix else name

    @property
    def parent(self: Self) -> Self:
        # URI semantics, as megfile: a trailing slash ends in an empty last part,
        # so the parent of ``s3://b/dir/`` is ``s3://b/dir``; a root is its own
        # parent, and an absolute path (``sftp://h//a``) keeps its "/"
        path = self.path
        if not path.strip("/"):
            return self._derive(path)
        head = path.rpartition("/")[0].rstrip("/")
        return self._derive(head or ("/" if path.startswith("/") else ""))

    @property
    def parents(self: Self) -> Sequence[Self]:
        result = []
        current = self
        while current.path.strip("/"):
            current = current.parent
            result.append(current)
        return tuple(result)

    def with_name(self: Self, name: str) -> Self:
        # ``s3://b/dir/`` has an empty last part that a name replaces (as megfile);
        # only the root has no name to replace
        if not self.name and not self.path.strip("/"):
            raise ValueError(f"{self._display()} has an empty name")
        if not name or "/" in name:
            raise ValueError(f"invalid name {name!r}")
        return self._derive(self.path[: len(self.path) - len(self.name)] + name)

    def with_stem(self: Self, stem: str) -> Self:
        return self.with_name(stem + self.suffix)

    def with_suffix(self: Self, suffix: str) -> Self:
        if suffix and (not suffix.startswith(".") or suffix == "." or "/" in suffix):
            raise ValueError(f"invalid suffix {suffix!r}")
        return self.with_name(self.stem + suffix)

    def _other_path(self, other: Any) -> str:
        text = _fspath_str(other)
        scheme, rest = split_scheme(text)
        if scheme and scheme.partition("+")[0] != self.protocol:
            raise ValueError(f"{text!r} is not a {self.protocol}:// path")
        return rest

    def relative_to(self: Self, *other: Any) -> Self:
        """This path relative to ``other``; ``ValueError`` when it is not under it."""
        if not other:
            raise TypeError("relative_to() needs at least one argument")
        base = self._join(self._other_path(other[0]), *map(_fspath_str, other[1:]))
        base = base.rstrip("/")
        path = self.path
        if path == base:
            relative = ""
        elif not base or path.startswith(base + "/"):
            relative = path[len(base) :].lstrip("/")
        else:
            raise ValueError(f"{self._display()!r} is not under {display(other[0])!r}")
        new = self._derive(relative)
        new.scheme = ""
        return new

    def is_relative_to(self, *other: Any) -> bool:
        try:
            self.relative_to(*other)
        except ValueError:
            return False
        return True

    def match(self, pattern: str) -> bool:
        """Whether this path matches a glob pattern (relative: from the right)."""
        scheme, rest = split_scheme(pattern)
        if scheme:
            return match_path(self.path.strip("/"), rest.strip("/"), anchored=True)
        if pattern.startswith("/"):  # an absolute pattern is anchored at the root
            return self.path.startswith("/") and match_path(
                self.path.strip("/"), pattern.strip("/"), anchored=True)
        return match_path(self.path.strip("/"), pattern.strip("/"), anchored=False)

    def is_absolute(self) -> bool:
        return True

    def is_reserved(self) -> bool:
        return False

    def as_posix(self) -> str:
        return str(self)

    def as_uri(self) -> str:
        return self.path_with_protocol

    def absolute(self: Self) -> Self:
        return self

    def abspath(self) -> str:
        return str(self.absolute())

    def resolve(self: Self, strict: bool = False) -> Self:
        return self

    def realpath(self) -> str:
        return str(self.resolve())

    def relpath(self, start: Any = None) -> str:
        if start is None:
            raise TypeError(f"relpath of {self._display()} needs a start path")
        return str(self.relative_to(start))

    # -- primitives (a backend implements these) ---------------------------------
    def stat(self, follow_symlinks: bool = True) -> StatResult:
        raise UnsupportedError("stat", self)

    def scandir(self) -> ContextIterator:
        """Entries of this directory; ``FileEntry.path`` is ``str(self / name)``."""
        raise UnsupportedError("scandir", self)

    def _open(self, mode: str, **options: Any) -> IO[bytes]:
        """Open in a binary ``mode`` from ``parse_mode`` (``rb``, ``wb``, ``ab+`` ...)."""
        raise UnsupportedError(f"open({mode!r})", self)

    def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        raise UnsupportedError("mkdir", self)

    def unlink(self, missing_ok: bool = False) -> None:
        raise UnsupportedError("unlink", self)

    def rename(self: Self, dst_path: Any, overwrite: bool = True) -> Self:
        raise UnsupportedError("rename", self)

    def rmdir(self) -> None:
        raise UnsupportedError("rmdir", self)

    # -- optional capabilities ---------------------------------------------------
    def symlink(self, dst_path: Any) -> None:
        """Create a link at ``dst_path`` that points to this path."""
        raise UnsupportedError("symlink", self)

    def symlink_to(self, target: Any, target_is_directory: bool = False) -> None:
        """Make this path a link that points to ``target``."""
        self.from_path(target).symlink(self)

    def readlink(self: Self) -> Self:
        raise UnsupportedError("readlink", self)

    def hardlink_to(self, target: Any) -> None:
        raise UnsupportedError("hardlink_to", self)

    def utime(self, atime: float, mtime: float) -> None:
        raise UnsupportedError("utime", self)

    def chmod(self, mode: int, *, follow_symlinks: bool = True) -> None:
        raise UnsupportedError("chmod", self)

    def lchmod(self, mode: int) -> None:
        self.chmod(mode, follow_symlinks=False)

    def owner(self) -> str:
        raise UnsupportedError("owner", self)

    def group(self) -> str:
        raise UnsupportedError("group", self)

    def expanduser(self: Self) -> Self:
        return self

    @classmethod
    def cwd(cls) -> str:
        raise UnsupportedError("cwd", cls.protocol)

    @classmethod
    def home(cls) -> str:
        raise UnsupportedError("home", cls.protocol)

    def is_mount(self) -> bool:
        return False

    def is_socket(self) -> bool:
        return False

    def is_fifo(self) -> bool:
        return False

    def is_block_device(self) -> bool:
        return False

    def is_char_device(self) -> bool:
        return False

    # -- derived: metadata -------------------------------------------------------
    def open(
        self,
        mode: str = "r",
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
        **options: Any,
    ) -> IO[Any]:
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

    def walk(
        self, followlinks: bool = False
    ) -> Iterator[tuple[str, list[str], list[str]]]:
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
                            followlinks and entry.is_symlink() and
                            self._derive(self._other_path(entry.path)).is_dir(True)
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

    def scan_stat(
        self, missing_ok: bool = True, followlinks: bool = False
    ) -> Iterator[FileEntry]:
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
        files = [(rel, entry) for rel, entry in self._scan_tree(followlinks)
                 if not entry.is_dir()]
        files.sort(key=lambda item: item[0])
        for _, entry in files:
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
        self, data: str, encoding: str | None = None, errors: str | None = None,
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
        stream_copy(self, dst, callback=callback, overwrite=overwrite,
                    followlinks=followlinks)

    def sync(
        self,
        dst_path: Any,
        followlinks: bool = False,
        force: bool = False,
        overwrite: bool = True,
        **options: Any,
    ) -> SyncResult:
        from megfile_core.sync import sync

        return sync(self, dst_path, followlinks=followlinks, force=force,
                    overwrite=overwrite, **options)


#: options of ``smart_open`` that some backend understands; others ignore them
COMMON_OPEN_OPTIONS = frozenset({
    "max_workers", "max_buffer_size", "block_forward", "block_size", "buffered",
    "limited_seekable", "share_cache_key", "cache_path", "lazy", "followlinks",
    "atomic", "closefd",
})


def check_buffering(buffering: Any) -> None:
    """``open``'s ``buffering``: an int from -1 (the default) up to a C int."""
    if not isinstance(buffering, int) or isinstance(buffering, bool):
        raise TypeError(f"buffering must be an int, not {type(buffering).__name__}")
    if not -1 <= buffering <= 2**31 - 1:
        raise ValueError(f"buffering {buffering} is out of range: use -1, 0, 1 or a size")


def check_open_options(options: dict[str, Any], path: BasePath) -> None:
    """Raise ``TypeError`` for an open option no backend knows (a typo)."""
    known = COMMON_OPEN_OPTIONS | type(path).open_options
    unknown = set(options) - known
    if unknown:
        raise TypeError(
            f"open() of {path._display()} got unknown option(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(known))}"
        )
