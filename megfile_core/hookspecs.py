"""The hooks a megfile plugin implements.

Quickstart for plugin authors::

    # pyproject.toml
    [project.entry-points.megfile]
    myproto = "megfile_myproto.plugin"

    # megfile_myproto/plugin.py -- keep it import-light
    from megfile_core import hookimpl

    @hookimpl
    def megfile_register_protocols(register):
        register("myproto", "megfile_myproto.path:MyPath")  # imported on first use

After ``pip install``, ``smart_open("myproto://...")`` and ``megfile ls myproto://...``
work, and ``megfile plugins`` lists the plugin. Every hook is called with keyword
arguments and returns ``None``; an implementation may accept fewer arguments than the
specification names (pluggy's opt-in arguments).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from megfile_core.markers import PROJECT

if TYPE_CHECKING:
    import click

    from megfile_core.types import RegisterCopyFunc, RegisterProtocol

hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def megfile_register_protocols(register: RegisterProtocol) -> None:
    """Declare the URL schemes this plugin serves.

    :param register: call ``register(protocol, path_class)`` once per scheme.
        ``path_class`` is a :class:`megfile_core.BasePath` subclass or, better, a
        ``"package.module:ClassName"`` string that is imported only when a URL of that
        scheme is first used, so installing the plugin costs nothing at start-up.

    Called once, the first time megfile meets a scheme that is not built in (or when
    ``megfile plugins`` lists what is installed). A registered ``base`` also serves
    ``base+variant://`` URLs; the class receives ``variant`` (S3 uses it as the
    profile name). Two plugins registering one scheme make that scheme fail with
    ``ProtocolExistsError`` naming both, until one is disabled with
    ``MEGFILE_DISABLED_PLUGINS``. ``file`` and ``stdio`` are reserved for core.

    Example::

        @hookimpl
        def megfile_register_protocols(register):
            register("hdfs", "megfile_hdfs.path:HdfsPath")

    .. versionadded:: 0.1
    """


@hookspec
def megfile_register_copy_funcs(register: RegisterCopyFunc) -> None:
    """Declare fast copy paths between two protocols, or within one.

    :param register: call ``register(src_protocol, dst_protocol, func)`` where
        ``func(src_path: str, dst_path: str, *, callback=None, followlinks=False,
        overwrite=True) -> None`` copies one file, calling ``callback(n_bytes)`` as
        data moves; ``func`` may be a ``"package.module:function"`` string, imported on
        first use.

    Called once with the protocol hook. ``smart_copy`` and ``smart_sync`` use the
    function for that (source, destination) pair, after mapping ``base+variant`` to
    ``base``; other pairs stream through ``smart_open``. A pair of one protocol
    (``register("hdfs", "hdfs", ...)``: a copy inside the store) is used instead of
    the path class's ``BasePath.copy``, which serves that pair when nothing is
    registered.

    Example::

        @hookimpl
        def megfile_register_copy_funcs(register):
            register("file", "hdfs", "megfile_hdfs.transfer:upload")
            register("hdfs", "file", "megfile_hdfs.transfer:download")

    .. versionadded:: 0.1
    """


@hookspec
def megfile_register_commands(cli: click.Group, config: click.Group) -> None:
    """Add commands to the ``megfile`` command line.

    :param cli: the top-level ``megfile`` click group; ``cli.add_command(cmd)``.
    :param config: the ``megfile config`` group, for ``megfile config <plugin>``.

    Called once when the CLI starts. Import what the commands need inside the
    command functions, not at module level, so ``megfile ls /tmp`` stays fast. A
    plugin whose hook raises costs one warning line, not the CLI.

    Example::

        @hookimpl
        def megfile_register_commands(config):
            @config.command("s3")
            @click.argument("access_key")
            def config_s3(access_key): ...

    .. versionadded:: 0.1
    """
