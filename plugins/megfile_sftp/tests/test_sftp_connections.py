"""Connection cache, stale connections, retries, refused connections, handshake bound."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
from sshserver import SshServer, free_port

from megfile_core import smart_exists, smart_listdir, smart_load_content, smart_open
from megfile_sftp import SftpConnectionError
from megfile_sftp import client as sftp_client
from megfile_sftp.path import SftpPath


@pytest.fixture
def own_sshd(
    tmp_path: Path, sftp_env: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SshServer]:
    """A server these tests may restart without disturbing the others."""
    server = SshServer.create(tmp_path / "own-sshd")
    server.start()
    with open(sftp_env / ".ssh" / "known_hosts", "a") as handle:
        handle.write(server.host_key_line())
    monkeypatch.setenv("SFTP_PRIVATE_KEY_PATH", str(server.client_key))
    yield server
    sftp_client.close_all()
    server.stop()


def _transports_to(port: int) -> int:
    """Live paramiko transports connected to ``port`` on this machine."""
    count = 0
    for thread in threading.enumerate():
        if isinstance(thread, paramiko.Transport) and thread.is_active():
            try:
                if thread.getpeername()[1] == port:
                    count += 1
            except OSError:
                pass
    return count


def test_one_connection_per_thread_and_server(sftp_root: str) -> None:
    target = SftpPath(sftp_root)._target
    first = sftp_client.get_connection(target)
    assert sftp_client.get_connection(target) is first
    other: list[sftp_client.Connection] = []
    thread = threading.Thread(target=lambda: other.append(sftp_client.get_connection(target)))
    thread.start()
    thread.join()
    assert other[0] is not first
    assert first.transport.packetizer._Packetizer__keepalive_interval == 15  # type: ignore[attr-defined]
    assert first.transport.remote_cipher.endswith("gcm@openssh.com")


def test_server_restart_between_calls(own_sshd: SshServer, remote_dir: str) -> None:
    url = f"sftp://root@127.0.0.1:{own_sshd.port}/{remote_dir}"
    Path(remote_dir, "f").write_text("x")
    assert smart_listdir(url) == ["f"]
    target = SftpPath(url)._target
    before = sftp_client.get_connection(target)
    own_sshd.restart()
    assert smart_listdir(url) == ["f"]  # the stale connection is replaced
    assert sftp_client.get_connection(target) is not before


def test_server_restart_in_the_middle_of_a_read(own_sshd: SshServer, remote_dir: str) -> None:
    data = os.urandom(4 << 20)
    Path(remote_dir, "big").write_bytes(data)
    url = f"sftp://root@127.0.0.1:{own_sshd.port}/{remote_dir}/big"
    with smart_open(url, "rb", block_size=1 << 20, max_buffer_size=1 << 20) as handle:
        first = handle.read(1 << 20)
        own_sshd.restart()
        rest = handle.read()
    assert first + rest == data


def test_transient_error_is_retried_on_a_fresh_connection(
    sftp_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = SftpPath(sftp_root)._target
    before = sftp_client.get_connection(target)
    real_stat = paramiko.SFTPClient.lstat
    calls: list[int] = []

    def flaky(self: paramiko.SFTPClient, path: str) -> paramiko.SFTPAttributes:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("Socket is closed")
        return real_stat(self, path)

    monkeypatch.setattr(paramiko.SFTPClient, "lstat", flaky)
    assert smart_exists(sftp_root)
    assert len(calls) == 2
    assert sftp_client.get_connection(target) is not before
    assert not before.alive()  # the old transport was closed, not leaked


def test_non_transient_errors_are_not_retried(
    sftp_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real_stat = paramiko.SFTPClient.lstat

    def counting(self: paramiko.SFTPClient, path: str) -> paramiko.SFTPAttributes:
        calls.append(1)
        return real_stat(self, path)

    monkeypatch.setattr(paramiko.SFTPClient, "lstat", counting)
    assert not smart_exists(f"{sftp_root}/missing")
    assert len(calls) == 1


def test_retries_give_up(sftp_root: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEGFILE_SFTP_MAX_RETRY_TIMES", "2")

    def broken(self: paramiko.SFTPClient, path: str) -> None:
        raise EOFError("channel closed")

    monkeypatch.setattr(paramiko.SFTPClient, "lstat", broken)
    with pytest.raises(SftpConnectionError) as info:
        smart_exists(sftp_root)
    assert isinstance(info.value, ConnectionError)


def test_refused_connection_leaves_nothing_behind(
    sshd: SshServer, remote_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEGFILE_SFTP_MAX_RETRY_TIMES", "1")
    monkeypatch.setenv("SFTP_MAX_UNAUTH_CONN", "1")
    sftp_client.close_all()
    closed = free_port()
    started = time.monotonic()
    for _ in range(3):
        with pytest.raises(ConnectionError):
            smart_listdir(f"sftp://root@127.0.0.1:{closed}//tmp")
    assert time.monotonic() - started < 3
    semaphore = sftp_client._semaphores[("127.0.0.1", closed)]
    assert semaphore.acquire(blocking=False)  # the only slot is free
    semaphore.release()
    assert _transports_to(closed) == 0
    started = time.monotonic()
    assert smart_listdir(f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}") == []
    assert time.monotonic() - started < 2


def test_failed_handshake_releases_its_slot(
    sshd: SshServer, sftp_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SFTP_MAX_UNAUTH_CONN", "1")
    monkeypatch.setenv("MEGFILE_SFTP_MAX_RETRY_TIMES", "1")
    port = free_port()
    server = SshServer.create(sftp_env.parent / "slot-sshd", port=port)
    server.start()
    try:
        sftp_client.close_all()
        for _ in range(2):  # unknown host key: the handshake fails after connecting
            with pytest.raises(ConnectionError):
                smart_listdir(f"sftp://root@127.0.0.1:{port}//tmp")
        assert sftp_client._semaphores[("127.0.0.1", port)].acquire(blocking=False)
        sftp_client._semaphores[("127.0.0.1", port)].release()
        time.sleep(0.2)
        assert _transports_to(port) == 0  # the rejected handshakes were closed
    finally:
        server.stop()


def test_handshakes_are_bounded(
    sshd: SshServer, remote_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SFTP_MAX_UNAUTH_CONN", "2")
    monkeypatch.setattr(sftp_client, "_semaphores", {})
    active = {"now": 0, "max": 0}
    lock = threading.Lock()
    real_connect = paramiko.SSHClient.connect

    def counting(self: paramiko.SSHClient, *args: object, **kwargs: object) -> None:
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        try:
            time.sleep(0.05)
            real_connect(self, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                active["now"] -= 1

    monkeypatch.setattr(paramiko.SSHClient, "connect", counting)
    url = f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}"
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(smart_listdir(url))) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [[]] * 6
    assert active["max"] == 2


def test_fork_child_makes_its_own_connection(sftp_root: str, remote_dir: str) -> None:
    Path(remote_dir, "f").write_bytes(b"fork")
    assert smart_load_content(f"{sftp_root}/f") == b"fork"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            code = 0 if smart_load_content(f"{sftp_root}/f") == b"fork" else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert smart_load_content(f"{sftp_root}/f") == b"fork"
