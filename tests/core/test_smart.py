"""smart_* functions not covered by the contract suite."""

from __future__ import annotations

import io
import os
import shutil

import pytest

import megfile_core as megfile
from megfile_core import smart
from megfile_core.errors import UnsupportedError
from megfile_core.registry import get_registry


def test_combine_open(tmp_path):
    parts = {"p0": b"abc", "p1": b"", "p2": b"defgh", "p3": b"ij"}
    for name, data in parts.items():
        (tmp_path / name).write_bytes(data)
    with smart.smart_combine_open(str(tmp_path / "p*")) as reader:
        assert reader.read() == b"abcdefghij"
        reader.seek(4)
        assert reader.read(3) == b"efg"
        reader.seek(-2, io.SEEK_END)
        assert reader.read() == b"ij"
        reader.seek(2)
        buffer = bytearray(5)
        assert reader.readinto(buffer) == 5 and bytes(buffer) == b"cdefg"
    with smart.smart_combine_open(str(tmp_path / "p*"), "r") as text:
        assert text.read() == "abcdefghij"
    with pytest.raises(FileNotFoundError):
        smart.smart_combine_open(str(tmp_path / "nothing*"))
    with pytest.raises(ValueError):
        smart.smart_combine_open(str(tmp_path / "p*"), "wb")


def test_concat_local_and_memory(tmp_path, memory_root):
    for index in range(3):
        (tmp_path / f"c{index}").write_bytes(bytes([65 + index]) * 3)
    smart.smart_concat([str(tmp_path / f"c{i}") for i in range(3)], str(tmp_path / "all"))
    assert (tmp_path / "all").read_bytes() == b"AAABBBCCC"
    smart.smart_concat([str(tmp_path / "c2"), str(tmp_path / "c0")], "memory://root/mix")
    assert smart.smart_load_content("memory://root/mix") == b"CCCAAA"


def test_cache_local_is_in_place(tmp_path):
    target = tmp_path / "x.txt"
    target.write_text("x")
    with smart.smart_cache(str(target)) as local:
        assert local == str(target)


def test_cache_remote_round_trip(memory_root):
    smart.smart_save_text("memory://root/c.txt", "one")
    with smart.smart_cache("memory://root/c.txt") as local:
        with open(local) as handle:
            assert handle.read() == "one"
        kept = local
    assert not os.path.exists(kept)
    with smart.smart_cache("memory://root/c.txt", mode="a") as local:
        with open(local, "a") as handle:
            handle.write("+two")
    assert smart.smart_load_text("memory://root/c.txt") == "one+two"
    with pytest.raises(RuntimeError):
        with smart.smart_cache("memory://root/c.txt", mode="w") as local:
            with open(local, "w") as handle:
                handle.write("lost")
            raise RuntimeError
    assert smart.smart_load_text("memory://root/c.txt") == "one+two"
    with pytest.raises(ValueError):
        smart.smart_cache("memory://root/c.txt", mode="rb")


def test_load_content_validation(tmp_path):
    (tmp_path / "f").write_bytes(b"0123456789")
    path = str(tmp_path / "f")
    assert smart.smart_load_content(path, 2, 5) == b"234"
    assert smart.smart_load_content(path, None, 3) == b"012"
    assert smart.smart_load_content(path, 8) == b"89"
    assert smart.smart_load_content(path, 5, 5) == b""
    # as megfile: a negative offset counts from the end, as in a slice
    assert smart.smart_load_content(path, -1) == b"9"
    assert smart.smart_load_content(path, None, -3) == b"0123456"
    with pytest.raises(ValueError):
        smart.smart_load_content(path, 5, 2)
    with pytest.raises(TypeError):
        smart.smart_load_content(path, "1", None)  # type: ignore[arg-type]


def test_copy_same_file_raises(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(shutil.SameFileError):
        smart.smart_copy(str(tmp_path / "f"), str(tmp_path / "f"))
    assert issubclass(megfile.SameFileError, OSError)


def test_copy_directory_raises(tmp_path, memory_root):
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError):
        smart.smart_copy(str(tmp_path / "d"), "memory://root/d")
    with pytest.raises(IsADirectoryError):
        smart.smart_rename(str(tmp_path / "d"), "memory://root/d")


def test_cross_protocol_copy_carries_mtime(tmp_path, memory_root):
    (tmp_path / "f").write_bytes(b"data")
    os.utime(tmp_path / "f", (1_600_000_000, 1_600_000_000))
    smart.smart_copy(str(tmp_path / "f"), "memory://root/f")
    assert smart.smart_stat("memory://root/f").mtime == 1_600_000_000
    smart.smart_copy("memory://root/f", str(tmp_path / "g"))
    assert os.stat(tmp_path / "g").st_mtime == 1_600_000_000


