"""Fixtures: one private OpenSSH sshd per session (key auth as root), a temp HOME
with a known_hosts that trusts it, and a fresh remote directory per test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sshserver import SshServer

# one user per test session, so two sessions on one machine never share (and
# delete) each other's user
PASSWORD_USER = f"megfile_pw_{uuid.uuid4().hex[:8]}"
PASSWORD = "pw:with@odd/chars"


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    server = SshServer.create(tmp_path_factory.mktemp("sshd"), password_auth=True)
    server.start()
    yield server
    from megfile_sftp import client

    client.close_all()
    server.stop()


@pytest.fixture(scope="session")
def password_user(sshd: SshServer) -> Iterator[tuple[str, str]]:
    """A local user with a password (sshd checks /etc/shadow with UsePAM no), made
    for this session and removed at its end."""
    if subprocess.run(["id", PASSWORD_USER], capture_output=True).returncode != 0:
        subprocess.run(
            ["useradd", "-m", "-s", "/bin/sh", PASSWORD_USER], check=True, capture_output=True
        )
    subprocess.run(
        ["chpasswd"], input=f"{PASSWORD_USER}:{PASSWORD}".encode(), check=True, capture_output=True
    )
    yield PASSWORD_USER, PASSWORD
    from megfile_sftp import client

    client.close_all()  # the user's sshd session processes end with their connections
    for _ in range(50):
        done = subprocess.run(["userdel", "-r", PASSWORD_USER], capture_output=True)
        if done.returncode in (0, 6):  # removed, or already gone
            break
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def sftp_env(sshd: SshServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp HOME (never the machine's ~/.ssh) whose known_hosts trusts ``sshd``,
    and the client key in SFTP_PRIVATE_KEY_PATH."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "known_hosts").write_text(sshd.host_key_line())
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SFTP_PRIVATE_KEY_PATH", str(sshd.client_key))
    for name in (
        "SFTP_USERNAME",
        "SFTP_PASSWORD",
        "SFTP_PRIVATE_KEY_TYPE",
        "SFTP_PRIVATE_KEY_PASSWORD",
        "MEGFILE_SFTP_HOST_KEY_POLICY",
        "SSH_AUTH_SOCK",
        "MEGFILE_CONFIG_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MEGFILE_SFTP_MAX_RETRY_TIMES", "3")
    return home


@pytest.fixture
def remote_dir(sshd: SshServer) -> Iterator[str]:
    """A fresh absolute directory on the server (the server is this machine)."""
    path = f"/tmp/megfile-sftp-test-{uuid.uuid4().hex[:12]}"
    os.makedirs(path)
    yield path
    subprocess.run(["rm", "-rf", path], check=False)


@pytest.fixture
def sftp_root(sshd: SshServer, remote_dir: str) -> str:
    return f"sftp://root@127.0.0.1:{sshd.port}/{remote_dir}"
