"""Commands that report: md5sum, size, mtime, stat, version, plugins."""

from __future__ import annotations

import json

import click

import megfile_core
from megfile_core import __version__
from megfile_core.cli.completion import complete_path

__all__ = [
    "md5sum_command",
    "mtime_command",
    "plugins_command",
    "size_command",
    "stat_command",
    "version_command",
]


@click.command("md5sum")
@click.argument("path", shell_complete=complete_path)
def md5sum_command(path: str) -> None:
    """Print the md5 of a file (recomputed from the data) or of a directory tree."""
    click.echo(megfile_core.smart_getmd5(path, recalculate=True))


@click.command("size")
@click.argument("path", shell_complete=complete_path)
def size_command(path: str) -> None:
    """Print the size in bytes (of a directory: of every file under it)."""
    click.echo(megfile_core.smart_getsize(path))


@click.command("mtime")
@click.argument("path", shell_complete=complete_path)
def mtime_command(path: str) -> None:
    """Print the mtime (of a directory: the newest of its files)."""
    click.echo(megfile_core.smart_getmtime(path))


@click.command("stat")
@click.argument("path", shell_complete=complete_path)
def stat_command(path: str) -> None:
    """Print the stat of PATH."""
    click.echo(megfile_core.smart_stat(path))


@click.command("version")
def version_command() -> None:
    """Print the megfile-core version."""
    click.echo(__version__)


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins_command(as_json: bool) -> None:
    """List installed plugins, their protocols and hooks, and broken ones."""
    from megfile_core import plugins

    listed = plugins.list_plugins()
    broken = plugins.broken_plugins()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "plugins": listed,
                    "broken": [
                        {
                            "name": b.name,
                            "distribution": b.distribution,
                            "reason": b.reason,
                            "traceback": b.traceback,
                        }
                        for b in broken
                    ],
                },
                indent=2,
            )
        )
        return
    for item in listed:
        origin = "built-in" if item["builtin"] else (item["distribution"] or item["module"])
        click.echo(f"{item['name']} {item['version'] or ''} ({origin})".replace("  ", " "))
        click.echo(f"  protocols: {', '.join(item['protocols']) or '-'}")
        click.echo(f"  hooks: {', '.join(item['hooks']) or '-'}")
    for bad in broken:
        click.echo(f"{bad.name} (broken, {bad.distribution or 'unknown distribution'})")
        click.echo(f"  reason: {bad.reason}")
