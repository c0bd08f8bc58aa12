"""The API reference covers the public API: a docstring for every ``smart_*`` name
(mkdocstrings renders them) and a section for the path class of every protocol that
core and the plugins of this repository serve."""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "docs" / "api"


def _documented(page: str) -> set[str]:
    """The identifiers of the ``::: module.Name`` blocks of an API page."""
    text = (API / page).read_text(encoding="utf-8")
    return set(re.findall(r"^::: ([\w.]+)\s*$", text, flags=re.MULTILINE))


def _in_repository(cls: type) -> bool:
    path = Path(inspect.getfile(sys.modules[cls.__module__])).resolve()
    return path.is_relative_to(ROOT) and not path.is_relative_to(ROOT / "tests")


def test_every_smart_name_has_a_docstring() -> None:
    from megfile_core import smart

    assert len(smart.__all__) > 40
    undocumented = [name for name in smart.__all__ if not inspect.getdoc(getattr(smart, name))]
    assert not undocumented, f"no docstring for the API reference: {undocumented}"
    assert "megfile_core.smart" in _documented("smart.md")


def test_every_path_class_is_in_the_api_reference() -> None:
    from importlib.metadata import entry_points

    from megfile_core.registry import Registry

    # every installed plugin's hook, called on a registry of our own: what other tests
    # registered at run time (memory://) is not a backend of the repository
    registry = Registry()
    for entry_point in entry_points(group="megfile"):
        hook = getattr(entry_point.load(), "megfile_register", None)
        if hook is not None:
            hook(registrar=registry.registrar(entry_point.name))
    classes = {registry.get_path_class(p) for p in registry.protocols()}
    ours = {f"{c.__module__}.{c.__qualname__}" for c in classes if _in_repository(c)}
    assert {
        "megfile_core.builtin.fs.FSPath",
        "megfile_core.builtin.stdio.StdioPath",
        "megfile_s3.path.S3Path",
        "megfile_sftp.path.SftpPath",
        "megfile_http.path.HttpPath",
    } <= ours
    documented = _documented("paths.md")
    assert ours <= documented, f"missing from docs/api/paths.md: {sorted(ours - documented)}"
    foreign = {c.__qualname__ for c in classes if not _in_repository(c)}
    assert "DemoPath" in foreign and not any(d.endswith(".DemoPath") for d in documented)


def test_hooks_registrar_and_smart_path_are_documented() -> None:
    assert {"megfile_core.hookspecs", "megfile_core.registry.Registrar"} <= _documented("hooks.md")
    assert "megfile_core.smart_path.SmartPath" in _documented("smart-path.md")
    assert "megfile_core.pathlike.BasePath" in _documented("paths.md")


def test_rest_markup_becomes_markdown() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from griffe_docstrings import to_markdown
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert to_markdown("Like :func:`smart_stat`; raises :class:`~a.b.Err`.") == (
        "Like `smart_stat`; raises `Err`."
    )
    assert to_markdown("Example::\n\n    code\n") == "Example:\n\n    code\n"
    assert to_markdown(".. versionadded:: 0.2\n") == "*Added in version 0.2.*\n"
