"""Plugin discovery: the pluggy manager and the ``megfile`` entry-point group.

Imported only when a scheme that is not built in is first resolved, or by the CLI.
Each entry point loads on its own; one that fails is recorded as a ``BrokenPlugin``
(shown by ``megfile plugins``) and the others keep working.
"""

from __future__ import annotations

import importlib
import os
import threading
import traceback
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any

import pluggy

from megfile_core import hookspecs
from megfile_core.markers import PROJECT

if TYPE_CHECKING:
    from megfile_core.registry import Registry

__all__ = [
    "BrokenPlugin",
    "PluginInfo",
    "broken_plugins",
    "collect",
    "get_plugin_manager",
    "list_plugins",
    "register_plugin",
]

GROUP = "megfile"


@dataclass
class PluginInfo:
    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False


@dataclass
class BrokenPlugin:
    name: str
    distribution: str | None
    reason: str
    traceback: str


_lock = threading.RLock()
_pm: pluggy.PluginManager | None = None
_infos: dict[str, PluginInfo] = {}
_broken: list[BrokenPlugin] = []


def entry_points() -> list[metadata.EntryPoint]:
    """The installed entry points of group ``megfile`` (tests replace this)."""
    return list(metadata.entry_points(group=GROUP))


def disabled_plugins() -> set[str]:
    raw = os.environ.get("MEGFILE_DISABLED_PLUGINS", "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def _record_broken(name: str, dist: str | None, error: BaseException) -> None:
    reason = f"{type(error).__name__}: {error}"
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    _broken.append(BrokenPlugin(name, dist, reason, text))


def _unique_name(name: str, dist: str | None) -> str:
    if name not in _infos:
        return name
    return f"{name} ({dist or 'unknown distribution'})"


def _register(
    pm: pluggy.PluginManager, plugin: Any, info: PluginInfo
) -> bool:
    try:
        pm.register(plugin, name=info.name)
    except Exception as error:
        _record_broken(info.name, info.distribution, error)
        return False
    _infos[info.name] = info
    return True


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager with built-ins and every enabled entry point."""
    global _pm
    with _lock:
        if _pm is not None:
            return _pm
        pm = pluggy.PluginManager(PROJECT)
        pm.add_hookspecs(hookspecs)
        from megfile_core.registry import BUILTIN_PLUGINS

        core_version = _version("megfile-core")
        for name, module_name in BUILTIN_PLUGINS.items():
            module = importlib.import_module(module_name)
            _register(pm, module, PluginInfo(name, module_name, "megfile-core",
                                             core_version, builtin=True))
        disabled = disabled_plugins()
        for ep in entry_points():
            dist = ep.dist.name if ep.dist is not None else None
            if ep.value in BUILTIN_PLUGINS.values():
                continue  # core's own entry points, registered above
            if ep.name in disabled:
                continue
            name = _unique_name(ep.name, dist)
            try:
                plugin = ep.load()
            except Exception as error:
                _record_broken(name, dist, error)
                continue
            version = ep.dist.version if ep.dist is not None else None
            _register(pm, plugin, PluginInfo(name, ep.value, dist, version))
        _check_pending(pm)
        _pm = pm
        return pm


def _check_pending(pm: pluggy.PluginManager) -> None:
    """Unregister plugins whose hooks have no specification (a typo), one by one."""
    while True:
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as error:
            name = pm.get_name(error.plugin)
            pm.unregister(error.plugin)
            info = _infos.pop(name or "", None)
            _record_broken(name or repr(error.plugin),
                           info.distribution if info else None, error)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def register_plugin(plugin: Any, name: str, *, registry: Registry | None = None) -> None:
    """Register an in-process plugin object or module (tests, notebooks, apps)."""
    from megfile_core.registry import get_registry

    pm = get_plugin_manager()
    with _lock:
        if not _register(pm, plugin, PluginInfo(name, getattr(plugin, "__name__", name))):
            broken = _broken.pop()
            raise ValueError(f"cannot register plugin {name!r}: {broken.reason}")
        _check_pending(pm)
    reg = registry or get_registry()
    with reg.lock:
        if reg.plugins_loaded:
            _feed(reg, pm, only={name})


def unregister_plugin(name: str) -> None:
    pm = get_plugin_manager()
    with _lock:
        plugin = pm.get_plugin(name)
        if plugin is not None:
            pm.unregister(plugin)
        _infos.pop(name, None)


def collect(registry: Registry) -> None:
    """Call every plugin's registration hooks into ``registry`` (once per plugin)."""
    pm = get_plugin_manager()
    _feed(registry, pm)


def _call_hook(hook: Any, plugin_name: str, kwargs: dict[str, Any]) -> None:
    for impl in hook.get_hookimpls():
        if impl.plugin_name == plugin_name:
            impl.function(**{k: kwargs[k] for k in impl.argnames if k in kwargs})


def _feed(registry: Registry, pm: pluggy.PluginManager, only: set[str] | None = None) -> None:
    for name, _plugin in sorted(pm.list_name_plugin(), key=lambda item: item[0]):
        if name in registry.contributed or (only is not None and name not in only):
            continue
        info = _infos.get(name)
        try:
            _call_hook(pm.hook.megfile_register_protocols, name,
                       {"register": registry.protocol_registrar(name)})
            _call_hook(pm.hook.megfile_register_copy_funcs, name,
                       {"register": registry.copy_registrar(name)})
        except Exception as error:
            _record_broken(name, info.distribution if info else None, error)
            for claims in (*registry.protocols.values(), *registry.copy_funcs.values()):
                claims[:] = [c for c in claims if c.plugin != name]
        registry.contributed.add(name)


def register_commands(cli: Any, config: Any) -> list[str]:
    """Run ``megfile_register_commands``; returns one warning line per failing plugin."""
    pm = get_plugin_manager()
    warnings = []
    for impl in pm.hook.megfile_register_commands.get_hookimpls():
        kwargs = {"cli": cli, "config": config}
        try:
            impl.function(**{k: kwargs[k] for k in impl.argnames if k in kwargs})
        except Exception as error:
            info = _infos.get(impl.plugin_name)
            _record_broken(impl.plugin_name, info.distribution if info else None, error)
            warnings.append(
                f"warning: plugin {impl.plugin_name!r} failed to add its commands: "
                f"{type(error).__name__}: {error}"
            )
    return warnings


def list_plugins() -> list[dict[str, Any]]:
    """Name, distribution, version, schemes and hooks of every loaded plugin."""
    from megfile_core.registry import get_registry

    pm = get_plugin_manager()
    registry = get_registry()
    registry.known_protocols()
    result = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: item[0]):
        info = _infos.get(name) or PluginInfo(name, repr(plugin))
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        schemes = sorted(p for p, claims in registry.protocols.items()
                         if any(c.plugin == name for c in claims))
        result.append({
            "name": name,
            "distribution": info.distribution,
            "version": info.version,
            "module": info.module,
            "builtin": info.builtin,
            "protocols": schemes,
            "hooks": hooks,
        })
    return result


def broken_plugins() -> list[BrokenPlugin]:
    return list(_broken)


def reset() -> None:
    """Forget the manager and every record (tests)."""
    global _pm
    with _lock:
        _pm = None
        _infos.clear()
        _broken.clear()
