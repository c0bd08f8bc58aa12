"""Servers for cross-protocol tests, reusing each plugin's own test helpers.

Each server starts once per session on a free loopback port and is stopped by PID.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
for _name in ("megfile_sftp", "megfile_http", "megfile_s3"):
    _tests = PLUGINS / _name / "tests"
    if _tests.is_dir() and str(_tests) not in sys.path:
        sys.path.append(str(_tests))


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from sshserver import SshServer

    server = SshServer.create(tmp_path_factory.mktemp("sshd-integration"))
    server.start()
    yield server
    from megfile_sftp import client

    client.close_all()
    server.stop()


@pytest.fixture(scope="session")
def web_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-root")


@pytest.fixture(scope="session")
def nginx(tmp_path_factory: pytest.TempPathFactory, web_root: Path) -> Iterator[object]:
    from httpservers import Nginx

    server = Nginx(web_root, tmp_path_factory.mktemp("nginx-state")).start()
    yield server
    server.stop()


@pytest.fixture
def sftp_root(sshd, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``sftp://root@127.0.0.1:PORT//tmp/<fresh>``, trusted through a temp HOME."""
    home = Path(os.environ["HOME"])  # tests/conftest.py already made HOME private
    (home / ".ssh").mkdir(exist_ok=True)
    (home / ".ssh" / "known_hosts").write_text(sshd.host_key_line())
    monkeypatch.setenv("SFTP_PRIVATE_KEY_PATH", str(sshd.client_key))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    directory = f"/tmp/megfile-integration-{uuid.uuid4().hex[:12]}"
    os.makedirs(directory)
    yield f"sftp://root@127.0.0.1:{sshd.port}/{directory}"
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def http_files(nginx, web_root: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, served directory) with a fresh sub-directory per test."""
    name = uuid.uuid4().hex[:12]
    directory = web_root / name
    directory.mkdir()
    yield f"{nginx.url}/{name}", directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def moto() -> Iterator[object]:
    from s3server import MotoS3

    server = MotoS3.start()
    yield server
    server.stop()


@pytest.fixture
def s3_root(moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``s3://<fresh bucket>/root``; ``s3+backup://`` reaches the same server through
    the profile-scoped variables only."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "OSS_")) or "__AWS_" in name or "__OSS_" in name:
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name, value in {**moto.env(), **moto.env("backup")}.items():
        monkeypatch.setenv(name, value)
    return f"s3://{moto.new_bucket()}/root"
