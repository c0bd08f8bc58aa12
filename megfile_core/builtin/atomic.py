"""Atomic local writes: a temp file beside the target, renamed over it on close."""

from __future__ import annotations

import os
import random
from typing import IO, Any

__all__ = ["AtomicFile", "is_temp_basename", "temp_basename", "temp_name"]


def temp_name(path: str) -> str:
    """``dir/.name.<8 hex>.temp`` in the target's own directory."""
    directory, name = os.path.split(path)
    return os.path.join(directory, temp_basename(name))


def temp_basename(name: str) -> str:
    """``.name.<8 hex>.temp``: where a file called ``name`` is written before it
    replaces the target (any backend's atomic write). The token comes from the
    ``random`` module's generator (seeded from the system once, again in a forked
    child): a name per file without a ``getrandom`` call per file."""
    return f".{name}.{random.getrandbits(32):08x}.temp"


def is_temp_basename(name: str) -> bool:
    """Whether ``name`` has the form :func:`temp_basename` gives."""
    stem, dot, suffix = name.rpartition(".")
    head, dot2, token = stem.rpartition(".")
    return (
        name.startswith(".")
        and bool(dot and dot2)
        and suffix == "temp"
        and len(head) > 1
        and len(token) == 8
        and all(c in "0123456789abcdef" for c in token)
    )


class AtomicFile:
    """A file object whose content appears at ``path`` only when it closes cleanly.

    Leaving a ``with`` block by an exception, calling :meth:`abort`, or dropping the
    object unclosed removes the temp file and leaves ``path`` as it was. Modes
    ``a`` and ``+`` start from a copy of the existing file; ``x`` fails at commit
    if ``path`` appeared meanwhile. ``durable`` syncs the content to disk before it
    is published; ``mtime``, when set before closing, becomes the file's mtime.
    """

    #: read by wrappers (the compressing writer): dropped unclosed, they abort
    atomic = True

    def __init__(
        self,
        path: str,
        mode: str,
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
        *,
        durable: bool = True,
    ) -> None:
        self.path = path
        self.durable = durable
        self.mtime: float | None = None
        self.mode = mode
        self._exclusive = "x" in mode
        if self._exclusive and os.path.lexists(path):
            raise FileExistsError(f"file exists: {path}")
        self._temp = temp_name(path)
        keep = "a" in mode or ("+" in mode and "r" in mode)
        if "r" in mode and not os.path.exists(path):
            raise FileNotFoundError(f"no such file: {path}")
        if keep and os.path.exists(path):
            import shutil

            shutil.copyfile(path, self._temp)
        temp_mode = mode.replace("x", "w")
        if "r" in temp_mode and not os.path.exists(self._temp):
            temp_mode = temp_mode.replace("r", "w")
        self._file: IO[Any] = open(  # noqa: SIM115 - closed by commit/abort
            self._temp, temp_mode, buffering, encoding, errors, newline
        )
        # unbuffered (``buffering=0``, binary): a raw write may take part of its data
        self._raw = buffering == 0
        self._done = False

    @property
    def name(self) -> str:
        return self.path

    @property
    def closed(self) -> bool:
        return self._done

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __iter__(self) -> Any:
        return iter(self._file)

    def write(self, data: Any) -> int:
        if not self._raw:
            return self._file.write(data)
        view = memoryview(data).cast("B")
        done = self._file.write(view)
        while done < len(view):
            done += self._file.write(view[done:])
        return done

    def abort(self) -> bool:
        """Drop everything written; the target stays as it was."""
        if self._done:
            return False
        self._done = True
        try:
            self._file.close()
        finally:
            try:
                os.unlink(self._temp)
            except FileNotFoundError:
                pass
        return True

    def close(self) -> None:
        """Publish the content at ``path``."""
        if self._done:
            return
        try:
            self._file.flush()
            if self.durable:
                os.fsync(self._file.fileno())
            self._file.close()
            if self.mtime is not None:
                os.utime(self._temp, (self.mtime, self.mtime))
            if self._exclusive:
                os.link(self._temp, self.path)  # fails if the target appeared
                os.unlink(self._temp)
            else:
                os.replace(self._temp, self.path)
        except BaseException:
            self.abort()
            raise
        self._done = True

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def __del__(self) -> None:
        try:
            if not self._done:
                self.abort()
        except Exception:
            pass
