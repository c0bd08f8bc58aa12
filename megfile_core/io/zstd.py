"""zstd through the optional ``zstandard`` package (``pip install 'megfile-core[zstd]'``),
imported only when a zstd stream is opened.

The decoder feeds the stored bytes to one decompression object per frame, in
chunks of ``_CHUNK`` bytes, so that a file of several frames (``a`` mode, ``cat``
of ``.zst`` files) reads as their concatenation, and a last frame cut short is an
error rather than a silently short result. The encoder writes one frame with a
content checksum, as the ``zstd`` tool does by default.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

    from megfile_core.io.codec_streams import Encoder, Sink, Source

__all__ = ["ZstdDecoder", "data_errors", "load_zstandard", "zstd_encoder"]

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


class ZstdDecoder:
    """Decompressed bytes of every frame read from ``source`` (module doc)."""

    def __init__(self, source: Source) -> None:
        self._zstandard = load_zstandard()
        self._context = self._zstandard.ZstdDecompressor()
        self._source = source
        self._frame: Any = None  # the decompression object of the current frame
        self._in_frame = False  # bytes of a frame were fed and its end not seen
        self._out = memoryview(b"")
        self._eof = False

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        with memoryview(buffer) as view, view.cast("B") as target:
            while not self._out:
                if self._eof:
                    return 0
                data = self._source.read(_CHUNK)
                if not data:
                    self._eof = True
                    if self._in_frame:
                        raise EOFError("the stream ended inside a zstd frame")
                    return 0
                self._out = memoryview(self._feed(data))
            count = min(len(target), len(self._out))
            target[:count] = self._out[:count]
            self._out = self._out[count:]
            return count

    def _feed(self, data: bytes) -> bytes:
        pieces = []
        while data:
            if self._frame is None or self._frame.eof:
                self._frame = self._context.decompressobj()
            pieces.append(self._frame.decompress(data))
            data = self._frame.unused_data if self._frame.eof else b""
        self._in_frame = not self._frame.eof
        return b"".join(pieces)

    def close(self) -> None:
        self._frame = None
        self._out = memoryview(b"")
