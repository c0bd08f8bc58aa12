"""The hook a megfile plugin implements.

Quickstart for plugin authors::

    # pyproject.toml
    [project.entry-points.megfile]
    myproto = "megfile_myproto.plugin"

    # megfile_myproto/plugin.py -- keep it import-light
    from megfile_core import hookimpl

    @hookimpl
    def megfile_register(registrar):
        registrar.register_protocol("myproto", "megfile_myproto.path:MyPath")

After ``pip install``, ``smart_open("myproto://...")`` and ``megfile ls myproto://...``
work, and ``megfile plugins`` lists the plugin. The hook is called with keyword
arguments and returns ``None``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from megfile_core.impl_marker import PROJECT

if TYPE_CHECKING:
    from megfile_core.registry import Registrar

__all__ = ["megfile_register"]

hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def megfile_register(registrar: Registrar) -> None:
    """Declare what this plugin adds: URL schemes, fast copies, CLI commands.

    :param registrar: the :class:`megfile_core.registry.Registrar` of this plugin.
        Its three methods take a class, function or click command, or better a
        ``"package.module:name"`` string, imported only when first needed, so that
        installing the plugin costs nothing at start-up:

        - ``registrar.register_protocol(protocol, path_class)``: serve
          ``protocol://`` URLs with a :class:`megfile_core.BasePath` subclass. It
          also serves ``protocol+variant://``; the instance gets ``.variant`` (S3
          uses it as the profile name). ``file`` and ``stdio`` belong to core.
        - ``registrar.register_copy_func(src_protocol, dst_protocol, func)``: a fast
          path for one file, ``func(src_path: str, dst_path: str, *, callback=None,
          followlinks=False, overwrite=True) -> None`` calling ``callback(n_bytes)``
          as data moves. ``smart_copy`` and ``smart_sync`` use it for that pair
          (``base+variant`` maps to ``base``); a same-protocol pair replaces the
          path class's ``BasePath.copy``. Other pairs stream through ``smart_open``.
          The function may carry a ``batch`` attribute that copies many small
          files at once: ``smart_sync`` hands it up to 64 files of at most 1 MiB
          per call (:class:`megfile_core.io.copy.BatchCopy` says how).
        - ``registrar.register_command(command, group=None)``: a click command for
          ``megfile NAME``, or for ``megfile config NAME`` with ``group="config"``.
          The CLI imports it when it needs a command that is not built in, so put
          commands in their own module and register them as strings.

    Called once per plugin, the first time megfile meets a scheme that is not built
    in, or when the CLI looks for plugin commands. Plugins are called in pluggy's
    order: ``@hookimpl(tryfirst=True)`` before the others, ``trylast=True`` after.
    For a (source, destination) pair of copy functions, and for two commands of one
    name, the first registration wins. Two plugins registering one protocol make
    that protocol raise ``ProtocolExistsError`` naming both, until one is disabled
    with ``MEGFILE_DISABLED_PLUGINS``. A hook that raises is recorded (``megfile
    plugins`` shows it) and everything it registered is dropped; other plugins
    keep working.

    Example::

        @hookimpl
        def megfile_register(registrar):
            registrar.register_protocol("hdfs", "megfile_hdfs.path:HdfsPath")
            registrar.register_copy_func("hdfs", "file", "megfile_hdfs.transfer:download")
            registrar.register_command("megfile_hdfs.cli:config_hdfs", group="config")

    .. versionadded:: 0.2
       Replaces ``megfile_register_protocols``, ``megfile_register_copy_funcs`` and
       ``megfile_register_commands`` of 0.1 (``register(...)`` becomes
       ``registrar.register_protocol(...)`` / ``registrar.register_copy_func(...)``,
       and commands are registered instead of added to a group).
    """
