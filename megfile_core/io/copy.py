"""Copying, written once: the pump, streamed copies, the local download, dispatch.

* :func:`copy_stream` is the one loop that moves bytes from a reader to a writer
  (``readinto`` into one reused buffer, ``read`` for readers without it), reporting
  progress to a callback. Every copy in core and in the plugins goes through it.
* :func:`stream_copy` and :func:`concat_streams` copy between any two paths through
  their ``open``; :func:`concat` prefers the backend's own concat.
* :func:`open_download` / :func:`download_to` write a local file the way every
  download must: into a temp file beside the target that replaces it only when
  every byte arrived (with the source's mtime, so a later sync skips it), removed on
  any failure; the target's directories are made only then, after the source
  answered, so a missing source creates nothing. :func:`upload_from` is the one
  upload of a local file to a path of any store.
* :func:`copier` resolves how files of one protocol pair are copied (a registered
  copy function, the class's own ``copy``, else :func:`stream_copy`), once for a
  whole sync rather than once per file; :func:`copy_file` is the one-file form.
* :func:`copiers` also gives the ``batch`` a registered copy function may carry, which
  copies many small files at once (a sync hands it up to :data:`BATCH_FILES` files
  of at most :data:`BATCH_FILE_SIZE` bytes). Why: from a near store a small file
  costs a few system calls and a request, and threads that hand the interpreter
  to each other at each of them spend more than the copy; one thread with a few
  requests under way spends less (``docs/benchmarks.md``, eleventh session).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from megfile_core.builtin.atomic import AtomicFile
from megfile_core.errors import UnsupportedError

if TYPE_CHECKING:
    from megfile_core.pathlike import BasePath
    from megfile_core.types import StatResult

__all__ = [
    "BATCH_FILES",
    "BATCH_FILE_SIZE",
    "BATCH_UNDER_WAY",
    "CHUNK_SIZE",
    "BatchCopy",
    "PathCopy",
    "concat",
    "concat_streams",
    "copier",
    "copiers",
    "copy_file",
    "copy_stream",
    "download_to",
    "open_download",
    "stream_copy",
    "upload_from",
]

#: the most a copy moves per call (and the largest buffer it allocates)
CHUNK_SIZE = 8 << 20
#: the smallest buffer, when the caller tells a smaller size
_MIN_BUFFER = 64 << 10

Callback = Callable[[int], None]
#: files a sync hands to one call of a copy function's ``batch`` at most
BATCH_FILES = 64
#: the largest file a sync hands to a ``batch`` (bytes, as listed)
BATCH_FILE_SIZE = 1 << 20
#: requests a ``batch`` is expected to keep under way at once (from its one thread)
BATCH_UNDER_WAY = 8


class BatchCopy(Protocol):
    """The ``batch`` attribute a registered copy function may carry.

    ``batch(pairs, done=..., followlinks=..., overwrite=...)`` copies the
    ``(src_path, dst_path)`` pairs (strings, as the copy function takes them),
    calls ``done(index, n_bytes)`` once a pair's copy is complete, and returns the
    indices of the pairs it did not copy: those go to the copy function one at a
    time, which copies them or raises what is wrong. So a batch may leave any pair
    it is not sure of (an error answer, a link, a file larger than it expected).
    It is expected to keep about :data:`BATCH_UNDER_WAY` requests under way. Several
    batches may run at once, on threads of their own."""

    def __call__(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        done: Callable[[int, int], None],
        followlinks: bool,
        overwrite: bool,
    ) -> list[int]: ...


def copy_stream(
    reader: Any,
    writer: Any,
    callback: Callback | None = None,
    *,
    size: int | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Copy ``reader`` to ``writer`` until end of file; returns the bytes copied.

    ``callback(n)`` follows every write. ``size``, the bytes expected when known,
    only bounds the buffer (a copy of many small files allocates no 8 MiB each)."""
    if size is not None:
        chunk_size = min(chunk_size, max(size, _MIN_BUFFER))
    write = writer.write
    total = 0
    readinto = getattr(reader, "readinto", None)
    if readinto is None:
        read = reader.read
        while chunk := read(chunk_size):
            write(chunk)
            total += len(chunk)
            if callback is not None:
                callback(len(chunk))
        return total
    view = memoryview(bytearray(chunk_size))
    while count := readinto(view):
        write(view[:count])
        total += count
        if callback is not None:
            callback(count)
    return total


def stream_copy(
    src: BasePath,
    dst: BasePath,
    callback: Callback | None = None,
    overwrite: bool = True,
    followlinks: bool = False,
) -> None:
    """Copy one file by streaming (any two protocols), then carry over the mtime."""
    try:
        stat: StatResult | None = src.stat(follow_symlinks=True)
    except UnsupportedError:  # a stream (stdio://-) has no metadata: just copy it
        stat = None
    if stat is not None and stat.is_dir():
        raise IsADirectoryError(f"is a directory: {src._display()} (use sync to copy trees)")
    if not overwrite and dst.exists():
        return
    with src.open("rb") as reader, dst.open("wb") as writer:
        copy_stream(reader, writer, callback, size=None if stat is None else stat.size)
    if stat is None:
        return
    try:
        dst.utime(stat.mtime, stat.mtime)
    except (UnsupportedError, NotImplementedError):
        pass


def concat_streams(sources: Iterable[BasePath], dst: BasePath) -> None:
    """Write the files ``sources`` one after the other into ``dst``."""
    with dst.open("wb") as writer:
        for source in sources:
            with source.open("rb") as reader:
                copy_stream(reader, writer)


