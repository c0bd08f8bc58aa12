from megfile_core import hookimpl
from megfile_core.registry import Registrar


@hookimpl
def megfile_register(registrar: Registrar) -> None:
    registrar.register_protocol("demo", "megfile_demo.path:DemoPath")
    registrar.register_command("megfile_demo.cli:demo_hello")
