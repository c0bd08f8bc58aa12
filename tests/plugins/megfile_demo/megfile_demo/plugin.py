from megfile_core import hookimpl


@hookimpl
def megfile_register_protocols(register):
    register("demo", "megfile_demo.path:DemoPath")


@hookimpl
def megfile_register_commands(cli):
    import os

    import click

    if os.environ.get("MEGFILE_DEMO_BREAK_COMMANDS") == "1":
        raise RuntimeError("demo commands are broken on purpose")

    @cli.command("demo-hello")
    def demo_hello():
        """Say hello from the demo plugin."""
        click.echo("hello from megfile-demo")
