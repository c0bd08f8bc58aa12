"""megfile_core.glob: the pattern language and the backend-agnostic glob engine.

The engine is checked three ways: unit tests of each function, a dict-backed
``fakeglob://`` backend that counts its listings (so we can assert what a backend
is asked to list), and property tests comparing ``iglob_entries`` with a brute
force reference written here from scratch (its own brace expansion, segment
matcher and hidden-file rules), on the fake backend and on the real local disk.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from megfile_core.glob import (
    MAX_EXPANSIONS,
    expand_braces,
    has_magic,
    iglob_entries,
    match_path,
    split_pattern,
    translate,
)
from megfile_core.pathlike import BasePath, ContextIterator
from megfile_core.types import FileEntry, StatResult

# ---------------------------------------------------------------------------------
# A dict-backed backend that records what it is asked to list
# ---------------------------------------------------------------------------------
Node = str | tuple[str, str]  # "dir", "file" or ("link", target key)


class FakeFS:
    """Keys are POSIX paths without the scheme (``root/a/b``); ``""`` is the root."""

    def __init__(self, spec: Iterable[str] = (), links: dict[str, str] | None = None):
        self.nodes: dict[str, Node] = {"": "dir"}
        for item in spec:
            self._add(item.strip("/"), "dir" if item.endswith("/") else "file")
        for key, target in (links or {}).items():
            self._add(key, ("link", target))
        self.children: dict[str, list[str]] = {}
        for key in self.nodes:
            if key:
                parent, _, name = key.rpartition("/")
                self.children.setdefault(parent, []).append(name)
        self.scandir_calls: Counter[str] = Counter()
        self.stat_calls: Counter[str] = Counter()
        self.scan_tree_calls: list[str] = []
        self.scan_starts: list[str] = []
        self.scandir_starts: list[str] = []
        self.scan_yielded = 0

    def _add(self, key: str, node: Node) -> None:
        parts = key.split("/")
        for index in range(1, len(parts)):
            self.nodes.setdefault("/".join(parts[:index]), "dir")
        self.nodes[key] = node

    def resolve(self, key: str, follow_last: bool) -> tuple[str, Node]:
        if not key:
            return "", "dir"
        current = ""
        node: Node = "dir"
        parts = key.split("/")
        for index, part in enumerate(parts):
            if node != "dir":
                raise NotADirectoryError(key)
            current = f"{current}/{part}" if current else part
            found = self.nodes.get(current)
            if found is None:
                raise FileNotFoundError(key)
            node = found
            last = index == len(parts) - 1
            if isinstance(node, tuple) and (follow_last or not last):
                current = node[1]
                node = self.nodes[current]
        return current, node

    def stat(self, key: str, follow: bool) -> StatResult:
        _, node = self.resolve(key, follow)
        if isinstance(node, tuple):
            return StatResult(islnk=True)
        return StatResult(size=0 if node == "dir" else 3, isdir=node == "dir")


class FakeGlobPath(BasePath):
    protocol = "fakeglob"
    fs: FakeFS

    @property
    def key(self) -> str:
        return self._path.strip("/")

    def stat(self, follow_symlinks: bool = True) -> StatResult:
        self.fs.stat_calls[self.key] += 1
        return self.fs.stat(self.key, follow_symlinks)

    def scandir(self) -> ContextIterator:
        key = self.key
        self.fs.scandir_calls[key] += 1
        real, node = self.fs.resolve(key, follow_last=True)
        if node != "dir":
            raise NotADirectoryError(str(self))
        entries = [
            FileEntry(
                name,
                str(self.joinpath(name)),
                self.fs.stat(f"{key}/{name}" if key else name, False),
            )
            # reverse order: like a real directory, a listing is not sorted
            for name in sorted(self.fs.children.get(real, []), reverse=True)
        ]
        return ContextIterator(iter(entries))

    def _scan_tree(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        self.fs.scan_tree_calls.append(self.key)
        return super()._scan_tree(followlinks)

    def _scandir_from(self, start: str) -> ContextIterator:
        """Like a key-prefix listing: no name that does not begin with ``start``
        (the property tests check that no match is lost)."""
        self.fs.scandir_starts.append(start)
        with self.scandir() as entries:
            kept = [entry for entry in entries if entry.name.startswith(start)]
        return ContextIterator(iter(kept))


class FakeObjectStorePath(FakeGlobPath):
    """Lists a whole tree in one go, like S3: ``_scan_tree`` never calls scandir;
    and like S3, ``dir/**`` does not yield ``dir/`` itself."""

    glob_base_dir = False

    def _scan_tree(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        self.fs.scan_tree_calls.append(self.key)
        return self._listing()

    def _scan_tree_from(
        self, start: str, followlinks: bool = False
    ) -> Iterator[tuple[str, FileEntry]]:
        """Like a key-prefix listing: nothing whose relative path does not begin
        with ``start`` (the property tests check that no match is lost)."""
        self.fs.scan_tree_calls.append(self.key)
        self.fs.scan_starts.append(start)
        return self._listing(start)

    def _listing(self, start: str = "") -> Iterator[tuple[str, FileEntry]]:
        prefix = self.key + "/" if self.key else ""
        for key in sorted(self.fs.nodes):
            if key and key.startswith(prefix + start):
                relative = key[len(prefix) :]
                self.fs.scan_yielded += 1
                entry = FileEntry(
                    relative.rpartition("/")[2],
                    str(self.joinpath(relative)),
                    self.fs.stat(key, False),
                )
                yield relative, entry


def fake(fs: FakeFS, url: str, cls: type[FakeGlobPath] = FakeGlobPath) -> FakeGlobPath:
    path = cls(url)
    path.fs = fs
    return path


def globbed(path: BasePath, **options: Any) -> list[str]:
    """Sorted result paths; fails on a duplicate."""
    found = [entry.path for entry in iglob_entries(path, **options)]
    assert len(found) == len(set(found)), f"duplicates in {found}"
    return sorted(found)


TREE = FakeFS(
    [
        "root/a/x/c/1.txt",
        "root/a/x/c/2.py",
        "root/a/y/c/3.txt",
        "root/a/w/d/4.txt",
        "root/a/z",
        "root/a/top.txt",
        "root/b/x/c/5.txt",
        "root/b/xa.txt",
        "root/empty/",
    ]
)


def tree() -> FakeFS:
    """A fresh copy of TREE (fresh counters)."""
    fresh = FakeFS()
    fresh.nodes = dict(TREE.nodes)
    fresh.children = {key: list(names) for key, names in TREE.children.items()}
    return fresh


# ---------------------------------------------------------------------------------
# has_magic / expand_braces
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("abc/def", False),
        ("a*", True),
        ("a?c", True),
        ("[ab]", True),
        ("[!a]x", True),
        ("a[b", False),
        ("a]b", False),
        ("a[b/c]", False),
        ("{a,b}", True),
        ("x{a,b}y", True),
        ("{a}", False),
        ("a{b", False),
        ("a}b,c", False),
        ("[{]a,b}", True),
        ("{[,]}", True),
        ("", False),
    ],
)
def test_has_magic(pattern: str, expected: bool) -> None:
    assert has_magic(pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("plain/path", ["plain/path"]),
        ("{a,b}", ["a", "b"]),
        ("x{a,b}y", ["xay", "xby"]),
        ("{a,b{c,d}}", ["a", "bc", "bd"]),
        ("x{a,{b,c}}y", ["xay", "xby", "xcy"]),
        ("a{,b}", ["a", "ab"]),
        ("{,}", [""]),
        ("{a,b}{1,2}", ["a1", "a2", "b1", "b2"]),
        ("{b,a,b,a}", ["b", "a"]),
        ("{a,a}/{x,x}", ["a/x"]),
        ("{a", ["{a"]),
        ("a}", ["a}"]),
        ("{a}", ["{a}"]),
        ("{a}{b,c}", ["{a}b", "{a}c"]),
        ("{a{b,c}}", ["{ab}", "{ac}"]),
        ("{{a,b}", ["{a", "{b"]),
        ("{a,b}}", ["a}", "b}"]),
        ("{a,{b,c}", ["{a,b", "{a,c"]),
        ("[{a,b}]", ["[{a,b}]"]),
        ("[{]{x,y}", ["[{]x", "[{]y"]),
        ("{[,],z}", ["[,]", "z"]),
        ("{a/b,c}/d", ["a/b/d", "c/d"]),
        ("a/{b,c/{d,e}}", ["a/b", "a/c/d", "a/c/e"]),
    ],
)
def test_expand_braces(pattern: str, expected: list[str]) -> None:
    assert expand_braces(pattern) == expected


def test_expand_braces_bound() -> None:
    under = "{a,b}" * 13  # 8192 alternatives
    assert len(expand_braces(under)) == 2**13 <= MAX_EXPANSIONS
    started = time.perf_counter()
    for pattern in ("{a,b}" * 14, "{a,b}" * 200, ("{" + ",".join("0123456789") + "}") * 5):
        with pytest.raises(ValueError, match="more than 10000 alternatives"):
            expand_braces(pattern)
    assert time.perf_counter() - started < 2


def test_expand_braces_nesting_bound() -> None:
    deep = "{a," * 2000 + "b" + "}" * 2000
    with pytest.raises(ValueError, match="nest deeper"):
        expand_braces(deep)
    unbalanced = "{a," * 5000  # literal, and not quadratic
    assert expand_braces(unbalanced) == [unbalanced]


# ---------------------------------------------------------------------------------
# translate
# ---------------------------------------------------------------------------------
def matches(pattern: str, path: str, **options: bool) -> bool:
    return re.fullmatch(translate(pattern, **options), path) is not None


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.py", "a.py", True),
        ("*.py", "d/a.py", False),
        ("?.py", "ab.py", False),
        ("?", "/", False),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("a/**/b", "ab", False),
        ("a/**/b", "a/x/yb", False),
        ("a/**", "a", True),
        ("a/**", "a/x/y", True),
        ("a/**", "ab", False),
        ("**", "x/y/z", True),
        ("**/*.py", "x.py", True),
        ("**/*.py", "d/e/x.py", True),
        ("**/*.py", "d/x.pyc", False),
        ("a/**/**/b", "a/b", True),
        ("a/**/**", "a/x", True),
        ("a/**/**", "a", True),
        ("**/**/b", "b", True),
        ("a**b", "aXYb", True),
        ("a**b", "aX/Yb", False),
        ("**b", "x/b", False),
        ("[ab]c", "bc", True),
        ("[!ab]c", "bc", False),
        ("[^ab]c", "xc", True),
        ("x[!a]y", "x/y", False),
        ("[]]", "]", True),
        ("[]a]", "a", True),
        ("[!]]", "]", False),
        ("[!]]", "x", True),
        ("[a-c]", "b", True),
        ("[a-c]", "d", False),
        ("[z-a]", "m", False),
        ("[!z-a]", "m", True),
        ("[a-]", "-", True),
        ("x[+-0]y", "x.y", True),
        ("x[+-0]y", "x/y", False),
        ("a[b", "a[b", True),
        ("a[b/c]", "a[b/c]", True),
        ("a[b/c]", "ab/c", False),
        ("[", "[", True),
        ("a.b", "aXb", False),
        ("(x)+|y", "(x)+|y", True),
        ("a\\*", "a\\bcd", True),
        ("{a,b}", "{a,b}", True),
        ("/abs/*", "/abs/x", True),
        ("", "", True),
        ("*", ".hidden", True),
        ("a/*", "a/", False),
        ("a/**/*", "a", False),
        ("a/**/*", "a/x", True),
        ("*/b", "/b", False),
        ("**", "", True),
    ],
)
def test_translate(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("a/**/b", "a/b", False),
        ("a/**/b", "a/x/b", True),
        ("a/**/b", "a/x/y/b", False),
        ("**", "x", True),
        ("**", "x/y", False),
    ],
)
def test_translate_not_recursive(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path, recursive=False) is expected


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*", ".x", False),
        (".*", ".x", True),
        ("?x", ".x", False),
        ("[.]x", ".x", False),
        (".x", ".x", True),
        ("**/b", "a/.h/b", False),
        ("**/b", ".h/b", False),
        ("**/.b", "a/.b", True),
        ("a/**", "a/x/.y", False),
        ("*/*", "a/.b", False),
    ],
)
def test_translate_hidden_rules(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path, include_hidden=False) is expected
    assert matches(pattern, path, include_hidden=True) is True


