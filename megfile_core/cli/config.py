"""``megfile config alias`` and ``megfile config env`` (plugins add their own)."""

from __future__ import annotations

import os

import click

__all__ = ["alias_command", "env_command"]


def _write(path: str, section: str, key: str, value: str, no_cover: bool) -> None:
    import configparser

    path = os.path.expanduser(path)
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    if os.path.exists(path):
        parser.read(path, encoding="utf-8")
    if not parser.has_section(section):
        parser.add_section(section)
    if parser.has_option(section, key) and no_cover:
        raise click.ClickException(
            f"{key} is already set in [{section}] of {path}; drop --no-cover to replace it"
        )
    parser.set(section, key, value)
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    temp = f"{path}.{os.getpid()}.tmp"
    with open(temp, "w", encoding="utf-8") as handle:
        parser.write(handle)
    os.replace(temp, path)
    click.echo(f"Your {section} config has been saved into {path}")  # megfile's words


_PATH_HELP = "Config file (default ~/.config/megfile/megfile.conf)."


def _default_path() -> str:
    from megfile_core.config import config_path

    return config_path()


@click.command("alias")
@click.argument("name")
@click.argument("protocol_or_path")
@click.option("-p", "--path", default=None, help=_PATH_HELP)
@click.option("--no-cover", is_flag=True, help="Keep an existing alias of that name.")
def alias_command(name: str, protocol_or_path: str, path: str | None, no_cover: bool) -> None:
    """Make NAME:// stand for PROTOCOL:// or PROTOCOL://PREFIX."""
    if not name.replace("_", "a").replace("-", "a").isalnum() or "://" in name:
        raise click.BadParameter(f"{name!r} is not a valid alias name", param_hint="NAME")
    _write(path or _default_path(), "alias", name, protocol_or_path, no_cover)


@click.command("env")
@click.argument("assignment", metavar="NAME=VALUE")
@click.option("-p", "--path", default=None, help=_PATH_HELP)
@click.option("--no-cover", is_flag=True, help="Keep an existing value of that name.")
def env_command(assignment: str, path: str | None, no_cover: bool) -> None:
    """Set an environment default (the real environment still wins)."""
    name, sep, value = assignment.partition("=")
    if not sep or not name.strip():
        raise click.BadParameter(
            f"expected NAME=VALUE, got {assignment!r}", param_hint="NAME=VALUE"
        )
    _write(path or _default_path(), "env", name.strip().upper(), value, no_cover)
