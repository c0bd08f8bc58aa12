"""``memory://``: an in-process backend for tests and a reference for plugin authors.

Files live in a process-wide :class:`MemoryStore` (a small POSIX-like tree with real
directories). Reads go through core's parallel prefetch reader and writes through the
parallel part writer, exactly as a remote backend's would, and the store counts the
range requests it serves so tests can check how much I/O an operation costs.

Register it with :func:`register_memory` (tests) or as a plugin module.
"""

from __future__ import annotations

import io
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from megfile_core import plugins
from megfile_core.impl_marker import hookimpl
from megfile_core.io.prefetch import PrefetchReader, RangeResult
from megfile_core.io.writer import PartWriter
from megfile_core.pathlike import BasePath, ContextIterator
from megfile_core.registry import Registrar, get_registry
from megfile_core.types import FileEntry, StatResult

__all__ = ["MemoryPath", "MemoryStore", "get_store", "megfile_register", "register_memory"]


@hookimpl
def megfile_register(registrar: Registrar) -> None:
    registrar.register_protocol("memory", MemoryPath)


def register_memory() -> None:
    """Make ``memory://`` available in this process (idempotent)."""
    registry = get_registry()
    registry.ensure_plugins()
    if not registry.has_contributed("memory"):
        plugins.register_plugin(sys.modules[__name__], "memory")


@dataclass
class _File:
    data: bytes
    mtime: float
    version: int


@dataclass
class MemoryStore:
    """The tree behind ``memory://``; ``range_requests`` counts ranged reads."""

    files: dict[str, _File] = field(default_factory=dict)
    dirs: dict[str, float] = field(default_factory=lambda: {"": 0.0})
    lock: threading.RLock = field(default_factory=threading.RLock)
    range_requests: int = 0
    bytes_served: int = 0
    delay: float = 0.0
    _version: int = 0
    on_range: Callable[[str, int, int], None] | None = None

    def clear(self) -> None:
        with self.lock:
            self.files.clear()
            self.dirs.clear()
            self.dirs[""] = 0.0
            self.range_requests = 0
            self.bytes_served = 0
            self.delay = 0.0
            self.on_range = None

    def next_version(self) -> int:
        self._version += 1
        return self._version

    def publish(self, key: str, data: bytes, exclusive: bool = False) -> None:
        with self.lock:
            if key in self.dirs:
                raise IsADirectoryError(f"is a directory: memory://{key}")
            if exclusive and key in self.files:
                raise FileExistsError(f"file exists: memory://{key}")
            self.ensure_parents(key)
            self.files[key] = _File(bytes(data), time.time(), self.next_version())

    def ensure_parents(self, key: str) -> None:
        parts = key.split("/")[:-1]
        for index in range(1, len(parts) + 1):
            directory = "/".join(parts[:index])
            if directory in self.files:
                raise NotADirectoryError(f"not a directory: memory://{directory}")
            self.dirs.setdefault(directory, time.time())


_store = MemoryStore()


def get_store() -> MemoryStore:
    return _store


def _key(path: str) -> str:
    parts = [p for p in path.split("/") if p and p != "."]
    if ".." in parts:
        raise ValueError(f"memory paths may not contain '..': {path!r}")
    return "/".join(parts)


class _BufferWriter(io.BytesIO):
    """Modes ``a``/``+``/``x``: edit a copy, publish it on close, drop it on error."""

    def __init__(self, key: str, initial: bytes, exclusive: bool, mode: str) -> None:
        super().__init__(initial)
        if "a" in mode:
            self.seek(0, io.SEEK_END)
        self._key = key
        self._exclusive = exclusive
        self._aborted = False
        self._mode = mode
        self.name = f"memory://{key}"

    @property
    def mode(self) -> str:
        return self._mode

    def readable(self) -> bool:
        return "+" in self._mode or "r" in self._mode

    def abort(self) -> bool:
        if self.closed:
            return False
        self._aborted = True
        super().close()
        return True

    def close(self) -> None:
        if self.closed:
            return
        if not self._aborted:
            _store.publish(self._key, self.getvalue(), exclusive=self._exclusive)
        super().close()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()


