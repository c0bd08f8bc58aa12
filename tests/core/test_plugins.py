"""Plugin discovery with fake entry points: working, broken, clashing, disabled."""

from __future__ import annotations

import sys
import types
from importlib import metadata

import pytest

from megfile_core import hookimpl, plugins, registry
from megfile_core.errors import (
    PluginLoadError,
    ProtocolExistsError,
    ProtocolNotFoundError,
)
from megfile_core.pathlike import BasePath
from megfile_core.smart_path import SmartPath


class _FakeDist:
    def __init__(self, name: str, version: str = "1.0") -> None:
        self.name = name
        self.version = version


class _FakeEntryPoint:
    def __init__(self, name: str, value: str, dist: str, loads: list[str]) -> None:
        self.name = name
        self.value = value
        self.dist = _FakeDist(dist)
        self._loads = loads

    def load(self) -> object:
        self._loads.append(self.name)
        module_name, _, attr = self.value.partition(":")
        __import__(module_name)
        module = sys.modules[module_name]
        return getattr(module, attr) if attr else module


def _module(name: str, **attrs: object) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    sys.modules[name] = module
    return module


class FakePath(BasePath):
    protocol = "fakeproto"


class OtherPath(BasePath):
    protocol = "dup"


@pytest.fixture
def fake_eps(monkeypatch):
    """Install fake entry points; returns (list to fill, list of loaded names)."""
    eps: list[_FakeEntryPoint] = []
    loads: list[str] = []
    monkeypatch.setattr(plugins, "entry_points", lambda: list(eps))
    registry.reset_registry()
    made: list[str] = []

    def add(name: str, module_name: str, dist: str | None = None, **attrs: object) -> None:
        _module(module_name, **attrs)
        made.append(module_name)
        eps.append(_FakeEntryPoint(name, module_name, dist or f"dist-{name}", loads))

    yield add, loads
    for module_name in made:
        sys.modules.pop(module_name, None)
    sys.modules.pop("fake_lazy_target", None)
    registry.reset_registry()


def _protocols_hook(*pairs: tuple[str, object]):
    @hookimpl
    def megfile_register(registrar):
        for protocol, target in pairs:
            registrar.register_protocol(protocol, target)

    return megfile_register


def _hello_command():
    import click

    @click.command("hello-from-test")
    def hello():
        click.echo("hello")

    return hello


def test_working_plugin_lazy_class(fake_eps, tmp_path, monkeypatch):
    add, loads = fake_eps
    (tmp_path / "fake_lazy_target.py").write_text(
        "from megfile_core.pathlike import BasePath\n"
        "class LazyPath(BasePath):\n"
        "    protocol = 'fakeproto'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    add(
        "fake",
        "fake_plugin_ok",
        megfile_register=_protocols_hook(("fakeproto", "fake_lazy_target:LazyPath")),
    )
    registry.get_registry().ensure_plugins()
    assert loads == ["fake"]
    assert "fake_lazy_target" not in sys.modules  # registered, not imported
    path = SmartPath("fakeproto://bucket/key")
    assert type(path.pathlike).__name__ == "LazyPath"
    assert "fake_lazy_target" in sys.modules
    assert str(path) == "fakeproto://bucket/key"
    variant = SmartPath("fakeproto+prof://b/k")
    assert variant.pathlike.variant == "prof"
    assert str(variant.parent) == "fakeproto+prof://b"
    assert [str(p) for p in variant.parents] == ["fakeproto+prof://b", "fakeproto+prof://"]


def test_lazy_string_not_imported_before_use(fake_eps):
    add, _ = fake_eps
    add(
        "fake",
        "fake_plugin_lazy",
        megfile_register=_protocols_hook(("fakeproto", "fake_lazy_never:FakePath")),
    )
    reg = registry.get_registry()
    reg.ensure_plugins()
    assert "fakeproto" in reg.protocols()
    assert "fake_lazy_never" not in sys.modules
    with pytest.raises(PluginLoadError) as info:
        SmartPath("fakeproto://x")
    assert "fake_lazy_never" in str(info.value)
    assert isinstance(info.value.__cause__, ModuleNotFoundError)
    assert isinstance(info.value, ImportError)


