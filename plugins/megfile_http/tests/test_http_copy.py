"""Copies out of http(s): the parallel ranged download (http→file) and the generic
streaming path to another protocol (memory:// standing in for s3/sftp)."""

from __future__ import annotations

import os

import pytest
from http_testdata import BIG

from megfile_core import smart_copy, smart_load_content, smart_sync
from megfile_core.errors import FileChangedError
from megfile_core.testing.memory import get_store, register_memory
from megfile_http.transfer import download

DATA = os.urandom(1_000_000)


def test_download_from_nginx(nginx, tmp_path):
    target = tmp_path / "sub" / "big.bin"
    seen: list[int] = []
    smart_copy(f"{nginx.url}/big.bin", str(target), callback=seen.append)
    assert target.read_bytes() == BIG
    assert sum(seen) == len(BIG)
    assert os.stat(target).st_mtime == 1_600_000_000
    assert [p.name for p in target.parent.iterdir()] == ["big.bin"]  # no temp left


def test_download_uses_parallel_ranges(fault_server, tmp_path, monkeypatch):
    monkeypatch.setenv("MEGFILE_READER_BLOCK_SIZE", "128Ki")
    url = fault_server.add("/f", DATA)
    smart_copy(url, f"file://{tmp_path}/out.bin")
    assert (tmp_path / "out.bin").read_bytes() == DATA
    ranges = sorted(h["Range"] for _, _, h in fault_server.requests("GET"))
    # the 64 KiB probe, then blocks from where it stopped
    blocks = [(0, 65535)] + [
        (i, min(i + (128 << 10), len(DATA)) - 1) for i in range(65536, len(DATA), 128 << 10)
    ]
    assert ranges == sorted(f"bytes={a}-{b}" for a, b in blocks)
    assert os.stat(tmp_path / "out.bin").st_mtime == 1_700_000_000


def test_download_resumes_a_cut_block(fault_server, tmp_path):
    url = fault_server.add("/f", DATA)
    fault_server.files["/f"].faults[:] = ["", "cut:5000"]  # the second GET breaks
    download(url, str(tmp_path / "out.bin"), block_size=256 << 10)
    assert (tmp_path / "out.bin").read_bytes() == DATA
    ranges = [h["Range"] for _, _, h in fault_server.requests("GET")]
    blocks = {"bytes=0-65535"} | {
        f"bytes={a}-{min(a + (256 << 10), len(DATA)) - 1}"
        for a in range(65536, len(DATA), 256 << 10)
    }
    extra = [r for r in ranges if r not in blocks]
    assert set(ranges) - set(extra) == blocks
    assert len(extra) == 1  # one resumption, from the byte where the cut block stopped
    start = int(extra[0][6:].split("-")[0])
    assert (start - 65536) % (256 << 10) == 5000


def test_download_without_ranges_streams(fault_server, tmp_path):
    url = fault_server.add("/f", DATA, ranges=False)
    smart_copy(url, str(tmp_path / "out.bin"))
    assert (tmp_path / "out.bin").read_bytes() == DATA
    assert len(fault_server.requests("GET")) == 1


def test_download_gzip(fault_server, tmp_path):
    url = fault_server.add("/g", DATA[:50_000], gzip=True)
    smart_copy(url, str(tmp_path / "out.bin"))
    assert (tmp_path / "out.bin").read_bytes() == DATA[:50_000]


def test_download_keeps_existing_without_overwrite(nginx, tmp_path):
    target = tmp_path / "keep.bin"
    target.write_bytes(b"old")
    smart_copy(f"{nginx.url}/big.bin", str(target), overwrite=False)
    assert target.read_bytes() == b"old"
    smart_copy(f"{nginx.url}/small.bin", str(target))
    assert target.read_bytes() == b"0123456789"


def test_failed_download_leaves_nothing(fault_server, tmp_path, monkeypatch):
    """The file changes after the first block: FileChangedError, no target, no temp."""
    url = fault_server.add("/f", DATA)
    from megfile_http import transfer

    real = transfer.read_body

    def read_then_replace(*args, **kwargs):
        data = real(*args, **kwargs)
        fault_server.add("/f", DATA[::-1])
        return data

    monkeypatch.setattr(transfer, "read_body", read_then_replace)
    with pytest.raises(FileChangedError):
        download(url, str(tmp_path / "out.bin"), block_size=128 << 10)
    assert list(tmp_path.iterdir()) == []


def test_download_missing(nginx, tmp_path):
    with pytest.raises(FileNotFoundError):
        smart_copy(f"{nginx.url}/nope", str(tmp_path / "x"))
    assert list(tmp_path.iterdir()) == []


def test_download_empty(nginx, tmp_path):
    smart_copy(f"{nginx.url}/empty", str(tmp_path / "e"))
    assert (tmp_path / "e").read_bytes() == b""


def test_copy_to_another_protocol_streams(nginx):
    register_memory()
    get_store().clear()
    seen: list[int] = []
    smart_copy(f"{nginx.url}/big.bin", "memory://bucket/big.bin", callback=seen.append)
    assert smart_load_content("memory://bucket/big.bin") == BIG
    assert sum(seen) == len(BIG)
    get_store().clear()


def test_sync_single_file_to_local(nginx, tmp_path):
    smart_sync(f"{nginx.url}/small.bin", str(tmp_path / "s.bin"))
    assert (tmp_path / "s.bin").read_bytes() == b"0123456789"
