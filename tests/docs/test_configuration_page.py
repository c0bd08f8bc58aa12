"""docs/configuration.md names every setting the code reads, and nothing else.

The environment variables come from the source of core and of every plugin under
``plugins/``: each ``os.environ.get`` / ``os.getenv`` / ``os.environ[...]`` read and
each call of the config helpers (``env_int``, ``env_size``, ``env_bool``). A name
built at run time becomes a pattern: ``f"MEGFILE_{backend.upper()}_MAX_WORKERS"``
is ``MEGFILE_<*>_MAX_WORKERS``, S3's ``env_name("AWS_ACCESS_KEY_ID", profile)`` is
``AWS_ACCESS_KEY_ID`` and ``<*>__AWS_ACCESS_KEY_ID``, and a scan of the environment
for a prefix (``k.startswith("MEGFILE_ALIASES__")``) is ``MEGFILE_ALIASES__<*>``.
A read whose name the scanner cannot work out fails the test, so a new kind of
lookup is taught here instead of slipping past.

The page lists variables in the first cell of the tables under "Environment
variables" (patterns spell the placeholder as they like: ``<BACKEND>``) and
config-file sections (``[alias]``) and keys (``endpoint_url``) in the first cell of
the tables under "Configuration files". Keys are read from the modules that parse
INI files (they import configparser).
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "configuration.md"

#: functions that read the variable named by their first argument
ENV_HELPERS = {"env_int", "env_size", "env_bool"}
#: reads whose name is data, not code: (file, function) -> why
DYNAMIC_READS = {
    ("megfile_core/config.py", "apply_config_env"): "any name in the [env] section",
    ("megfile_core/config.py", "get_aliases"): "the MEGFILE_ALIASES__* names it found",
}
_PLACEHOLDER = re.compile(r"<[^<>]*>")
_ENV_TOKEN = re.compile(r"^(?:[A-Z][A-Z0-9_]*|<[A-Z]+>)(?:[A-Z0-9_]|<[A-Z]+>)*$")
_KEY_TOKEN = re.compile(r"^[a-z][a-z0-9_]*$")
_RULE = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+$")
_SECTION_TOKEN = re.compile(r"^\[([a-z][a-z0-9_ -]*)\]$")


def source_files() -> list[Path]:
    files = sorted((ROOT / "megfile_core").rglob("*.py"))
    for package in sorted((ROOT / "plugins").glob("*/megfile_*")):
        files += sorted(package.rglob("*.py"))
    return files


def _is_environ(node: ast.expr, aliases: set[str]) -> bool:
    """``os.environ``, or a local name bound to it (``env = os.environ``)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id in aliases


def _func_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


