"""megfile-webdav is written the way a third party would write a plugin: it uses
megfile_core's public API only. Every module is parsed and checked for

* imports of a private module or name (``from megfile_core.x import _y``,
  ``import megfile_core._x``),
* attribute access to a private name through a megfile_core module
  (``megfile_core.x._y``),
* use or override of BasePath's private helpers (``self._derive``), except the
  hooks docs/plugins.md documents for backends to override.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import megfile_webdav
from megfile_core.pathlike import BasePath

PACKAGE = Path(megfile_webdav.__file__).parent
#: the underscore methods docs/plugins.md tells backends to implement or override
DOCUMENTED_HOOKS = frozenset(
    {
        "_open",
        "_scan_tree",
        "_scan_tree_from",
        "_scandir_from",
        "_same_backend",
        "_content_size",
        "_load_content",
        "_parts_head",
    }
)
CORE_PRIVATE = (
    frozenset(name for name in dir(BasePath) if name.startswith("_") and not name.startswith("__"))
    - DOCUMENTED_HOOKS
)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _core_module(name: str) -> bool:
    return name == "megfile_core" or name.startswith("megfile_core.")


def _dotted(node: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def violations(source: str, filename: str = "<source>") -> list[str]:
    tree = ast.parse(source, filename)
    found: list[str] = []
    core_aliases: set[str] = set()
    for node in ast.walk(tree):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _core_module(alias.name):
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append(f"{where}: import {alias.name}")
                    core_aliases.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and _core_module(node.module):
            if any(_private(part) for part in node.module.split(".")):
                found.append(f"{where}: from {node.module} import ...")
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{where}: from {node.module} import {alias.name}")
                else:
                    core_aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.FunctionDef) and node.name in CORE_PRIVATE:
            found.append(f"{where}: overrides BasePath.{node.name} (not a documented hook)")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        where = f"{filename}:{node.lineno}"
        if node.attr in CORE_PRIVATE:
            found.append(f"{where}: uses BasePath's private .{node.attr}")
        dotted = _dotted(node)
        if dotted and dotted[0] in core_aliases and any(_private(p) for p in dotted[1:]):
            found.append(f"{where}: {'.'.join(dotted)}")
    return found


def unexported(source: str) -> list[str]:
    """Names imported from a megfile_core module whose ``__all__`` leaves them out
    (a submodule is fine)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and _core_module(node.module):
            module = importlib.import_module(node.module)
            exported = set(getattr(module, "__all__", ()))
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if alias.name in exported:
                    continue
                try:
                    importlib.import_module(submodule)
                except ImportError:
                    found.append(f"{node.module}.{alias.name}")
    return found


def test_the_plugin_imports_only_exported_names() -> None:
    problems = [v for path in sorted(PACKAGE.glob("*.py")) for v in unexported(path.read_text())]
    assert problems == []
    assert unexported("from megfile_core.url import _SCHEME") == ["megfile_core.url._SCHEME"]


def test_the_plugin_uses_only_public_core_api() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert {p.name for p in modules} >= {"__init__.py", "plugin.py", "path.py"}
    problems = [v for path in modules for v in violations(path.read_text(), path.name)]
    assert problems == []


def test_the_checker_catches_each_kind_of_private_use() -> None:
    bad = {
        "from megfile_core.path_algebra import _fspath_str": "import _fspath_str",
        "import megfile_core._hidden": "import megfile_core._hidden",
        "from megfile_core._x import y": "from megfile_core._x",
        "import megfile_core.errors\nmegfile_core.errors._display(1)": "errors._display",
        "from megfile_core import io\nio.pool._create()": "io.pool._create",
        "def f(p):\n    return p._derive('x')": "._derive",
        "class P:\n    def _other_path(self, x):\n        pass": "overrides BasePath._other_path",
    }
    for source, expected in bad.items():
        found = violations(source)
        assert any(expected in item for item in found), (source, found)
    fine = "from megfile_core.io.writer import PartWriter\ndef _open(self):\n    self._mine()"
    assert violations(fine) == []


def test_plugin_module_holds_hook_implementations_only() -> None:
    source = (PACKAGE / "plugin.py").read_text()
    assert len(source.splitlines()) <= 40
    tree = ast.parse(source)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert [f.name for f in functions] == ["megfile_register"]
    assert not [n for n in tree.body if isinstance(n, ast.ClassDef)]


def test_package_and_hook_import_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, megfile_webdav, megfile_webdav.plugin\n"
        "assert megfile_webdav.is_webdav('webdav://h/x')\n"
        "heavy = {'requests', 'urllib3', 'megfile_webdav.path'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