def test_registered_copy_func_is_used(tmp_path, memory_root):
    calls = []

    def fast(src, dst, callback=None, followlinks=False, overwrite=True):
        calls.append((src, dst))
        smart.stream_copy(smart.SmartPath(src).pathlike, smart.SmartPath(dst).pathlike)

    (tmp_path / "f").write_bytes(b"abc")
    registry = get_registry()
    smart.register_copy_func("file", "memory", fast)
    try:
        with pytest.raises(ValueError, match="already registered"):
            smart.register_copy_func("file", "memory", fast)
        smart.smart_copy(str(tmp_path / "f"), "memory+v://root/f")
        assert calls == [(str(tmp_path / "f"), "memory+v://root/f")]
        assert smart.smart_load_content("memory+v://root/f") == b"abc"
    finally:
        registry.remove_copy_func("file", "memory")


def test_registered_copy_func_within_one_protocol_replaces_path_copy(memory_root):
    calls = []

    def server_side(src, dst, callback=None, followlinks=False, overwrite=True):
        calls.append((src, dst))
        smart.stream_copy(smart.SmartPath(src).pathlike, smart.SmartPath(dst).pathlike)

    smart.smart_save_content("memory://root/a", b"abc")
    smart.smart_copy("memory://root/a", "memory://root/b")  # nothing registered: copy()
    assert calls == []
    registry = get_registry()
    smart.register_copy_func("memory", "memory", server_side)
    try:
        smart.smart_copy("memory://root/a", "memory://root/c")
        assert calls == [("memory://root/a", "memory://root/c")]
        assert smart.smart_load_content("memory://root/c") == b"abc"
    finally:
        registry.remove_copy_func("memory", "memory")


def test_move_and_rename_across_protocols(tmp_path, memory_root):
    (tmp_path / "t" / "sub").mkdir(parents=True)
    (tmp_path / "t" / "sub" / "a").write_bytes(b"A")
    (tmp_path / "t" / "b").write_bytes(b"B")
    smart.smart_move(str(tmp_path / "t"), "memory://root/t")
    assert not (tmp_path / "t").exists()
    assert smart.smart_load_content("memory://root/t/sub/a") == b"A"
    smart.smart_rename("memory://root/t/b", str(tmp_path / "b2"))
    assert (tmp_path / "b2").read_bytes() == b"B"
    assert not smart.smart_exists("memory://root/t/b")


def test_glob_across_protocols(tmp_path, memory_root):
    (tmp_path / "a.txt").write_text("1")
    smart.smart_save_text("memory://root/b.txt", "2")
    found = smart.smart_glob("{" + str(tmp_path) + "/*.txt,memory://root/*.txt}")
    assert found == sorted([str(tmp_path / "a.txt"), "memory://root/b.txt"])


@pytest.mark.parametrize("mode", ["rw", "q", "rbt", "", "bb", "r++", "wa"])
def test_invalid_modes_fail_fast(memory_root, mode):
    with pytest.raises(ValueError, match="mode"):
        smart.smart_open("memory://root/f", mode)


def test_non_str_mode_is_type_error(memory_root):
    with pytest.raises(TypeError):
        smart.smart_open("memory://root/f", 1)  # type: ignore[arg-type]


def test_binary_mode_rejects_encoding(memory_root):
    with pytest.raises(ValueError, match="binary"):
        smart.smart_open("memory://root/f", "wb", encoding="utf-8")


def test_unsupported_operations_name_themselves(memory_root):
    with pytest.raises(UnsupportedError, match="symlink"):
        smart.smart_symlink("memory://root/a", "memory://root/b")
    with pytest.raises(UnsupportedError) as info:
        smart.smart_readlink("memory://root/a")
    assert isinstance(info.value, OSError) and isinstance(info.value, NotImplementedError)
    with pytest.raises(UnsupportedError, match="listdir|scandir"):
        smart.smart_listdir("stdio://-")


def test_save_as_and_load_from(memory_root):
    smart.smart_save_as(io.BytesIO(b"stream"), "memory://root/s")
    assert smart.smart_load_from("memory://root/s").read() == b"stream"


def test_path_join():
    assert smart.smart_path_join("memory://a", "/c", "d") == "memory://a/c/d"
    assert smart.smart_path_join("/a", "b", "c") == "/a/b/c"
    assert smart.smart_path_join("/a", "/b") == "/b"


def test_abs_rel_helpers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert smart.smart_abspath("x") == str(tmp_path / "x")
    assert smart.smart_relpath(str(tmp_path / "a" / "b"), str(tmp_path)) == "a/b"
    assert smart.smart_isabs("/x") and not smart.smart_isabs("x")
    assert smart.smart_ismount("/")
    assert smart.smart_realpath("x") == os.path.realpath("x")
    assert megfile.is_fs("/x") and megfile.is_fs(3) and not megfile.is_fs("memory://a")
    assert megfile.is_stdio("stdio://-")


def test_unknown_open_options_are_refused_on_every_backend(memory_root, tmp_path):
    for path in ("memory://root/o", str(tmp_path / "o")):
        with pytest.raises(TypeError, match="no_such_option"):
            smart.smart_open(path, "wb", no_such_option=1)
    # reader/writer options every backend accepts are fine
    with smart.smart_open("memory://root/o", "wb", block_size=1 << 20, max_workers=2) as f:
        f.write(b"x")
