from megfile_core import hookimpl


@hookimpl
def megfile_register(registrar):
    registrar.register_protocol("demo", "megfile_demo.path:DemoPath")
    registrar.register_command("megfile_demo.cli:demo_hello")
