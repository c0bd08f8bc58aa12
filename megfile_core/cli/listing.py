"""``ls`` and ``ll``."""

from __future__ import annotations

import sys

import click

from megfile_core.cli.completion import complete_path
from megfile_core.cli.util import has_magic, human_size, long_line

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


def list_path(path: str, long_format: bool, recursive: bool, human: bool, full: bool) -> None:
    from megfile_core.smart import smart_glob_stat
    from megfile_core.smart_path import SmartPath

    base = SmartPath(path)
    if has_magic(path):
        # like megfile, a pattern is always recursive (`**`); -r does not change it
        entries = sorted(smart_glob_stat(path, recursive=True, missing_ok=False),
                         key=lambda e: e.path)
        names = [(e.path, e.stat) for e in entries]
    elif recursive:
        names = [(e.path, e.stat) for e in base.scan_stat(missing_ok=False)]
        if not full:
            root = str(base).rstrip("/") + "/"
            names = [(p[len(root):] if p.startswith(root) else p, s) for p, s in names]
    else:
        stat = base.stat()
        if stat.is_dir():
            with base.scandir() as it:
                listed = sorted(it, key=lambda e: e.name)
            names = [(e.path if full else e.name, e.stat) for e in listed]
        else:
            names = [(str(base) if full else base.name, stat)]
    out = sys.stdout
    total = 0
    for name, stat in names:
        total += stat.size
        out.write((long_line(name, stat, human) if long_format else name) + "\n")
    if long_format:
        out.write(f"total({len(names)}): {human_size(total)}\n")
