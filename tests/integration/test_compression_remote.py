"""Transparent compression on the real servers: S3 (moto), SFTP (sshd) both ways,
HTTP (nginx) for reading, each checked against the system compression tools."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

import megfile_core
from megfile_core.io.compression import DecompressionError

CODECS = [
    ("gzip", ".gz", "gzip"),
    ("bz2", ".bz2", "bzip2"),
    ("xz", ".xz", "xz"),
    ("zstd", ".zst", "zstd"),
]
IDS = [c[0] for c in CODECS]
DATA = os.urandom(150_000) + b"".join(b"row %d,value\n" % i for i in range(40_000))


@pytest.fixture(autouse=True)
def _tools(compression_tools):
    return compression_tools


@pytest.fixture(params=["s3", "sftp"])
def writable_root(request) -> str:
    return str(request.getfixturevalue(f"{request.param}_root"))


def tool_decompress(tool: str, stored: bytes, tmp_path: Path) -> bytes:
    local = tmp_path / "stored.bin"
    local.write_bytes(stored)
    return subprocess.run([tool, "-q", "-dc", str(local)], capture_output=True, check=True).stdout


def tool_compress(tool: str, data: bytes) -> bytes:
    return subprocess.run([tool, "-q", "-c"], input=data, capture_output=True, check=True).stdout


@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_round_trips_with_the_tools(writable_root, tmp_path, name, suffix, tool):
    ours = f"{writable_root}/ours/data{suffix}"
    with megfile_core.smart_open(ours, "wb", compression="infer") as handle:
        for start in range(0, len(DATA), 100_000):
            handle.write(DATA[start : start + 100_000])
    assert tool_decompress(tool, megfile_core.smart_load_content(ours), tmp_path) == DATA

    theirs = f"{writable_root}/theirs/data{suffix}"
    megfile_core.smart_save_content(theirs, tool_compress(tool, DATA))
    with megfile_core.smart_open(theirs, "rb", compression="infer") as handle:
        assert handle.read(1000) == DATA[:1000]
        assert handle.seek(200_000) == 200_000 and handle.read(50) == DATA[200_000:200_050]
        assert handle.seek(10) == 10 and handle.read(5) == DATA[10:15]  # backward: restart
    with megfile_core.smart_open(theirs, "r", encoding="latin-1", compression=name) as text:
        lines = text.read().splitlines()
    assert lines[-1] == "row 39999,value"


@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_text_and_append(writable_root, tmp_path, name, suffix, tool):
    path = f"{writable_root}/log{suffix}"
    with megfile_core.smart_open(path, "w", compression="infer") as handle:
        handle.write("ünïcode one\n")
    with megfile_core.smart_open(path, "a", compression="infer") as handle:
        handle.write("two\n")
    assert tool_decompress(tool, megfile_core.smart_load_content(path), tmp_path) == (
        "ünïcode one\ntwo\n".encode()
    )
    with megfile_core.smart_open(path, "r", compression="infer") as handle:
        assert handle.readlines() == ["ünïcode one\n", "two\n"]


def _fail_inside_the_block(root: str, suffix: str, **options: object) -> None:
    target = f"{root}/kept{suffix}"
    megfile_core.smart_save_content(target, b"old content")
    fresh = f"{root}/fresh{suffix}"
    for path in (target, fresh):
        with pytest.raises(RuntimeError, match="boom"):
            with megfile_core.smart_open(path, "wb", compression="infer", **options) as f:
                f.write(os.urandom(3 << 20))
                raise RuntimeError("boom")
    assert megfile_core.smart_load_content(target) == b"old content"
    assert not megfile_core.smart_exists(fresh)
    assert sorted(megfile_core.smart_listdir(root)) == [f"kept{suffix}"]  # no temp left


@pytest.mark.parametrize("text", [False, True], ids=["binary", "text"])
@pytest.mark.parametrize(("name", "suffix", "tool"), [CODECS[0], CODECS[3]], ids=["gzip", "zstd"])
def test_atomic_write_publishes_nothing_on_failure(writable_root, name, suffix, tool, text):
    if text:
        path = f"{writable_root}/text{suffix}"
        with pytest.raises(RuntimeError, match="boom"):
            with megfile_core.smart_open(path, "w", compression=name, atomic=True) as f:
                f.write("some text\n" * 100_000)
                raise RuntimeError("boom")
        assert not megfile_core.smart_exists(path)
        assert list(megfile_core.smart_scan(writable_root)) == []  # no temp left
        return
    _fail_inside_the_block(writable_root, suffix, atomic=True)


def test_s3_upload_publishes_nothing_on_failure_even_without_atomic(s3_root):
    _fail_inside_the_block(s3_root, ".xz")


def test_multipart_upload_streams_through_the_codec(s3_root, tmp_path):
    """Bigger than two S3 parts (block_size 5 MiB), random so it stays big."""
    data = os.urandom(11 << 20)
    path = f"{s3_root}/big.zst"
    with megfile_core.smart_open(path, "wb", compression="infer", block_size=5 << 20) as f:
        view = memoryview(data)
        for start in range(0, len(data), 1 << 20):
            f.write(view[start : start + (1 << 20)])
    stored = megfile_core.smart_load_content(path)
    assert len(stored) > 10 << 20
    assert tool_decompress("zstd", stored, tmp_path) == data
    with megfile_core.smart_open(path, "rb", compression="infer") as handle:
        assert handle.read() == data


@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_corrupt_remote_objects(writable_root, name, suffix, tool):
    stored = tool_compress(tool, DATA)
    path = f"{writable_root}/cut{suffix}"
    megfile_core.smart_save_content(path, stored[: len(stored) // 2])
    with pytest.raises(DecompressionError, match=f"cannot decompress .*cut{suffix} as {name}"):
        with megfile_core.smart_open(path, "rb", compression="infer") as handle:
            handle.read()


@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_http_reads_compressed_files(http_files, name, suffix, tool):
    base, directory = http_files
    (directory / f"data{suffix}").write_bytes(tool_compress(tool, DATA))
    (directory / f"bad{suffix}").write_bytes(b"definitely not " + name.encode() * 50)
    url = f"{base}/data{suffix}"
    with megfile_core.smart_open(url, "rb", compression="infer") as handle:
        assert handle.read() == DATA
        assert handle.seek(7) == 7 and handle.read(9) == DATA[7:16]
        with pytest.raises(io.UnsupportedOperation):
            handle.seek(0, io.SEEK_END)
    with megfile_core.smart_open(url, "r", encoding="latin-1", compression=name) as text:
        assert text.readlines()[-1] == "row 39999,value\n"
    with pytest.raises(DecompressionError, match=name) as caught:
        megfile_core.smart_open(
            f"{base}/bad{suffix}?sig=topsecret", "rb", compression="infer"
        ).read()
    assert f"bad{suffix}?sig=***" in str(caught.value)  # inferred through the query,
    assert "topsecret" not in str(caught.value)  # and the signature is masked
    with pytest.raises(OSError):  # HTTP is read-only, compressed or not
        megfile_core.smart_open(f"{base}/new{suffix}", "wb", compression="infer")
    assert not (directory / f"new{suffix}").exists()