@pytest.mark.timeout(10)
def test_translate_many_stars_is_fast() -> None:
    started = time.perf_counter()
    pattern = "*a" * 15 + "*b"
    assert not matches(pattern, "a" * 250)
    assert matches(pattern, "a" * 250 + "b")
    assert not match_path("d/" + "a" * 250, "*a*a*a*a*a*a*a*a*a*a*a*b", False)
    assert time.perf_counter() - started < 2


# ---------------------------------------------------------------------------------
# match_path (PurePath.match)
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "pattern", "anchored", "expected"),
    [
        ("a/b.py", "*.py", False, True),
        ("a/b.py", "b.py", False, True),
        ("a/b.py", "a/*.py", False, True),
        ("a/b.py", "x/*.py", False, False),
        ("a/b.py", "*/a/b.py", False, False),
        ("a/b.py", "*.py", True, False),
        ("a/b.py", "a/*.py", True, True),
        ("/a/b.py", "/*.py", False, False),
        ("/a/b.py", "/a/*.py", False, True),
        ("a/b/c.py", "a/**/*.py", True, True),
        ("a/c.py", "a/**/*.py", True, True),
        ("a/c.py", "a/**", True, True),
        ("x/a/b/c.py", "a/**", False, True),
        ("x/a/b/c.py", "a/**", True, False),
        ("x/y.py", "**/*.py", False, True),
        ("a/b.txt", "*.{py,txt}", False, True),
        ("a/b.md", "*.{py,txt}", False, False),
        ("a/b.py", "{x,a}/*.py", True, True),
        ("A.PY", "*.py", False, False),
        (".x", "*", False, True),
        ("a/b/", "b", False, True),
        ("a//b", "a/b", True, True),
        ("", "*", False, False),
        ("a/b.py", "/a/*.py", False, False),
    ],
)
def test_match_path(path: str, pattern: str, anchored: bool, expected: bool) -> None:
    assert match_path(path, pattern, anchored) is expected


