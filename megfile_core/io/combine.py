"""``CombineReader``: one seekable reader over several files in order."""

from __future__ import annotations

import bisect
import io
from collections.abc import Callable, Sequence
from typing import IO, Any

__all__ = ["CombineReader"]


class CombineReader(io.RawIOBase):
    """Reads ``files`` (``(path, size)`` pairs) back to back as one stream.

    Each file is opened when the position first reaches it; seeking costs no I/O.
    """

    def __init__(
        self,
        files: Sequence[tuple[str, int]],
        open_func: Callable[..., IO[Any]],
    ) -> None:
        self._files = list(files)
        self._open_func = open_func
        self._starts = []
        total = 0
        for _, size in self._files:
            self._starts.append(total)
            total += size
        self._size = total
        self._pos = 0
        self._index = -1
        self._handle: IO[Any] | None = None
        self.name = ",".join(path for path, _ in self._files)
        self.mode = "rb"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._pos + offset
        elif whence == io.SEEK_END:
            position = self._size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._pos = position
        return position

    def _switch(self, index: int) -> IO[Any]:
        if index != self._index or self._handle is None:
            if self._handle is not None:
                self._handle.close()
            self._handle = self._open_func(self._files[index][0], "rb")
            self._index = index
        return self._handle

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view) and self._pos < self._size:
            index = bisect.bisect_right(self._starts, self._pos) - 1
            start = self._starts[index]
            size = self._files[index][1]
            if self._pos >= start + size:  # empty file
                self._pos = start + size
                continue
            handle = self._switch(index)
            handle.seek(self._pos - start)
            want = min(len(view) - filled, start + size - self._pos)
            data = handle.read(want)
            if not data:
                raise OSError(f"{self._files[index][0]} is shorter than listed")
            view[filled : filled + len(data)] = data
            filled += len(data)
            self._pos += len(data)
        return filled

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        super().close()
