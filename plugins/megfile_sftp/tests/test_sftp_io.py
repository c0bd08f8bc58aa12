"""Open modes, parallel pipelined reads and writes, atomic writes."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from megfile_core import SmartPath, smart_load_content, smart_open, smart_save_content
from megfile_core.io.prefetch import PrefetchReader
from megfile_core.io.writer import PartWriter
from megfile_sftp import pipeline
from megfile_sftp.client import DEFAULT_IO_SIZE


@pytest.fixture
def in_flight(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The most SFTP requests seen outstanding on one channel, and the pump count."""
    seen = {"max": 0, "pumps": 0}
    lock = threading.Lock()
    real = pipeline._pump

    def spy(conn, box):  # type: ignore[no-untyped-def]
        with lock:
            seen["max"] = max(seen["max"], len(conn.sftp._expecting))
            seen["pumps"] += 1
        real(conn, box)

    monkeypatch.setattr(pipeline, "_pump", spy)
    return seen


def test_reads_pipeline_many_requests(sftp_root: str, remote_dir: str,
                                      in_flight: dict[str, int]) -> None:
    data = os.urandom(6 * 1024 * 1024 + 123)
    Path(remote_dir, "r.bin").write_bytes(data)
    with smart_open(f"{sftp_root}/r.bin", "rb", block_size=1 << 20) as handle:
        assert isinstance(handle, PrefetchReader)
        assert handle.read() == data
    assert in_flight["max"] >= 4  # several requests in flight, not one at a time
    assert smart_load_content(f"{sftp_root}/r.bin", 5, 4_000_000) == data[5:4_000_000]


def test_writes_pipeline_parallel_parts(sftp_root: str, remote_dir: str,
                                        in_flight: dict[str, int]) -> None:
    data = os.urandom(5 * 1024 * 1024 + 7)
    with smart_open(f"{sftp_root}/w.bin", "wb", block_size=1 << 20) as handle:
        assert isinstance(handle, PartWriter)
        for start in range(0, len(data), 300_000):
            handle.write(data[start : start + 300_000])
    assert Path(remote_dir, "w.bin").read_bytes() == data
    assert in_flight["max"] >= 4


def test_server_limits_are_used(sftp_root: str) -> None:
    from megfile_sftp.client import get_connection

    path = SmartPath(sftp_root).pathlike
    conn = get_connection(path._target)  # type: ignore[attr-defined]
    assert conn.read_size > DEFAULT_IO_SIZE  # OpenSSH: limits@openssh.com
    assert conn.write_size > DEFAULT_IO_SIZE