def test_match_path_empty_pattern() -> None:
    with pytest.raises(ValueError, match="empty pattern"):
        match_path("a", "", False)


MATCH_NAMES = st.sampled_from(["a", "b", "ab", ".h", "a.py", "x"])
MATCH_SEGMENTS = st.sampled_from(
    ["a", "b", "*", "?", "[ab]", "[!a]", "*.py", "a*", ".*", "?b", "*b*", "[]a]"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(MATCH_NAMES, min_size=1, max_size=4),
    st.lists(MATCH_SEGMENTS, min_size=1, max_size=4),
)
def test_match_path_agrees_with_pathlib(names: list[str], segments: list[str]) -> None:
    path, pattern = "/".join(names), "/".join(segments)
    relative = PurePosixPath(path).match(pattern)
    assert match_path(path, pattern, anchored=False) is relative
    anchored = PurePosixPath("/" + path).match("/" + pattern)
    assert match_path(path, pattern, anchored=True) is anchored


def test_base_path_match_uses_match_path() -> None:
    path = FakeGlobPath("fakeglob://root/a/b.py")
    assert path.match("*.py")
    assert path.match("a/{b,c}.py")
    assert path.match("fakeglob://root/**/*.py")
    assert not path.match("fakeglob://a/*.py")
    assert not path.match("*.txt")


# ---------------------------------------------------------------------------------
# split_pattern
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("a/b/*.txt", [("a/b", "*.txt")]),
        ("bucket/a/*/c/*.txt", [("bucket/a", "*/c/*.txt")]),
        ("/data/x*", [("/data", "x*")]),
        ("/*", [("/", "*")]),
        ("*.txt", [("", "*.txt")]),
        ("a/b", [("a/b", "")]),
        ("a/b/", [("a/b/", "")]),
        ("a/*/", [("a", "*/")]),
        ("a[b/c", [("a[b/c", "")]),
        ("a/**/b", [("a", "**/b")]),
        ("{a,b}/x*", [("a", "x*"), ("b", "x*")]),
        ("{a,a}/*", [("a", "*")]),
        ("{a,b/c}/*", [("a", "*"), ("b/c", "*")]),
        ("a/{x*,y*/c}", [("a", "{x*,y*/c}")]),
        ("{a,a/*}", [("a", "{,*}")]),
        ("{a,b}", [("a", ""), ("b", "")]),
        ("a/{{x}*,y*}", [("a", "{[{]x[}]*,y*}")]),
        ("a/{[,]*,b[c/*}", [("a", "[,]*"), ("a/b[c", "*")]),
    ],
)
def test_split_pattern(pattern: str, expected: list[tuple[str, str]]) -> None:
    assert split_pattern(pattern) == expected


def test_split_pattern_combined_rest_expands_back() -> None:
    [(prefix, rest)] = split_pattern("d/{x,y}*/{a,b}")
    assert prefix == "d"
    assert expand_braces(rest) == ["x*/a", "x*/b", "y*/a", "y*/b"]
    # literal "[" "{" "}" "," in a rest come back as one-character sets
    [(_, rest)] = split_pattern("d/{p[*,q{a}*,r*}")
    assert expand_braces(rest) == ["p[[]*", "q[{]a[}]*", "r*"]
    for name in ("p[z", "q{a}z", "rz"):
        assert match_path(f"d/{name}", f"d/{rest}", True)
    assert not match_path("d/pz", f"d/{rest}", True)
    [(_, rest)] = split_pattern("d/{x,y},z*")
    assert rest == "{x[,]z*,y[,]z*}"
    assert match_path("d/y,zz", f"d/{rest}", True)


# ---------------------------------------------------------------------------------
# iglob_entries on the fake backend
# ---------------------------------------------------------------------------------
def test_walk_lists_only_what_can_match() -> None:
    fs = tree()
    found = globbed(fake(fs, "fakeglob://root/a/*/c/*.txt"))
    assert found == ["fakeglob://root/a/x/c/1.txt", "fakeglob://root/a/y/c/3.txt"]
    assert set(fs.scandir_calls) == {"root/a", "root/a/w/c", "root/a/x/c", "root/a/y/c"}
    assert max(fs.scandir_calls.values()) == 1
    assert fs.scan_tree_calls == []


