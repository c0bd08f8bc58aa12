"""Atomic local writes: a temp file beside the target, renamed over it on close."""

from __future__ import annotations

import os
from typing import IO, Any

__all__ = ["AtomicFile", "temp_basename", "temp_name"]


def temp_name(path: str) -> str:
    """``dir/.name.<8 hex>.temp`` in the target's own directory."""
    directory, name = os.path.split(path)
    return os.path.join(directory, temp_basename(name))


def temp_basename(name: str) -> str:
    """``.name.<8 hex>.temp``: where a file called ``name`` is written before it
    replaces the target (any backend's atomic write)."""
    return f".{name}.{os.urandom(4).hex()}.temp"


class AtomicFile:
    """A file object whose content appears at ``path`` only when it closes cleanly.

    Leaving a ``with`` block by an exception, calling :meth:`abort`, or dropping the
    object unclosed removes the temp file and leaves ``path`` as it was. Modes
    ``a`` and ``+`` start from a copy of the existing file; ``x`` fails at commit
    if ``path`` appeared meanwhile. ``durable`` syncs the content to disk before it
    is published; ``mtime``, when set before closing, becomes the file's mtime.
    """

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
        return self._file.write(data)

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
