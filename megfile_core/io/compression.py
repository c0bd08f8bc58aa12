"""Transparent compression for ``smart_open`` and ``open``: which codec, then the
compressed stream over the backend's own binary file.

* ``compression=None``: the bytes as stored (megfile's behaviour). ``"infer"``: the
  codec the name's suffix says (``.gz``, ``.bz2``, ``.xz``, ``.zst``), else the bytes
  as stored. A codec name (``gzip``/``gz``, ``bz2``/``bzip2``, ``xz``, ``zstd``/``zst``):
  always that codec. ``smart_open`` and ``SmartPath.open`` take their default from
  ``MEGFILE_COMPRESSION`` (:func:`megfile_core.config.default_compression`); a
  ``compression=None`` passed explicitly still means the stored bytes.
* Everything streams: reading decompresses as the caller reads, writing compresses
  into the backend's writer as the caller writes; nothing holds the whole file.
* Modes ``r``, ``w``, ``x`` and ``a``, text or binary; ``+`` modes are refused.
  ``a`` appends a new gzip member / bz2 stream / xz stream / zstd frame: every tool
  and this reader read such a file as the concatenation of its parts.
* The streams themselves live in :mod:`megfile_core.io.codec_streams`, zstd in
  :mod:`megfile_core.io.zstd` (the only module that imports ``zstandard``).
"""

from __future__ import annotations

import codecs
import enum
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Final, Literal, cast

from megfile_core import config
from megfile_core.open_modes import check_buffering, parse_mode

if TYPE_CHECKING:
    from megfile_core.io.codec_streams import Decoder, Encoder, Sink, Source
    from megfile_core.pathlike import BasePath

__all__ = [
    "CODECS",
    "DEFAULT",
    "INFER",
    "Codec",
    "CompressionArg",
    "DecompressionError",
    "codec_for",
    "default_compression",
    "infer_compression",
    "open_compressed",
    "resolve_compression",
]

INFER: Final = "infer"


class _Default(enum.Enum):
    """The type of :data:`DEFAULT`, the "not passed" marker of ``compression=``."""

    DEFAULT = "default"

    def __repr__(self) -> str:
        return "DEFAULT"


#: ``compression=`` left out: take ``MEGFILE_COMPRESSION`` (None when unset)
DEFAULT: Final = _Default.DEFAULT
#: what ``compression=`` accepts
CompressionArg = str | None | Literal[_Default.DEFAULT]


class DecompressionError(OSError):
    """Stored data that its codec cannot decode: corrupt, truncated, or not
    compressed with that codec at all."""


@dataclass(frozen=True)
class Codec:
    """One compression format: its name, the suffix that infers it, a decoder and
    an encoder over a binary stream, and the exceptions its decoder raises for bad
    data (turned into :class:`DecompressionError`)."""

    name: str
    suffix: str
    decoder: Callable[[Source], Decoder]
    encoder: Callable[[Sink], Encoder]
    data_errors: Callable[[], tuple[type[BaseException], ...]]
    #: raises ImportError naming the extra to install, when a package is missing
    check: Callable[[], None] = lambda: None


def _gzip_decoder(source: Source) -> Decoder:
    import gzip

    return gzip.GzipFile(fileobj=cast(Any, source), mode="rb")


def _gzip_encoder(sink: Sink) -> Encoder:
    import gzip

    # level 6 and mtime 0 as `gzip -n` writes: the same bytes give the same file
    return gzip.GzipFile(filename="", fileobj=cast(Any, sink), mode="wb", compresslevel=6, mtime=0)


def _gzip_errors() -> tuple[type[BaseException], ...]:
    import zlib

    return (OSError, EOFError, zlib.error)


def _bz2_decoder(source: Source) -> Decoder:
    import bz2

    return bz2.BZ2File(cast(Any, source), "rb")


def _bz2_encoder(sink: Sink) -> Encoder:
    import bz2

    return bz2.BZ2File(cast(Any, sink), "wb", compresslevel=9)


def _xz_decoder(source: Source) -> Decoder:
    import lzma

    return lzma.LZMAFile(cast(Any, source), "rb", format=lzma.FORMAT_XZ)


def _xz_encoder(sink: Sink) -> Encoder:
    import lzma

    return lzma.LZMAFile(cast(Any, sink), "wb", format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64)


def _xz_errors() -> tuple[type[BaseException], ...]:
    import lzma

    return (lzma.LZMAError, EOFError)


def _zstd_decoder(source: Source) -> Decoder:
    from megfile_core.io.zstd import ZstdDecoder

    return ZstdDecoder(source)


def _zstd_encoder(sink: Sink) -> Encoder:
    from megfile_core.io.zstd import zstd_encoder

    return zstd_encoder(sink)


