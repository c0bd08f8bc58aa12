from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from megfile_core.testing.memory import get_store


@pytest.fixture
def memory_root():
    """A fresh ``memory://`` tree, registered for this process."""
    from megfile_core.testing.memory import register_memory

    register_memory()
    get_store().clear()
    yield "memory://root"
    get_store().clear()


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    """Tests never read the developer's ~/.config/megfile."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("MEGFILE_CONFIG_PATH", raising=False)
    monkeypatch.delenv("MEGFILE_COMPRESSION", raising=False)
    for key in list(os.environ):
        if key.startswith("MEGFILE_ALIASES__"):
            monkeypatch.delenv(key)


#: the compression tools the round-trip tests run, and the Debian package of each
COMPRESSION_TOOLS = {"gzip": "gzip", "bzip2": "bzip2", "xz": "xz-utils", "zstd": "zstd"}


@pytest.fixture(scope="session")
def compression_tools() -> dict[str, str]:
    """Paths of the system ``gzip``, ``bzip2``, ``xz`` and ``zstd``; the missing ones
    are installed with apt-get first (as the SFTP tests install sshd)."""
    missing = [pkg for tool, pkg in COMPRESSION_TOOLS.items() if shutil.which(tool) is None]
    if missing:
        command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if subprocess.run(command, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=True)
            subprocess.run(command, env=env, capture_output=True, check=True)
    found = {tool: shutil.which(tool) for tool in COMPRESSION_TOOLS}
    assert all(found.values()), f"compression tools missing after apt-get: {found}"
    return {tool: str(path) for tool, path in found.items()}
