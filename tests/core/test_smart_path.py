"""SmartPath dispatch, URI pure operations, aliases and configuration."""

from __future__ import annotations

import os

import pytest

from megfile_core import smart
from megfile_core.builtin.fs import FSPath
from megfile_core.builtin.stdio import StdioPath
from megfile_core.config import apply_config_env, get_aliases, parse_quantity
from megfile_core.smart_path import SmartPath
from megfile_core.testing.memory import MemoryPath


def test_dispatch_by_scheme(memory_root):
    assert isinstance(SmartPath("/tmp/x").pathlike, FSPath)
    assert isinstance(SmartPath("rel/x").pathlike, FSPath)
    assert isinstance(SmartPath("file:///tmp/x").pathlike, FSPath)
    assert isinstance(SmartPath(3).pathlike, FSPath)
    assert isinstance(SmartPath("stdio://-").pathlike, StdioPath)
    assert isinstance(SmartPath("memory://a/b").pathlike, MemoryPath)
    assert isinstance(SmartPath("MEMORY://a/b").pathlike, MemoryPath)


#: everything SmartPath itself defines; the rest is the backend's own method
SMART_PATH_OWN = {
    "__new__", "__init__", "register", "pathlike", "__repr__", "__reduce__", "open",
    "from_path", "from_uri", "rename", "replace", "move", "copy", "protocol",
}  # fmt: skip


def test_smart_path_is_the_backend_class_not_a_proxy(memory_root):
    path = SmartPath("memory://b/k")
    assert isinstance(path, SmartPath)
    assert isinstance(path, MemoryPath)
    # methods are the backend's own functions, not pass-throughs
    assert type(path).stat is MemoryPath.stat
    assert type(path).scandir is MemoryPath.scandir
    assert type(path).read_text is MemoryPath.read_text
    own = {name for name in vars(SmartPath) if not name.startswith("__") or name in SMART_PATH_OWN}
    own -= {"__module__", "__doc__", "__qualname__", "__firstlineno__", "__static_attributes__"}
    own = {n for n in own if n not in ("__annotations__", "__dict__", "__weakref__")}
    assert own <= SMART_PATH_OWN, own - SMART_PATH_OWN
    # one class per backend, and derived paths stay SmartPaths of it
    assert type(SmartPath("memory://x")) is type(path)
    assert type(path.parent) is type(path)
    assert type(path / "z") is type(path)
    assert type(path.pathlike) is MemoryPath
    assert SmartPath(path.pathlike) == path
    assert type(SmartPath(path.pathlike)) is type(path)


def test_smart_path_protocol_and_class_protocol(memory_root):
    path = SmartPath("memory+v://b/k")
    assert path.protocol == "memory+v"
    assert type(path).protocol == "memory"
    assert path.pathlike.protocol == "memory"
    assert repr(path) == "SmartPath('memory+v://b/k')"


def test_smart_path_pickles_by_url(memory_root, monkeypatch):
    import pickle

    path = SmartPath("memory://b/k")
    again = pickle.loads(pickle.dumps(path))
    assert again == path
    assert type(again) is type(path)
    monkeypatch.setenv("MEGFILE_ALIASES__MEM", "memory://root/")
    aliased = SmartPath("mem://x/y")
    again = pickle.loads(pickle.dumps(aliased))
    assert str(again) == "mem://x/y"
    assert again.path_with_protocol == "memory://root/x/y"


def test_uri_pure_operations(memory_root):
    path = SmartPath("memory://b/a/c.tar.gz")
    assert path.parts == ("memory://", "b", "a", "c.tar.gz")
    assert path.name == "c.tar.gz"
    assert path.stem == "c.tar"
    assert path.suffix == ".gz"
    assert path.suffixes == [".tar", ".gz"]
    assert str(path.parent) == "memory://b/a"
    assert [str(p) for p in path.parents] == ["memory://b/a", "memory://b", "memory://"]
    assert str(path.joinpath("/d", "e")) == "memory://b/a/c.tar.gz/d/e"
    assert str(path / "f") == "memory://b/a/c.tar.gz/f"
    assert str(path.with_suffix(".x")) == "memory://b/a/c.tar.x"
    assert str(path.with_name("n")) == "memory://b/a/n"
    assert str(path.with_stem("s")) == "memory://b/a/s.gz"
    assert str(path.relative_to("memory://b")) == "a/c.tar.gz"
    assert path.is_relative_to("memory://b/a")
    assert not path.is_relative_to("memory://b/a/c")  # no partial-name match
    with pytest.raises(ValueError):
        SmartPath("memory://b/ab").relative_to("memory://b/a")
    assert path.match("*.gz")
    assert path.match("a/*.gz")
    assert not path.match("b/*.gz")
    assert path.match("memory://b/**/*.gz")
    assert path.root == "memory://"
    assert path.is_absolute()
    assert path.protocol == "memory"
    assert path.path_with_protocol == "memory://b/a/c.tar.gz"
    assert path.path_without_protocol == "b/a/c.tar.gz"
    assert os.fspath(path) == "memory://b/a/c.tar.gz"
    with pytest.raises(ValueError):
        path.with_suffix("gz")
    with pytest.raises(ValueError):
        path.with_name("a/b")