def concat(sources: list[BasePath], dst: BasePath) -> None:
    """Concatenate: the backend's own ``concat`` (server-side) when every source is
    of the destination's backend and variant (one store, its credentials), else
    streamed."""
    own = getattr(type(dst), "concat", None)
    if own is not None and all(source._same_backend(dst) for source in sources):
        own(sources, dst)
        return
    concat_streams(sources, dst)


def open_download(path: str, mtime: float | None = None, *, check_dir: bool = True) -> AtomicFile:
    """A binary file whose content becomes the local file ``path`` on a clean close
    (``with``), with the mtime ``mtime`` (or the file's ``mtime`` attribute, which
    a caller may set while writing); on any failure the temp file is removed and
    ``path`` stays as it was. Call it once the source answered: it makes the
    target's directories. The file is unbuffered (callers write whole blocks): no
    buffer, and fewer system calls per file, when a sync makes thousands.

    A directory at ``path`` raises :class:`IsADirectoryError` here, before anything
    is written; with ``check_dir=False`` (one ``stat`` less per file, for a batch of
    small files that hands failures to a one-file copy) it is the close that fails
    (the rename), with an :class:`OSError`, and nothing is left behind either."""
    if not os.path.basename(path) or (check_dir and os.path.isdir(path)):
        raise IsADirectoryError(f"is a directory: {path} (give a file name)")
    try:
        download = AtomicFile(path, "wb", buffering=0, durable=False)
    except FileNotFoundError:  # the directory is missing (tried after: it seldom is)
        directory = os.path.dirname(path)
        if not directory:
            raise
        os.makedirs(directory, exist_ok=True)
        download = AtomicFile(path, "wb", buffering=0, durable=False)
    download.mtime = mtime
    return download


def upload_from(
    local: str,
    dst: BasePath,
    callback: Callback | None = None,
    *,
    followlinks: bool = False,
    overwrite: bool = True,
) -> os.stat_result | None:
    """Copy the local file ``local`` (a ``file://`` URL too) to ``dst`` through
    ``dst.open("wb")`` (a remote store's parallel writer). Returns the source's
    stat, for a backend that then sets the remote mtime, or None when
    ``overwrite=False`` kept an existing ``dst``."""
    if local.startswith("file://"):
        local = local[len("file://") :]
    if followlinks:
        local = os.path.realpath(local)
    if os.path.isdir(local):
        raise IsADirectoryError(f"is a directory: {local} (use sync to copy trees)")
    if not overwrite and dst.exists():
        return None
    with open(local, "rb") as reader:
        stat = os.fstat(reader.fileno())
        with dst.open("wb") as writer:
            copy_stream(reader, writer, callback, size=stat.st_size)
    return stat


def download_to(
    path: str,
    reader: Any,
    mtime: float | None,
    callback: Callback | None = None,
    *,
    size: int | None = None,
) -> int:
    """Copy the open ``reader`` into the local file ``path`` (see
    :func:`open_download`); returns the bytes copied."""
    with open_download(path, mtime) as out:
        return copy_stream(reader, out, callback, size=size)


#: copies one file of a resolved protocol pair: ``copy(src, dst, callback=None,
#: followlinks=False, overwrite=True)`` (see :func:`copier`)
PathCopy = Callable[..., None]
#: what every copy function is called with (a registered one may require them)
_COPY_OPTIONS: dict[str, Any] = {"callback": None, "followlinks": False, "overwrite": True}


def copier(src: BasePath, dst: BasePath, *, resume: bool = False) -> PathCopy:
    """How files of ``src``'s protocol are copied to ``dst``'s, by the fastest way
    known: the copy function registered for the pair, else the class's own
    ``copy`` (same protocol), else :func:`stream_copy`. Resolve it once and call it
    for every file of the pair. With ``resume``, a registered copy function that
    takes a ``resume`` keyword gets ``resume=True`` (it may then continue what an
    interrupted copy left); the other ways ignore it."""
    return copiers(src, dst, resume=resume)[0]


def copiers(
    src: BasePath, dst: BasePath, *, resume: bool = False
) -> tuple[PathCopy, BatchCopy | None]:
    """:func:`copier`, and the ``batch`` its registered copy function carries
    (:class:`BatchCopy`; None without one, or with ``resume``), from one lookup."""
    # here, not at the top: the registry imports pathlike, which imports this module
    from megfile_core.registry import get_registry

    func = get_registry().get_copy_func(src.root_scheme, dst.root_scheme)
    batch = getattr(func, "batch", None)
    if resume and func is not None and _takes_resume(func):
        func = functools.partial(func, resume=True)
    same_class = (type(src)._smart_of or type(src)) is (type(dst)._smart_of or type(dst))

    def copy(source: BasePath, target: BasePath, **options: Any) -> None:
        if source.path_with_protocol == target.path_with_protocol:
            from megfile_core.errors import SameFileError

            raise SameFileError(f"{source._display()} and {target._display()} are the same file")
        options = {**_COPY_OPTIONS, **options}
        if func is not None:
            # os.fspath: a file:// URL reaches a copy function as the plain local path
            func(os.fspath(source), os.fspath(target), **options)
        elif same_class:
            source.copy(target, **options)
        else:
            stream_copy(source, target, **options)

    return copy, (batch if callable(batch) and not resume else None)


def _takes_resume(func: Callable[..., Any]) -> bool:
    import inspect

    try:
        return "resume" in inspect.signature(func).parameters
    except (TypeError, ValueError):  # no signature to read: do not guess
        return False


def copy_file(src: BasePath, dst: BasePath, *, resume: bool = False, **options: Any) -> None:
    """Copy one file between any two paths; ``options``: ``callback``,
    ``followlinks``, ``overwrite`` (see :func:`copier`, also for ``resume``)."""
    copier(src, dst, resume=resume)(src, dst, **options)
