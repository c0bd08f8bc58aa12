"""Protocol -> path class, (src, dst) protocol -> copy function, and plugin commands.

Each plugin fills the registry through a :class:`Registrar` handed to its
``megfile_register`` hook; a plugin names its classes as ``"module:Class"`` strings
that are imported the first time they are used. Built-in schemes (``file``,
``stdio``) are served by core's own plugin modules, whose hook is called directly so
that a local path never loads pluggy or scans entry points.
"""

from __future__ import annotations

import importlib
import os
import threading
from typing import TYPE_CHECKING, Any

from megfile_core.errors import PluginLoadError, ProtocolExistsError, ProtocolNotFoundError
from megfile_core.pathlike import BasePath
from megfile_core.url import split_scheme, valid_protocol

if TYPE_CHECKING:
    import click
    import pluggy

    from megfile_core.types import CopyFunc

__all__ = [
    "BUILTIN_PLUGINS",
    "COMMAND_GROUPS",
    "KNOWN_PROTOCOLS",
    "Registrar",
    "Registry",
    "get_registry",
    "split_scheme",
]

#: core's own plugins: entry-point name -> module (also declared as entry points)
BUILTIN_PLUGINS = {
    "file": "megfile_core.builtin.fs",
    "stdio": "megfile_core.builtin.stdio",
}
#: schemes whose plugin we know, for the install hint
KNOWN_PROTOCOLS = {
    "s3": "megfile-s3",
    "sftp": "megfile-sftp",
    "http": "megfile-http",
    "https": "megfile-http",
}
#: where a plugin command may go: ``megfile NAME`` (None) or ``megfile config NAME``
COMMAND_GROUPS = (None, "config")


def _plugins() -> Any:
    """The discovery module; imported late on purpose (it imports pluggy)."""
    from megfile_core import plugins

    return plugins


def import_target(target: str, plugin: str) -> Any:
    """The object a ``"module:attr"`` string names, or a PluginLoadError."""
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr) if attr else module
    except Exception as error:
        raise PluginLoadError(
            f"plugin {plugin!r} names {target!r}, which failed to import: "
            f"{type(error).__name__}: {error}"
        ) from error


class _Claim:
    __slots__ = ("plugin", "target")

    def __init__(self, plugin: str, target: Any) -> None:
        self.plugin = plugin
        self.target = target  # an object, or a "module:attr" string

    def resolve(self) -> Any:
        if isinstance(self.target, str):
            self.target = import_target(self.target, self.plugin)
        return self.target


class Registrar:
    """What a plugin's ``megfile_register`` hook receives: one object, three methods.

    Every method checks its arguments at once and raises ``ValueError`` or
    ``TypeError`` naming the plugin; nothing named by a string is imported here.
    """

    def __init__(self, registry: Registry, plugin: str) -> None:
        self._registry = registry
        self.plugin = plugin

    def __repr__(self) -> str:
        return f"<Registrar for plugin {self.plugin!r}>"

    def register_protocol(self, protocol: str, path_class: type[BasePath] | str) -> None:
        """Serve ``protocol://`` (and ``protocol+variant://``) URLs with ``path_class``."""
        if not isinstance(protocol, str) or not valid_protocol(protocol):
            raise ValueError(
                f"plugin {self.plugin!r} registered protocol {protocol!r}: a protocol "
                "is lower-case letters, digits, '.', '-' or '_', starting with a "
                "letter ('+' is reserved for base+variant URLs)"
            )
        if not isinstance(path_class, (str, type)):
            raise TypeError(
                f"plugin {self.plugin!r} registered {path_class!r} for {protocol!r}: "
                "expected a BasePath subclass or a 'module:Class' string"
            )
        self._registry._add_protocol(self.plugin, protocol, path_class)

    def register_copy_func(
        self, src_protocol: str, dst_protocol: str, func: CopyFunc | str
    ) -> None:
        """Copy one file from ``src_protocol`` to ``dst_protocol`` with ``func``."""
        for proto in (src_protocol, dst_protocol):
            if not isinstance(proto, str) or not valid_protocol(proto):
                raise ValueError(
                    f"plugin {self.plugin!r} registered a copy function for invalid "
                    f"protocol {proto!r}"
                )
        if not (isinstance(func, str) or callable(func)):
            raise TypeError(
                f"plugin {self.plugin!r}: copy function {func!r} is neither callable "
                "nor a 'module:function' string"
            )
        self._registry._add_copy_func(self.plugin, (src_protocol, dst_protocol), func)

    def register_command(self, command: click.Command | str, *, group: str | None = None) -> None:
        """Add a click command to ``megfile`` (or to ``megfile config``: ``group="config"``)."""
        if group not in COMMAND_GROUPS:
            raise ValueError(
                f"plugin {self.plugin!r} registered a command for group {group!r}; "
                f"expected one of {COMMAND_GROUPS}"
            )
        if not isinstance(command, str) and not (
            callable(command) and isinstance(getattr(command, "name", None), str)
        ):
            raise TypeError(
                f"plugin {self.plugin!r}: command {command!r} is neither a click "
                "command nor a 'module:attr' string"
            )
        self._registry._add_command(self.plugin, group, command)