def _zstd_errors() -> tuple[type[BaseException], ...]:
    from megfile_core.io.zstd import data_errors

    return data_errors()


def _zstd_check() -> None:
    from megfile_core.io.zstd import load_zstandard

    load_zstandard()


#: canonical name -> codec
CODECS: Final[dict[str, Codec]] = {
    "gzip": Codec("gzip", ".gz", _gzip_decoder, _gzip_encoder, _gzip_errors),
    "bz2": Codec("bz2", ".bz2", _bz2_decoder, _bz2_encoder, lambda: (OSError, EOFError)),
    "xz": Codec("xz", ".xz", _xz_decoder, _xz_encoder, _xz_errors),
    "zstd": Codec("zstd", ".zst", _zstd_decoder, _zstd_encoder, _zstd_errors, _zstd_check),
}
_ALIASES: Final = {"gz": "gzip", "bzip2": "bz2", "zst": "zstd"}


def default_compression() -> str | None:
    """What an omitted ``compression=`` means: ``MEGFILE_COMPRESSION`` (checked)."""
    value = config.default_compression()
    if value is not None and value != INFER:
        codec_for(value, "MEGFILE_COMPRESSION")  # a typo fails here, naming the variable
    return value


def codec_for(name: str, source: str = "compression") -> Codec:
    """The codec called ``name`` (or one of its aliases), else ``ValueError``."""
    if not isinstance(name, str):
        raise TypeError(f"{source} must be a str or None, not {type(name).__name__}")
    key = name.strip().lower()
    codec = CODECS.get(_ALIASES.get(key, key))
    if codec is None:
        known = ", ".join([*CODECS, *_ALIASES, INFER])
        raise ValueError(
            f"{source}={name!r} is not a known compression: use None or one of {known}"
        )
    return codec


def infer_compression(path: str) -> str | None:
    """The codec a path's suffix names (``a/b.csv.gz`` -> ``gzip``), else None. In a
    URL a query string does not hide the suffix (``https://h/a.gz?sig=...``)."""
    lowered = str(path).rstrip("/").lower()
    candidates = [lowered]
    if "://" in lowered and "?" in lowered:
        candidates.append(lowered.partition("?")[0])
    for text in candidates:
        for codec in CODECS.values():
            if text.endswith(codec.suffix):
                return codec.name
    return None


def resolve_compression(compression: CompressionArg, path: str) -> Codec | None:
    """The codec to use for ``path``, or None for the stored bytes."""
    if compression is DEFAULT:
        compression = default_compression()
    if compression is None:
        return None
    if isinstance(compression, str) and compression.strip().lower() == INFER:
        inferred = infer_compression(path)
        return None if inferred is None else CODECS[inferred]
    return codec_for(compression)


def open_compressed(
    path: BasePath,
    compression: CompressionArg,
    mode: str = "r",
    buffering: int = -1,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    **options: Any,
) -> IO[Any]:
    """``path.open(...)`` through ``compression`` (module doc); ``options`` go to the
    backend's binary open (``atomic``, ``block_size`` ...)."""
    codec = resolve_compression(compression, str(path))
    if codec is None:
        return path.open(mode, buffering, encoding, errors, newline, **options)
    binary_mode, text = parse_mode(mode)
    if "+" in binary_mode:
        raise ValueError(
            f"mode {mode!r} cannot be used with compression={codec.name!r}: a compressed "
            "stream is read or written, not both; open it twice, or use compression=None"
        )
    if not text and (encoding or errors or newline is not None):
        raise ValueError(f"mode {mode!r} is binary: it takes no encoding, errors or newline")
    check_buffering(buffering)
    if buffering == 0 and text:
        raise ValueError("can't have unbuffered text I/O")
    codec.check()  # a missing package fails before anything is opened or created
    if text:
        codecs.lookup(encoding or "utf-8")  # so does an unknown encoding
    from megfile_core.io.codec_streams import DecodingReader, encoding_writer
    from megfile_core.io.text import TextFile

    raw = path.open(binary_mode, **options)
    binary: IO[bytes]
    if binary_mode[0] == "r":
        reader = DecodingReader(raw, codec, path._display())
        if buffering == 0:
            return cast(IO[bytes], reader)
        size = buffering if buffering > 1 else 64 << 10
        binary = io.BufferedReader(reader, size)
    else:
        binary = cast(IO[bytes], encoding_writer(raw, codec, path._display()))
    if not text:
        return binary
    try:
        return TextFile(
            binary,
            encoding=encoding or "utf-8",
            errors=errors,
            newline=newline,
            line_buffering=buffering == 1,
            write_through=False,
        )
    except BaseException:  # e.g. an unknown encoding: publish nothing
        getattr(binary, "abort", binary.close)()
        raise
