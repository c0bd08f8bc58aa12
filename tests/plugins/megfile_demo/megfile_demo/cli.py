"""``megfile demo-hello``; fails to import when ``MEGFILE_DEMO_BREAK_COMMANDS=1``."""

import os

import click

if os.environ.get("MEGFILE_DEMO_BREAK_COMMANDS") == "1":
    raise RuntimeError("demo commands are broken on purpose")


@click.command("demo-hello")
def demo_hello() -> None:
    """Say hello from the demo plugin."""
    click.echo("hello from megfile-demo")
