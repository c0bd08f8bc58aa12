"""mkdocs hooks of the documentation site (``hooks:`` in mkdocs.yml).

The CLI reference page, ``cli.md``, exists only in the build: :func:`on_files` walks
the real ``megfile`` click group, plugins loaded, and renders every command with its
usage, help, arguments and options. Commands registered by packages this repository
does not ship (the demo plugin of the tests, whatever else is installed) are left
out, so the page is the same on every machine that installed the repository.

``tests/docs/test_cli_reference.py`` imports this file to check the page against the
click tree.
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

ROOT = Path(__file__).resolve().parent.parent
CLI_PAGE = "cli.md"

__all__ = ["CLI_PAGE", "iter_commands", "on_files", "render_cli_reference", "shipped_packages"]


def shipped_packages() -> set[str]:
    """Top-level packages of this repository: core and every plugin under plugins/."""
    packages = {"megfile_core"}
    for package in (ROOT / "plugins").glob("*/megfile_*/__init__.py"):
        packages.add(package.parent.name)
    return packages


def _package_of(command: click.Command) -> str:
    module = getattr(command.callback, "__module__", None) or type(command).__module__
    return module.partition(".")[0]


def iter_commands(
    group: click.Group, ctx: click.Context, packages: set[str] | None = None
) -> Iterator[tuple[click.Context, click.Command]]:
    """(context, command) of every visible command under ``group``, depth first.

    ``packages`` keeps only commands whose callback lives in one of them (None: all).
    """
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        if packages is not None and _package_of(command) not in packages:
            continue
        sub = click.Context(command, info_name=name, parent=ctx)
        yield sub, command
        if isinstance(command, click.Group):
            yield from iter_commands(command, sub, packages)


def _text(raw: str | None) -> str:
    """click help text as Markdown: ``\\b`` markers dropped, HTML escaped."""
    lines = [line for line in inspect.cleandoc(raw or "").splitlines() if line.strip() != "\b"]
    return html.escape("\n".join(lines), quote=False)


def _cell(raw: str) -> str:
    return _text(raw).replace("|", "\\|").replace("\n", " ")


def _anchor(ctx: click.Context, name: str) -> str:
    """The id the toc extension gives the heading ``## megfile config s3``."""
    return f"{ctx.command_path} {name}".replace(" ", "-").lower()


def _render_command(ctx: click.Context, command: click.Command, packages: set[str]) -> list[str]:
    lines = [f"## {ctx.command_path}", ""]
    usage = " ".join(command.collect_usage_pieces(ctx))
    lines += ["```text", f"{ctx.command_path} {usage}".rstrip(), "```", ""]
    if command.help:
        lines += [_text(command.help), ""]
    params = command.get_params(ctx)
    arguments = [p for p in params if isinstance(p, click.Argument)]
    options = [p for p in params if isinstance(p, click.Option) and not p.hidden]
    if arguments:
        names = ", ".join(f"`{p.make_metavar(ctx)}`" for p in arguments)
        lines += [f"Arguments: {names}", ""]
    if options:
        lines += ["| option | meaning |", "|---|---|"]
        for option in options:
            record = option.get_help_record(ctx)
            if record is None:
                continue
            flags, meaning = record
            lines.append(f"| `{flags}` | {_cell(meaning)} |")
        lines.append("")
    if isinstance(command, click.Group):
        subs = [
            sub.info_name for sub, _ in iter_commands(command, ctx, packages) if sub.parent is ctx
        ]
        if subs:
            lines += [
                "Commands: " + ", ".join(f"[`{name}`](#{_anchor(ctx, name)})" for name in subs),
                "",
            ]
    return lines


def render_cli_reference(group: click.Group | None = None) -> str:
    """The Markdown of the CLI reference page, from the real command tree."""
    if group is None:
        from megfile_core.cli import cli as group
    packages = shipped_packages()
    root = click.Context(group, info_name="megfile")
    lines = [
        "# CLI reference",
        "",
        "Generated from the click commands when the site is built (core and the plugins",
        "of this repository; an installed plugin adds its own). `megfile COMMAND --help`",
        "prints the same text.",
        "",
        *_render_command(root, group, packages),
    ]
    for ctx, command in iter_commands(group, root, packages):
        lines += _render_command(ctx, command, packages)
    return "\n".join(lines).rstrip() + "\n"


def on_files(files: Any, config: Any) -> Any:
    """mkdocs event: add the generated CLI reference to the pages."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, CLI_PAGE, content=render_cli_reference()))
    return files