def test_equality_hash_and_sorting(memory_root):
    a = SmartPath("memory://x/1")
    assert a == SmartPath("memory://x/1")
    assert a == MemoryPath("memory://x/1")
    assert len({a, SmartPath("memory://x/1"), SmartPath("memory://x/2")}) == 2
    assert sorted([SmartPath("memory://x/2"), a]) == [a, SmartPath("memory://x/2")]
    # as megfile: equal to the string of the same os.fspath, and hashed alike
    assert a == "memory://x/1"
    assert a != "memory://x/2"
    assert hash(a) == hash("memory://x/1")
    assert SmartPath("/tmp/a") == "/tmp/a" == SmartPath("file:///tmp/a")
    assert SmartPath("/tmp/a") != 3
    assert SmartPath(a) is not a and SmartPath(a) == a


def test_from_uri_and_from_path(memory_root):
    assert str(SmartPath.from_uri("memory://a")) == "memory://a"
    assert str(MemoryPath.from_path("memory://a/b").parent) == "memory://a"
    with pytest.raises(ValueError):
        MemoryPath.from_uri("a/b")
    with pytest.raises(ValueError):
        MemoryPath("s3://a")


@pytest.mark.parametrize("bad", [None, 1.5, b"bytes", ["x"], object()])
def test_bad_path_types_raise_type_error(bad):
    with pytest.raises(TypeError):
        SmartPath(bad)


def test_empty_variant_is_an_error(memory_root):
    with pytest.raises(ValueError, match="variant"):
        SmartPath("memory+://a")


def test_variant_is_kept(memory_root):
    path = SmartPath("memory+v1://a/b")
    assert path.pathlike.variant == "v1"
    assert str(path.parent / "c") == "memory+v1://a/c"
    smart.smart_save_text("memory+v1://a/b/c.txt", "x")
    assert smart.smart_glob("memory+v1://a/**/*.txt") == ["memory+v1://a/b/c.txt"]
    assert list(smart.smart_scan("memory+v1://a")) == ["memory+v1://a/b/c.txt"]


def _write_config(text: str) -> None:
    path = os.path.join(os.environ["HOME"], ".config", "megfile", "megfile.conf")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


def test_alias_from_config_round_trips(memory_root):
    _write_config("[alias]\ndata = memory://root/datasets/\n")
    smart.smart_save_text("data://train/a.txt", "A")
    assert smart.smart_load_text("memory://root/datasets/train/a.txt") == "A"
    path = SmartPath("data://train/a.txt")
    assert str(path) == "data://train/a.txt"
    assert str(path.parent) == "data://train"
    assert smart.smart_glob("data://**/*.txt") == ["data://train/a.txt"]
    assert smart.smart_listdir("data://") == ["train"]
    assert list(smart.smart_scan("data://")) == ["data://train/a.txt"]
    assert [e.path for e in smart.smart_scandir("data://train")] == ["data://train/a.txt"]
    assert [r for r, _, _ in smart.smart_walk("data://")] == ["data://", "data://train"]


def test_alias_to_file_url_stays_aliased(tmp_path):
    """megfile returns plain local paths here; we keep the alias."""
    target = tmp_path / "store"
    (target / "x").mkdir(parents=True)
    (target / "x" / "f.txt").write_text("F")
    os.environ["MEGFILE_ALIASES__LOCAL"] = f"file://{target}/"
    try:
        path = SmartPath("local://x/f.txt")
        assert path.read_text() == "F"
        assert str(path.parent) == "local://x"
        assert smart.smart_glob("local://x/*.txt") == ["local://x/f.txt"]
    finally:
        del os.environ["MEGFILE_ALIASES__LOCAL"]