class _Scanner(ast.NodeVisitor):
    """Environment variables read by one module: names, patterns, unresolved reads."""

    def __init__(self, relative: str, module: ast.Module) -> None:
        self.relative = relative
        self.found: set[str] = set()
        self.unresolved: list[str] = []
        self.constants = self._tuples(module)
        self.function: ast.FunctionDef | ast.AsyncFunctionDef | None = None
        self._bound: dict[str, set[str] | None] = {}  # comprehension names in scope
        self.aliases: set[str] = set()  # names bound to os.environ in the function

    @staticmethod
    def _tuples(module: ast.Module) -> dict[str, list[str]]:
        """Module-level ``NAME = ("A", "B")`` tuples of strings."""
        result = {}
        for statement in module.body:
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                items = statement.value.elts
                if all(isinstance(i, ast.Constant) and isinstance(i.value, str) for i in items):
                    for target in statement.targets:
                        if isinstance(target, ast.Name):
                            result[target.id] = [i.value for i in items]  # type: ignore[attr-defined]
        return result

    def _environ_aliases(self) -> set[str]:
        aliases: set[str] = set()
        if self.function is None:
            return aliases
        for node in ast.walk(self.function):
            if isinstance(node, ast.Assign) and _is_environ(node.value, set()):
                aliases.update(t.id for t in node.targets if isinstance(t, ast.Name))
        return aliases

    def _resolve(self, node: ast.expr, depth: int = 0) -> set[str] | None:
        """The names (patterns with ``<*>``) ``node`` can evaluate to; None: unknown.

        A list built by a comprehension resolves to its elements' names."""
        if depth > 8:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.JoinedStr):
            parts = [
                v.value if isinstance(v, ast.Constant) else "<*>"
                for v in node.values
                if not isinstance(v, ast.Constant) or isinstance(v.value, str)
            ]
            return {"".join(str(p) for p in parts)}
        if isinstance(node, ast.Call) and _func_name(node.func) == "env_name" and node.args:
            base = self._resolve(node.args[0], depth + 1)
            return None if base is None else base | {f"<*>__{name}" for name in base}
        if isinstance(node, ast.Name):
            if node.id in self._bound:
                return self._bound[node.id]
            return self._bindings(node.id, depth)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            saved = self._bind(node.generators, depth)
            try:
                return self._resolve(node.elt, depth + 1)
            finally:
                self._bound = saved
        return None

    def _bind(
        self, generators: list[ast.comprehension], depth: int = 0
    ) -> dict[str, set[str] | None]:
        """Bind the loop names of a comprehension; returns the bindings to restore."""
        saved = dict(self._bound)
        for generator in generators:
            if isinstance(generator.target, ast.Name):
                self._bound[generator.target.id] = self._loop_values(generator.iter, depth)
        return saved

    def _loop_values(self, node: ast.expr, depth: int) -> set[str] | None:
        items = self._iterable(node)
        if items is not None:
            return set(items)
        return self._resolve(node, depth + 1) if isinstance(node, ast.Name) else None

    def _bindings(self, name: str, depth: int) -> set[str] | None:
        """Every value a local name gets by assignment or ``for`` loop anywhere in the
        function (None when one of them is unknown or there is none)."""
        if self.function is None:
            return None
        values: set[str] = set()
        for node in ast.walk(self.function):
            resolved: set[str] | None
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets
            ):
                resolved = self._resolve(node.value, depth + 1)
            elif (
                isinstance(node, ast.For)
                and isinstance(node.target, ast.Name)
                and node.target.id == name
            ):
                resolved = self._loop_values(node.iter, depth)
            else:
                continue
            if resolved is None:
                return None
            values |= resolved
        return values or None

    def _iterable(self, node: ast.expr) -> list[str] | None:
        """Strings a loop runs over: a tuple or list of literals, a module-level tuple,
        or a literal tuple with such a tuple starred in it."""
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.constants[node.id]
        if not isinstance(node, ast.Tuple | ast.List):
            return None
        items: list[str] = []
        for item in node.elts:
            if isinstance(item, ast.Constant) and isinstance(item.value, str):
                items.append(item.value)
                continue
            inner = self._iterable(item.value) if isinstance(item, ast.Starred) else None
            if inner is None:
                return None
            items += inner
        return items

    def _read(self, node: ast.AST, argument: ast.expr) -> None:
        function = self.function.name if self.function else "<module>"
        if function in ENV_HELPERS:  # the helpers themselves: their callers are scanned
            return
        names = self._resolve(argument)
        if names is None:
            if (self.relative, function) not in DYNAMIC_READS:
                self.unresolved.append(f"{self.relative}:{node.lineno} in {function}()")  # type: ignore[attr-defined]
            return
        self.found |= names

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = (self.function, self.aliases), node
        self.aliases = self._environ_aliases()
        self.generic_visit(node)
        self.function, self.aliases = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        name = _func_name(node.func)
        aliases = self.aliases
        if node.args:
            environ_get = (
                name == "get"
                and isinstance(node.func, ast.Attribute)
                and _is_environ(node.func.value, aliases)
            )
            if environ_get or name == "getenv" or name in ENV_HELPERS:
                self._read(node, node.args[0])
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Load) and _is_environ(node.value, self.aliases):
            self._read(node, node.slice)
        self.generic_visit(node)

    def _prefix_scan(self, generators: list[ast.comprehension]) -> None:
        """``(k for k in environ if k.startswith("PREFIX"))`` reads ``PREFIX<*>``."""
        for generator in generators:
            if not _is_environ(generator.iter, self.aliases):
                continue
            for condition in generator.ifs:
                for call in ast.walk(condition):
                    if (
                        isinstance(call, ast.Call)
                        and _func_name(call.func) == "startswith"
                        and call.args
                        and isinstance(call.args[0], ast.Constant)
                    ):
                        self.found.add(f"{call.args[0].value}<*>")

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._prefix_scan(node.generators)
        saved = self._bind(node.generators)
        self.generic_visit(node)
        self._bound = saved

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp  # type: ignore[assignment]


