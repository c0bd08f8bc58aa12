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
from collections.abc import Callable
from functools import partial
from importlib import metadata
from typing import Any

import pluggy

from megfile_core import __version__, hookspecs
from megfile_core.impl_marker import PROJECT
from megfile_core.registry import BUILTIN_PLUGINS, get_registry
from megfile_core.types import BrokenPlugin, PluginInfo

__all__ = [
    "BrokenPlugin",
    "PluginInfo",
    "broken_plugins",
    "get_plugin_manager",
    "list_plugins",
    "record_broken",
    "register_plugin",
]

#: a plugin still implementing a hook of 0.1 (megfile_register_protocols ...) gets a hint
_MIGRATE = "; a 0.2 plugin implements megfile_register(registrar): see docs/plugins.md"


_lock = threading.RLock()
_pm: pluggy.PluginManager | None = None
_infos: dict[str, PluginInfo] = {}  # the registered plugins, by name
_broken: list[BrokenPlugin] = []


def entry_points() -> list[metadata.EntryPoint]:
    """The installed entry points of group ``megfile`` (tests replace this)."""
    return list(metadata.entry_points(group=PROJECT))


def record_broken(info: PluginInfo | str, error: BaseException) -> None:
    """Remember that a plugin failed to load or to register, and why."""
    if isinstance(info, str):
        info = _infos.get(info) or PluginInfo(info, info)
    reason = f"{type(error).__name__}: {error}"
    if "unknown hook 'megfile_register_" in reason:
        reason += _MIGRATE
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    _broken.append(BrokenPlugin(info.name, info.distribution, reason, text))


def _load(pm: pluggy.PluginManager, info: PluginInfo, load: Callable[[], Any]) -> bool:
    """Import and register one plugin; a failure is recorded, not raised."""
    try:
        pm.register(load(), name=info.name)
    except Exception as error:
        record_broken(info, error)
        return False
    _infos[info.name] = info
    return True


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager with built-ins and every enabled entry point."""
    global _pm
    with _lock:
        if _pm is None:
            pm = pluggy.PluginManager(PROJECT)
            pm.add_hookspecs(hookspecs)
            for name, module in BUILTIN_PLUGINS.items():
                info = PluginInfo(name, module, "megfile-core", __version__, True)
                _load(pm, info, partial(importlib.import_module, module))
            disabled = os.environ.get("MEGFILE_DISABLED_PLUGINS", "").replace(" ", "")
            for ep in entry_points():
                if ep.value in BUILTIN_PLUGINS.values() or ep.name in disabled.split(","):
                    continue  # core's own entry points are registered above
                dist, version = (ep.dist.name, ep.dist.version) if ep.dist else (None, None)
                name = f"{ep.name} ({dist or 'unknown'})" if ep.name in _infos else ep.name
                _load(pm, PluginInfo(name, ep.value, dist, version), ep.load)
            _check_pending(pm)
            _pm = pm
        return _pm


def _check_pending(pm: pluggy.PluginManager) -> None:
    """Unregister plugins whose hooks have no specification (a typo), one by one."""
    while True:
        try:
            return pm.check_pending()
        except pluggy.PluginValidationError as error:
            name = pm.get_name(error.plugin) or repr(error.plugin)
            pm.unregister(error.plugin)
            record_broken(_infos.pop(name) if name in _infos else name, error)


def register_plugin(plugin: Any, name: str) -> None:
    """Register an in-process plugin object or module (tests, notebooks, apps)."""
    pm = get_plugin_manager()
    with _lock:
        if not _load(pm, PluginInfo(name, getattr(plugin, "__name__", name)), lambda: plugin):
            raise ValueError(f"cannot register plugin {name!r}: {_broken.pop().reason}")
        _check_pending(pm)
    registry = get_registry()
    if registry.plugins_loaded:
        registry.collect(pm)


def list_plugins() -> list[dict[str, Any]]:
    """Name, distribution, version, module, protocols and hooks of each loaded plugin."""
    pm, registry = get_plugin_manager(), get_registry()
    registry.known_protocols()
    rows = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: item[0]):
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        info = vars(_infos.get(name) or PluginInfo(name, repr(plugin)))
        rows.append({**info, "protocols": registry.protocols(name), "hooks": hooks})
    return rows


def broken_plugins() -> list[BrokenPlugin]:
    return list(_broken)


def reset() -> None:
    """Forget the manager and every record (tests)."""
    global _pm
    with _lock:
        _pm = None
        _infos.clear()
        _broken.clear()
