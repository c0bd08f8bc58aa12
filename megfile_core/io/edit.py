"""``EditFile``: the update modes (``rb+``, ``wb+``, ``ab+``, ``xb+``) for a store
that can only write whole objects (WebDAV, object stores).

The bytes live in a local temporary file while the caller reads, writes and seeks;
``close()`` hands that file (rewound to its start) to the backend's ``publish``
callback, which uploads it as the new content. Nothing is sent before ``close``:

* ``abort()``, or an exception inside a ``with`` block, drops the edits and
  publishes nothing (the store keeps what it had);
* a file dropped without ``close()`` is published when it was opened without
  ``atomic=True`` (like an ordinary file) and dropped when it was atomic;
* ``initial`` (the current content for ``rb+`` / ``ab+``) is copied in at open;
  ``ab+`` writes always go to the end, as with a local file.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType

    from _typeshed import ReadableBuffer, WriteableBuffer

__all__ = ["EditFile"]

_COPY_CHUNK = 8 << 20


class EditFile(io.BufferedIOBase):
    """A seekable read-write binary file published by ``publish(file)`` at close;
    see the module docstring. ``mode`` is the canonical binary mode (``rb+`` ...)."""

    def __init__(
        self,
        publish: Callable[[IO[bytes]], None],
        *,
        name: str,
        mode: str,
        initial: IO[bytes] | None = None,
        atomic: bool = False,
    ) -> None:
        super().__init__()
        self._publish = publish
        self._name = name
        self._mode = mode
        self._atomic = atomic
        self._done = False
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        if initial is not None:
            shutil.copyfileobj(initial, self._file, _COPY_CHUNK)
        self._file.seek(0, os.SEEK_END if mode[0] == "a" else os.SEEK_SET)

    @property
    def name(self) -> str:
        return self._name

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def atomic(self) -> bool:
        return self._atomic

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self._name!r} mode={self._mode!r}>"

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError(f"I/O operation on closed file {self._name!r}")

    def readable(self) -> bool:
        self._check_open()
        return "+" in self._mode or self._mode[0] == "r"

    def writable(self) -> bool:
        self._check_open()
        return "+" in self._mode or self._mode[0] != "r"

    def seekable(self) -> bool:
        self._check_open()
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        if not self.readable():
            raise io.UnsupportedOperation(f"{self._name} is not open for reading")
        return self._file.read(-1 if size is None else size)

    def read1(self, size: int = -1, /) -> bytes:
        return self.read(size)

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        data = self.read(memoryview(buffer).nbytes)
        memoryview(buffer).cast("B")[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1, /) -> bytes:
        if not self.readable():
            raise io.UnsupportedOperation(f"{self._name} is not open for reading")
        return self._file.readline(-1 if size is None else size)

    def write(self, data: ReadableBuffer, /) -> int:
        if not self.writable():
            raise io.UnsupportedOperation(f"{self._name} is not open for writing")
        if self._mode[0] == "a":
            self._file.seek(0, os.SEEK_END)
        return self._file.write(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        self._check_open()
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        self._check_open()
        return self._file.tell()

    def truncate(self, size: int | None = None, /) -> int:
        if not self.writable():
            raise io.UnsupportedOperation(f"{self._name} is not open for writing")
        return self._file.truncate(size)

    def flush(self) -> None:
        self._check_open()
        if not self._file.closed:  # io.IOBase.close() flushes after we closed it
            self._file.flush()

    def close(self) -> None:
        """Publish the content (once) and close; idempotent."""
        if self.closed:
            return
        try:
            if not self._done:
                self._done = True
                self._file.flush()
                self._file.seek(0)
                self._publish(self._file)
        finally:
            self._file.close()
            super().close()

    def abort(self) -> bool:
        """Drop the edits without publishing; True if this call dropped them."""
        if self.closed:
            return False
        self._done = True
        self._file.close()
        super().close()
        return True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()

    def __del__(self) -> None:
        try:
            if getattr(self, "_done", True) or self.closed:
                return
            if self._atomic:
                self.abort()
            else:
                self.close()
        except BaseException:
            pass  # a finalizer must never raise