@functools.cache
def _scan_repository() -> tuple[set[str], list[str]]:
    return scan_environment(source_files())


def scan_environment(files: list[Path], root: Path = ROOT) -> tuple[set[str], list[str]]:
    """(names and patterns read, reads the scanner could not resolve)."""
    found: set[str] = set()
    unresolved: list[str] = []
    for path in files:
        module = ast.parse(path.read_text(encoding="utf-8"))
        scanner = _Scanner(path.relative_to(root).as_posix(), module)
        scanner.visit(module)
        found |= scanner.found
        unresolved += scanner.unresolved
    return found, unresolved


def _imports_configparser(module: ast.Module) -> bool:
    for node in ast.walk(module):
        if isinstance(node, ast.Import) and any(a.name == "configparser" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "configparser":
            return True
    return False


def scan_config_files(files: list[Path]) -> tuple[set[str], set[str]]:
    """(sections, keys) the INI-reading modules look up by a literal name."""
    sections: set[str] = set()
    keys: set[str] = set()

    def literal(node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return None

    for path in files:
        module = ast.parse(path.read_text(encoding="utf-8"))
        if not _imports_configparser(module):
            continue
        for node in ast.walk(module):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method, args = node.func.attr, node.args
                if method in ("has_section", "items") and args and literal(args[0]):
                    sections.add(literal(args[0]))  # type: ignore[arg-type]
                elif method == "get" and len(args) >= 2 and literal(args[1]):
                    keys.add(literal(args[1]))  # type: ignore[arg-type]  # parser.get(sec, key)
                elif method == "get" and args and literal(args[0]):
                    keys.add(literal(args[0]))  # type: ignore[arg-type]  # mapping.get(key)
            elif isinstance(node, ast.Subscript) and literal(node.slice):  # type: ignore[arg-type]
                keys.add(literal(node.slice))  # type: ignore[arg-type]
    keys = {k for k in keys if _KEY_TOKEN.match(k)}
    sections = {s for s in sections if _KEY_TOKEN.match(s)}
    return sections, keys


def _sections(text: str) -> dict[str, str]:
    """Top-level (``## ``) sections of a Markdown page by title."""
    result: dict[str, str] = {}
    title = ""
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:].strip()
        result[title] = result.get(title, "") + line + "\n"
    return result


def _first_cells(text: str) -> list[str]:
    """Backticked tokens in the first cell of every table row (header and rule skipped)."""
    tokens = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if not line.lstrip().startswith("|"):
            continue
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if _RULE.match(following) or _RULE.match(line.strip()):
            continue  # a header row (the next line is the rule) or the rule itself
        cell = line.strip().strip("|").split("|")[0]
        tokens += re.findall(r"`([^`]+)`", cell)
    return tokens


def documented_environment(text: str) -> set[str]:
    block = _sections(text).get("Environment variables", "")
    return {t for t in _first_cells(block) if _ENV_TOKEN.match(t)}


def documented_config_files(text: str) -> tuple[set[str], set[str]]:
    block = _sections(text).get("Configuration files", "")
    cells = _first_cells(block)
    sections = {m.group(1) for t in cells if (m := _SECTION_TOKEN.match(t))}
    keys = {t for t in cells if _KEY_TOKEN.match(t)}
    return sections, keys


def normalise(name: str) -> str:
    return _PLACEHOLDER.sub("<*>", name)


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile("^" + r"[A-Z0-9_]+".join(map(re.escape, name.split("<*>"))) + "$")


def compare(read: set[str], documented: set[str]) -> tuple[list[str], list[str]]:
    """(read but undocumented, documented but never read); patterns match patterns
    exactly (placeholders normalised) and a documented concrete name may stand for a
    pattern's instance."""
    documented_norm = {normalise(d) for d in documented}
    missing = sorted(name for name in read if name not in documented_norm)
    patterns = [_pattern(name) for name in read if "<*>" in name]
    stray = sorted(
        d
        for d in documented
        if normalise(d) not in read and ("<" in d or not any(p.match(d) for p in patterns))
    )
    return missing, stray


# -- the tests ----------------------------------------------------------------------


def test_every_environment_variable_read_is_on_the_configuration_page() -> None:
    read, unresolved = _scan_repository()
    assert not unresolved, f"cannot tell which variable these read: {unresolved}"
    missing, _ = compare(read, documented_environment(PAGE.read_text(encoding="utf-8")))
    assert not missing, f"read by the code, missing from docs/configuration.md: {missing}"


def test_every_variable_on_the_configuration_page_is_read() -> None:
    read, _ = _scan_repository()
    _, stray = compare(read, documented_environment(PAGE.read_text(encoding="utf-8")))
    assert not stray, f"on docs/configuration.md, read nowhere in the code: {stray}"


def test_config_file_sections_and_keys_match_the_page() -> None:
    sections, keys = scan_config_files(source_files())
    doc_sections, doc_keys = documented_config_files(PAGE.read_text(encoding="utf-8"))
    assert sections == doc_sections
    assert keys == doc_keys


def test_scanner_finds_each_kind_of_read(tmp_path: Path) -> None:
    """The scanner itself: every shape of lookup the code uses, and a failure for one
    it cannot resolve (so the tests above cannot pass by finding nothing)."""
    source = tmp_path / "sample.py"
    source.write_text(
        "import os\n"
        "from megfile_core import config\n"
        "ENDS = ('E1', 'E2')\n"
        "def a():\n"
        "    os.environ.get('A_PLAIN')\n"
        "    os.getenv('A_GETENV')\n"
        "    return os.environ['A_ITEM']\n"
        "def b(backend):\n"
        "    name = f'B_{backend.upper()}_WORKERS'\n"
        "    return config.env_int(name, 1) + config.env_size('B_SIZE', 2)\n"
        "def c(profile):\n"
        "    env = os.environ\n"
        "    for n in ENDS:\n"
        "        env.get(env_name(n, profile))\n"
        "    names = [env_name(m, profile) for m in ('F1', *ENDS)]\n"
        "    any(env.get(x) for x in names)\n"
        "    return [k for k in os.environ if k.startswith('C_PREFIX__')]\n"
        "def d(anything):\n"
        "    return os.environ.get(anything)\n"
    )
    found, unresolved = scan_environment([source], root=tmp_path)
    assert found == {
        "A_PLAIN",
        "A_GETENV",
        "A_ITEM",
        "B_<*>_WORKERS",
        "B_SIZE",
        "E1",
        "E2",
        "<*>__E1",
        "<*>__E2",
        "F1",
        "<*>__F1",
        "C_PREFIX__<*>",
    }
    assert len(unresolved) == 1 and "in d()" in unresolved[0]


def test_page_parsing_and_comparison() -> None:
    page = (
        "# Configuration\n\n## Environment variables\n\n"
        "| variable | meaning |\n|---|---|\n"
        "| `MEGFILE_X` | x, see `NOT_A_ROW` |\n"
        "| `AWS_K`, `<PROFILE>__AWS_K` | k |\n"
        "| `MEGFILE_<BACKEND>_N` | n |\n\n"
        "## Configuration files\n\n| key | meaning |\n|---|---|\n"
        "| `[alias]` | aliases |\n| `endpoint_url` | where |\n"
    )
    documented = documented_environment(page)
    assert documented == {"MEGFILE_X", "AWS_K", "<PROFILE>__AWS_K", "MEGFILE_<BACKEND>_N"}
    assert documented_config_files(page) == ({"alias"}, {"endpoint_url"})
    read = {"MEGFILE_X", "AWS_K", "<*>__AWS_K", "MEGFILE_<*>_N", "MEGFILE_Y"}
    assert compare(read, documented) == (["MEGFILE_Y"], [])
    fewer = read - {"MEGFILE_X", "MEGFILE_Y"}
    assert compare(fewer, documented | {"MEGFILE_S3_N"}) == ([], ["MEGFILE_X"])