def test_literal_segments_are_derived_not_listed() -> None:
    fs = tree()
    found = globbed(fake(fs, "fakeglob://root/*/x/c/1.txt"))
    assert found == ["fakeglob://root/a/x/c/1.txt"]
    assert dict(fs.scandir_calls) == {"root": 1}
    assert set(fs.stat_calls) == {
        "root/a/x/c/1.txt",
        "root/b/x/c/1.txt",
        "root/empty/x/c/1.txt",
    }


def test_recursive_pattern_scans_the_prefix_once() -> None:
    fs = tree()
    found = globbed(fake(fs, "fakeglob://root/a/**/*.txt"))
    assert found == [
        "fakeglob://root/a/top.txt",
        "fakeglob://root/a/w/d/4.txt",
        "fakeglob://root/a/x/c/1.txt",
        "fakeglob://root/a/y/c/3.txt",
    ]
    assert fs.scan_tree_calls == ["root/a"]
    assert not any(key.startswith("root/b") for key in fs.scandir_calls)


def test_recursive_pattern_on_an_object_store_lists_nothing_else() -> None:
    fs = tree()
    path = fake(fs, "fakeglob://root/{a/**/c/*.txt,b/**/*.txt}", FakeObjectStorePath)
    assert globbed(path) == [
        "fakeglob://root/a/x/c/1.txt",
        "fakeglob://root/a/y/c/3.txt",
        "fakeglob://root/b/x/c/5.txt",
        "fakeglob://root/b/xa.txt",
    ]
    assert fs.scan_tree_calls == ["root/a", "root/b"]
    assert not fs.scandir_calls
    fs = tree()
    path = fake(fs, "fakeglob://root/{b/x*/**/*.txt,b/xa.t?t}", FakeObjectStorePath)
    assert globbed(path) == ["fakeglob://root/b/x/c/5.txt", "fakeglob://root/b/xa.txt"]
    assert fs.scan_starts == ["x"]  # the literal text after root/b/ both begin with


@pytest.mark.parametrize(
    ("segments", "start"),
    [
        (["**"], ""),
        (["x*", "**"], "x"),
        (["a", "b", "c?d"], "a/b/c"),
        (["a", "b"], "a/b"),
        (["v[12]", "**"], "v"),
        (["**", "x*"], ""),
        (["ab*", "a*"], "ab"),
    ],
)
def test_literal_start(segments: list[str], start: str) -> None:
    from megfile_core.glob import _Alt, _literal_start

    assert _literal_start([_Alt(tuple(segments), False)]) == start
    assert _literal_start([_Alt(tuple(segments), False), _Alt(("q",), True)]) == ""


def test_brace_prefixes_are_listed_once_each() -> None:
    fs = tree()
    assert globbed(fake(fs, "fakeglob://root/{a,b}/x*")) == [
        "fakeglob://root/a/x",
        "fakeglob://root/b/x",
        "fakeglob://root/b/xa.txt",
    ]
    assert dict(fs.scandir_calls) == {"root/a": 1, "root/b": 1}
    assert fs.scandir_starts == ["x", "x"]  # only names beginning with x were needed

    fs = tree()
    assert globbed(fake(fs, "fakeglob://root/a/{x*,y*,x}")) == [
        "fakeglob://root/a/x",
        "fakeglob://root/a/y",
    ]
    assert dict(fs.scandir_calls) == {"root/a": 1}

    fs = tree()  # a prefix below another prefix is folded into it
    assert globbed(fake(fs, "fakeglob://root/{a/*.txt,a/x/c/*}")) == [
        "fakeglob://root/a/top.txt",
        "fakeglob://root/a/x/c/1.txt",
        "fakeglob://root/a/x/c/2.py",
    ]
    assert dict(fs.scandir_calls) == {"root/a": 1, "root/a/x/c": 1}


# the bases that a trailing "**" yields in these tables ("dir/**" -> "dir/"), which
# an object store leaves out
_BASES = frozenset(("root/", "root/b/", "root/.h/"))


def _for_class(expected: list[str], cls: type[BasePath]) -> list[str]:
    return expected if cls.glob_base_dir else [p for p in expected if p not in _BASES]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("root/{a,a}/x", ["root/a/x"]),
        ("root/a/{*,x}", ["root/a/top.txt", "root/a/w", "root/a/x", "root/a/y", "root/a/z"]),
        ("root/b/{**/5.txt,x/c/5.txt}", ["root/b/x/c/5.txt"]),
        ("root/{**/c,a/x/c}", ["root/a/x/c", "root/a/y/c", "root/b/x/c"]),
        (
            "root/{b/**,b/x/**,b/*.txt}",
            ["root/b/", "root/b/x", "root/b/x/c", "root/b/x/c/5.txt", "root/b/xa.txt"],
        ),
        ("root/{a/*/,a/x}", ["root/a/w/", "root/a/x", "root/a/y/"]),
        ("root/b/{xa.txt,xa.txt/}", ["root/b/xa.txt"]),
        ("root/b/**/*", ["root/b/x", "root/b/x/c", "root/b/x/c/5.txt", "root/b/xa.txt"]),
    ],
)
def test_overlapping_alternatives_yield_each_path_once(pattern: str, expected: list[str]) -> None:
    for cls in (FakeGlobPath, FakeObjectStorePath):
        fs = tree()
        found = globbed(fake(fs, "fakeglob://" + pattern, cls))
        assert found == ["fakeglob://" + path for path in _for_class(expected, cls)]
        assert len(fs.scan_tree_calls) <= 1


def test_one_level_results_come_in_name_order() -> None:
    found = [entry.path for entry in iglob_entries(fake(tree(), "fakeglob://root/a/*"))]
    assert found == sorted(found)
    assert len(found) == 5


def test_entries_carry_name_and_stat() -> None:
    entries = sorted(iglob_entries(fake(tree(), "fakeglob://root/a/*")))
    by_path = {entry.path: entry for entry in entries}
    assert by_path["fakeglob://root/a/x"] == FileEntry(
        "x", "fakeglob://root/a/x", StatResult(isdir=True)
    )
    assert by_path["fakeglob://root/a/top.txt"].stat == StatResult(size=3)
    assert all(e.name == e.path.rpartition("/")[2] for e in entries)


