"""``megfile cat/head/tail --decompress`` and ``megfile cp --compress/--decompress``,
run as the real console script and checked against the system tools."""

from __future__ import annotations

import os
import subprocess

import pytest

CODECS = [
    ("gzip", ".gz", "gzip"),
    ("bz2", ".bz2", "bzip2"),
    ("xz", ".xz", "xz"),
    ("zstd", ".zst", "zstd"),
]
IDS = [c[0] for c in CODECS]
LINES = b"".join(b"line %d\n" % i for i in range(1, 5001))


@pytest.fixture(autouse=True)
def _tools(compression_tools):
    return compression_tools


def compress(tool: str, data: bytes) -> bytes:
    return subprocess.run([tool, "-q", "-c"], input=data, capture_output=True, check=True).stdout


def decompress(tool: str, path) -> bytes:
    return subprocess.run([tool, "-q", "-dc", str(path)], capture_output=True, check=True).stdout


@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_cat_head_tail_decompress(run_cli, tmp_path, name, suffix, tool):
    path = tmp_path / f"log{suffix}"
    stored = compress(tool, LINES)
    path.write_bytes(stored)
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"as stored\n")
    result = run_cli("cat", "--decompress", str(path), str(plain), str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == LINES + b"as stored\n" + LINES
    assert run_cli("cat", str(path)).stdout == stored  # no option: the stored bytes
    head = run_cli("head", "-n", "3", "-d", str(path))
    assert head.returncode == 0 and head.stdout == b"line 1\nline 2\nline 3\n"
    tail = run_cli("tail", "-n", "2", "--decompress", str(path))
    assert tail.returncode == 0, tail.stderr
    assert tail.stdout == b"line 4999\nline 5000\n"
    named = run_cli("tail", "-n", "1", "--compression", name, "stdio://0", input=stored)
    assert named.returncode == 0, named.stderr
    assert named.stdout == b"line 5000\n"


def test_cat_compression_from_stdin_and_env_is_ignored(run_cli, tmp_path):
    stored = compress("xz", LINES)
    result = run_cli("cat", "--compression", "XZ", "stdio://0", input=stored)
    assert result.returncode == 0 and result.stdout == LINES
    path = tmp_path / "data.xz"
    path.write_bytes(stored)
    result = run_cli("cat", str(path), env={"MEGFILE_COMPRESSION": "infer"})
    assert result.returncode == 0 and result.stdout == stored  # the CLI asks explicitly
    result = run_cli("tail", "-n", "1", str(tmp_path / "data.xz"))
    assert result.returncode == 0 and result.stdout == stored[-len(result.stdout) :]


def test_tail_follow_refuses_decompression(run_cli, tmp_path):
    path = tmp_path / "log.gz"
    path.write_bytes(compress("gzip", LINES))
    result = run_cli("tail", "-f", "-d", str(path))
    assert result.returncode == 2
    assert b"cannot follow a file it decompresses" in result.stderr


@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_cp_compress_and_decompress(run_cli, tmp_path, name, suffix, tool):
    source = tmp_path / "data.txt"
    data = os.urandom(100_000) + LINES
    source.write_bytes(data)
    packed = tmp_path / f"packed{suffix}"
    result = run_cli("cp", "--compress", str(source), str(packed))
    assert result.returncode == 0, result.stderr
    assert packed.read_bytes() != data and decompress(tool, packed) == data

    theirs = tmp_path / f"theirs{suffix}"
    theirs.write_bytes(compress(tool, data))
    unpacked = tmp_path / "out" / "unpacked.bin"
    result = run_cli("cp", "--decompress", str(theirs), str(unpacked))
    assert result.returncode == 0, result.stderr
    assert unpacked.read_bytes() == data

    other = ".zst" if suffix != ".zst" else ".gz"
    recompressed = tmp_path / f"again{other}"
    result = run_cli("cp", "--decompress", "--compress", str(theirs), str(recompressed))
    assert result.returncode == 0, result.stderr
    assert decompress("zstd" if other == ".zst" else "gzip", recompressed) == data

    plain = tmp_path / f"plain{suffix}"  # no option: bytes as stored
    assert run_cli("cp", str(theirs), str(plain)).returncode == 0
    assert plain.read_bytes() == theirs.read_bytes()


def test_cp_compression_needs_a_suffix_and_one_file(run_cli, tmp_path):
    (tmp_path / "a.txt").write_bytes(b"a")
    (tmp_path / "dir").mkdir()
    result = run_cli("cp", "--compress", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert result.returncode == 2
    assert b"cannot tell the codec of DST" in result.stderr and b".zst" in result.stderr
    assert not (tmp_path / "b.txt").exists()
    result = run_cli("cp", "--decompress", str(tmp_path / "a.txt"), str(tmp_path / "c.txt"))
    assert result.returncode == 2 and b"codec of SRC" in result.stderr
    result = run_cli("cp", "-r", "--compress", str(tmp_path / "dir"), str(tmp_path / "d.gz"))
    assert result.returncode == 2 and b"not a directory" in result.stderr
    assert not (tmp_path / "d.gz").exists()


def test_corrupt_input_is_a_clear_cli_error(run_cli, tmp_path):
    path = tmp_path / "broken.bz2"
    path.write_bytes(compress("bzip2", LINES)[:-20])
    result = run_cli("cat", "-d", str(path))
    assert result.returncode == 1
    assert b"cannot decompress" in result.stderr and b"broken.bz2 as bz2" in result.stderr
    assert b"Traceback" not in result.stderr
    target = tmp_path / "out.txt"
    result = run_cli("cp", "--decompress", str(path), str(target))
    assert result.returncode == 1 and b"broken.bz2" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.bz2"]  # no partial copy
