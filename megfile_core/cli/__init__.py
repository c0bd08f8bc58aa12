"""The ``megfile`` command line.

Built-in commands live in :mod:`megfile_core.cli.commands`. Plugins register theirs
with ``registrar.register_command``; they are loaded only when a command name is not
built in (or when help lists every command), so ``megfile ls /tmp`` never scans entry
points. The command modules call the library through ``megfile_core``'s lazy names
(``megfile_core.smart_open``), so ``megfile --help`` never imports the ``smart_*``
layer (a third of the start-up otherwise).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click

__all__ = ["cli", "main"]

_plugins_loaded = False


def _load_plugin_commands() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    # here, not at the top: a built-in command never loads the plugin machinery
    from megfile_core import plugins
    from megfile_core.registry import get_registry, import_target

    try:
        registry = get_registry()
        registry.ensure_plugins()
        registered = registry.commands()
    except Exception as error:  # the CLI must survive a broken plugin system
        registered = []
        click.echo(
            f"warning: plugin commands unavailable: {type(error).__name__}: {error}", err=True
        )
    failed: set[str] = set()
    for group_name, plugin, target in registered:
        group = config_group if group_name == "config" else cli
        try:
            command = import_target(target, plugin) if isinstance(target, str) else target
            if not isinstance(command, click.Command):
                raise TypeError(f"plugin {plugin!r} registered {command!r}, not a click command")
        except Exception as error:
            if plugin not in failed:
                failed.add(plugin)
                plugins.record_broken(plugin, error)
                click.echo(
                    f"warning: plugin {plugin!r} failed to add its commands: "
                    f"{type(error).__name__}: {error}",
                    err=True,
                )
            continue
        if command.name not in group.commands:  # the first of one name wins
            group.add_command(command)


class _OutputClosed(Exception):
    """stdout went away (``megfile cat big | head``); carries the BrokenPipeError.

    click turns any EPIPE ``OSError`` into ``sys.exit(1)`` even outside standalone
    mode, so the group re-raises it as this class for :func:`main` to exit quietly.
    """


class _Interrupted(Exception):
    """Ctrl-C inside a command; click would print a blank line for it."""


class LazyPluginGroup(click.Group):
    """A group that asks plugins for a command only when it is not built in."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as error:
            raise _OutputClosed() from error
        except KeyboardInterrupt as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise _Interrupted() from error

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and not _plugins_loaded:
            _load_plugin_commands()
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        _load_plugin_commands()
        return super().list_commands(ctx)


@click.group(cls=LazyPluginGroup)
@click.option("--debug", is_flag=True, help="Show full tracebacks and DEBUG logging.")
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
    default=None,
    help="Logging level (default INFO, or MEGFILE_LOG_LEVEL).",
)
@click.version_option(
    version=None, package_name="megfile-core", prog_name="megfile", message="%(version)s"
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, log_level: str | None) -> None:
    """megfile: one file API over local disk, stdio and every protocol a plugin adds.

    Paths are local paths or URLs: s3://bucket/key, sftp://host//path, ...
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    explicit = "DEBUG" if debug else (log_level or os.environ.get("MEGFILE_LOG_LEVEL"))
    # by default our own loggers speak at INFO and third-party libraries (SDKs,
    # HTTP pools) only at WARNING, so their chatter stays out of a command's output
    logging.basicConfig(level=explicit or "INFO", format="%(levelname)s %(name)s: %(message)s")
    if not explicit:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_ours_or_warning)


def _ours_or_warning(record: logging.LogRecord) -> bool:
    """megfile's loggers (``megfile_*``) at INFO, everybody else from WARNING."""
    return record.levelno >= logging.WARNING or record.name.startswith("megfile")


@cli.group("config", cls=LazyPluginGroup)
def config_group() -> None:
    """Write megfile configuration (aliases, env; plugins add their own)."""


from megfile_core.cli import commands as _commands  # noqa: E402

_commands.install(cli, config_group)


def _debug_requested(argv: list[str]) -> bool:
    return "--debug" in argv


def interactive_fix(error: BaseException) -> bool | None:
    """Offer the fix an error carries, when a person is at the terminal.

    A plugin error may carry ``megfile_cli_fix``: a callable that asks the user
    (``click.confirm``) and repairs the cause, returning True if the command should
    be run again (the SFTP plugin uses it to accept an unknown host key). Without
    a terminal on stdin and stderr nothing is asked. Returns None when no fix was
    offered, else whether the user fixed it.
    """
    fix = getattr(error, "megfile_cli_fix", None)
    if fix is None or not (sys.stdin.isatty() and sys.stderr.isatty()):
        return None
    click.echo(f"[{type(error).__name__}] {error}", err=True)
    return bool(fix())


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry: errors become ``[ErrorClass] message`` and exit 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    for _attempt in range(3):
        try:
            return _main(args)
        except _Retry:
            continue
    return _main(args)


class _Retry(Exception):
    """The user fixed the cause of an error: run the command again."""


def _main(args: list[str]) -> Any:
    debug = _debug_requested(args)
    try:
        return cli.main(args=args, prog_name="megfile", standalone_mode=False)
    except (click.exceptions.Abort, _Interrupted):
        _quiet_exit(130)
    except KeyboardInterrupt:
        if debug:
            raise
        _quiet_exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as error:
        sys.exit(error.exit_code)
    except (BrokenPipeError, _OutputClosed):
        _quiet_exit(0)
    except Exception as error:
        if debug:
            raise
        fixed = interactive_fix(error)
        if fixed:
            raise _Retry() from error
        if fixed is None:  # already shown when a fix was offered
            click.echo(f"[{type(error).__name__}] {error}", err=True)
        sys.exit(1)


def _quiet_exit(code: int) -> None:
    # stdout may be a closed pipe: point it at devnull so the interpreter's
    # final flush does not print a second error.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(code)
