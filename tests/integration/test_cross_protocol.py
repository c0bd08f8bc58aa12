"""file <-> sftp <-> http (and memory://) through the smart_* functions."""

from __future__ import annotations

import hashlib
import os

from megfile_core import smart
from megfile_core.smart_path import SmartPath


def _tree(root: str) -> dict[str, bytes]:
    files = {
        "a.txt": b"alpha",
        "sub/b.bin": os.urandom(300_000),
        "sub/deep/c with space.txt": "ünïcode".encode(),
        "empty": b"",
    }
    for rel, data in files.items():
        smart.smart_save_content(smart.smart_path_join(root, rel), data)
    return files


def _read_tree(root: str) -> dict[str, bytes]:
    base = str(SmartPath(root)).rstrip("/") + "/"
    return {path[len(base) :]: smart.smart_load_content(path) for path in smart.smart_scan(root)}


def test_file_to_sftp_and_back(tmp_path, sftp_root):
    files = _tree(str(tmp_path / "src"))
    first = smart.smart_sync(str(tmp_path / "src"), sftp_root + "/up")
    assert first.copied == len(files)
    assert _read_tree(sftp_root + "/up") == files
    again = smart.smart_sync(str(tmp_path / "src"), sftp_root + "/up")
    assert again.copied == 0 and again.skipped == len(files)
    smart.smart_sync(sftp_root + "/up", str(tmp_path / "down"))
    assert _read_tree(str(tmp_path / "down")) == files
    assert smart.smart_sync(sftp_root + "/up", str(tmp_path / "down")).copied == 0


def test_sftp_to_memory_and_back(sftp_root, memory_root):
    files = _tree(sftp_root + "/src")
    smart.smart_sync(sftp_root + "/src", "memory://root/copy")
    assert _read_tree("memory://root/copy") == files
    smart.smart_move("memory://root/copy", sftp_root + "/moved")
    assert _read_tree(sftp_root + "/moved") == files
    assert not smart.smart_exists("memory://root/copy")


def test_http_to_file_sftp_and_memory(http_files, tmp_path, sftp_root, memory_root):
    base, directory = http_files
    data = os.urandom(2_000_000)
    (directory / "blob.bin").write_bytes(data)
    url = f"{base}/blob.bin"
    smart.smart_copy(url, str(tmp_path / "blob.bin"))  # the plugin's download fast path
    assert (tmp_path / "blob.bin").read_bytes() == data
    smart.smart_copy(url, sftp_root + "/blob.bin")  # generic streaming
    assert (
        smart.smart_getmd5(sftp_root + "/blob.bin", recalculate=True)
        == hashlib.md5(data).hexdigest()
    )
    smart.smart_copy(url, "memory://root/blob.bin")
    assert smart.smart_load_content("memory://root/blob.bin") == data
    assert smart.smart_load_content(url, 100, 200) == data[100:200]


def test_glob_and_walk_on_sftp(sftp_root):
    _tree(sftp_root + "/g")
    found = smart.smart_glob(sftp_root + "/g/**/*.{txt,bin}")
    assert [p.rsplit("/g/", 1)[1] for p in found] == [
        "a.txt",
        "sub/b.bin",
        "sub/deep/c with space.txt",
    ]
    assert all(p.startswith(sftp_root) for p in found)
    walked = [root for root, _, _ in smart.smart_walk(sftp_root + "/g")]
    assert walked[0] == sftp_root + "/g"


def test_concat_across_protocols(http_files, tmp_path, sftp_root):
    base, directory = http_files
    (directory / "part1").write_bytes(b"one,")
    (tmp_path / "part2").write_bytes(b"two,")
    smart.smart_save_content(sftp_root + "/part3", b"three")
    smart.smart_concat(
        [f"{base}/part1", str(tmp_path / "part2"), sftp_root + "/part3"], sftp_root + "/joined"
    )
    assert smart.smart_load_content(sftp_root + "/joined") == b"one,two,three"


