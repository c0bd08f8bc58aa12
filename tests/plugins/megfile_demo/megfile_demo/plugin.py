from megfile_core import hookimpl


@hookimpl
def megfile_register_protocols(register):
    register("demo", "megfile_demo.path:DemoPath")


@hookimpl
def megfile_register_commands(cli):
    import click

    @cli.command("demo-hello")
    def demo_hello():
        """Say hello from the demo plugin."""
        click.echo("hello from megfile-demo")