class Registry:
    """What the plugins registered; one per process (``get_registry()``)."""

    def __init__(self) -> None:
        self._protocols: dict[str, list[_Claim]] = {}
        self._copy_funcs: dict[tuple[str, str], list[_Claim]] = {}
        self._commands: list[tuple[str | None, _Claim]] = []
        self._conflicts: list[str] = []
        self._contributed: set[str] = set()
        self._classes: dict[str, type[BasePath]] = {}
        self.plugins_loaded = False
        self.lock = threading.RLock()

    # -- writing (through a Registrar) ------------------------------------------------
    def registrar(self, plugin: str) -> Registrar:
        """The object a plugin named ``plugin`` registers through."""
        return Registrar(self, plugin)

    def _add_protocol(self, plugin: str, protocol: str, target: Any) -> None:
        if protocol in BUILTIN_PLUGINS and plugin not in BUILTIN_PLUGINS:
            self._conflicts.append(
                f"plugin {plugin!r} tried to register {protocol!r}, which is "
                "built into megfile_core; the registration was ignored"
            )
            return
        claims = self._protocols.setdefault(protocol, [])
        if not any(c.plugin == plugin and c.target == target for c in claims):
            claims.append(_Claim(plugin, target))
            self._classes.pop(protocol, None)

    def _add_copy_func(self, plugin: str, key: tuple[str, str], target: Any) -> None:
        claims = self._copy_funcs.setdefault(key, [])
        if not any(c.plugin == plugin for c in claims):
            claims.append(_Claim(plugin, target))

    def _add_command(self, plugin: str, group: str | None, target: Any) -> None:
        self._commands.append((group, _Claim(plugin, target)))

    def forget_plugin(self, plugin: str) -> None:
        """Drop everything ``plugin`` registered (its hook raised half-way)."""
        with self.lock:
            for claims in (*self._protocols.values(), *self._copy_funcs.values()):
                claims[:] = [c for c in claims if c.plugin != plugin]
            self._commands[:] = [(g, c) for g, c in self._commands if c.plugin != plugin]
            self._classes.clear()

    def remove_protocol(self, protocol: str) -> None:
        """Forget every class registered for ``protocol`` (run-time re-registration)."""
        with self.lock:
            self._protocols.pop(protocol, None)
            self._classes.pop(protocol, None)

    def remove_copy_func(self, src_protocol: str, dst_protocol: str) -> None:
        with self.lock:
            self._copy_funcs.pop((src_protocol, dst_protocol), None)

    # -- loading ----------------------------------------------------------------------
    def load_builtin(self, name: str) -> None:
        """Run a built-in plugin module's hook directly (no pluggy, no metadata)."""
        with self.lock:
            if name in self._contributed:
                return
            module = importlib.import_module(BUILTIN_PLUGINS[name])
            module.megfile_register(registrar=self.registrar(name))
            self._contributed.add(name)

    def ensure_plugins(self) -> None:
        """Load every installed plugin once (entry-point group ``megfile``)."""
        if self.plugins_loaded:
            return
        with self.lock:
            if not self.plugins_loaded:
                self.collect(_plugins().get_plugin_manager())
                self.plugins_loaded = True

    def collect(self, pm: pluggy.PluginManager) -> None:
        """Call ``megfile_register`` of each plugin not yet called, in pluggy's order.

        Each call goes through a subset of ``pm.hook.megfile_register`` holding that
        one plugin: pluggy orders the calls (``tryfirst``, ``trylast``) and passes the
        arguments, and a plugin whose hook raises loses what it registered, alone.
        """
        with self.lock:
            everyone = pm.get_plugins()
            for impl in reversed(pm.hook.megfile_register.get_hookimpls()):
                name = impl.plugin_name
                if name in self._contributed:
                    continue
                caller = pm.subset_hook_caller("megfile_register", everyone - {impl.plugin})
                try:
                    caller(registrar=self.registrar(name))
                except Exception as error:
                    _plugins().record_broken(name, error)
                    self.forget_plugin(name)
                self._contributed.add(name)

    # -- reading ----------------------------------------------------------------------
    def has_contributed(self, plugin: str) -> bool:
        return plugin in self._contributed

    def conflicts(self) -> list[str]:
        """One line per registration that was refused (a built-in scheme taken)."""
        return list(self._conflicts)

    def protocols(self, plugin: str | None = None) -> list[str]:
        """The registered protocols (of ``plugin``), without loading anything."""
        return sorted(
            p
            for p, claims in self._protocols.items()
            if claims and (plugin is None or any(c.plugin == plugin for c in claims))
        )

    def has_copy_func(self, src_protocol: str, dst_protocol: str) -> bool:
        """Whether a copy function is registered for exactly this pair (no loading)."""
        return bool(self._copy_funcs.get((src_protocol, dst_protocol)))

    def commands(self, plugin: str | None = None) -> list[tuple[str | None, str, Any]]:
        """``(group, plugin, command or "module:attr")`` in registration order.

        A string is imported by the CLI (:func:`import_target`) when it needs the
        plugin commands; two commands of one name in one group: the first wins.
        """
        return [
            (g, c.plugin, c.target)
            for g, c in self._commands
            if plugin is None or c.plugin == plugin
        ]

    def _claims_for(self, scheme: str) -> tuple[str, list[_Claim]]:
        if scheme in BUILTIN_PLUGINS:
            self.load_builtin(scheme)
            return scheme, self._protocols[scheme]
        base = scheme.partition("+")[0]
        if base in BUILTIN_PLUGINS and base != scheme:
            self.load_builtin(base)
            return base, self._protocols[base]
        claims = self._protocols.get(scheme) or self._protocols.get(base)
        if not claims:
            self.ensure_plugins()
            claims = self._protocols.get(scheme) or self._protocols.get(base)
        if not claims:
            raise ProtocolNotFoundError(_not_found_message(scheme, base))
        return (scheme if self._protocols.get(scheme) else base), claims

    def get_path_class(self, scheme: str) -> type[BasePath]:
        """The class serving ``scheme`` (``base+variant`` falls back to ``base``)."""
        cached = self._classes.get(scheme)
        if cached is not None:
            return cached
        with self.lock:
            protocol, claims = self._claims_for(scheme)
            if len(claims) > 1:
                names = " and ".join(repr(c.plugin) for c in claims)
                raise ProtocolExistsError(
                    f"protocol {protocol!r} is registered by plugins {names}; keep one "
                    f"by disabling the other, e.g. "
                    f"MEGFILE_DISABLED_PLUGINS={claims[-1].plugin}"
                )
            target = claims[0].resolve()
            if not (isinstance(target, type) and issubclass(target, BasePath)):
                raise PluginLoadError(
                    f"plugin {claims[0].plugin!r} registered {target!r} for "
                    f"{protocol!r}, which is not a megfile_core.BasePath subclass"
                )
            self._classes[scheme] = target
            return target

    def get_copy_func(self, src: str, dst: str) -> CopyFunc | None:
        """The fast path registered for two base protocols, if any (first wins)."""
        key = (src.partition("+")[0], dst.partition("+")[0])
        for proto in key:
            if proto in BUILTIN_PLUGINS:
                self.load_builtin(proto)
            else:
                self.ensure_plugins()
        claims = self._copy_funcs.get(key)
        if not claims:
            return None
        func: CopyFunc = claims[0].resolve()
        return func

    def known_protocols(self) -> list[str]:
        """Every protocol of every plugin (loads them all)."""
        for name in BUILTIN_PLUGINS:
            self.load_builtin(name)
        self.ensure_plugins()
        return self.protocols()


def _not_found_message(scheme: str, base: str) -> str:
    text = f"no megfile plugin provides {scheme!r} URLs ({scheme}://...)"
    dist = KNOWN_PROTOCOLS.get(base)
    if dist:
        disabled = os.environ.get("MEGFILE_DISABLED_PLUGINS", "")
        text += f". Install it: pip install {dist}"
        if disabled:
            text += f" (and check MEGFILE_DISABLED_PLUGINS={disabled!r})"
    else:
        text += (
            ". Check the spelling, or install the plugin that provides it; "
            "`megfile plugins` lists what is installed"
        )
    broken = _plugins().broken_plugins()
    if broken:
        text += "; broken plugins: " + ", ".join(b.name for b in broken)
    return text


_registry = Registry()


def get_registry() -> Registry:
    return _registry


def reset_registry() -> Registry:
    """Start over with an empty registry (tests, or after installing a plugin)."""
    global _registry
    _plugins().reset()
    _registry = Registry()
    return _registry