def test_short_reads_are_completed(sftp_root: str, remote_dir: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data = os.urandom(200_000)
    Path(remote_dir, "s.bin").write_bytes(data)
    from megfile_sftp.client import get_connection

    conn = get_connection(SmartPath(sftp_root).pathlike._target)  # type: ignore[attr-defined]
    monkeypatch.setattr(conn, "read_size", 70_001)
    real = pipeline._Replies._async_response

    def halve(self, kind, msg, num):  # type: ignore[no-untyped-def]
        if kind == pipeline.CMD_DATA:
            payload = msg.get_string()
            import paramiko

            short = paramiko.Message()
            short.add_string(payload[: max(1, len(payload) // 2)])
            short.rewind()
            msg = short
        real(self, kind, msg, num)

    monkeypatch.setattr(pipeline._Replies, "_async_response", halve)
    assert smart_load_content(f"{sftp_root}/s.bin") == data


def test_append_and_plus_modes(sftp_root: str, remote_dir: str) -> None:
    path = f"{sftp_root}/deep/m.txt"
    with smart_open(path, "ab") as handle:  # creates parents
        handle.write(b"one")
    with smart_open(path, "a") as handle:
        handle.write("two")
    assert Path(remote_dir, "deep/m.txt").read_bytes() == b"onetwo"
    with smart_open(path, "rb+") as handle:
        assert handle.read(3) == b"one"
        handle.seek(0)
        handle.write(b"ONE")
    assert Path(remote_dir, "deep/m.txt").read_bytes() == b"ONEtwo"
    with smart_open(path, "w+") as handle:
        handle.write("fresh")
        handle.seek(0)
        assert handle.read() == "fresh"
    with smart_open(path, "ab+") as handle:
        handle.write(b"!")
        handle.seek(0)
        assert handle.read() == b"fresh!"
    with pytest.raises(FileExistsError):
        smart_open(path, "xb+")
    with smart_open(f"{sftp_root}/new+", "xb+") as handle:
        handle.write(b"x")
    assert Path(remote_dir, "new+").read_bytes() == b"x"
    with pytest.raises(FileNotFoundError):
        smart_open(f"{sftp_root}/missing", "rb+")
    with pytest.raises(ValueError, match="atomic"):
        smart_open(path, "ab", atomic=True)


def test_exclusive_and_truncate(sftp_root: str, remote_dir: str) -> None:
    Path(remote_dir, "t.bin").write_bytes(b"x" * 1000)
    with smart_open(f"{sftp_root}/t.bin", "wb") as handle:
        handle.write(b"short")
    assert Path(remote_dir, "t.bin").read_bytes() == b"short"
    with pytest.raises(FileExistsError):
        smart_open(f"{sftp_root}/t.bin", "xb")
    with smart_open(f"{sftp_root}/x/new.bin", "xb") as handle:
        handle.write(b"new")
    assert Path(remote_dir, "x/new.bin").read_bytes() == b"new"


def test_atomic_write_uses_a_temp_beside_the_target(sftp_root: str, remote_dir: str) -> None:
    Path(remote_dir, "a.txt").write_text("old")
    handle = smart_open(f"{sftp_root}/a.txt", "wb", atomic=True, block_size=64 * 1024)
    handle.write(os.urandom(200_000))
    names = os.listdir(remote_dir)
    temps = [n for n in names if n != "a.txt"]
    assert len(temps) == 1
    assert re.fullmatch(r"\.a\.txt\.[0-9a-f]{8}\.temp", temps[0])
    assert Path(remote_dir, "a.txt").read_text() == "old"
    handle.write(b"end")
    handle.close()
    assert os.listdir(remote_dir) == ["a.txt"]
    assert Path(remote_dir, "a.txt").read_bytes().endswith(b"end")
    aborted = smart_open(f"{sftp_root}/a.txt", "wb", atomic=True)
    aborted.write(b"never")
    aborted.abort()
    assert os.listdir(remote_dir) == ["a.txt"]
    assert Path(remote_dir, "a.txt").read_bytes().endswith(b"end")


def test_atomic_exclusive_does_not_replace(sftp_root: str, remote_dir: str) -> None:
    handle = smart_open(f"{sftp_root}/e.txt", "xb", atomic=True)
    handle.write(b"mine")
    Path(remote_dir, "e.txt").write_text("theirs")  # created meanwhile
    with pytest.raises(FileExistsError, match=r"e\.txt"):
        handle.close()
    assert Path(remote_dir, "e.txt").read_text() == "theirs"
    assert os.listdir(remote_dir) == ["e.txt"]


def test_reader_detects_a_changed_file(sftp_root: str, remote_dir: str) -> None:
    from megfile_core.errors import FileChangedError

    Path(remote_dir, "c.bin").write_bytes(os.urandom(3 << 20))
    with smart_open(f"{sftp_root}/c.bin", "rb", block_size=1 << 20,
                    max_buffer_size=1 << 20) as handle:
        handle.read(10)
        Path(remote_dir, "c.bin").write_bytes(os.urandom(2 << 20))
        with pytest.raises(FileChangedError):
            handle.read()


def test_save_and_load_empty(sftp_root: str, remote_dir: str) -> None:
    smart_save_content(f"{sftp_root}/empty", b"")
    assert Path(remote_dir, "empty").read_bytes() == b""
    assert smart_load_content(f"{sftp_root}/empty") == b""
