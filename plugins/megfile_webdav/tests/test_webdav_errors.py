"""Credentials, TLS, locks, retries and the errors users see."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest
import requests
from davserver import PASSWORD, USER, WsgiDav
from faultserver import FaultServer

import megfile_core as megfile
from megfile_webdav import WebdavLockedError
from megfile_webdav.errors import WebdavTLSError
from megfile_webdav.path import WebdavPath


def test_wrong_password_is_a_permission_error_that_hides_it(wsgidav: WsgiDav) -> None:
    url = f"webdav://{USER}:not-the-secret-9@127.0.0.1:{wsgidav.port}/x.txt"
    with pytest.raises(PermissionError) as caught:
        megfile.smart_stat(url)
    text = str(caught.value)
    assert "not-the-secret-9" not in text and "***" in text
    assert "WEBDAV_USERNAME" in text  # says what to check
    assert "not-the-secret-9" not in repr(WebdavPath(url))


def test_no_credentials_then_credentials_from_the_environment(
    wsgidav: WsgiDav, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{wsgidav.url(credentials=False)}/env-{uuid.uuid4().hex[:8]}.txt"
    with pytest.raises(PermissionError):
        megfile.smart_save_text(url, "x")
    monkeypatch.setenv("WEBDAV_USERNAME", USER)
    monkeypatch.setenv("WEBDAV_PASSWORD", PASSWORD)
    megfile.smart_save_text(url, "from env")
    assert megfile.smart_load_text(url) == "from env"


def test_a_token_is_sent_as_bearer_and_never_logged(
    wsgidav: WsgiDav, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("WEBDAV_TOKEN", "tok-SECRET-123")
    url = f"{wsgidav.url(credentials=False)}/t.txt"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PermissionError) as caught:  # WsgiDAV takes basic auth only
        megfile.smart_stat(url)
    assert "tok-SECRET-123" not in str(caught.value)
    assert "tok-SECRET-123" not in caplog.text
    assert "PROPFIND" in caplog.text  # the requests were logged, without the token


def test_token_goes_as_bearer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBDAV_TOKEN", "abc")
    monkeypatch.setenv("WEBDAV_USERNAME", "ignored-when-a-token-is-set")
    server = FaultServer(failures=0, token="abc")
    try:
        assert megfile.smart_stat(f"webdav://127.0.0.1:{server.port}/f.txt").size == 7
    finally:
        server.stop()
    assert server.authorizations == ["Bearer abc"]


def test_token_command_runs_again_after_a_401(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from megfile_webdav import client

    source = tmp_path / "token"
    source.write_text("first\n")
    monkeypatch.setenv("WEBDAV_TOKEN_COMMAND", f"cat {source}")
    monkeypatch.setenv("WEBDAV_TOKEN", "not-used-when-a-command-is-set")
    monkeypatch.setattr(client, "_command_tokens", {})
    server = FaultServer(failures=0, token="first")
    try:
        url = f"webdav://127.0.0.1:{server.port}/f.txt"
        assert megfile.smart_exists(url)
        source.write_text("second\n")
        server.token = "second"
        with pytest.raises(PermissionError):  # the command ran less than 5 s ago
            megfile.smart_stat(url)
        monkeypatch.setattr(client, "_REFRESH_AFTER", 0.0)
        assert megfile.smart_stat(url).size == 7
    finally:
        server.stop()
    # exists; the refused stat; the stat that ran the command again
    assert server.authorizations == ["Bearer first"] * 3 + ["Bearer second"]


def test_a_failing_token_command_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from megfile_webdav import client

    monkeypatch.setattr(client, "_command_tokens", {})
    monkeypatch.setenv("WEBDAV_TOKEN_COMMAND", "false")
    with pytest.raises(PermissionError, match="WEBDAV_TOKEN_COMMAND exited with 1"):
        megfile.smart_stat("webdav://127.0.0.1:9/x")


def test_password_never_in_debug_logs(dav_root: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    megfile.smart_save_text(f"{dav_root}/log.txt", "x")
    megfile.smart_listdir(dav_root)
    assert "webdav PUT" in caplog.text
    assert PASSWORD not in caplog.text and "p%40ss" not in caplog.text


def test_tls_is_verified_by_default(wsgidav_tls: WsgiDav) -> None:
    url = f"{wsgidav_tls.url('webdavs')}/x.txt"
    with pytest.raises(WebdavTLSError) as caught:
        megfile.smart_exists(url)
    assert isinstance(caught.value, ConnectionError)
    assert "WEBDAV_CA_BUNDLE" in str(caught.value) and "WEBDAV_VERIFY_SSL=0" in str(caught.value)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_switch_off_and_ca_bundle(
    wsgidav_tls: WsgiDav, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{wsgidav_tls.url('webdavs')}/switch-{uuid.uuid4().hex[:8]}.txt"
    monkeypatch.setenv("WEBDAV_VERIFY_SSL", "0")
    megfile.smart_save_text(url, "insecure ok")
    monkeypatch.delenv("WEBDAV_VERIFY_SSL")
    assert wsgidav_tls.cert is not None
    monkeypatch.setenv("WEBDAV_CA_BUNDLE", str(wsgidav_tls.cert))
    assert megfile.smart_load_text(url) == "insecure ok"


def test_a_plain_http_url_on_the_tls_server_fails_clearly(wsgidav_tls: WsgiDav) -> None:
    with pytest.raises(ConnectionError, match="cannot reach"):
        megfile.smart_stat(f"{wsgidav_tls.url('webdav')}/x")


def test_locked_file_gives_a_clear_error(dav_root: str) -> None:
    url = f"{dav_root}/locked.txt"
    megfile.smart_save_text(url, "mine")
    path = WebdavPath(url)
    server = path.server
    lock = requests.request(
        "LOCK",
        server.url(path.remote),
        auth=(USER, PASSWORD),
        headers={"Timeout": "Second-60", "Content-Type": "application/xml"},
        data=b'<?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/>'
        b"</d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>",
        timeout=10,
    )
    assert lock.status_code == 200, lock.status_code
    try:
        with pytest.raises(WebdavLockedError, match="423 Locked") as caught:
            megfile.smart_save_text(url, "theirs")
        assert isinstance(caught.value, PermissionError)
        with pytest.raises(PermissionError, match="UNLOCK"):
            megfile.smart_unlink(url)
    finally:
        token = lock.headers["Lock-Token"]
        requests.request(
            "UNLOCK", server.url(path.remote), auth=(USER, PASSWORD),
            headers={"Lock-Token": token}, timeout=10,
        )  # fmt: skip
    assert megfile.smart_load_text(url) == "mine"


def test_server_errors_are_retried() -> None:
    server = FaultServer(failures=2, status=503)
    try:
        stat = megfile.smart_stat(f"webdav://127.0.0.1:{server.port}/f.txt")
    finally:
        server.stop()
    assert stat.size == 7
    assert len(server.requests) == 3


def test_retries_run_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEGFILE_WEBDAV_MAX_RETRY_TIMES", "2")
    server = FaultServer(failures=5, status=502)
    try:
        with pytest.raises(OSError, match="502"):
            megfile.smart_stat(f"webdav://127.0.0.1:{server.port}/f.txt")
    finally:
        server.stop()
    assert len(server.requests) == 2


def test_client_errors_are_not_retried() -> None:
    server = FaultServer(failures=5, status=404)
    try:
        assert not megfile.smart_exists(f"webdav://127.0.0.1:{server.port}/f.txt")
    finally:
        server.stop()
    assert len(server.requests) == 1


def test_refused_connection_says_what_to_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEGFILE_WEBDAV_MAX_RETRY_TIMES", "1")
    from davserver import free_port

    with pytest.raises(ConnectionError, match="check the host and port") as caught:
        megfile.smart_stat(f"webdav://u:hidden-pw@127.0.0.1:{free_port()}/x")
    assert "hidden-pw" not in str(caught.value)


def test_bad_urls() -> None:
    with pytest.raises(ValueError, match="port"):
        WebdavPath("webdav://u:pw@host:99999/x").stat()
    with pytest.raises(ValueError, match="no \\+variant"):
        WebdavPath("webdav+v://host/x")
