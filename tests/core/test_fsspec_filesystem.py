"""The fsspec filesystem on local and memory:// paths: fsspec's dict shapes, path
round trips, changes, registration (servers: tests/integration/test_fsspec_bridge.py)."""

from __future__ import annotations

import datetime
import pickle
import subprocess
import sys

import fsspec
import pytest
from fsspec.registry import known_implementations

from megfile_core.fsspec import MegfileFileSystem, register


@pytest.fixture
def fs() -> MegfileFileSystem:
    return fsspec.filesystem("megfile")


@pytest.fixture
def fsspec_registry():
    """Put fsspec's registry back as it was after a test that registers names."""
    from fsspec.registry import _registry

    saved = dict(_registry), {k: dict(v) for k, v in known_implementations.items()}
    yield
    _registry.clear()
    _registry.update(saved[0])
    known_implementations.clear()
    known_implementations.update(saved[1])


def _tree(root: str) -> None:
    from megfile_core import smart

    smart.smart_save_content(f"{root}/a.txt", b"alpha")
    smart.smart_save_content(f"{root}/sub/b.bin", b"0123456789")
    smart.smart_save_content(f"{root}/sub/deep/c.txt", b"c")


def test_entry_point_serves_megfile_protocol():
    assert fsspec.get_filesystem_class("megfile") is MegfileFileSystem
    assert known_implementations["megfile"]["class"] == "megfile_core.fsspec.MegfileFileSystem"


def test_strip_and_unstrip_keep_the_inner_protocol(memory_root):
    strip = MegfileFileSystem._strip_protocol
    assert strip("megfile://s3+p1://bucket/dir/") == "s3+p1://bucket/dir"
    assert strip("s3+p1://bucket/dir") == "s3+p1://bucket/dir"  # idempotent
    assert strip("megfile://s3+p1://") == "s3+p1://"
    assert strip("megfile:///tmp/x/") == "/tmp/x"
    assert strip("megfile:///") == "/"
    assert strip(["megfile://memory://r/a", "/b/"]) == ["memory://r/a", "/b"]
    fs = MegfileFileSystem()
    assert fs.unstrip_protocol("s3+p1://b/k") == "megfile://s3+p1://b/k"
    assert fs.unstrip_protocol("megfile:///tmp/x") == "megfile:///tmp/x"
    assert MegfileFileSystem._parent("megfile://s3+p1://b/dir/k") == "s3+p1://b/dir"
    assert MegfileFileSystem._parent("/tmp/x") == "/tmp"
    assert MegfileFileSystem._parent("megfile://s3+p1://b") == "s3+p1://"
    assert MegfileFileSystem._parent("memory://root") == "memory://"


def test_ls_detail_has_fsspec_shape(fs, memory_root):
    _tree(memory_root)
    listing = fs.ls(f"megfile://{memory_root}", detail=True)
    assert [(e["name"], e["type"], e["size"]) for e in listing] == [
        ("memory://root/a.txt", "file", 5),
        ("memory://root/sub", "directory", 0),
    ]
    for entry in listing:
        assert {"name", "size", "type", "mtime"} <= set(entry)
        assert fs.info(entry["name"]) == entry  # info is what ls said for the entry
    assert fs.ls(memory_root, detail=False) == [e["name"] for e in listing]
    # ls of a file lists the file, as fsspec's own filesystems do
    assert fs.ls(f"{memory_root}/a.txt") == [fs.info(f"{memory_root}/a.txt")]
    with pytest.raises(FileNotFoundError):
        fs.ls(f"{memory_root}/missing")
    with pytest.raises(FileNotFoundError):
        fs.info(f"{memory_root}/missing")


def test_listed_names_open_again(fs, memory_root):
    _tree(memory_root)
    names = fs.find(f"megfile://{memory_root}")
    assert names == [
        "memory://root/a.txt",
        "memory://root/sub/b.bin",
        "memory://root/sub/deep/c.txt",
    ]
    assert [fs.cat_file(n) for n in names] == [b"alpha", b"0123456789", b"c"]
    assert [fs.cat_file(fs.unstrip_protocol(n)) for n in names] == [b"alpha", b"0123456789", b"c"]
    with fsspec.open(fs.unstrip_protocol(names[1]), "rb") as f:
        assert f.read() == b"0123456789"