def test_pattern_without_magic_is_a_stat() -> None:
    fs = tree()
    [entry] = iglob_entries(fake(fs, "fakeglob://root/a/x/c/1.txt"))
    assert entry == FileEntry("1.txt", "fakeglob://root/a/x/c/1.txt", StatResult(size=3))
    assert not fs.scandir_calls
    assert dict(fs.stat_calls) == {"root/a/x/c/1.txt": 1}
    assert globbed(fake(fs, "fakeglob://root/a/nope")) == []
    assert globbed(fake(fs, "fakeglob://root/a/{x}")) == []  # "{x}" is literal
    assert globbed(fake(fs, "fakeglob://root/a/x/")) == ["fakeglob://root/a/x/"]
    assert globbed(fake(fs, "fakeglob://root/a/z/")) == []  # a file


def test_missing_directories_are_not_errors() -> None:
    for pattern in ("nope/*", "nope/**", "root/a/z/*", "root/a/z/**/x", "root/*/nope/*"):
        for cls in (FakeGlobPath, FakeObjectStorePath):
            assert globbed(fake(tree(), "fakeglob://" + pattern, cls)) == []


def test_missing_ok_false_raises_naming_the_pattern() -> None:
    entries = iglob_entries(fake(tree(), "fakeglob://root/nope/*.txt"), missing_ok=False)
    with pytest.raises(FileNotFoundError, match=r"No match any file: fakeglob://root/nope/\*\.txt"):
        list(entries)
    with pytest.raises(FileNotFoundError, match="No match any file"):
        list(iglob_entries(fake(tree(), "fakeglob://root/a/nope"), missing_ok=False))
    found = globbed(fake(tree(), "fakeglob://root/*/xa.txt"), missing_ok=False)
    assert found == ["fakeglob://root/b/xa.txt"]


def test_trailing_slash_matches_directories_only() -> None:
    assert globbed(fake(tree(), "fakeglob://root/a/*/")) == [
        "fakeglob://root/a/w/",
        "fakeglob://root/a/x/",
        "fakeglob://root/a/y/",
    ]
    assert globbed(fake(tree(), "fakeglob://root/b/**/")) == [
        "fakeglob://root/b/",
        "fakeglob://root/b/x/",
        "fakeglob://root/b/x/c/",
    ]
    # an object store's "directory" is a key prefix: never yielded itself (megfile)
    assert globbed(fake(tree(), "fakeglob://root/b/**/", FakeObjectStorePath)) == [
        "fakeglob://root/b/x/",
        "fakeglob://root/b/x/c/",
    ]


HIDDEN = FakeFS(
    [
        "root/.h/a.txt",
        "root/.h/d/b.txt",
        "root/v/.g.txt",
        "root/v/f.txt",
        "root/v/.d/c.txt",
        "root/v/e/.i/j.txt",
    ]
)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("root/*", ["root/v"]),
        ("root/.*", ["root/.h"]),
        ("root/?h", []),
        ("root/[.]h", []),
        ("root/[!x]h", []),
        ("root/.h/*", ["root/.h/a.txt", "root/.h/d"]),
        ("root/.h/**", ["root/.h/", "root/.h/a.txt", "root/.h/d", "root/.h/d/b.txt"]),
        ("root/**", ["root/", "root/v", "root/v/e", "root/v/f.txt"]),
        ("root/**/*.txt", ["root/v/f.txt"]),
        ("root/**/.g.txt", ["root/v/.g.txt"]),
        ("root/**/.*", ["root/.h", "root/v/.d", "root/v/.g.txt", "root/v/e/.i"]),
        ("root/**/.i/*", ["root/v/e/.i/j.txt"]),
        ("root/*/.d/*", ["root/v/.d/c.txt"]),
        ("root/{.h,v}/*.txt", ["root/.h/a.txt", "root/v/f.txt"]),
    ],
)
def test_hidden_entries(pattern: str, expected: list[str]) -> None:
    for cls in (FakeGlobPath, FakeObjectStorePath):
        fs = FakeFS()
        fs.nodes, fs.children = HIDDEN.nodes, HIDDEN.children
        found = globbed(fake(fs, "fakeglob://" + pattern, cls))
        assert found == ["fakeglob://" + path for path in _for_class(expected, cls)]


def linked() -> FakeFS:
    return FakeFS(["root/real/f.txt", "root/real/sub/g.txt"], {"root/link": "root/real"})


def test_double_star_does_not_follow_symlinks() -> None:
    for cls in (FakeGlobPath, FakeObjectStorePath):
        found = globbed(fake(linked(), "fakeglob://root/**", cls))
        base = ["fakeglob://root/"] if cls.glob_base_dir else []
        assert found == [
            *base,
            "fakeglob://root/link",
            "fakeglob://root/real",
            "fakeglob://root/real/f.txt",
            "fakeglob://root/real/sub",
            "fakeglob://root/real/sub/g.txt",
        ]
    [link] = [e for e in iglob_entries(fake(linked(), "fakeglob://root/**")) if e.name == "link"]
    assert link.stat.islnk
    assert not link.is_dir()


def test_single_wildcards_follow_symlinked_directories() -> None:
    assert globbed(fake(linked(), "fakeglob://root/*/f.txt")) == [
        "fakeglob://root/link/f.txt",
        "fakeglob://root/real/f.txt",
    ]
    assert globbed(fake(linked(), "fakeglob://root/*/")) == [
        "fakeglob://root/link/",
        "fakeglob://root/real/",
    ]
    assert globbed(fake(linked(), "fakeglob://root/link/")) == ["fakeglob://root/link/"]
    assert globbed(fake(linked(), "fakeglob://root/**/")) == [
        "fakeglob://root/",
        "fakeglob://root/link/",
        "fakeglob://root/real/",
        "fakeglob://root/real/sub/",
    ]


def test_results_keep_scheme_and_variant() -> None:
    assert globbed(fake(tree(), "fakeglob+v://root/b/*")) == [
        "fakeglob+v://root/b/x",
        "fakeglob+v://root/b/xa.txt",
    ]
    assert globbed(fake(tree(), "root/b/*")) == ["root/b/x", "root/b/xa.txt"]
    assert globbed(fake(tree(), "fakeglob+v://root/b/**/*.txt", FakeObjectStorePath)) == [
        "fakeglob+v://root/b/x/c/5.txt",
        "fakeglob+v://root/b/xa.txt",
    ]