class MemoryPath(BasePath):
    """A path in the process-wide memory store: ``memory://dir/file``."""

    protocol = "memory"

    @property
    def key(self) -> str:
        return _key(self._path)

    def stat(self, follow_symlinks: bool = True) -> StatResult:
        key = self.key
        with _store.lock:
            node = _store.files.get(key)
            if node is not None:
                return StatResult(
                    len(node.data), node.mtime, node.mtime, False, False, extra=node.version
                )
            if key in _store.dirs:
                mtime = _store.dirs[key]
                return StatResult(0, mtime, mtime, True, False)
        raise FileNotFoundError(f"no such file or directory: {self._display()}")

    def scandir(self) -> ContextIterator:
        key = self.key
        with _store.lock:
            if key in _store.files:
                raise NotADirectoryError(f"not a directory: {self._display()}")
            if key not in _store.dirs:
                raise FileNotFoundError(f"no such directory: {self._display()}")
            prefix = key + "/" if key else ""
            entries = []
            for name_key, node in _store.files.items():
                rest = name_key[len(prefix) :]
                if name_key.startswith(prefix) and rest and "/" not in rest:
                    entries.append(
                        FileEntry(
                            rest,
                            str(self.joinpath(rest)),
                            StatResult(
                                len(node.data),
                                node.mtime,
                                node.mtime,
                                False,
                                False,
                                extra=node.version,
                            ),
                        )
                    )
            for dir_key, mtime in _store.dirs.items():
                rest = dir_key[len(prefix) :]
                if dir_key.startswith(prefix) and rest and "/" not in rest:
                    entries.append(
                        FileEntry(
                            rest, str(self.joinpath(rest)), StatResult(0, mtime, mtime, True, False)
                        )
                    )
        entries.sort()
        return ContextIterator(iter(entries))

    def _read_range(self, key: str) -> Callable[[int, int], Any]:
        def read_range(start: int, end: int) -> RangeResult:
            if _store.delay:
                time.sleep(_store.delay)
            with _store.lock:
                node = _store.files.get(key)
                if node is None:
                    raise FileNotFoundError(f"no such file: memory://{key}")
                _store.range_requests += 1
                data = node.data[start : end + 1]
                _store.bytes_served += len(data)
                if _store.on_range is not None:
                    _store.on_range(key, start, end)
                return RangeResult(data, len(node.data), str(node.version))

        return read_range

    def _open(self, mode: str, **options: Any) -> IO[bytes]:
        key = self.key
        if not key:
            raise IsADirectoryError(f"is a directory: {self._display()}")
        atomic = options.pop("atomic", False)
        with _store.lock:
            if key in _store.dirs:
                raise IsADirectoryError(f"is a directory: {self._display()}")
            node = _store.files.get(key)
        if mode == "rb":
            if node is None:
                raise FileNotFoundError(f"no such file: {self._display()}")

            reader_options = {
                k: options[k]
                for k in ("block_size", "max_buffer_size", "max_workers", "block_forward", "lazy")
                if k in options
            }
            return PrefetchReader(
                self._read_range(key),
                name=str(self),  # type: ignore[return-value]
                **reader_options,
            )
        if mode[0] == "r" and node is None:
            raise FileNotFoundError(f"no such file: {self._display()}")
        if mode[0] == "x" and node is not None:
            raise FileExistsError(f"file exists: {self._display()}")
        with _store.lock:
            _store.ensure_parents(key)
        if mode == "wb":
            return self._part_writer(key, atomic, options)
        initial = node.data if node is not None and mode[0] in "ra" else b""
        return _BufferWriter(key, initial, mode[0] == "x", mode)

    def _part_writer(self, key: str, atomic: bool, options: dict[str, Any]) -> IO[bytes]:
        parts: dict[int, bytes] = {}
        lock = threading.Lock()

        def upload_part(number: int, offset: int, data: memoryview) -> int:
            with lock:
                parts[number] = bytes(data)
            return number

        def complete(numbers: list[int]) -> None:
            _store.publish(key, b"".join(parts[n] for n in numbers))

        def put_single(data: bytes) -> None:
            _store.publish(key, data)

        writer_options = {
            k: options[k] for k in ("block_size", "max_buffer_size", "max_workers") if k in options
        }
        return PartWriter(
            upload_part,
            name=str(self),
            complete=complete,  # type: ignore[return-value]
            abort=parts.clear,
            put_single=put_single,
            atomic=atomic,
            **writer_options,
        )

    def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        key = self.key
        with _store.lock:
            if key in _store.files:
                raise FileExistsError(f"file exists: {self._display()}")
            if key in _store.dirs:
                if exist_ok:
                    return
                raise FileExistsError(f"directory exists: {self._display()}")
            parent = key.rpartition("/")[0]
            if parent not in _store.dirs and not parents:
                raise FileNotFoundError(f"parent directory missing: {self._display()}")
            _store.ensure_parents(key + "/x")

    def unlink(self, missing_ok: bool = False) -> None:
        key = self.key
        with _store.lock:
            if key in _store.dirs:
                raise IsADirectoryError(f"is a directory: {self._display()}")
            if _store.files.pop(key, None) is None and not missing_ok:
                raise FileNotFoundError(f"no such file: {self._display()}")

    def rmdir(self) -> None:
        key = self.key
        with _store.lock:
            if key not in _store.dirs:
                raise FileNotFoundError(f"no such directory: {self._display()}")
            prefix = key + "/"
            if any(k.startswith(prefix) for k in (*_store.files, *_store.dirs)):
                raise OSError(39, f"directory not empty: {self._display()}")
            if key:
                del _store.dirs[key]

    def rename(self, dst_path: Any, overwrite: bool = True) -> MemoryPath:
        dst = dst_path if isinstance(dst_path, MemoryPath) else MemoryPath(str(dst_path))
        src_key, dst_key = self.key, dst.key
        with _store.lock:
            if src_key in _store.files:
                if dst_key in _store.files and not overwrite:
                    return dst
                node = _store.files.pop(src_key)
                _store.ensure_parents(dst_key)
                _store.files[dst_key] = node
                return dst
            if src_key not in _store.dirs:
                raise FileNotFoundError(f"no such file or directory: {self._display()}")
            prefix = src_key + "/"
            for key in [k for k in _store.files if k.startswith(prefix)]:
                target = dst_key + "/" + key[len(prefix) :]
                if target in _store.files and not overwrite:
                    continue
                _store.ensure_parents(target)
                _store.files[target] = _store.files.pop(key)
            for key in sorted(k for k in _store.dirs if k == src_key or k.startswith(prefix)):
                _store.dirs.setdefault(dst_key + key[len(src_key) :], _store.dirs[key])
            for key in [k for k in _store.dirs if k == src_key or k.startswith(prefix)]:
                if not any(f.startswith(key + "/") for f in _store.files):
                    _store.dirs.pop(key, None)
        return dst

    def utime(self, atime: float, mtime: float) -> None:
        key = self.key
        with _store.lock:
            node = _store.files.get(key)
            if node is not None:
                node.mtime = mtime
            elif key in _store.dirs:
                _store.dirs[key] = mtime
            else:
                raise FileNotFoundError(f"no such file or directory: {self._display()}")

    def _scan_tree(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        key = self.key
        prefix = key + "/" if key else ""
        with _store.lock:
            if key not in _store.dirs:
                return
            items: list[tuple[str, FileEntry]] = []
            for name, node in _store.files.items():
                if name.startswith(prefix):
                    rel = name[len(prefix) :]
                    items.append(
                        (
                            rel,
                            FileEntry(
                                rel.rpartition("/")[2],
                                str(self.joinpath(rel)),
                                StatResult(
                                    len(node.data),
                                    node.mtime,
                                    node.mtime,
                                    False,
                                    False,
                                    extra=node.version,
                                ),
                            ),
                        )
                    )
            for name, mtime in _store.dirs.items():
                if name.startswith(prefix) and name != key:
                    rel = name[len(prefix) :]
                    items.append(
                        (
                            rel,
                            FileEntry(
                                rel.rpartition("/")[2],
                                str(self.joinpath(rel)),
                                StatResult(0, mtime, mtime, True, False),
                            ),
                        )
                    )
        yield from items
