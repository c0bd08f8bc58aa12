"""Protocol -> path class, and (src, dst) protocol -> copy function.

Plugins fill the registry through the ``megfile_register_*`` hooks; a plugin names its
class as a ``"module:Class"`` string that is imported the first time the scheme is used.
Built-in schemes (``file``, ``stdio``) are served by core's own plugin modules, called
directly so that a local path never loads pluggy or scans entry points.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from megfile_core.errors import PluginLoadError, ProtocolExistsError, ProtocolNotFoundError

if TYPE_CHECKING:
    from megfile_core.pathlike import BasePath
    from megfile_core.types import CopyFunc

__all__ = [
    "BUILTIN_PLUGINS",
    "KNOWN_PROTOCOLS",
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

_SCHEME_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz")
_SCHEME_REST = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")


def _valid_protocol(name: str) -> bool:
    return bool(name) and name[0] in _SCHEME_FIRST and set(name) <= _SCHEME_REST


def split_scheme(url: str) -> tuple[str, str]:
    """``"s3+p://b/k"`` -> ``("s3+p", "b/k")``; no scheme -> ``("", url)``."""
    index = url.find("://")
    if index <= 0:
        return "", url
    scheme = url[:index]
    lowered = scheme.lower()
    if lowered[0] not in _SCHEME_FIRST or not set(lowered) <= (_SCHEME_REST | {"+"}):
        return "", url
    return lowered, url[index + 3 :]


def _import_target(target: str, plugin: str) -> Any:
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
        self.target = target  # a class / function, or a "module:attr" string


class Registry:
    """What the plugins registered; one per process (``get_registry()``)."""

    def __init__(self) -> None:
        self.protocols: dict[str, list[_Claim]] = {}
        self.copy_funcs: dict[tuple[str, str], list[_Claim]] = {}
        self.conflicts: list[str] = []
        self.contributed: set[str] = set()
        self.plugins_loaded = False
        self.lock = threading.RLock()
        self._classes: dict[str, type[BasePath]] = {}

    # -- what the hooks call --------------------------------------------------
    def protocol_registrar(self, plugin: str) -> Callable[..., None]:
        def register(protocol: str, path_class: type[BasePath] | str) -> None:
            if not isinstance(protocol, str) or not _valid_protocol(protocol):
                raise ValueError(
                    f"plugin {plugin!r} registered protocol {protocol!r}: a protocol "
                    "is lower-case letters, digits, '.', '-' or '_', starting with a "
                    "letter ('+' is reserved for base+variant URLs)"
                )
            if not isinstance(path_class, (str, type)):
                raise TypeError(
                    f"plugin {plugin!r} registered {path_class!r} for {protocol!r}: "
                    "expected a BasePath subclass or a 'module:Class' string"
                )
            claims = self.protocols.setdefault(protocol, [])
            builtin = protocol in BUILTIN_PLUGINS and plugin not in BUILTIN_PLUGINS
            if builtin:
                self.conflicts.append(
                    f"plugin {plugin!r} tried to register {protocol!r}, which is "
                    "built into megfile_core; the registration was ignored"
                )
                return
            if not any(c.plugin == plugin and c.target == path_class for c in claims):
                claims.append(_Claim(plugin, path_class))
                self._classes.pop(protocol, None)

        return register

    def copy_registrar(self, plugin: str) -> Callable[..., None]:
        def register(src_protocol: str, dst_protocol: str, func: CopyFunc | str) -> None:
            for proto in (src_protocol, dst_protocol):
                if not isinstance(proto, str) or not _valid_protocol(proto):
                    raise ValueError(
                        f"plugin {plugin!r} registered a copy function for invalid "
                        f"protocol {proto!r}"
                    )
            if not (isinstance(func, str) or callable(func)):
                raise TypeError(
                    f"plugin {plugin!r}: copy function {func!r} is neither callable "
                    "nor a 'module:function' string"
                )
            claims = self.copy_funcs.setdefault((src_protocol, dst_protocol), [])
            if not any(c.plugin == plugin for c in claims):
                claims.append(_Claim(plugin, func))

        return register

    # -- loading ----------------------------------------------------------------
    def load_builtin(self, name: str) -> None:
        """Run a built-in plugin module's hooks directly (no pluggy, no metadata)."""
        with self.lock:
            if name in self.contributed:
                return
            module = importlib.import_module(BUILTIN_PLUGINS[name])
            module.megfile_register_protocols(register=self.protocol_registrar(name))
            hook = getattr(module, "megfile_register_copy_funcs", None)
            if hook is not None:
                hook(register=self.copy_registrar(name))
            self.contributed.add(name)

    def ensure_plugins(self) -> None:
        """Load every installed plugin once (entry-point group ``megfile``)."""
        if self.plugins_loaded:
            return
        with self.lock:
            if self.plugins_loaded:
                return
            from megfile_core import plugins

            plugins.collect(self)
            self.plugins_loaded = True

    # -- lookups --------------------------------------------------------------
    def _claims_for(self, scheme: str) -> tuple[str, list[_Claim]]:
        if scheme in BUILTIN_PLUGINS:
            self.load_builtin(scheme)
            return scheme, self.protocols[scheme]
        base = scheme.partition("+")[0]
        if base in BUILTIN_PLUGINS and base != scheme:
            self.load_builtin(base)
            return base, self.protocols[base]
        claims = self.protocols.get(scheme) or self.protocols.get(base)
        if not claims:
            self.ensure_plugins()
            claims = self.protocols.get(scheme) or self.protocols.get(base)
        if not claims:
            raise ProtocolNotFoundError(_not_found_message(scheme, base))
        return (scheme if scheme in self.protocols else base), claims

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
            claim = claims[0]
            target = claim.target
            if isinstance(target, str):
                target = _import_target(target, claim.plugin)
                claim.target = target
            from megfile_core.pathlike import BasePath

            if not (isinstance(target, type) and issubclass(target, BasePath)):
                raise PluginLoadError(
                    f"plugin {claim.plugin!r} registered {target!r} for {protocol!r}, "
                    "which is not a megfile_core.BasePath subclass"
                )
            self._classes[scheme] = target
            return target

    def get_copy_func(self, src: str, dst: str) -> CopyFunc | None:
        """The fast path registered for two base protocols, if any."""
        key = (src.partition("+")[0], dst.partition("+")[0])
        for proto in key:
            if proto in BUILTIN_PLUGINS:
                self.load_builtin(proto)
            else:
                self.ensure_plugins()
        claims = self.copy_funcs.get(key)
        if not claims:
            return None
        claim = claims[0]
        if isinstance(claim.target, str):
            claim.target = _import_target(claim.target, claim.plugin)
        func: CopyFunc = claim.target
        return func

    def known_protocols(self) -> list[str]:
        for name in BUILTIN_PLUGINS:
            self.load_builtin(name)
        self.ensure_plugins()
        return sorted(self.protocols)


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
    from megfile_core import plugins

    broken = plugins.broken_plugins()
    if broken:
        text += "; broken plugins: " + ", ".join(b.name for b in broken)
    return text


_registry = Registry()


def get_registry() -> Registry:
    return _registry


def reset_registry() -> Registry:
    """Start over with an empty registry (tests, or after installing a plugin)."""
    global _registry
    from megfile_core import plugins

    plugins.reset()
    _registry = Registry()
    return _registry