def test_empty_prefix_lists_the_root() -> None:
    fs = tree()
    assert globbed(fake(fs, "fakeglob://*")) == ["fakeglob://root"]
    assert dict(fs.scandir_calls) == {"": 1}
    found = globbed(fake(tree(), "fakeglob://**/5.txt", FakeObjectStorePath))
    assert found == ["fakeglob://root/b/x/c/5.txt"]
    assert "fakeglob://" not in globbed(fake(tree(), "fakeglob://**"))


def test_an_empty_prefix_is_never_a_result() -> None:
    for cls in (FakeGlobPath, FakeObjectStorePath):
        assert globbed(fake(tree(), "fakeglob://{,*}", cls)) == ["fakeglob://root"]
        assert globbed(fake(tree(), "fakeglob://{,**/}", cls))[0] == "fakeglob://root/"


def test_literal_alternatives_missing_from_a_listing_are_not_stat() -> None:
    fs = tree()
    found = globbed(fake(fs, "fakeglob://root/a/{*.txt,nope,x}"))
    assert found == ["fakeglob://root/a/top.txt", "fakeglob://root/a/x"]
    assert dict(fs.scandir_calls) == {"root/a": 1}
    assert not fs.stat_calls


class FakeLocalPath(FakeGlobPath):
    """Like a local path: relative unless it starts with "/", and "" names nothing
    (``os.scandir("")`` fails); "." is the working directory, here the root."""

    def is_absolute(self) -> bool:
        return self._path.startswith("/")

    @property
    def key(self) -> str:
        if not self._path:
            return "\0no such directory"
        path = self._path.strip("/")
        while path == "." or path.startswith("./"):
            path = path[2:]
        return path


def test_relative_patterns_list_the_working_directory() -> None:
    fs = tree()
    assert globbed(fake(fs, "*", FakeLocalPath)) == ["root"]
    assert dict(fs.scandir_calls) == {"": 1}
    assert globbed(fake(fs, "root/b/*", FakeLocalPath)) == ["root/b/x", "root/b/xa.txt"]
    found = globbed(fake(tree(), "**/5.txt", FakeLocalPath))
    assert found == ["root/b/x/c/5.txt"]
    found = globbed(fake(tree(), "{*,root/b/xa.txt}", FakeLocalPath))
    assert found == ["root", "root/b/xa.txt"]


def test_not_recursive_double_star_is_a_star() -> None:
    fs = tree()
    found = globbed(fake(fs, "fakeglob://root/**/xa.txt"), recursive=False)
    assert found == ["fakeglob://root/b/xa.txt"]
    assert fs.scan_tree_calls == []
    assert globbed(fake(tree(), "fakeglob://root/b/**"), recursive=False) == [
        "fakeglob://root/b/x",
        "fakeglob://root/b/xa.txt",
    ]


def test_iglob_entries_is_lazy() -> None:
    fs = tree()
    entries = iglob_entries(fake(fs, "fakeglob://root/*/*"))
    assert not fs.scandir_calls  # nothing happens before the first next()
    next(entries)
    assert sum(fs.scandir_calls.values()) <= 2

    big = FakeFS([f"root/d{i}/f{j}" for i in range(50) for j in range(20)])
    entries = iglob_entries(fake(big, "fakeglob://root/**", FakeObjectStorePath))
    next(entries)
    next(entries)
    assert big.scan_yielded < 10


def test_too_many_alternatives_raise_value_error() -> None:
    with pytest.raises(ValueError, match="alternatives"):
        next(iglob_entries(fake(tree(), "fakeglob://root/" + "{a,b}" * 20)))


def test_base_path_glob_goes_through_the_engine() -> None:
    root = fake(tree(), "fakeglob://root")
    found = sorted(str(p) for p in root.glob("{a,b}/x*"))
    assert found == ["fakeglob://root/a/x", "fakeglob://root/b/x", "fakeglob://root/b/xa.txt"]
    assert all(isinstance(p, FakeGlobPath) for p in root.glob("*"))
    stats = list(root.glob_stat("b/*.txt"))
    assert [(e.name, e.path) for e in stats] == [("xa.txt", "fakeglob://root/b/xa.txt")]


# ---------------------------------------------------------------------------------
# The reference: an independent brute-force glob
# ---------------------------------------------------------------------------------
def ref_chars(pattern: str, name: str) -> bool:
    """fnmatch for ``* ? [ab] [!a]`` and literal characters (sets always closed)."""
    if not pattern:
        return not name
    head = pattern[0]
    if head == "*":
        return any(ref_chars(pattern[1:], name[i:]) for i in range(len(name) + 1))
    if not name:
        return False
    if head == "?":
        return ref_chars(pattern[1:], name[1:])
    if head == "[":
        close = pattern.index("]", 2)
        body = pattern[1:close]
        negated = body.startswith("!")
        chars = body[1:] if negated else body
        return (name[0] in chars) != negated and ref_chars(pattern[close + 1 :], name[1:])
    return head == name[0] and ref_chars(pattern[1:], name[1:])


def ref_segment(segment: str, name: str, hidden_rules: bool) -> bool:
    if not any(char in segment for char in "*?["):
        return segment == name
    if hidden_rules and name.startswith(".") and not segment.startswith("."):
        return False
    return ref_chars(segment, name)


def ref_match(
    segments: list[str], names: list[str], recursive: bool, hidden_rules: bool = True
) -> bool:
    if not segments:
        return not names
    head = segments[0]
    if recursive and head == "**":
        if ref_match(segments[1:], names, recursive, hidden_rules):
            return True
        return (
            bool(names)
            and not (hidden_rules and names[0].startswith("."))
            and ref_match(segments, names[1:], recursive, hidden_rules)
        )
    return (
        bool(names)
        and ref_segment(head, names[0], hidden_rules)
        and ref_match(segments[1:], names[1:], recursive, hidden_rules)
    )