def test_broken_plugin_is_recorded_not_fatal(fake_eps):
    add, _ = fake_eps

    class Exploding:
        __name__ = "exploding"

    add("good", "fake_plugin_good", megfile_register=_protocols_hook(("fakeproto", FakePath)))
    eps_broken = _FakeEntryPoint("bad", "fake_plugin_missing_module", "dist-bad", [])
    original = plugins.entry_points
    plugins_list = original()
    plugins_list.append(eps_broken)
    plugins.entry_points = lambda: plugins_list  # type: ignore[assignment]
    try:
        assert isinstance(SmartPath("fakeproto://a").pathlike, FakePath)
        broken = plugins.broken_plugins()
        assert [b.name for b in broken] == ["bad"]
        assert broken[0].distribution == "dist-bad"
        assert "fake_plugin_missing_module" in broken[0].reason
        assert "Traceback" in broken[0].traceback
        with pytest.raises(ProtocolNotFoundError, match="broken plugins: bad"):
            SmartPath("nothere://a")
    finally:
        plugins.entry_points = original  # type: ignore[assignment]


def test_hook_that_raises_is_recorded(fake_eps):
    add, _ = fake_eps

    @hookimpl
    def megfile_register(registrar):
        registrar.register_protocol("fakeproto", FakePath)
        registrar.register_command(_hello_command())
        raise RuntimeError("plugin bug")

    add("raiser", "fake_plugin_raiser", megfile_register=megfile_register)
    add("fine", "fake_plugin_fine", megfile_register=_protocols_hook(("dup", OtherPath)))
    assert isinstance(SmartPath("dup://x").pathlike, OtherPath)
    with pytest.raises(ProtocolNotFoundError):
        SmartPath("fakeproto://x")  # the half-done registration was rolled back
    assert any("plugin bug" in b.reason for b in plugins.broken_plugins())
    assert registry.get_registry().commands() == []  # rolled back too


def test_misspelt_hook_is_a_load_error(fake_eps):
    add, _ = fake_eps

    @hookimpl
    def megfile_registr(registrar):  # missing "e"
        registrar.register_protocol("fakeproto", FakePath)

    add("typo", "fake_plugin_typo", megfile_registr=megfile_registr)
    add("fine", "fake_plugin_fine2", megfile_register=_protocols_hook(("dup", OtherPath)))
    assert isinstance(SmartPath("dup://x").pathlike, OtherPath)
    broken = plugins.broken_plugins()
    assert [b.name for b in broken] == ["typo"]
    assert "megfile_registr" in broken[0].reason
    assert "0.2" not in broken[0].reason  # the migration hint is for the 0.1 hooks


def test_a_plugin_of_the_0_1_hooks_is_told_how_to_migrate(fake_eps):
    add, _ = fake_eps

    @hookimpl
    def megfile_register_protocols(register):
        register("fakeproto", FakePath)

    add("old", "fake_plugin_old", megfile_register_protocols=megfile_register_protocols)
    with pytest.raises(ProtocolNotFoundError, match="broken plugins: old"):
        SmartPath("fakeproto://x")
    [broken] = plugins.broken_plugins()
    assert "megfile_register_protocols" in broken.reason
    assert "megfile_register(registrar)" in broken.reason
    assert "docs/plugins.md" in broken.reason


def test_two_plugins_claiming_one_scheme(fake_eps, monkeypatch):
    add, _ = fake_eps
    add("first", "fake_plugin_first", megfile_register=_protocols_hook(("dup", OtherPath)))
    add("second", "fake_plugin_second", megfile_register=_protocols_hook(("dup", FakePath)))
    with pytest.raises(ProtocolExistsError) as info:
        SmartPath("dup://x")
    message = str(info.value)
    assert "'first'" in message and "'second'" in message
    assert "MEGFILE_DISABLED_PLUGINS" in message
    assert isinstance(info.value, ValueError)
    # the same answer every time, whatever the order
    with pytest.raises(ProtocolExistsError):
        SmartPath("dup://y")
    registry.reset_registry()
    monkeypatch.setenv("MEGFILE_DISABLED_PLUGINS", "second")
    assert isinstance(SmartPath("dup://x").pathlike, OtherPath)


