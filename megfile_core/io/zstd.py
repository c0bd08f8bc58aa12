"""zstd through the optional ``zstandard`` package (``pip install 'megfile-core[zstd]'``),
imported only when a zstd stream is opened.

The decoder is ``zstandard``'s stream reader across frames (so a file of several
frames, from ``a`` mode or ``cat a.zst b.zst``, reads as their concatenation), which
gives at most the bytes asked for per read, however well the data compressed. That
reader ends quietly when the stored bytes stop inside a frame, so
:class:`FrameWalker` follows the frame layout (RFC 8878: frame headers, block
headers with their sizes, checksums, skippable frames) over the bytes it reads,
and a stream that ends anywhere but at a frame boundary is an error. The encoder
writes one frame with a content checksum, as the ``zstd`` tool does by default.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

    from megfile_core.io.codec_streams import Encoder, Sink, Source

__all__ = ["FrameWalker", "ZstdDecoder", "data_errors", "load_zstandard", "zstd_encoder"]

_CHUNK = 128 << 10
_LEVEL = 3  # the zstd tool's default


def load_zstandard() -> ModuleType:
    """The ``zstandard`` module, else an ImportError saying what to install."""
    try:
        import zstandard
    except ImportError as exc:
        raise ImportError(
            "compression='zstd' needs the zstandard package, which is not installed: "
            "pip install 'megfile-core[zstd]'"
        ) from exc
    return zstandard


def data_errors() -> tuple[type[BaseException], ...]:
    return (load_zstandard().ZstdError, EOFError)


def zstd_encoder(sink: Sink) -> Encoder:
    zstandard = load_zstandard()
    compressor = zstandard.ZstdCompressor(level=_LEVEL, write_checksum=True)
    encoder: Encoder = compressor.stream_writer(sink, closefd=False)
    return encoder


_ZSTD_MAGIC = 0xFD2FB528
_SKIPPABLE_MAGIC = 0x184D2A50  # the high 28 bits; the low 4 are free
_DICT_ID_BYTES = (0, 1, 2, 4)
_CONTENT_SIZE_BYTES = (0, 2, 4, 8)  # FCS flag 0 means 1 byte in a single segment


class FrameWalker:
    """Tracks where frames end in a zstd stream fed to it in pieces (module doc).
    Bytes that are not zstd are left to the decoder to reject."""

    def __init__(self) -> None:
        self._state = "magic"
        self._need = 4  # bytes of the next field
        self._field = bytearray()
        self._skip = 0  # content bytes to pass over before that field
        self._checksum = False

    @property
    def at_boundary(self) -> bool:
        return self._state in ("magic", "lost") and not self._field and not self._skip

    def feed(self, data: bytes) -> None:
        at, end = 0, len(data)
        while at < end and self._state != "lost":
            if self._skip:
                step = min(self._skip, end - at)
                self._skip -= step
                at += step
                continue
            take = min(self._need - len(self._field), end - at)
            self._field += data[at : at + take]
            at += take
            if len(self._field) == self._need:
                value = int.from_bytes(self._field, "little")
                self._field.clear()
                self._parse(value)

    def _expect(self, state: str, need: int, skip: int = 0) -> None:
        self._state, self._need, self._skip = state, need, skip

    def _parse(self, value: int) -> None:
        state = self._state
        if state == "magic":
            if value == _ZSTD_MAGIC:
                self._expect("descriptor", 1)
            elif value >> 4 == _SKIPPABLE_MAGIC >> 4:
                self._expect("skippable", 4)
            else:
                self._state = "lost"
        elif state == "descriptor":
            single = value >> 5 & 1
            self._checksum = bool(value >> 2 & 1)
            size_bytes = _CONTENT_SIZE_BYTES[value >> 6] or single
            rest = (1 - single) + _DICT_ID_BYTES[value & 3] + size_bytes
            if rest:
                self._expect("header", rest)
            else:
                self._expect("block", 3)
        elif state == "header":
            self._expect("block", 3)
        elif state == "block":
            last, kind, size = value & 1, value >> 1 & 3, value >> 3
            content = 1 if kind == 1 else size
            if not last:
                self._expect("block", 3, content)
            elif self._checksum:
                self._expect("checksum", 4, content)
            else:
                self._expect("magic", 4, content)
        elif state == "checksum":
            self._expect("magic", 4)
        else:  # skippable: the frame's size
            self._expect("magic", 4, value)


class _Tap:
    """The stored bytes on their way to the decoder, shown to a FrameWalker."""

    def __init__(self, source: Source, walker: FrameWalker) -> None:
        self._source = source
        self._walker = walker

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self._walker.feed(data)
        return data


class ZstdDecoder:
    """Decompressed bytes of every frame read from ``source`` (module doc)."""

    def __init__(self, source: Source) -> None:
        zstandard = load_zstandard()
        self._walker = FrameWalker()
        self._reader = zstandard.ZstdDecompressor().stream_reader(
            _Tap(source, self._walker), read_size=_CHUNK, read_across_frames=True, closefd=False
        )

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        count = int(self._reader.readinto(buffer))
        if count == 0 and not self._walker.at_boundary and memoryview(buffer).nbytes:
            raise EOFError("the stored stream ended inside a zstd frame")
        return count

    def close(self) -> None:
        self._reader.close()
