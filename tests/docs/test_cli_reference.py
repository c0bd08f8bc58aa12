"""The CLI reference (built by scripts/mkdocs_hooks.py) has every command of the
real ``megfile`` click group, plugins loaded, with its options."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import click
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "megfile_docs_hooks", ROOT / "scripts" / "mkdocs_hooks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _in_repository(command: click.Command) -> bool:
    """Whether the command's code lives in this repository, outside tests/."""
    module = sys.modules.get(getattr(command.callback, "__module__", "") or "")
    path = Path(getattr(module, "__file__", "") or "/").resolve()
    return path.is_relative_to(ROOT) and not path.is_relative_to(ROOT / "tests")


def _walk(group: click.Group, ctx: click.Context) -> dict[str, tuple[click.Context, click.Command]]:
    found = {}
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        sub = click.Context(command, info_name=name, parent=ctx)
        found[sub.command_path] = (sub, command)
        if isinstance(command, click.Group):
            found.update(_walk(command, sub))
    return found


@pytest.fixture(scope="module")
def commands() -> dict[str, tuple[click.Context, click.Command]]:
    from megfile_core.cli import cli

    return _walk(cli, click.Context(cli, info_name="megfile"))


@pytest.fixture(scope="module")
def sections() -> dict[str, str]:
    """The reference page's sections by heading (``megfile cp`` -> its text)."""
    page = _hooks().render_cli_reference()
    parts = re.split(r"^## (.+)$", page, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_walk_sees_plugin_commands(commands: dict[str, object]) -> None:
    # the S3 plugin adds a top-level group and a config subcommand
    assert {"megfile s3 abort-uploads", "megfile config s3", "megfile cp"} <= set(commands)


def test_every_command_is_in_the_cli_reference(
    commands: dict[str, tuple[click.Context, click.Command]], sections: dict[str, str]
) -> None:
    ours = {path for path, (_, command) in commands.items() if _in_repository(command)}
    assert ours - set(sections) == set(), "commands missing from the CLI reference"
    assert set(sections) - ours == {"megfile"}, "the reference names unknown commands"


def test_commands_of_other_packages_are_left_out(
    commands: dict[str, tuple[click.Context, click.Command]], sections: dict[str, str]
) -> None:
    foreign = {path for path, (_, command) in commands.items() if not _in_repository(command)}
    assert "megfile demo-hello" in foreign  # tests/plugins/megfile_demo is installed
    assert not foreign & set(sections)


def test_every_option_and_argument_is_described(
    commands: dict[str, tuple[click.Context, click.Command]], sections: dict[str, str]
) -> None:
    for path, text in sections.items():
        if path == "megfile":
            continue
        ctx, command = commands[path]
        assert command.help and command.help.splitlines()[0].strip()[:40] in text, path
        for param in command.get_params(ctx):
            if isinstance(param, click.Option) and not param.hidden:
                for flag in param.opts:
                    assert flag in text, f"{path}: option {flag} not in the reference"
            elif isinstance(param, click.Argument):
                assert param.make_metavar(ctx) in text, f"{path}: argument {param.name}"