def test_disabled_plugin_is_never_loaded(fake_eps, monkeypatch):
    add, loads = fake_eps
    add("off", "fake_plugin_off", megfile_register=_protocols_hook(("fakeproto", FakePath)))
    add("on", "fake_plugin_on", megfile_register=_protocols_hook(("dup", OtherPath)))
    monkeypatch.setenv("MEGFILE_DISABLED_PLUGINS", " off , other ")
    assert isinstance(SmartPath("dup://x").pathlike, OtherPath)
    assert loads == ["on"]
    with pytest.raises(ProtocolNotFoundError):
        SmartPath("fakeproto://x")


def test_builtin_scheme_cannot_be_taken(fake_eps):
    add, _ = fake_eps
    add("thief", "fake_plugin_thief", megfile_register=_protocols_hook(("file", FakePath)))
    registry.get_registry().ensure_plugins()
    from megfile_core.builtin.fs import FSPath

    assert isinstance(SmartPath("file:///tmp/x").pathlike, FSPath)
    assert any("thief" in c for c in registry.get_registry().conflicts())


def test_local_paths_never_scan_entry_points(monkeypatch, tmp_path):
    registry.reset_registry()

    def forbidden():
        raise AssertionError("entry points were scanned for a local path")

    monkeypatch.setattr(plugins, "entry_points", forbidden)
    from megfile_core import smart

    target = tmp_path / "f.txt"
    smart.smart_save_text(str(target), "x")
    assert smart.smart_load_text("file://" + str(target)) == "x"
    assert smart.smart_listdir(str(tmp_path)) == ["f.txt"]
    assert SmartPath("stdio://-").protocol == "stdio"
    registry.reset_registry()


def test_install_hints(monkeypatch):
    # hide the real plugins if they are installed: the hint is what a user without
    # them sees
    monkeypatch.setenv("MEGFILE_DISABLED_PLUGINS", "s3,sftp,http")
    registry.reset_registry()
    try:
        for scheme, dist in (
            ("s3", "megfile-s3"),
            ("sftp", "megfile-sftp"),
            ("http", "megfile-http"),
            ("https", "megfile-http"),
            ("s3+prof", "megfile-s3"),
        ):
            with pytest.raises(ProtocolNotFoundError, match=f"pip install {dist}") as info:
                SmartPath(f"{scheme}://bucket/key")
            assert "MEGFILE_DISABLED_PLUGINS" in str(info.value)
    finally:
        registry.reset_registry()


@pytest.mark.parametrize("bad", ["UPPER", "1abc", "a+b", "", "sp ace"])
def test_invalid_protocol_names_are_refused(bad):
    reg = registry.Registry()
    with pytest.raises(ValueError, match="protocol"):
        reg.registrar("p").register_protocol(bad, FakePath)
    with pytest.raises(ValueError, match="protocol"):
        reg.registrar("p").register_copy_func("file", bad, "m:f")


def test_invalid_target_type_is_refused():
    reg = registry.Registry()
    with pytest.raises(TypeError):
        reg.registrar("p").register_protocol("ok", 42)
    with pytest.raises(TypeError):
        reg.registrar("p").register_copy_func("a", "b", 42)
    with pytest.raises(TypeError, match="click command"):
        reg.registrar("p").register_command(42)
    with pytest.raises(ValueError, match="group"):
        reg.registrar("p").register_command("m:cmd", group="nosuchgroup")
    assert reg.protocols() == [] and reg.commands() == []


def test_register_plugin_in_process(fake_eps):
    module = types.ModuleType("inproc_plugin")
    module.megfile_register = _protocols_hook(("fakeproto", FakePath))  # type: ignore[attr-defined]
    registry.get_registry().ensure_plugins()
    plugins.register_plugin(module, "inproc")
    assert isinstance(SmartPath("fakeproto://x").pathlike, FakePath)
    names = [p["name"] for p in plugins.list_plugins()]
    assert "inproc" in names and "file" in names and "stdio" in names


def test_list_plugins_reports_versions_and_hooks(fake_eps):
    add, _ = fake_eps
    add("fake", "fake_plugin_listed", megfile_register=_protocols_hook(("fakeproto", FakePath)))
    listed = {p["name"]: p for p in plugins.list_plugins()}
    assert listed["fake"]["distribution"] == "dist-fake"
    assert listed["fake"]["version"] == "1.0"
    assert listed["fake"]["protocols"] == ["fakeproto"]
    assert listed["fake"]["hooks"] == ["megfile_register"]
    assert listed["file"]["builtin"] is True


