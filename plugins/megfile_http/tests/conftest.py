"""Fixtures: nginx and the fault-injecting server, both on 127.0.0.1, started and
stopped here (by PID for nginx)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from http_testdata import BIG, TEXT
from httpservers import FaultServer, Nginx


@pytest.fixture(scope="session")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    base = tmp_path_factory.mktemp("nginx")
    root = base / "root"
    root.mkdir()
    (root / "big.bin").write_bytes(BIG)
    (root / "text.txt").write_text(TEXT, encoding="utf-8")
    (root / "empty").write_bytes(b"")
    (root / "small.bin").write_bytes(b"0123456789")
    (root / "dir").mkdir()
    (root / "dir" / "a.txt").write_bytes(b"a")
    os.utime(root / "big.bin", (1_600_000_000, 1_600_000_000))
    server = Nginx(root, base / "state").start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def near_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test servers are on loopback, but a busy machine can make the Python one
    answer in more than ``readers.FAR_SERVER``: no reader takes them for far ones
    (tests of that set it back themselves)."""
    from megfile_http import readers

    monkeypatch.setattr(readers, "FAR_SERVER", float("inf"))


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Enough attempts for the fault tests, short enough for a refused port."""
    monkeypatch.setenv("MEGFILE_HTTP_MAX_RETRY_TIMES", "4")
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
