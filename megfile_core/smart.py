"""The ``smart_*`` functions: one call for any protocol."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from megfile_core.glob import expand_braces
from megfile_core.io.compression import DEFAULT, CompressionArg
from megfile_core.io.copy import concat, stream_copy
from megfile_core.path_algebra import _fspath_str
from megfile_core.pathlike import ContextIterator
from megfile_core.registry import get_registry
from megfile_core.smart_path import SmartPath, as_smart_path
from megfile_core.types import Access, FileEntry, StatResult
from megfile_core.url import mask_url

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from megfile_core.io.combine import CombineReader
    from megfile_core.sync import SyncResult
    from megfile_core.sync_batches import CopyManyResult

__all__ = [
    "SmartCacher",
    "register_copy_func",
    "smart_abspath",
    "smart_access",
    "smart_cache",
    "smart_combine_open",
    "smart_concat",
    "smart_copy",
    "smart_copy_many",
    "smart_exists",
    "smart_getmd5",
    "smart_getmtime",
    "smart_getsize",
    "smart_glob",
    "smart_glob_stat",
    "smart_iglob",
    "smart_isabs",
    "smart_isdir",
    "smart_isfile",
    "smart_islink",
    "smart_ismount",
    "smart_listdir",
    "smart_load_content",
    "smart_load_from",
    "smart_load_text",
    "smart_lstat",
    "smart_makedirs",
    "smart_move",
    "smart_open",
    "smart_path_join",
    "smart_readlink",
    "smart_realpath",
    "smart_relpath",
    "smart_remove",
    "smart_rename",
    "smart_save_as",
    "smart_save_content",
    "smart_save_text",
    "smart_scan",
    "smart_scan_stat",
    "smart_scandir",
    "smart_stat",
    "smart_symlink",
    "smart_sync",
    "smart_sync_with_progress",
    "smart_touch",
    "smart_unlink",
    "smart_walk",
    "stream_copy",
]

_MAX_OFFSET = 2**63 - 1


def _path(path: Any, name: str = "path") -> SmartPath:
    return as_smart_path(path, name)


# -- open and content -------------------------------------------------------------
def smart_open(
    path: Any,
    mode: str = "r",
    encoding: str | None = None,
    errors: str | None = None,
    *,
    s3_open_func: Callable[..., IO[Any]] | None = None,
    compression: CompressionArg = DEFAULT,
    **options: Any,
) -> IO[Any]:
    """Open a file of any protocol; ``options`` go to the backend (``atomic``,
    ``max_workers``, ``block_size``, ``buffering``, ``newline`` ...).

    ``compression``: None reads and writes the bytes as stored; ``"infer"`` picks
    gzip, bz2, xz or zstd from the suffix (``.gz``, ``.bz2``, ``.xz``, ``.zst``); a
    codec name always uses that codec. Left out, ``MEGFILE_COMPRESSION`` decides
    (unset: None). See :mod:`megfile_core.io.compression`.

    :param s3_open_func: opens ``s3://`` paths instead of the S3 plugin's default
        (megfile's hook, e.g. ``s3_prefetch_open``): called as
        ``s3_open_func(url, mode, encoding=..., errors=..., **options)`` with the
        options it accepts.
    """
    if s3_open_func is not None and _is_s3(path):
        from megfile_core.utils import necessary_params

        kwargs = necessary_params(s3_open_func, encoding=encoding, errors=errors, **options)
        return s3_open_func(_fspath_str(path), mode, **kwargs)
    buffering = options.pop("buffering", -1)
    newline = options.pop("newline", None)
    return _path(path).open(
        mode, buffering, encoding, errors, newline, compression=compression, **options
    )


def _is_s3(path: Any) -> bool:
    from megfile_core.url_checks import is_s3

    return isinstance(path, (str, os.PathLike)) and is_s3(path)


def smart_load_content(path: Any, start: int | None = None, stop: int | None = None) -> bytes:
    """Bytes ``[start, stop)`` of a file (one ranged read where the backend can).

    A negative ``start`` or ``stop`` counts from the end, as in a slice
    (``start=-3``: the last 3 bytes); that costs one ``stat`` for the size."""
    for name, value in (("start", start), ("stop", stop)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise TypeError(f"{name} must be an int or None, not {type(value).__name__}")
        if value is not None and not -_MAX_OFFSET <= value <= _MAX_OFFSET:
            raise ValueError(f"{name} {value} is out of range (a file offset is a 64-bit int)")
    smart = _path(path)
    if (start is not None and start < 0) or (stop is not None and stop < 0):
        size = smart._content_size()
        if not size:  # empty, or a size nobody told: slice the whole content here
            return smart._load_content(None, None)[start:stop]
        start, stop, _ = slice(start, stop).indices(size)
    if start is not None and stop is not None and stop < start:
        raise ValueError(f"stop ({stop}) must not be smaller than start ({start})")
    return smart._load_content(start, stop)


def smart_save_content(path: Any, content: bytes) -> None:
    """Write ``content`` as the whole file, replacing it."""
    _path(path).write_bytes(content)


def smart_load_text(path: Any) -> str:
    """The whole file decoded as text."""
    return _path(path).read_text()


def smart_save_text(path: Any, text: str) -> None:
    """Write ``text`` as the whole file, replacing it."""
    _path(path).write_text(text)


def smart_load_from(path: Any) -> BinaryIO:
    """The whole file in an in-memory binary file object."""
    return _path(path).load()


def smart_save_as(file_object: BinaryIO, path: Any) -> None:
    """Write everything ``file_object`` still holds to ``path``."""
    _path(path).save(file_object)


def _open_stored(path: Any, mode: str) -> IO[Any]:
    """``smart_open`` of the bytes as stored, whatever ``MEGFILE_COMPRESSION`` says."""
    return smart_open(path, mode, compression=None)


def smart_combine_open(
    path_glob: str, mode: str = "rb", open_func: Callable[..., IO[Any]] | None = None
) -> CombineReader:
    """One seekable reader over the sorted matches of ``path_glob``."""
    from megfile_core.io.combine import CombineReader  # a rarely used reader

    if mode not in ("rb", "r"):
        raise ValueError(f"smart_combine_open reads only (mode 'rb' or 'r'), not {mode!r}")
    entries = sorted(smart_glob_stat(path_glob, missing_ok=False), key=lambda e: e.path)
    files = [(e.path, e.stat.size) for e in entries if not e.stat.is_dir()]
    reader = CombineReader(files, open_func or _open_stored)
    if mode == "r":
        import io

        return io.TextIOWrapper(io.BufferedReader(reader), encoding="utf-8")  # type: ignore[return-value]
    return reader


# -- metadata -----------------------------------------------------------------------
def smart_exists(path: Any, followlinks: bool = False) -> bool:
    """Whether the path exists (a broken link counts, unless ``followlinks``)."""
    return _path(path).exists(followlinks=followlinks)


def smart_isdir(path: Any, followlinks: bool = False) -> bool:
    """Whether the path is a directory (or an object-store prefix)."""
    return _path(path).is_dir(followlinks=followlinks)


def smart_isfile(path: Any, followlinks: bool = False) -> bool:
    """Whether the path is a file (an object, on object stores)."""
    return _path(path).is_file(followlinks=followlinks)


def smart_islink(path: Any) -> bool:
    """Whether the path is a symbolic link."""
    return _path(path).is_symlink()


def smart_access(path: Any, mode: Access) -> bool:
    """Whether the path can be read (``Access.READ``) or written (``Access.WRITE``)."""
    return _path(path).access(mode)


def smart_stat(path: Any, follow_symlinks: bool = True) -> StatResult:
    """Size, modification time and kind of the path."""
    return _path(path).stat(follow_symlinks=follow_symlinks)


def smart_lstat(path: Any) -> StatResult:
    """Like :func:`smart_stat`, without following a symbolic link."""
    return _path(path).lstat()


def smart_getsize(path: Any) -> int:
    """Size in bytes of a file, or the total of every file under a directory."""
    return _path(path).getsize()


def smart_getmtime(path: Any) -> float:
    """Modification time in seconds since the epoch (a directory: its newest file)."""
    return _path(path).getmtime()


def smart_getmd5(path: Any, recalculate: bool = False, followlinks: bool = False) -> str:
    """Hex MD5 of a file; of a directory, the MD5 of its children's MD5s by name.

    ``recalculate`` reads the content even where the backend stores a checksum."""
    return _path(path).md5(recalculate=recalculate, followlinks=followlinks)


def smart_isabs(path: Any) -> bool:
    """Whether the path is absolute (URLs always are)."""
    return _path(path).is_absolute()


def smart_ismount(path: Any) -> bool:
    """Whether the path is a mount point (False for URLs)."""
    return _path(path).is_mount()


def smart_abspath(path: Any) -> str:
    """The absolute path, protocol kept."""
    return _path(path).abspath()


def smart_realpath(path: Any) -> str:
    """The absolute path with symbolic links resolved."""
    return _path(path).realpath()


def smart_relpath(path: Any, start: Any = None) -> str:
    """``path`` relative to ``start`` (local paths: by default the current directory)."""
    return _path(path).relpath(start)


def smart_readlink(path: Any) -> SmartPath:
    """The target of a symbolic link."""
    return _path(path).readlink()


def smart_path_join(path: Any, *other_paths: Any) -> str:
    """Join path parts. URLs ignore the leading ``/`` of later parts and keep ``..``;
    local paths (``file://`` too) follow ``os.path.normpath(os.path.join(...))``."""
    return _path(path)._path_join(*map(_fspath_str, other_paths))


# -- listing ---------------------------------------------------------------------------
def smart_listdir(path: Any = None) -> list[str]:
    """Sorted names in a directory (default: the current one)."""
    return _path("." if path is None else path).listdir()


def smart_scandir(path: Any = None) -> ContextIterator:
    """Entries of a directory with their stat, as a context-managed iterator."""
    return _path("." if path is None else path).scandir()


def smart_scan(path: Any, missing_ok: bool = True, followlinks: bool = False) -> Iterator[str]:
    """Every file path under ``path``, recursively (a file yields itself)."""
    return _path(path).scan(missing_ok=missing_ok, followlinks=followlinks)


def smart_scan_stat(
    path: Any, missing_ok: bool = True, followlinks: bool = False
) -> Iterator[FileEntry]:
    """Like :func:`smart_scan`, with each file's stat."""
    return _path(path).scan_stat(missing_ok=missing_ok, followlinks=followlinks)


def smart_walk(path: Any, followlinks: bool = False) -> Iterator[tuple[str, list[str], list[str]]]:
    """``(root, dirs, files)`` for every directory under ``path``, like ``os.walk``."""
    return _path(path).walk(followlinks=followlinks)


def _split_protocols(pattern: str) -> list[str]:
    """Patterns whose braces span protocols (``{s3://a,/b}/x``) become one per protocol."""
    index = pattern.find("://")
    brace = pattern.find("{")
    if brace == -1 or (index != -1 and brace > index):
        return [pattern]
    return expand_braces(pattern)


def smart_glob_stat(
    pathname: Any, recursive: bool = True, missing_ok: bool = True
) -> Iterator[FileEntry]:
    """Entries matching a pattern: ``* ** ? [seq] [!seq] {a,b}``."""
    pattern = _fspath_str(pathname, "pathname")
    alternatives = _split_protocols(pattern)
    if len(alternatives) == 1:
        yield from _path(pattern).glob_stat(recursive=recursive, missing_ok=missing_ok)
        return
    seen: set[str] = set()
    for alternative in alternatives:
        for entry in _path(alternative).glob_stat(recursive=recursive, missing_ok=True):
            if entry.path not in seen:
                seen.add(entry.path)
                yield entry
    if not seen and not missing_ok:
        raise FileNotFoundError(f"no path matches {mask_url(pattern)!r}")


def smart_iglob(pathname: Any, recursive: bool = True, missing_ok: bool = True) -> Iterator[str]:
    """Paths matching a pattern, lazily (see :func:`smart_glob_stat` for the syntax)."""
    for entry in smart_glob_stat(pathname, recursive=recursive, missing_ok=missing_ok):
        yield entry.path


def smart_glob(pathname: Any, recursive: bool = True, missing_ok: bool = True) -> list[str]:
    """Sorted paths matching a pattern (see :func:`smart_glob_stat` for the syntax)."""
    return sorted(smart_iglob(pathname, recursive=recursive, missing_ok=missing_ok))


# -- changes ----------------------------------------------------------------------------
def smart_makedirs(path: Any, exist_ok: bool = False) -> None:
    """Create a directory and its parents."""
    _path(path).makedirs(exist_ok=exist_ok)


def smart_touch(path: Any) -> None:
    """Create an empty file, or update the modification time of an existing one."""
    _path(path).touch()


def smart_unlink(path: Any, missing_ok: bool = False) -> None:
    """Remove one file (``missing_ok``: no error when it is absent)."""
    _path(path).unlink(missing_ok=missing_ok)


def smart_remove(path: Any, missing_ok: bool = False, followlinks: bool = False) -> None:
    """Remove a file or a whole tree."""
    _path(path).remove(missing_ok=missing_ok, followlinks=followlinks)


def smart_symlink(src_path: Any, dst_path: Any) -> None:
    """Create a link at ``dst_path`` pointing to ``src_path``."""
    _path(dst_path, "dst_path").symlink_to(_path(src_path, "src_path"))


def smart_copy(
    src_path: Any,
    dst_path: Any,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    """Copy one file between any two protocols, by the fastest registered path."""
    _path(src_path, "src_path").copy(
        dst_path, callback=callback, followlinks=followlinks, overwrite=overwrite
    )


def smart_copy_many(
    pairs: Iterable[tuple[Any, Any]],
    *,
    executor: Executor | None = None,
    max_workers: int | None = None,
    followlinks: bool = False,
    callback_after_copy_file: Callable[[str, str], None] | None = None,
) -> CopyManyResult:
    """Copy many ``(src, dst)`` file pairs (any protocols; an existing ``dst`` is
    replaced), ``max_workers`` at once (default: as many as pay, at most
    ``MEGFILE_SYNC_MAX_WORKERS``; :mod:`megfile_core.io.adaptive`).

    ``executor``: a thread pool, or one of other processes (``ProcessPoolExecutor``,
    :func:`megfile_core.distributed.dask_executor`), to which batches of URL pairs
    are sent; each worker copies with its own connections. Returns the files and
    bytes copied; the first failed copy's error is raised once the copies started
    have ended. ``callback_after_copy_file(src, dst)`` runs here after each copy.
    """
    from megfile_core.sync_batches import copy_many

    return copy_many(
        pairs,
        executor=executor,
        max_workers=max_workers,
        followlinks=followlinks,
        callback_after_copy_file=callback_after_copy_file,
    )


def smart_sync(
    src_path: Any,
    dst_path: Any,
    callback: Callable[[str, int], None] | None = None,
    followlinks: bool = False,
    callback_after_copy_file: Callable[[str, str], None] | None = None,
    src_file_stats: Iterable[FileEntry] | None = None,
    map_func: Callable[..., Iterable[Any]] = map,
    force: bool = False,
    overwrite: bool = True,
    **options: Any,
) -> SyncResult:
    """Copy a file or a tree, skipping files the destination already has.

    Extra ``options``: ``max_workers``, ``executor``, ``dry_run``, ``progress``
    (see :func:`megfile_core.sync.sync`).
    """
    from megfile_core.sync import sync

    return sync(
        src_path,
        dst_path,
        callback=callback,
        followlinks=followlinks,
        callback_after_copy_file=callback_after_copy_file,
        src_file_stats=src_file_stats,
        map_func=map_func,
        force=force,
        overwrite=overwrite,
        **options,
    )


def smart_sync_with_progress(
    src_path: Any,
    dst_path: Any,
    callback: Callable[[str, int], None] | None = None,
    followlinks: bool = False,
    map_func: Callable[..., Iterable[Any]] = map,
    force: bool = False,
    overwrite: bool = True,
    **options: Any,
) -> SyncResult:
    """``smart_sync`` with a progress bar (files, bytes, rate, ETA) on stderr."""
    from megfile_core.progress import CliProgress
    from megfile_core.sync import sync

    progress = CliProgress(force=True)
    try:
        return sync(
            src_path,
            dst_path,
            callback=callback,
            followlinks=followlinks,
            map_func=map_func,
            force=force,
            overwrite=overwrite,
            progress=progress,
            **options,
        )
    finally:
        progress.close()


def smart_move(src_path: Any, dst_path: Any, overwrite: bool = True) -> None:
    """Move a file or a tree: a rename on one backend, else sync then remove."""
    _path(src_path, "src_path").move(dst_path, overwrite=overwrite)


def smart_rename(src_path: Any, dst_path: Any, overwrite: bool = True) -> None:
    """Rename one file (any two protocols); directories raise ``IsADirectoryError``."""
    src, dst = _path(src_path, "src_path"), _path(dst_path, "dst_path")
    if src.is_dir():
        raise IsADirectoryError(f"is a directory: {src._display()}; use smart_move for trees")
    if src.path_with_protocol == dst.path_with_protocol:
        return
    if src.pathlike._same_backend(dst.pathlike):
        src.pathlike.rename(dst.pathlike, overwrite=overwrite)
        return
    smart_copy(src, dst, overwrite=overwrite)
    src.unlink()


def smart_concat(src_paths: list[Any], dst_path: Any) -> None:
    """Concatenate files into ``dst_path`` (server-side where the backend can)."""
    dst = _path(dst_path, "dst_path")
    concat([_path(p, "src_paths").pathlike for p in src_paths], dst.pathlike)


def register_copy_func(
    src_protocol: str, dst_protocol: str, copy_func: Callable[..., None] | None = None
) -> None:
    """Register a copy function for a protocol pair at run time (once per pair)."""
    if copy_func is None:
        raise TypeError(f"register_copy_func({src_protocol!r}, {dst_protocol!r}) needs a function")
    registry = get_registry()
    with registry.lock:
        registry.get_copy_func(src_protocol, dst_protocol)  # load plugins first
        if registry.has_copy_func(src_protocol, dst_protocol):
            raise ValueError(
                f"a copy function for {src_protocol} -> {dst_protocol} is already registered"
            )
        registry.registrar("runtime").register_copy_func(src_protocol, dst_protocol, copy_func)


# -- cache ----------------------------------------------------------------------------
class SmartCacher:
    """A local copy of a remote file for code that needs a real path.

    ``with smart_cache(url, mode="a") as local:`` downloads (for ``r`` and ``a``),
    yields a local path, and uploads it back on a clean exit (``w`` and ``a``). Local
    paths are used in place.
    """

    def __init__(self, path: Any, cache_path: str | None = None, mode: str = "r") -> None:
        if mode not in ("r", "w", "a"):
            raise ValueError(f"smart_cache mode must be 'r', 'w' or 'a', not {mode!r}")
        self.path = _path(path)
        self.mode = mode
        self._local = self.path.pathlike.protocol == "file"
        if self._local:
            self.cache_path = os.fspath(self.path.pathlike)
            return
        if cache_path is None:
            import tempfile

            fd, cache_path = tempfile.mkstemp(suffix=self.path.suffix, prefix="megfile-")
            os.close(fd)
            self._owned = True
        else:
            self._owned = False
        self.cache_path = cache_path
        if mode in ("r", "a") and (mode == "r" or self.path.exists()):
            smart_copy(self.path, cache_path)

    def __enter__(self) -> str:
        return self.cache_path

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._local:
            return
        try:
            if exc_type is None and self.mode in ("w", "a"):
                smart_copy(self.cache_path, self.path)
        finally:
            self.close()

    def close(self) -> None:
        if not self._local and self._owned:
            try:
                os.unlink(self.cache_path)
            except FileNotFoundError:
                pass


def smart_cache(path: Any, cacher: type[SmartCacher] = SmartCacher, **options: Any) -> SmartCacher:
    """A :class:`SmartCacher` for ``path``: ``with smart_cache(url) as local_path:``."""
    return cacher(path, **options)