def test_real_entry_points_of_core_are_declared():
    names = {ep.name: ep.value for ep in metadata.entry_points(group="megfile")}
    assert names.get("file") == "megfile_core.builtin.fs"
    assert names.get("stdio") == "megfile_core.builtin.stdio"


def _ordered_plugin(calls: list[str], name: str, **marker: bool):
    """A plugin that records its call and registers a copy function and a command."""
    import click

    def copy(src, dst, callback=None, followlinks=False, overwrite=True):
        """A copy function that does nothing."""

    copy.__name__ = f"copy_by_{name}"

    @click.command("ordered")
    def command():
        """One command name, registered by every plugin of the test."""

    command.help = f"from {name}"

    @hookimpl(**marker)
    def megfile_register(registrar):
        calls.append(name)
        registrar.register_copy_func("fakeproto", "file", copy)
        registrar.register_command(command)

    return megfile_register


def test_tryfirst_and_trylast_order_the_calls_and_pick_the_winner(fake_eps):
    """pluggy orders the hook calls: tryfirst first, trylast last, the others
    between (the one registered last first); for a copy-function pair and a command
    name the first registration wins."""
    add, _ = fake_eps
    calls: list[str] = []
    add("late", "fake_plugin_late", megfile_register=_ordered_plugin(calls, "late", trylast=True))
    add("plain1", "fake_plugin_plain1", megfile_register=_ordered_plugin(calls, "plain1"))
    add(
        "early",
        "fake_plugin_early",
        megfile_register=_ordered_plugin(calls, "early", tryfirst=True),
    )
    add("plain2", "fake_plugin_plain2", megfile_register=_ordered_plugin(calls, "plain2"))
    reg = registry.get_registry()
    reg.ensure_plugins()
    assert calls == ["early", "plain2", "plain1", "late"]
    assert reg.get_copy_func("fakeproto", "file").__name__ == "copy_by_early"
    ordered = [plugin for group, plugin, _cmd in reg.commands() if group is None]
    assert ordered == ["early", "plain2", "plain1", "late"]


def test_plugin_commands_reach_the_cli(fake_eps, capsys):
    """A command registered as a string is imported when the CLI needs it; the
    first of one name wins; one that fails to import costs its plugin a warning."""
    from megfile_core import cli as cli_module

    add, _ = fake_eps
    calls: list[str] = []
    add(
        "early",
        "fake_plugin_early2",
        megfile_register=_ordered_plugin(calls, "early", tryfirst=True),
    )
    add("plain", "fake_plugin_plain3", megfile_register=_ordered_plugin(calls, "plain"))

    @hookimpl
    def megfile_register(registrar):
        registrar.register_command("fake_missing_cli_module:command")

    add("badcli", "fake_plugin_badcli", megfile_register=megfile_register)
    saved = dict(cli_module.cli.commands)
    cli_module._plugins_loaded = False
    try:  # not through the group's callback: that configures logging for a program
        cli_module._load_plugin_commands()
        assert cli_module.cli.commands["ordered"].help == "from early"
        assert any(
            b.name == "badcli" and "fake_missing_cli_module" in b.reason
            for b in plugins.broken_plugins()
        )
        warnings = capsys.readouterr().err.splitlines()
        assert len(warnings) == 1 and "'badcli'" in warnings[0]
    finally:
        cli_module.cli.commands.clear()
        cli_module.cli.commands.update(saved)
        cli_module._plugins_loaded = False


def test_registry_state_is_read_through_methods():
    reg = registry.Registry()
    for name in ("protocols", "copy_funcs", "conflicts", "contributed"):
        assert not isinstance(getattr(reg, name, None), (dict, list, set)), name
    registrar = reg.registrar("p")
    assert "'p'" in repr(registrar)
    registrar.register_protocol("fakeproto", FakePath)
    registrar.register_copy_func("fakeproto", "file", "m:f")
    registrar.register_command("m:cmd", group="config")
    assert reg.protocols() == ["fakeproto"] and reg.protocols("other") == []
    assert reg.has_copy_func("fakeproto", "file")
    assert reg.commands() == [("config", "p", "m:cmd")]
    reg.forget_plugin("p")
    assert reg.protocols() == [] and reg.commands() == []
    assert not reg.has_copy_func("fakeproto", "file")
