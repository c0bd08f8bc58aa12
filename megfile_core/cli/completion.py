"""Shell completion: the ``completion`` command and completion of paths of any scheme."""

from __future__ import annotations

import os

import click
from click.shell_completion import CompletionItem, get_completion_class

import megfile_core

__all__ = ["complete_path", "completion_group"]

_RC_FILES = {"bash": "~/.bashrc", "zsh": "~/.zshrc"}


def complete_path(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Complete local paths, ``scheme://`` names and remote keys through the backend."""
    try:
        return _complete(incomplete)
    except Exception:  # completion must never print a traceback into the shell
        return []


def _complete(incomplete: str) -> list[CompletionItem]:
    items: list[CompletionItem] = []
    if "://" not in incomplete:
        if incomplete and not incomplete.startswith((".", "/", "~")) and "/" not in incomplete:
            from megfile_core.registry import get_registry

            for scheme in get_registry().known_protocols():
                if scheme.startswith(incomplete):
                    items.append(CompletionItem(f"{scheme}://", type="plain"))
        directory, _, prefix = incomplete.rpartition("/")
        base = os.path.expanduser(directory if incomplete.count("/") else ".")
        if directory == "" and incomplete.startswith("/"):
            base = "/"
        shown = directory + "/" if "/" in incomplete else ""
    else:
        scheme, _, rest = incomplete.partition("://")
        head, sep, prefix = rest.rpartition("/")
        base = f"{scheme}://{head}{sep}" if sep else f"{scheme}://"
        shown = base
    with megfile_core.smart_scandir(base) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.startswith(prefix) and (prefix or not entry.name.startswith(".")):
                suffix = "/" if entry.is_dir() else ""
                items.append(CompletionItem(shown + entry.name + suffix, type="plain"))
    return items[:500]


@click.group("completion")
def completion_group() -> None:
    """Print (or install with --install) the shell completion script."""


def _make(shell: str) -> click.Command:
    @click.command(shell, help=f"Completion for {shell}.")
    @click.option(
        "--install",
        is_flag=True,
        help="Add it to the shell's start-up file instead of printing it.",
    )
    def command(install: bool) -> None:
        from megfile_core.cli import cli

        cls = get_completion_class(shell)
        if cls is None:  # pragma: no cover - click knows all three
            raise click.UsageError(f"click has no completion for {shell}")
        source = cls(cli, {}, "megfile", "_MEGFILE_COMPLETE").source()
        if not install:
            click.echo(source)
            return
        if shell == "fish":
            target = os.path.expanduser("~/.config/fish/completions/megfile.fish")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w") as handle:
                handle.write(source)
        else:
            target = os.path.expanduser(_RC_FILES[shell])
            line = f'eval "$(_MEGFILE_COMPLETE={shell}_source megfile)"'
            existing = ""
            if os.path.exists(target):
                with open(target) as handle:
                    existing = handle.read()
            if line not in existing:
                with open(target, "a") as handle:
                    handle.write(
                        ("\n" if existing and not existing.endswith("\n") else "") + line + "\n"
                    )
        click.echo(f"completion for {shell} installed in {target}", err=True)

    return command


for _shell in ("bash", "zsh", "fish"):
    completion_group.add_command(_make(_shell))