def ref_glob(
    tree: dict[str, bool],
    alternatives: list[str],
    recursive: bool,
    include_root: bool,
    base_dir: bool = True,
) -> set[str]:
    """Relative paths (``""`` = the root) matching any alternative; ``/`` if dir-only.

    As the stdlib: a trailing ``**`` that matches no name gives the directory
    before it with a ``/`` (``a/**`` gives ``a/``, only when ``a`` is a directory);
    without ``base_dir`` (an object store) it gives nothing."""
    candidates = [("", True)] if include_root else []
    candidates += list(tree.items())
    found = set()
    for relative, is_dir in candidates:
        names = relative.split("/") if relative else []
        plain = dir_only = False
        for alternative in alternatives:
            segments = [s for s in alternative.split("/") if s]
            while recursive and segments[-2:] == ["**", "**"]:
                segments.pop()
            if recursive and segments and segments[-1] == "**":
                head = segments[:-1]
                if base_dir and ref_match(head, names, recursive):
                    dir_only = True
                if ref_match([*head, "*", "**"], names, recursive):
                    if alternative.endswith("/"):
                        dir_only = True
                    else:
                        plain = True
                continue
            if ref_match(segments, names, recursive):
                if alternative.endswith("/"):
                    dir_only = True
                else:
                    plain = True
        if plain:
            found.add(relative)
        elif dir_only and is_dir:
            found.add(relative + "/")
    return found


def under(base: str, relative: str) -> str:
    if not base:
        return relative
    if not relative:
        return base
    return base + relative if relative == "/" else f"{base}/{relative}"


# -- strategies ----------------------------------------------------------------------
NAMES = ("a", "b", "ab", "x", "y", ".h", ".a")


def _trees(depth: int, min_size: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    child: st.SearchStrategy[Any] = st.none()
    if depth > 1:
        child = st.one_of(st.none(), _trees(depth - 1), _trees(depth - 1, 1))
    return st.dictionaries(st.sampled_from(NAMES), child, min_size=min_size, max_size=4)


TREES = _trees(4, 2)


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, bool]:
    flat: dict[str, bool] = {}
    for name, sub in tree.items():
        flat[prefix + name] = sub is not None
        if sub:
            flat.update(flatten(sub, prefix + name + "/"))
    return flat


SIMPLE = ("a", "b", "x", ".h", "*", "?", "[ab]", "[!a]", "**", "*b", "a*", ".*", "?b")
# (text, its alternatives)
FRAGMENTS: tuple[tuple[str, list[str]], ...] = (
    ("b", ["b"]),
    ("x", ["x"]),
    ("y", ["y"]),
    ("*", ["*"]),
    ("?", ["?"]),
    ("[ab]", ["[ab]"]),
    ("**", ["**"]),
    ("b/*", ["b/*"]),
    ("*/x", ["*/x"]),
    (".h", [".h"]),
    ("", [""]),
    ("{x,*}", ["x", "*"]),
    ("a{b,}", ["ab", "a"]),
)


def _brace(head: str, fragments: list[tuple[str, list[str]]]) -> tuple[str, list[str]]:
    if not head:  # no empty segment
        fragments = [f for f in fragments if f[0]]
    while len(fragments) < 2:  # a group needs a comma
        fragments = [*fragments, ("y", ["y"])]
    text = head + "{" + ",".join(f[0] for f in fragments) + "}"
    return text, [head + option for f in fragments for option in f[1]]


SPECS = st.one_of(
    st.sampled_from(SIMPLE).map(lambda s: (s, [s])),
    st.builds(
        _brace,
        st.sampled_from(["", "a", "*"]),
        st.lists(st.sampled_from(FRAGMENTS), min_size=2, max_size=3),
    ),
)


