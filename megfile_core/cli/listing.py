"""``ls`` and ``ll``, printing what megfile 5.x prints, line for line.

* A directory: one line per entry, its name (``-f``: its full path).
* A file: its name, with or without ``-f``.
* ``-r``: every file below the directory, by relative path (``-f``: full path); a
  file: its name.
* A glob pattern: the full path of every match (``**`` recurses with or without
  ``-r``).
* ``-l``: ``%12d`` size, local mtime and the name, `` -> TARGET`` after a symlink,
  then ``total(N): SIZE``; ``-h`` prints sizes as megfile does (``4.23 KB``, see
  :func:`~megfile_core.cli.util.listing_size`).
* Local paths print without ``file://``, as megfile's do.

A backend whose directories are key prefixes says so with a true ``prefix_listing``
attribute on its path (S3 inside a bucket). Its directory listings keep the store's
order (prefixes, then keys, page by page) and print directories as ``name/``; since
such a listing cannot tell a link from an empty object, ``-l`` asks each empty
object of a directory listing, and a single file given as PATH, whether it is a link
(one HEAD each; megfile does the same there, and marks no link in ``-r`` or glob
listings of such a store). Other directory listings are sorted by name (megfile
prints the readdir order, which is arbitrary).
"""

from __future__ import annotations

import sys
from typing import NamedTuple

import click

import megfile_core
from megfile_core.cli.completion import complete_path
from megfile_core.cli.util import listing_size, long_line
from megfile_core.glob import has_magic
from megfile_core.types import FileEntry

__all__ = ["ll_command", "ls_command"]


@click.command("ls")
@click.argument("path", default=".", shell_complete=complete_path)
@click.option("-l", "--long", "long_format", is_flag=True, help="Size and mtime too.")
@click.option("-r", "--recursive", is_flag=True, help="List everything below PATH.")
@click.option("-h", "--human-readable", "human", is_flag=True, help="Sizes like 1.2 MB.")
@click.option("-f", "--full", "full", is_flag=True, help="Print full paths.")
def ls_command(path: str, long_format: bool, recursive: bool, human: bool, full: bool) -> None:
    """List PATH (a directory, a file or a glob pattern)."""
    list_path(path, long_format, recursive, human, full)


@click.command("ll")
@click.argument("path", default=".", shell_complete=complete_path)
@click.option("-r", "--recursive", is_flag=True, help="List everything below PATH.")
@click.option("-f", "--full", "full", is_flag=True, help="Print full paths.")
def ll_command(path: str, recursive: bool, full: bool) -> None:
    """List PATH in long format with human-readable sizes (ls -l -h)."""
    list_path(path, True, recursive, True, full)


def _shown(path: str) -> str:
    """A path as megfile prints it: local paths without ``file://``."""
    return path[len("file://") :] if path.startswith("file://") else path


class _Row(NamedTuple):
    text: str
    entry: FileEntry
    #: the entry may be a link its stat does not show (``-l`` asks the path)
    ask_link: bool = False


def _rows(path: str, recursive: bool, full: bool) -> list[_Row]:
    base = megfile_core.SmartPath(path)
    prefixes = bool(getattr(base.pathlike, "prefix_listing", False))
    if has_magic(path):
        # like megfile, a pattern is always recursive (`**`); -r does not change it
        matches = sorted(
            megfile_core.smart_glob_stat(path, recursive=True, missing_ok=False),
            key=lambda e: e.path,
        )
        return [_Row(_shown(e.path), e) for e in matches]
    if recursive:
        shown = _shown(str(base))  # file:// listings give plain local paths
        root = shown.rstrip("/") + "/"
        rows = []
        for entry in base.scan_stat(missing_ok=False):
            if entry.path in (str(base), shown):  # PATH is a file
                text = entry.name
            elif full or not entry.path.startswith(root):
                text = _shown(entry.path)
            else:
                text = entry.path[len(root) :]
            rows.append(_Row(text, entry))
        return rows
    stat = base.stat()
    if not stat.is_dir():
        return [_Row(base.name, FileEntry(base.name, str(base), stat), prefixes)]
    with base.scandir() as it:
        listed = list(it)
    if not prefixes:
        listed.sort(key=lambda e: e.name)
    rows = []
    for entry in listed:
        text = _shown(entry.path) if full else entry.name
        if prefixes and entry.is_dir():
            text += "/"
        # a key-prefix listing shows a link as an empty object
        ask = prefixes and not entry.is_dir() and entry.stat.size == 0
        rows.append(_Row(text, entry, ask))
    return rows


def _link_target(row: _Row) -> str | None:
    """What a symlink row points at (as megfile prints it), None for others."""
    entry = row.entry
    asked = row.ask_link and megfile_core.SmartPath(entry.path).is_symlink()
    if not entry.is_symlink() and not asked:
        return None
    return _shown(str(megfile_core.smart_readlink(entry.path)))


def list_path(path: str, long_format: bool, recursive: bool, human: bool, full: bool) -> None:
    rows = _rows(path, recursive, full)
    out = sys.stdout
    total = 0
    for row in rows:
        total += row.entry.stat.size
        text = row.text
        if long_format:
            text = long_line(text, row.entry.stat, human)
            target = _link_target(row)
            if target is not None:
                text += f" -> {target}"
        out.write(text + "\n")
    if long_format:
        out.write(f"total({len(rows)}): {listing_size(total)}\n")