def test_walk_glob_and_sizes(fs, memory_root):
    _tree(memory_root)
    walked = list(fs.walk(memory_root))
    assert walked[0] == (memory_root, ["sub"], ["a.txt"])
    assert fs.glob(f"megfile://{memory_root}/**/*.{{txt,bin}}") == [
        "memory://root/a.txt",
        "memory://root/sub/b.bin",
        "memory://root/sub/deep/c.txt",
    ]
    detail = fs.glob(f"{memory_root}/sub/*", detail=True)
    assert {k: v["type"] for k, v in detail.items()} == {
        "memory://root/sub/b.bin": "file",
        "memory://root/sub/deep": "directory",
    }
    assert fs.glob(f"{memory_root}/*/", maxdepth=1) == ["memory://root/sub"]
    assert fs.glob(f"{memory_root}/nothing*") == []
    assert fs.du(memory_root) == 16
    assert fs.isdir(f"{memory_root}/sub") and not fs.isfile(f"{memory_root}/sub")
    assert fs.isfile(f"{memory_root}/a.txt") and fs.exists(f"megfile://{memory_root}/a.txt")
    assert not fs.exists(f"{memory_root}/zzz")


def test_cat_ranges_pipe_and_times(fs, tmp_path):
    path = f"megfile://{tmp_path}/f.bin"
    fs.pipe_file(path, b"0123456789")
    assert fs.cat_file(path, 2, 5) == b"234"
    assert fs.cat_file(path, -3) == b"789"
    with pytest.raises(FileExistsError):
        fs.pipe_file(path, b"x", mode="create")
    assert (tmp_path / "f.bin").read_bytes() == b"0123456789"
    modified = fs.modified(path)
    assert modified.tzinfo is not None
    assert abs(modified.timestamp() - (tmp_path / "f.bin").stat().st_mtime) < 1
    assert isinstance(fs.created(path), datetime.datetime)


def test_changes_rm_mv_cp_mkdir(fs, memory_root):
    _tree(memory_root)
    fs.cp_file(f"{memory_root}/a.txt", f"megfile://{memory_root}/copy.txt")
    assert fs.cat_file(f"{memory_root}/copy.txt") == b"alpha"
    fs.mv(f"{memory_root}/copy.txt", f"{memory_root}/moved.txt")
    assert not fs.exists(f"{memory_root}/copy.txt")
    assert fs.cat_file(f"{memory_root}/moved.txt") == b"alpha"
    fs.mv(f"{memory_root}/sub", f"{memory_root}/sub2", recursive=True)
    assert fs.find(f"{memory_root}/sub2") == [
        "memory://root/sub2/b.bin",
        "memory://root/sub2/deep/c.txt",
    ]
    fs.pipe_file(f"{memory_root}/one.txt", b"1")
    fs.mv(f"{memory_root}/one.txt", f"{memory_root}/sub2")  # into an existing directory
    fs.mv([f"{memory_root}/moved.txt"], f"{memory_root}/sub2/")
    fs.mv(f"{memory_root}/sub2/*.txt", f"{memory_root}/txt/")
    assert fs.find(f"{memory_root}/txt") == [
        "memory://root/txt/moved.txt",
        "memory://root/txt/one.txt",
    ]
    fs.mv(f"{memory_root}/txt/moved.txt", f"{memory_root}/moved.txt")
    fs.rm_file(f"{memory_root}/txt/one.txt")
    fs.rmdir(f"{memory_root}/txt")
    with pytest.raises(IsADirectoryError, match="recursive=True"):
        fs.rm(f"{memory_root}/sub2")
    fs.rm(f"{memory_root}/sub2", recursive=True)
    assert not fs.exists(f"{memory_root}/sub2")
    fs.rm([f"{memory_root}/moved.txt"])
    fs.rm_file(f"{memory_root}/a.txt")
    assert fs.ls(memory_root) == []
    with pytest.raises(FileNotFoundError):
        fs.rm_file(f"{memory_root}/a.txt")


def test_mkdir_makedirs_rmdir_local(fs, tmp_path):
    fs.makedirs(f"megfile://{tmp_path}/a/b")
    assert (tmp_path / "a" / "b").is_dir()
    with pytest.raises(FileExistsError):
        fs.makedirs(f"{tmp_path}/a/b")
    fs.makedirs(f"{tmp_path}/a/b", exist_ok=True)
    fs.mkdir(f"{tmp_path}/c/d", create_parents=True)
    assert fs.info(f"{tmp_path}/c/d")["type"] == "directory"
    with pytest.raises(FileNotFoundError):
        fs.mkdir(f"{tmp_path}/e/f", create_parents=False)
    fs.rmdir(f"{tmp_path}/c/d")
    assert not (tmp_path / "c" / "d").exists()
    fs.rm(f"megfile://{tmp_path}/a/*", recursive=True)  # a glob expands
    assert list((tmp_path / "a").iterdir()) == []


def test_open_text_and_ignored_fsspec_options(fs, tmp_path):
    path = f"megfile://{tmp_path}/t.txt"
    with fs.open(path, "w", block_size=5, cache_options={"x": 1}) as f:
        f.write("héllo\n")
    with fs.open(path, "rb", block_size=2**20, cache_type="bytes") as f:
        assert f.read() == "héllo\n".encode()
    with fsspec.open(path, "rt", encoding="utf-8") as f:
        assert f.read() == "héllo\n"
    with pytest.raises(NotImplementedError, match="transaction"):
        fs.open(path, "wb", autocommit=False)


