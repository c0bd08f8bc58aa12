"""The ``stdio`` backend: ``stdio://-`` and ``stdio://0`` read standard input,
``stdio://-``, ``stdio://1`` and ``stdio://2`` write standard output / error."""

from __future__ import annotations

import io
import sys
from typing import IO, TYPE_CHECKING, Any

from megfile_core.impl_marker import hookimpl
from megfile_core.pathlike import BasePath

if TYPE_CHECKING:
    from megfile_core.registry import Registrar

__all__ = ["StdioPath", "megfile_register"]

_READABLE = {"-", "0"}
_WRITABLE = {"-", "1", "2"}


@hookimpl
def megfile_register(registrar: Registrar) -> None:
    registrar.register_protocol("stdio", StdioPath)


class _Unclosable(io.RawIOBase):
    """A view of a standard stream whose ``close`` flushes but never closes it."""

    def __init__(self, stream: IO[bytes], name: str, mode: str) -> None:
        self._stream = stream
        self._name = name
        self._mode = mode

    @property
    def name(self) -> str:
        return self._name

    @property
    def mode(self) -> str:
        return self._mode

    def readable(self) -> bool:
        return self._mode == "rb"

    def writable(self) -> bool:
        return self._mode == "wb"

    def readinto(self, buffer: Any) -> int:
        if not self.readable():
            raise io.UnsupportedOperation(f"{self._name} is write-only")
        reader = getattr(self._stream, "readinto1", None) or self._stream.readinto  # type: ignore[attr-defined]
        return int(reader(buffer))

    def read(self, size: int = -1) -> bytes:
        if not self.readable():
            raise io.UnsupportedOperation(f"{self._name} is write-only")
        return self._stream.read(size)

    def write(self, data: Any) -> int:
        if not self.writable():
            raise io.UnsupportedOperation(f"{self._name} is read-only")
        self._stream.write(data)
        return len(memoryview(data))

    def flush(self) -> None:
        if not self.closed and self.writable():
            self._stream.flush()

    def close(self) -> None:
        if not self.closed:
            self.flush()
        super().close()


class StdioPath(BasePath):
    """``stdio://-`` (stdin or stdout by mode), ``stdio://0``, ``stdio://1``, ``stdio://2``."""

    protocol = "stdio"

    def __init__(self, path: Any = "stdio://-", *other_paths: Any) -> None:
        super().__init__(path, *other_paths)
        if self._path not in _READABLE | _WRITABLE:
            raise ValueError(
                f"{str(self)!r} is not a standard stream: use stdio://- , stdio://0 "
                "(read), stdio://1 or stdio://2 (write)"
            )

    def _open(self, mode: str, **options: Any) -> IO[bytes]:
        if "+" in mode:
            raise ValueError(f"{self!s} cannot be opened for reading and writing")
        if mode == "rb":
            if self._path not in _READABLE:
                raise ValueError(f"{self!s} is write-only: read from stdio://- or stdio://0")
            return _Unclosable(sys.stdin.buffer, str(self), "rb")  # type: ignore[return-value]
        if self._path not in _WRITABLE:
            raise ValueError(f"{self!s} is read-only: write to stdio://-, stdio://1 or 2")
        stream = sys.stderr if self._path == "2" else sys.stdout
        stream.flush()
        return _Unclosable(stream.buffer, str(self), "wb")  # type: ignore[return-value]
