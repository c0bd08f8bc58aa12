"""Commands that read or write file content: cat, head, tail, to, edit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import IO

import click

import megfile_core
from megfile_core.cli.completion import complete_path
from megfile_core.cli.compressed import (
    codec_of,
    decompress_options,
    last_lines_of_stream,
    open_source,
)
from megfile_core.io.copy import copy_stream

__all__ = ["cat_command", "edit_command", "head_command", "tail_command", "to_command"]

_CHUNK = 1 << 20


@click.command("cat")
@click.argument("paths", nargs=-1, required=True, shell_complete=complete_path)
@decompress_options
def cat_command(paths: tuple[str, ...], decompress: bool, compression: str | None) -> None:
    """Write the files to standard output (with -d, decompressed)."""
    out = sys.stdout.buffer
    for path in paths:
        with open_source(path, codec_of(path, decompress, compression)) as handle:
            copy_stream(handle, out, chunk_size=_CHUNK)
    out.flush()


@click.command("head")
@click.argument("path", shell_complete=complete_path)
@click.option(
    "-n",
    "--lines",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="How many lines.",
)
@decompress_options
def head_command(path: str, lines: int, decompress: bool, compression: str | None) -> None:
    """Print the first lines of a file (with -d, of its decompressed content)."""
    out = sys.stdout.buffer
    with open_source(path, codec_of(path, decompress, compression)) as handle:
        for _ in range(lines):
            line = handle.readline()
            if not line:
                break
            out.write(line)
    out.flush()


def last_lines(handle: IO[bytes], size: int, count: int, block: int) -> bytes:
    """The bytes of the last ``count`` lines, reading backwards ``block`` at a time.

    A final newline ends the last line; it does not start an empty one.
    """
    if count == 0 or size == 0:
        return b""
    end = size
    data = b""
    while True:
        start = max(0, end - block)
        handle.seek(start)
        data = handle.read(end - start) + data
        end = start
        body = data[:-1] if data.endswith(b"\n") else data
        if body.count(b"\n") >= count or start == 0:
            break
    body = data[:-1] if data.endswith(b"\n") else data
    pieces = body.split(b"\n")
    tail = b"\n".join(pieces[-count:])
    return tail + (b"\n" if data.endswith(b"\n") else b"")


@click.command("tail")
@click.argument("path", shell_complete=complete_path)
@click.option(
    "-n",
    "--lines",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="How many lines.",
)
@click.option("-f", "--follow", is_flag=True, help="Keep printing what is appended.")
@decompress_options
def tail_command(
    path: str, lines: int, follow: bool, decompress: bool, compression: str | None
) -> None:
    """Print the last lines of a file (with -f, then what is appended to it; with
    -d, of its decompressed content, read from the start)."""
    from megfile_core.config import reader_block_size

    out = sys.stdout.buffer
    codec = codec_of(path, decompress, compression)
    if codec is not None:
        if follow:
            raise click.UsageError("tail -f cannot follow a file it decompresses")
        with open_source(path, codec) as handle:
            out.write(last_lines_of_stream(handle, lines))
        out.flush()
        return
    size = megfile_core.smart_stat(path).size
    with megfile_core.smart_open(path, "rb", compression=None) as handle:
        out.write(last_lines(handle, size, lines, min(reader_block_size(), 1 << 20)))
    out.flush()
    while follow:
        time.sleep(float(os.environ.get("MEGFILE_TAIL_INTERVAL", "1")))
        new_size = megfile_core.smart_stat(path).size
        if new_size < size:  # truncated: start over from the beginning
            size = 0
        if new_size > size:
            with megfile_core.smart_open(path, "rb", compression=None) as handle:
                handle.seek(size)
                out.write(handle.read(new_size - size))
            out.flush()
            size = new_size


@click.command("to")
@click.argument("path", shell_complete=complete_path)
@click.option("-a", "--append", is_flag=True, help="Append instead of replacing.")
@click.option("-o", "--stdout", "tee", is_flag=True, help="Also copy the input to stdout.")
def to_command(path: str, append: bool, tee: bool) -> None:
    """Write standard input to PATH."""
    source = sys.stdin.buffer
    out = sys.stdout.buffer
    mode = "ab" if append else "wb"
    with megfile_core.smart_open(path, mode, compression=None) as handle:
        while True:
            chunk = source.read1(_CHUNK) if hasattr(source, "read1") else source.read(_CHUNK)
            if not chunk:
                break
            handle.write(chunk)
            if tee:
                out.write(chunk)
                out.flush()


@click.command("edit")
@click.argument("path", shell_complete=complete_path)
@click.option(
    "-e", "--editor", default=None, help="Editor command (default: $VISUAL, $EDITOR, then vim)."
)
def edit_command(path: str, editor: str | None) -> None:
    """Edit PATH (of any protocol) in a local editor, then write it back."""
    import shlex

    command = editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vim"
    with megfile_core.smart_cache(path, mode="a") as local:
        if not os.path.exists(local):
            with open(local, "ab"):
                pass
        status = subprocess.call([*shlex.split(command), local])
        if status != 0:
            raise click.ClickException(
                f"editor {command!r} exited with {status}; {path} was not changed"
            )
