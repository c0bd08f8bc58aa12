"""Fixtures: one WsgiDAV over HTTP and one over HTTPS per session (basic auth, a
temp root), nginx's dav module when nginx is there, and a fresh directory per test."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from davserver import NginxDav, WsgiDav, nginx_binary


@pytest.fixture(scope="session")
def wsgidav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WsgiDav]:
    server = WsgiDav(tmp_path_factory.mktemp("wsgidav"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def wsgidav_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WsgiDav]:
    server = WsgiDav(tmp_path_factory.mktemp("wsgidav-tls"), tls=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def nginx_dav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NginxDav]:
    binary = nginx_binary()
    if binary is None:
        pytest.fail("nginx with its dav module is needed: apt-get install nginx-light")
    server = NginxDav(binary, tmp_path_factory.mktemp("nginx-dav"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def webdav_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials or TLS settings from the machine; quick retries."""
    for name in (
        "WEBDAV_USERNAME",
        "WEBDAV_PASSWORD",
        "WEBDAV_TOKEN",
        "WEBDAV_VERIFY_SSL",
        "WEBDAV_CA_BUNDLE",
        "WEBDAV_TIMEOUT",
        "MEGFILE_CONFIG_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MEGFILE_WEBDAV_MAX_RETRY_TIMES", "3")


@pytest.fixture
def dav_root(wsgidav: WsgiDav) -> str:
    """A fresh, existing directory on the HTTP WsgiDAV."""
    import megfile_core as megfile

    url = f"{wsgidav.url()}/test-{uuid.uuid4().hex[:12]}"
    megfile.smart_makedirs(url)
    return url


@pytest.fixture
def davs_root(wsgidav_tls: WsgiDav, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh directory on the HTTPS WsgiDAV, its certificate trusted through
    WEBDAV_CA_BUNDLE."""
    import megfile_core as megfile

    assert wsgidav_tls.cert is not None
    monkeypatch.setenv("WEBDAV_CA_BUNDLE", str(wsgidav_tls.cert))
    url = f"{wsgidav_tls.url('webdavs')}/test-{uuid.uuid4().hex[:12]}"
    megfile.smart_makedirs(url)
    return url


@pytest.fixture
def nginx_root(nginx_dav: NginxDav) -> str:
    """A fresh directory on nginx's dav module (made by MKCOL)."""
    import megfile_core as megfile

    url = f"{nginx_dav.url()}/test-{uuid.uuid4().hex[:12]}"
    megfile.smart_makedirs(url)
    return url
