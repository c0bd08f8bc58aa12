"""What a backend answers and how its answers are checked: the types behind
:class:`~megfile_core.io.prefetch.PrefetchReader` (see its module doc).

A backend gives a ``read_range(start, end_inclusive) -> RangeResult`` and, if it can
stream, an ``open_stream(start) -> RangeStream``; :class:`RangeSource` wraps the
first with the version and size checks every fetch goes through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from megfile_core.errors import FileChangedError, MegfileError

__all__ = [
    "Data",
    "OpenStream",
    "RangeResponseError",
    "RangeResult",
    "RangeSource",
    "RangeStream",
    "ReadInto",
    "ReadRange",
    "StatFunc",
    "as_view",
    "joined",
]

Data = bytes | bytearray | memoryview


@dataclass(frozen=True)
class RangeResult:
    """What a backend answers to ``read_range(start, end_inclusive)``.

    ``data`` holds exactly the bytes of the range, clamped at the end of the object.
    ``size`` is the total object size when the response tells it (a
    ``Content-Range`` header), ``version`` an ETag / Last-Modified / mtime token; ``None``
    when unknown. ``waited``, optional, is the seconds the request waited for its
    answer's first byte (a round trip and the server's time): the reader then
    judges how fast one connection moves bytes net of it.
    """

    data: Data
    size: int | None = None
    version: str | None = None
    waited: float | None = None


ReadRange = Callable[[int, int], RangeResult]
#: ``read_into(start, end_inclusive, buffer)``: like ``read_range``, with the body
#: read into ``buffer`` (at least the range's length); ``data`` is then the filled
#: part of ``buffer``, or any other object holding the bytes when the backend
#: could not read in place (the buffer is then left alone)
ReadInto = Callable[[int, int, memoryview], RangeResult]
StatFunc = Callable[[], tuple[int, str | None]]


class RangeStream(Protocol):
    """The object's bytes from some offset to its end, read in order over one
    connection (what ``open_stream(start)`` returns)."""

    def read(self, size: int, /) -> RangeResult:
        """The next ``size`` bytes (fewer only at the end or when the connection
        broke: the reader then completes the block with ``read_range``); ``bytes``
        avoids a copy. ``size``/``version`` as for ``read_range``."""
        ...

    def readinto(self, buffer: memoryview, /) -> RangeResult:
        """Like ``read(len(buffer))`` into ``buffer``; ``data`` is the filled part
        (used in small pieces while the reader times the stream)."""
        ...

    def close(self) -> None:
        """Release the connection (called from any one thread, once)."""
        ...


OpenStream = Callable[[int], RangeStream]


class RangeResponseError(MegfileError, OSError):
    """A backend answered a range request with the wrong number of bytes."""


def as_view(data: Data) -> memoryview:
    view = data if isinstance(data, memoryview) else memoryview(data)
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view


class RangeSource:
    """What a fetch needs; kept apart from the reader so that pool tasks do not hold
    the reader alive (a reader dropped without ``close()`` is still finalized)."""

    __slots__ = ("name", "read_into", "read_range", "size", "version")

    def __init__(self, read_range: ReadRange, name: str, read_into: ReadInto | None = None) -> None:
        self.read_range = read_range
        self.read_into = read_into
        self.name = name
        self.size = -1
        self.version: str | None = None

    def changed(self, result: RangeResult) -> bool:
        return (
            result.version is not None
            and self.version is not None
            and result.version != self.version
        ) or (result.size is not None and result.size != self.size)

    def fetch(self, start: int, stop: int, buffer: memoryview | None = None) -> RangeResult:
        """``read_range(start, stop - 1)`` (``read_into`` when there is one and a
        ``buffer`` is given); a wrong-length answer is retried once."""
        expected = stop - start
        for _attempt in range(2):
            if buffer is not None and self.read_into is not None:
                result = self.read_into(start, stop - 1, buffer)
            else:
                result = self.read_range(start, stop - 1)
            got = as_view(result.data).nbytes
            if got == expected or self.changed(result):
                return result
        raise RangeResponseError(
            f"{self.name}: the backend returned {got} bytes for range "
            f"[{start}, {stop - 1}] ({expected} bytes) of a {self.size}-byte object, "
            "twice"
        )

    def check(self, result: RangeResult) -> None:
        """Raise FileChangedError when ``result`` is not from the version opened."""
        if result.version is not None:
            if self.version is None:
                self.version = result.version
            elif result.version != self.version:
                raise FileChangedError(
                    f"{self.name} changed while it was being read: version "
                    f"{self.version!r} when opened, now {result.version!r}"
                )
        if result.size is not None and result.size != self.size:
            raise FileChangedError(
                f"{self.name} changed while it was being read: size {self.size} "
                f"when opened, now {result.size} (version {self.version!r}, now "
                f"{result.version!r})"
            )


def joined(parts: list[RangeResult], name: str) -> RangeResult:
    """One answer from consecutive ones, which must be from the same version."""
    first = parts[0]
    if len(parts) == 1:
        return first
    for part in parts[1:]:
        if (
            part.version is not None and first.version is not None and part.version != first.version
        ) or (part.size is not None and first.size is not None and part.size != first.size):
            raise FileChangedError(
                f"{name} changed while it was being read: version {first.version!r} "
                f"(size {first.size}) then {part.version!r} (size {part.size})"
            )
    data = b"".join(as_view(part.data) for part in parts)
    version = next((p.version for p in parts if p.version is not None), None)
    size = next((p.size for p in parts if p.size is not None), None)
    waited = next((p.waited for p in parts if p.waited is not None), None)
    return RangeResult(data, size, version, waited)
