"""Compression options of the content commands (``cat``/``head``/``tail``
``--decompress``, ``cp --compress/--decompress``); see docs/compression.md.

The CLI never follows ``MEGFILE_COMPRESSION``: a command shows or copies the bytes
as stored unless one of these options asks for a codec.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import IO, Any

import click

import megfile_core
from megfile_core.io.compression import CODECS, infer_compression

__all__ = [
    "CODEC_NAMES",
    "codec_of",
    "copy_compressed",
    "decompress_options",
    "last_lines_of_stream",
    "open_source",
    "required_codec",
]

#: the names ``--compression`` accepts
CODEC_NAMES = ("gzip", "gz", "bz2", "bzip2", "xz", "zstd", "zst")
_SUFFIXES = ", ".join(codec.suffix for codec in CODECS.values())


def decompress_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``-d/--decompress`` and ``--compression NAME`` for a command reading files."""
    func = click.option(
        "--compression",
        type=click.Choice(CODEC_NAMES, case_sensitive=False),
        default=None,
        help="Decompress with this codec whatever the names say (e.g. for stdio://0).",
    )(func)
    return click.option(
        "-d",
        "--decompress",
        is_flag=True,
        help=f"Decompress files whose name ends in {_SUFFIXES}; others print as stored.",
    )(func)


def codec_of(path: str, decompress: bool, compression: str | None) -> str | None:
    """The codec these options choose for ``path``; None for the stored bytes."""
    if compression is not None:
        return compression
    return infer_compression(path) if decompress else None


def open_source(path: str, compression: str | None) -> IO[bytes]:
    handle: IO[bytes] = megfile_core.smart_open(path, "rb", compression=compression)
    return handle


def required_codec(path: str, option: str, role: str) -> str:
    """The codec ``path``'s suffix names; a usage error when it names none."""
    codec = infer_compression(path)
    if codec is None:
        raise click.UsageError(
            f"{option}: cannot tell the codec of {role} {path} from its name; "
            f"give it one of the suffixes {_SUFFIXES}"
        )
    return codec


def last_lines_of_stream(handle: IO[bytes], count: int) -> bytes:
    """The last ``count`` lines of a stream read once from start to end (a
    decompressed stream cannot be read backwards); holds at most those lines."""
    if count == 0:
        return b""
    lines: deque[bytes] = deque(maxlen=count)
    for line in handle:
        lines.append(line)
    return b"".join(lines)


def copy_compressed(
    src: str,
    dst: str,
    codecs: tuple[str | None, str | None],
    callback: Callable[[int], None] | None = None,
) -> None:
    """Copy ``src`` decompressed with ``codecs[0]`` to ``dst`` compressed with
    ``codecs[1]`` (None: as stored), streaming; ``callback`` gets the bytes read.
    DST appears only when the whole copy succeeded."""
    from megfile_core.io.copy import copy_stream

    with megfile_core.smart_open(src, "rb", compression=codecs[0]) as reader:
        # atomic: a source that turns out corrupt halfway leaves no partial DST
        with megfile_core.smart_open(dst, "wb", compression=codecs[1], atomic=True) as writer:
            copy_stream(reader, writer, callback=callback, chunk_size=1 << 20)
