"""A binary file over paramiko's ``SFTPFile`` for the modes the part writer and the
prefetch reader do not serve (``ab``, ``rb+``, ``wb+``, ``ab+``, ``xb+``).

Writes are pipelined (``set_pipelined``): requests go out without waiting for each
answer, and the answers are checked at ``flush``/``close``.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import paramiko
    from _typeshed import ReadableBuffer, WriteableBuffer

__all__ = ["SftpFile"]


class SftpFile(io.BufferedIOBase):
    def __init__(self, handle: paramiko.SFTPFile, mode: str, name: str) -> None:
        super().__init__()
        self._handle = handle
        self._mode = mode
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def mode(self) -> str:
        return self._mode

    def __repr__(self) -> str:
        return f"<SftpFile {self._name!r} mode={self._mode!r}>"

    def readable(self) -> bool:
        return "r" in self._mode or "+" in self._mode

    def writable(self) -> bool:
        return self._mode[0] in "wax" or "+" in self._mode

    def seekable(self) -> bool:
        return True

    def _check(self, readable: bool | None = None) -> None:
        if self.closed:
            raise ValueError(f"I/O operation on closed file {self._name!r}")
        if readable is True and not self.readable():
            raise io.UnsupportedOperation(f"{self._name} is not open for reading")
        if readable is False and not self.writable():
            raise io.UnsupportedOperation(f"{self._name} is not open for writing")

    def read(self, size: int | None = -1, /) -> bytes:
        self._check(True)
        if size is None or size < 0:
            data: bytes = self._handle.read()
        else:
            data = self._handle.read(size)
        return data

    def read1(self, size: int = -1, /) -> bytes:
        return self.read(size)

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(view.nbytes)
        view[: len(data)] = data
        return len(data)

    def write(self, buffer: ReadableBuffer, /) -> int:
        self._check(False)
        data = bytes(buffer)
        self._handle.write(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        self._check()
        self._handle.seek(offset, whence)
        return int(self._handle.tell())

    def tell(self) -> int:
        self._check()
        return int(self._handle.tell())

    def truncate(self, size: int | None = None, /) -> int:
        self._check(False)
        self._handle.flush()
        if size is None:
            size = self.tell()
        self._handle.truncate(size)
        return size

    def flush(self) -> None:
        if not self.closed:
            self._handle.flush()

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._handle.close()
        finally:
            super().close()

    def __exit__(self, *exc: Any) -> None:
        self.close()