@st.composite
def patterns(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A glob pattern and its alternatives, expanded without expand_braces."""
    specs = draw(st.lists(SPECS, min_size=1, max_size=4))
    slash = "/" if draw(st.booleans()) else ""
    text = "/".join(spec[0] for spec in specs) + slash
    alternatives = ["/".join(combo) + slash for combo in itertools.product(*(s[1] for s in specs))]
    return text, alternatives


@st.composite
def guided_patterns(draw: st.DrawFn, flat: dict[str, bool]) -> tuple[str, list[str]]:
    """Mostly a pattern built from one path of the tree, so that it matches things:
    each name is kept, replaced by a wildcard, folded into ``**`` or put in braces."""
    if not flat or draw(st.integers(0, 3)) == 0:
        return draw(patterns())
    names = draw(st.sampled_from(sorted(flat))).split("/")
    specs: list[tuple[str, list[str]]] = []
    index = 0
    while index < len(names):
        name = names[index]
        choice = draw(st.integers(0, 8))
        if choice <= 1:
            spec = (name, [name])
        elif choice == 2:
            spec = ("*", ["*"])
        elif choice == 3:
            spec = ("?" * len(name), ["?" * len(name)])
        elif choice == 4:
            spec = (name[0] + "*", [name[0] + "*"])
        elif choice in (5, 8):
            spec = ("**", ["**"])
            index += draw(st.integers(0, len(names) - index - 1))
        elif choice == 6:
            other = draw(st.sampled_from(SIMPLE))
            spec = ("{%s,%s}" % (name, other), [name, other])  # noqa: UP031
        else:
            spec = draw(SPECS)
        specs.append(spec)
        index += 1
    slash = "/" if draw(st.integers(0, 3)) == 0 else ""
    text = "/".join(spec[0] for spec in specs) + slash
    alternatives = ["/".join(combo) + slash for combo in itertools.product(*(s[1] for s in specs))]
    return text, alternatives


def check_entries(entries: list[FileEntry], expected: set[str], kinds: dict[str, bool]) -> None:
    paths = [entry.path for entry in entries]
    assert len(paths) == len(set(paths)), f"duplicates: {sorted(paths)}"
    assert set(paths) == expected
    for entry in entries:
        assert entry.name == entry.path.rstrip("/").rpartition("/")[2]
        if entry.path in kinds:
            assert entry.stat.is_dir() is kinds[entry.path]


# -- property tests -------------------------------------------------------------------
@settings(max_examples=250, deadline=None)
@given(
    st.lists(st.sampled_from(SIMPLE), min_size=1, max_size=4),
    st.lists(st.sampled_from(NAMES), min_size=0, max_size=4),
    st.booleans(),
    st.booleans(),
)
def test_translate_agrees_with_reference(
    segments: list[str], names: list[str], recursive: bool, include_hidden: bool
) -> None:
    regex = translate("/".join(segments), recursive=recursive, include_hidden=include_hidden)
    expected = ref_match(segments, names, recursive, hidden_rules=not include_hidden)
    assert (re.fullmatch(regex, "/".join(names)) is not None) is expected


@settings(max_examples=250, deadline=None)
@given(patterns())
def test_expand_braces_agrees_with_structure(pattern: tuple[str, list[str]]) -> None:
    text, alternatives = pattern
    assert expand_braces(text) == list(dict.fromkeys(alternatives))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREES, st.data(), st.booleans(), st.booleans(), st.booleans())
def test_iglob_agrees_with_reference_on_fake_backend(
    layout: dict[str, Any],
    data: st.DataObject,
    recursive: bool,
    below_top: bool,
    object_store: bool,
) -> None:
    flat = flatten(layout)
    text, alternatives = data.draw(guided_patterns(flat))
    base = "top" if below_top else ""
    fs = FakeFS(under(base, rel) + ("/" if is_dir else "") for rel, is_dir in flat.items())
    if below_top:
        fs.nodes.setdefault("top", "dir")
        fs.children.setdefault("", ["top"])
    cls = FakeObjectStorePath if object_store else FakeGlobPath
    path = fake(fs, "fakeglob://" + under(base, text), cls)
    entries = list(iglob_entries(path, recursive=recursive))
    relative = ref_glob(
        flat, alternatives, recursive, include_root=below_top, base_dir=not object_store
    )
    expected = {"fakeglob://" + under(base, r) for r in relative}
    kinds = {"fakeglob://" + under(base, r): d for r, d in flat.items()}
    check_entries(entries, expected, kinds)
    assert len(fs.scan_tree_calls) <= len(split_pattern(path._path))


# -- the real local disk (megfile_core.builtin.fs.FSPath) ---------------------------
def fs_path(path: str) -> BasePath:
    from megfile_core.builtin.fs import FSPath

    return FSPath(path)


def write_tree(root: str, flat: dict[str, bool]) -> None:
    for relative, is_dir in sorted(flat.items()):
        target = os.path.join(root, relative)
        if is_dir:
            os.makedirs(target, exist_ok=True)
        else:
            with open(target, "w") as handle:
                handle.write("abc")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREES, st.data(), st.booleans(), st.booleans())
def test_iglob_agrees_with_reference_on_local_disk(
    layout: dict[str, Any],
    data: st.DataObject,
    recursive: bool,
    relative_pattern: bool,
) -> None:
    flat = flatten(layout)
    text, alternatives = data.draw(guided_patterns(flat))
    with tempfile.TemporaryDirectory() as root:
        root = os.path.realpath(root)
        write_tree(root, flat)
        base = "" if relative_pattern else root
        previous = os.getcwd()
        os.chdir(root)
        try:
            entries = list(iglob_entries(fs_path(under(base, text)), recursive=recursive))
        finally:
            os.chdir(previous)
    relative = ref_glob(flat, alternatives, recursive, include_root=not relative_pattern)
    expected = {under(base, r) for r in relative}
    check_entries(entries, expected, {under(base, r): d for r, d in flat.items()})


@pytest.fixture
def disk(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    write_tree(
        str(tmp_path),
        {
            "a.txt": False,
            "data": True,
            "data/a.txt": False,
            "data/b.py": False,
            "data/sub": True,
            "data/sub/c.txt": False,
            ".hid": True,
            ".hid/h.txt": False,
        },
    )
    monkeypatch.chdir(tmp_path)
    return str(tmp_path)


def test_local_relative_patterns_stay_relative(disk: str) -> None:
    assert globbed(fs_path("data/*.txt")) == ["data/a.txt"]
    assert globbed(fs_path("*.txt")) == ["a.txt"]
    assert globbed(fs_path("**/*.txt")) == ["a.txt", "data/a.txt", "data/sub/c.txt"]
    assert globbed(fs_path("*/")) == ["data/"]
    assert globbed(fs_path("file://*.txt")) == ["a.txt"]  # plain paths, as megfile
    assert globbed(fs_path("{*.txt,data/*.py}")) == ["a.txt", "data/b.py"]
    assert globbed(fs_path(".hid/*")) == [".hid/h.txt"]
    assert globbed(fs_path("data")) == ["data"]
    assert globbed(fs_path("data/{*.py,..}/a.txt")) == ["data/../a.txt"]
    assert globbed(fs_path("./data/*.py")) == ["./data/b.py"]


def test_local_absolute_patterns(disk: str) -> None:
    # the stdlib and megfile: the base of "dir/**" is "dir/"
    assert globbed(fs_path(f"{disk}/data/**")) == [
        f"{disk}/data/",
        f"{disk}/data/a.txt",
        f"{disk}/data/b.py",
        f"{disk}/data/sub",
        f"{disk}/data/sub/c.txt",
    ]
    assert globbed(fs_path(f"{disk}/*/*.py")) == [f"{disk}/data/b.py"]
    # a file is no directory to descend into: "a.txt/**" and "*/**" skip it
    assert globbed(fs_path(f"{disk}/a.txt/**")) == []
    assert globbed(fs_path(f"{disk}/*/**"))[:2] == [f"{disk}/data/", f"{disk}/data/a.txt"]
    assert f"{disk}/a.txt" not in globbed(fs_path(f"{disk}/*/**"))
    with pytest.raises(FileNotFoundError, match="No match any file"):
        list(iglob_entries(fs_path(f"{disk}/nope/*"), missing_ok=False))


def test_local_symlinks(disk: str) -> None:
    os.symlink(os.path.join(disk, "data"), os.path.join(disk, "link"))
    assert globbed(fs_path("*/a.txt")) == ["data/a.txt", "link/a.txt"]
    assert "link/a.txt" not in globbed(fs_path("**/a.txt"))
    assert "link" in globbed(fs_path("**"))
    assert globbed(fs_path("*/")) == ["data/", "link/"]
    [entry] = [e for e in iglob_entries(fs_path("*")) if e.name == "link"]
    assert entry.stat.is_symlink()