def test_env_alias_wins_and_is_read_lazily(memory_root, monkeypatch):
    _write_config("[alias]\nd = memory://root/one/\n")
    assert get_aliases()["d"] == "memory://root/one/"
    monkeypatch.setenv("MEGFILE_ALIASES__D", "memory://root/two/")
    assert get_aliases()["d"] == "memory://root/two/"
    smart.smart_save_text("d://f", "2")
    assert smart.smart_exists("memory://root/two/f")


def test_alias_to_bare_protocol(memory_root, monkeypatch):
    monkeypatch.setenv("MEGFILE_ALIASES__M", "memory")
    smart.smart_save_text("m://root/q", "q")
    assert smart.smart_load_text("memory://root/q") == "q"
    assert str(SmartPath("m://root/q").parent) == "m://root"


def test_config_changes_are_seen_without_restart(memory_root):
    _write_config("[alias]\nz = memory://root/a/\n")
    assert get_aliases()["z"] == "memory://root/a/"
    import time

    time.sleep(0.01)
    _write_config("[alias]\nz = memory://root/b/\n")
    path = os.path.join(os.environ["HOME"], ".config", "megfile", "megfile.conf")
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert get_aliases()["z"] == "memory://root/b/"


def test_env_section_never_overrides_real_env(monkeypatch):
    _write_config("[env]\nMEGFILE_TEST_FROM_FILE = file\nMEGFILE_TEST_REAL = file\n")
    monkeypatch.setenv("MEGFILE_TEST_REAL", "real")
    monkeypatch.delenv("MEGFILE_TEST_FROM_FILE", raising=False)
    apply_config_env()
    assert os.environ["MEGFILE_TEST_REAL"] == "real"
    assert os.environ["MEGFILE_TEST_FROM_FILE"] == "file"
    monkeypatch.delenv("MEGFILE_TEST_FROM_FILE")


def test_broken_config_file_is_a_clear_error():
    _write_config("[alias\nbroken")
    with pytest.raises(ValueError, match="megfile config"):
        get_aliases()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("8Mi", 8 << 20),
        ("1G", 10**9),
        ("200ki", 200 << 10),
        ("4096", 4096),
        ("1.5Mi", 3 << 19),
        (" 2 Gi ", 2 << 30),
        (7, 7),
    ],
)
def test_parse_quantity(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "abc", "8Xi", "-1", "1..2M"])
def test_parse_quantity_rejects(text):
    with pytest.raises(ValueError, match="size"):
        parse_quantity(text)


def test_bad_env_values_are_clear(monkeypatch):
    from megfile_core import config

    monkeypatch.setenv("MEGFILE_MAX_WORKERS", "many")
    with pytest.raises(ValueError, match="MEGFILE_MAX_WORKERS"):
        config.max_workers()
    monkeypatch.setenv("MEGFILE_MAX_WORKERS", "0")
    with pytest.raises(ValueError, match="MEGFILE_MAX_WORKERS"):
        config.max_workers()
    monkeypatch.setenv("MEGFILE_READER_BLOCK_SIZE", "lots")
    with pytest.raises(ValueError, match="MEGFILE_READER_BLOCK_SIZE"):
        config.reader_block_size()
    monkeypatch.setenv("MEGFILE_READER_BLOCK_SIZE", "1Mi")
    assert config.reader_block_size() == 1 << 20  # read when used, not at import


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("sftp://user:secret@host//x", "sftp://user:***@host//x"),
        ("sftp://user:se:cr@et@host:22/x?y#z", "sftp://user:***@host:22/x?y#z"),
        ("https://u:p@h/a@b", "https://u:***@h/a@b"),
        ("https://h/a:b@c", "https://h/a:b@c"),
        ("sftp://user@host//x", "sftp://user@host//x"),
        ("/local/a:b@c", "/local/a:b@c"),
        ("memory://k:v@x/y", "memory://k:***@x/y"),
    ],
)
def test_mask_url(url, masked):
    from megfile_core.errors import mask_url

    assert mask_url(url) == masked


def test_passwords_never_in_repr_or_core_messages(memory_root):
    from megfile_core.errors import UnsupportedError

    path = SmartPath("memory://user:hunter2@root/f")
    assert "hunter2" not in repr(path)
    assert "hunter2" not in repr(path.pathlike)
    with pytest.raises(UnsupportedError) as info:
        path.symlink("memory://root/g")
    assert "hunter2" not in str(info.value)
    with pytest.raises(FileNotFoundError) as missing:
        smart.smart_glob("memory://user:hunter2@root/nothing*", missing_ok=False)
    assert "hunter2" not in str(missing.value)
    assert str(path) == "memory://user:hunter2@root/f"  # the URL itself is kept