def test_pickle_keeps_the_filesystem(fs):
    assert pickle.loads(pickle.dumps(fs)) is fs


def test_default_leaves_fsspec_own_names_alone():
    """With nothing registered by hand, s3/sftp/http stay fsspec's (s3fs is not
    installed here: asking for s3 fails as fsspec says, it is never ours)."""
    code = (
        "import fsspec\n"
        "from fsspec.registry import known_implementations as k, registry as r\n"
        "fs = fsspec.filesystem('megfile'); fs.ls('/')\n"
        "print(k['s3']['class'], k['sftp']['class'], k['http']['class'])\n"
        "print(sorted(n for n, c in r.items() if c.__module__.startswith('megfile')))\n"
        "try:\n"
        "    print(fsspec.get_filesystem_class('s3').__module__)\n"
        "except ImportError:\n"
        "    print('s3fs missing')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.splitlines()
    assert out[0] == (
        "s3fs.S3FileSystem fsspec.implementations.sftp.SFTPFileSystem "
        "fsspec.implementations.http.HTTPFileSystem"
    )
    assert out[1] == "['megfile']"
    assert not out[2].startswith("megfile")


def test_register_refuses_fsspec_names_without_overwrite(fsspec_registry, memory_root):
    with pytest.raises(ValueError, match="overwrite=True"):
        register(["file"])
    assert fsspec.get_filesystem_class("file").__module__ == "fsspec.implementations.local"
    register(["memory"], overwrite=True)
    _tree(memory_root)
    fs = fsspec.filesystem("memory")
    assert isinstance(fs, MegfileFileSystem)
    assert fs.ls("memory://root", detail=False) == ["root/a.txt", "root/sub"]
    with fsspec.open("memory://root/sub/b.bin", "rb") as f:
        assert f.read() == b"0123456789"
    assert fs.unstrip_protocol("root/a.txt") == "memory://root/a.txt"
    assert pickle.loads(pickle.dumps(fs)) is fs
    register(["memory"])  # again: already ours, no overwrite needed


def test_register_a_name_only_megfile_knows(fsspec_registry, memory_root):
    from megfile_core.errors import ProtocolNotFoundError

    with pytest.raises(ProtocolNotFoundError):
        register(["nosuchproto"])
    assert "nosuchproto" not in known_implementations


def test_import_megfile_core_does_not_import_fsspec():
    code = "import sys, megfile_core, megfile_core.smart\nprint('fsspec' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "False"


def test_third_party_plugin_through_pandas(tmp_path, monkeypatch):
    """demo:// (tests/plugins/megfile_demo) is a plugin fsspec has never heard of."""
    import pandas as pd

    monkeypatch.setenv("MEGFILE_DEMO_ROOT", str(tmp_path))
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    frame.to_csv("megfile://demo://tables/t.csv", index=False)
    assert (tmp_path / "tables" / "t.csv").read_text().splitlines() == ["a,b", "1,x", "2,y"]
    pd.testing.assert_frame_equal(pd.read_csv("megfile://demo://tables/t.csv"), frame)
    fs = fsspec.filesystem("megfile")
    assert fs.ls("megfile://demo://tables", detail=False) == ["demo://tables/t.csv"]


@pytest.mark.parametrize("where", ["memory", "local"])
def test_find_agrees_with_fsspecs_walk(fs, memory_root, tmp_path, where):
    root = memory_root if where == "memory" else str(tmp_path)
    _tree(root)
    walked = super(MegfileFileSystem, fs).find(root, detail=True)
    assert fs.find(f"megfile://{root}", detail=True) == walked
    assert fs.find(root) == list(walked) and len(walked) == 3
    assert fs.find(f"{root}/a.txt") == super(MegfileFileSystem, fs).find(f"{root}/a.txt")
    assert fs.find(f"{root}/missing") == []
    dirs = [root, f"{root}/sub", f"{root}/sub/deep"]  # withdirs names the root too
    assert fs.find(root, withdirs=True) == sorted([*walked, *dirs])


def test_messages_mask_a_password_in_the_url(fs, memory_root):
    url = "megfile://memory://user:hunter2@root/d"
    fs.pipe_file(f"{url}/f", b"x")
    with pytest.raises(FileExistsError) as exists:
        fs.pipe_file(f"{url}/f", b"y", mode="create")
    with pytest.raises(IsADirectoryError) as isdir:
        fs.rm(url)
    for error in (exists.value, isdir.value):
        assert "hunter2" not in str(error) and "memory://user:" in str(error)


def test_rm_of_a_glob_removes_names_that_look_like_patterns(fs, tmp_path):
    (tmp_path / "a*").write_text("star")
    (tmp_path / "ab").write_text("b")
    (tmp_path / "keep").write_text("k")
    fs.rm(f"megfile://{tmp_path}/a*")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep"]
