"""Open modes, parallel pipelined reads and writes, atomic writes."""

from __future__ import annotations

import os
import re
import stat
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


def test_reads_pipeline_many_requests(
    sftp_root: str, remote_dir: str, in_flight: dict[str, int]
) -> None:
    data = os.urandom(6 * 1024 * 1024 + 123)
    Path(remote_dir, "r.bin").write_bytes(data)
    with smart_open(f"{sftp_root}/r.bin", "rb", block_size=1 << 20) as handle:
        assert isinstance(handle, PrefetchReader)
        assert handle.read() == data
    assert in_flight["max"] >= 4  # several requests in flight, not one at a time
    assert smart_load_content(f"{sftp_root}/r.bin", 5, 4_000_000) == data[5:4_000_000]


def test_writes_pipeline_parallel_parts(
    sftp_root: str, remote_dir: str, in_flight: dict[str, int]
) -> None:
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


def test_short_reads_are_completed(
    sftp_root: str, remote_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    with smart_open(
        f"{sftp_root}/c.bin", "rb", block_size=1 << 20, max_buffer_size=1 << 20
    ) as handle:
        handle.read(10)
        Path(remote_dir, "c.bin").write_bytes(os.urandom(2 << 20))
        with pytest.raises(FileChangedError):
            handle.read()


def test_save_and_load_empty(sftp_root: str, remote_dir: str) -> None:
    smart_save_content(f"{sftp_root}/empty", b"")
    assert Path(remote_dir, "empty").read_bytes() == b""
    assert smart_load_content(f"{sftp_root}/empty") == b""


@pytest.fixture
def cp_commands(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every remote command run (spied, still run on the server)."""
    from megfile_sftp import remote

    commands: list[str] = []
    real = remote.run

    def spy(target, command, path):  # type: ignore[no-untyped-def]
        commands.append(command)
        return real(target, command, path)

    monkeypatch.setattr(remote, "run", spy)
    return commands


def _temps(directory: str) -> list[str]:
    return [n for n in os.listdir(directory) if n.endswith(".temp")]


@pytest.mark.parametrize("no_exec", [False, True], ids=["cp", "streamed"])
def test_atomic_append_and_update_modes(
    sftp_root: str,
    remote_dir: str,
    no_exec: bool,
    cp_commands: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from megfile_sftp import remote

    if no_exec:  # an sftp-only account: the copy is streamed through the client
        monkeypatch.setattr(remote, "run", lambda *args: cp_commands.append(args[1]) and None)
    target = Path(remote_dir, "odd 'name' $x.bin")
    url = f"{sftp_root}/{target.name}"
    # more than one streamed chunk; no newline up front: the text read below would
    # translate a random b"\r" into "\n" (a 1-in-128 failure)
    original = b"ab" + os.urandom((9 << 20) - 2)
    target.write_bytes(original)
    os.chmod(target, 0o640)

    handle = smart_open(url, "ab", atomic=True)
    temps = _temps(remote_dir)
    assert len(temps) == 1
    assert re.fullmatch(r"\..+\.bin\.[0-9a-f]{8}\.temp", temps[0])
    assert Path(remote_dir, temps[0]).read_bytes() == original  # starts as a copy
    handle.write(b"tail")
    handle.flush()
    assert Path(remote_dir, temps[0]).read_bytes() == original + b"tail"
    assert target.read_bytes() == original  # untouched until close
    handle.close()
    assert target.read_bytes() == original + b"tail"
    assert _temps(remote_dir) == []
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640  # permissions kept
    assert cp_commands and cp_commands[0].startswith("cp -- '")

    with smart_open(url, "rb+", atomic=True) as handle:
        assert handle.read(4) == original[:4]
        handle.seek(2)
        handle.write(b"XY")
        assert target.read_bytes()[:4] == original[:4]
    assert target.read_bytes()[:6] == original[:2] + b"XY" + original[4:6]
    assert target.stat().st_size == len(original) + 4

    with smart_open(url, "a+", atomic=True, encoding="latin-1") as text:
        text.write("!")
        text.seek(0)
        assert text.read(2) == original[:2].decode("latin-1")
    assert target.read_bytes().endswith(b"tail!")

    with smart_open(url, "w+", atomic=True) as text:
        text.write("fresh")
        text.seek(0)
        assert text.read() == "fresh"
        assert target.stat().st_size == len(original) + 5
    assert target.read_text() == "fresh"
    assert _temps(remote_dir) == []

    with smart_open(f"{sftp_root}/new/a.txt", "a", atomic=True) as text:  # no target yet
        text.write("created")
        assert not Path(remote_dir, "new/a.txt").exists()
    assert Path(remote_dir, "new/a.txt").read_text() == "created"
    assert sorted(os.listdir(remote_dir)) == sorted([target.name, "new"])


def test_atomic_update_modes_leave_nothing_on_failure(sftp_root: str, remote_dir: str) -> None:
    target = Path(remote_dir, "keep.txt")
    target.write_bytes(b"original")
    url = f"{sftp_root}/keep.txt"
    for mode in ("ab", "r+", "a+", "w+b", "a"):
        with pytest.raises(RuntimeError, match="boom"):
            with smart_open(url, mode, atomic=True) as handle:
                handle.write(b"junk" if "b" in mode else "junk")
                handle.flush()
                assert len(_temps(remote_dir)) == 1
                raise RuntimeError("boom")
        assert target.read_bytes() == b"original", mode
        assert os.listdir(remote_dir) == ["keep.txt"], mode
    for mode in ("ab+", "r+b", "w+", "x+"):
        name = "keep.txt" if mode != "x+" else "new.txt"
        handle = smart_open(f"{sftp_root}/{name}", mode, atomic=True)
        handle.write(b"junk" if "b" in mode else "junk")
        assert handle.abort() is True
        assert handle.abort() is False
        assert handle.closed
        assert target.read_bytes() == b"original", mode
        assert os.listdir(remote_dir) == ["keep.txt"], mode
    with pytest.raises(FileNotFoundError):
        smart_open(f"{sftp_root}/missing", "rb+", atomic=True)
    with pytest.raises(FileExistsError):
        smart_open(url, "x+", atomic=True)
    with pytest.raises(IsADirectoryError):
        smart_open(sftp_root, "ab", atomic=True)
    assert os.listdir(remote_dir) == ["keep.txt"]


def test_atomic_update_publish_failure_discards(
    sftp_root: str, remote_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from megfile_sftp import opening as sftp_opening

    Path(remote_dir, "p.txt").write_text("old")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(13, "permission denied")

    handle = smart_open(f"{sftp_root}/p.txt", "ab", atomic=True)
    handle.write(b"new")
    with monkeypatch.context() as patch:
        patch.setattr(sftp_opening, "rename", fail)
        with pytest.raises(PermissionError, match=r"p\.txt"):
            handle.close()
    assert os.listdir(remote_dir) == ["p.txt"]
    assert Path(remote_dir, "p.txt").read_text() == "old"
    # x+: somebody else created the target meanwhile: theirs stays, ours goes
    handle = smart_open(f"{sftp_root}/x.txt", "xb+", atomic=True)
    handle.write(b"mine")
    Path(remote_dir, "x.txt").write_text("theirs")
    with pytest.raises(FileExistsError):
        handle.close()
    assert Path(remote_dir, "x.txt").read_text() == "theirs"
    assert sorted(os.listdir(remote_dir)) == ["p.txt", "x.txt"]


def test_atomic_update_dropped_unclosed_is_discarded(sftp_root: str, remote_dir: str) -> None:
    import gc

    Path(remote_dir, "g.txt").write_text("old")
    handle = smart_open(f"{sftp_root}/g.txt", "a", atomic=True)
    handle.write("lost")
    del handle
    gc.collect()
    assert os.listdir(remote_dir) == ["g.txt"]
    assert Path(remote_dir, "g.txt").read_text() == "old"


def test_failed_writes_are_raised_not_dropped(sshd, remote_dir: str) -> None:  # type: ignore[no-untyped-def]
    """/dev/full on the server answers every write with ENOSPC: a pipelined write
    must still fail at flush/close (paramiko's own pipelining drops the answers)."""
    url = f"sftp://root@127.0.0.1:{sshd.port}//dev/full"
    handle = smart_open(url, "ab")
    handle.write(os.urandom(300_000))
    with pytest.raises(OSError, match="dev/full") as info:
        handle.flush()
    assert "Failure" in str(info.value) or "status" in str(info.value)
    with pytest.raises(OSError, match="dev/full"):  # still failed: said again
        handle.close()
    assert handle.closed
    with pytest.raises(OSError, match="dev/full"):
        with smart_open(url, "rb+") as again:
            again.write(b"x" * 100)


def test_atomic_update_with_a_failed_write_is_not_published(
    sftp_root: str, remote_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write the server refuses (injected: the answer to one write turned into a
    failure) makes close() raise, and the half-written temp file never replaces the
    target."""
    from paramiko.sftp import SFTP_FAILURE

    from megfile_sftp import files

    Path(remote_dir, "f.bin").write_bytes(b"original")
    real = files._WriteAcks._async_response
    failed: list[int] = []

    def fail_one(self, kind, msg, num):  # type: ignore[no-untyped-def]
        if not failed:
            import paramiko

            failed.append(num)
            msg = paramiko.Message()
            msg.add_int(SFTP_FAILURE)
            msg.add_string("injected failure")
            msg.add_string("")
            msg.rewind()
        real(self, kind, msg, num)

    monkeypatch.setattr(files._WriteAcks, "_async_response", fail_one)
    handle = smart_open(f"{sftp_root}/f.bin", "ab", atomic=True)
    handle.write(os.urandom(1 << 20))
    with pytest.raises(OSError, match="injected failure"):
        handle.close()
    assert failed
    assert os.listdir(remote_dir) == ["f.bin"]
    assert Path(remote_dir, "f.bin").read_bytes() == b"original"


def test_atomic_append_to_a_symlink_replaces_the_link(sftp_root: str, remote_dir: str) -> None:
    Path(remote_dir, "real.txt").write_text("real")
    os.symlink(f"{remote_dir}/real.txt", f"{remote_dir}/link.txt")
    with smart_open(f"{sftp_root}/link.txt", "a", atomic=True) as handle:
        handle.write("+more")
    assert not os.path.islink(f"{remote_dir}/link.txt")
    assert Path(remote_dir, "link.txt").read_text() == "real+more"
    assert Path(remote_dir, "real.txt").read_text() == "real"