def test_combine_open_over_sftp(sftp_root):
    for index in range(3):
        smart.smart_save_content(f"{sftp_root}/shard-{index}", bytes([48 + index]) * 4)
    with smart.smart_combine_open(sftp_root + "/shard-*") as reader:
        assert reader.read() == b"000011112222"


def test_file_s3_profile_sftp_chain(tmp_path, s3_root, sftp_root):
    files = _tree(str(tmp_path / "src"))
    smart.smart_sync(str(tmp_path / "src"), s3_root + "/a")
    assert _read_tree(s3_root + "/a") == files
    assert smart.smart_sync(str(tmp_path / "src"), s3_root + "/a").copied == 0
    backup = s3_root.replace("s3://", "s3+backup://") + "/b"
    smart.smart_sync(s3_root + "/a", backup)  # across profiles
    found = smart.smart_glob(backup + "/**/*.txt")
    assert all(p.startswith("s3+backup://") for p in found) and len(found) == 2
    smart.smart_sync(backup, sftp_root + "/c")
    assert _read_tree(sftp_root + "/c") == files
    smart.smart_sync(sftp_root + "/c", s3_root + "/d")
    assert _read_tree(s3_root + "/d") == files
    smart.smart_sync(s3_root + "/d", str(tmp_path / "back"))
    assert _read_tree(str(tmp_path / "back")) == files
    assert smart.smart_sync(s3_root + "/d", str(tmp_path / "back")).copied == 0
    smart.smart_move(s3_root + "/d", sftp_root + "/e")
    assert not smart.smart_exists(s3_root + "/d/a.txt")
    assert _read_tree(sftp_root + "/e") == files


def test_http_to_s3(http_files, s3_root):
    base, directory = http_files
    data = os.urandom(1_500_000)
    (directory / "obj.bin").write_bytes(data)
    smart.smart_copy(f"{base}/obj.bin", s3_root + "/obj.bin")
    assert smart.smart_load_content(s3_root + "/obj.bin") == data


def test_http_negative_offsets_and_missing_sources(http_files, tmp_path, s3_root, sftp_root):
    """megfile's slice semantics over HTTP too, and a missing source of every
    remote kind leaves nothing behind at any destination."""
    base, directory = http_files
    data = bytes(range(256)) * 40
    (directory / "obj.bin").write_bytes(data)
    url = f"{base}/obj.bin"
    assert smart.smart_load_content(url, -3) == data[-3:]
    assert smart.smart_load_content(url, 5, -5) == data[5:-5]
    assert smart.smart_load_content(url, None, -1) == data[:-1]
    smart.smart_copy(url, "file://" + str(tmp_path / "got" / "obj.bin"))
    assert (tmp_path / "got" / "obj.bin").read_bytes() == data
    sources = [
        f"{base}/missing.bin",
        f"{s3_root}/missing.bin",
        f"{sftp_root}/missing.bin",
        str(tmp_path / "missing.bin"),
    ]
    targets = [
        str(tmp_path / "out" / "x.bin"),
        f"{s3_root}/out/x.bin",
        f"{sftp_root}/out/x.bin",
        "file://" + str(tmp_path / "out2" / "x.bin"),
    ]
    for source in sources:
        for target in targets:
            if source.split("://")[0] == target.split("://")[0] == "file":
                continue
            try:
                smart.smart_copy(source, target)
            except FileNotFoundError:
                pass
            else:  # pragma: no cover - the assertion names the pair
                raise AssertionError(f"copy {source} -> {target} did not raise")
            left = [
                t
                for t in (
                    str(tmp_path / "out"),
                    str(tmp_path / "out2"),
                    f"{s3_root}/out",
                    f"{sftp_root}/out",
                )
                if smart.smart_exists(t)
            ]
            assert not left, f"copy {source} -> {target} left {left}"
