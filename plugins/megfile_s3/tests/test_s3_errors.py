"""Retries (faults injected in front of a real moto server) and error translation."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
from s3server import ACCESS_KEY, SECRET_KEY, MotoS3

from megfile_core import smart
from megfile_core.errors import MaxRetriesExceededError, MegfileError
from megfile_s3.errors import (
    S3BucketNotFoundError,
    S3ConfigError,
    S3Error,
    S3FileNotFoundError,
    S3PermissionError,
)


@pytest.mark.parametrize(("status", "code"), [
    (503, "SlowDown"), (500, "InternalError"), (429, "TooManyRequests"),
    (503, "ServiceUnavailable"), (400, "RequestTimeout"), (504, "GatewayTimeout"),
])
def test_transient_errors_are_retried(bucket: str, inject: Any, status: int,
                                      code: str) -> None:
    seen = inject("PutObject", status, code, times=2)
    smart.smart_save_text(f"s3://{bucket}/r.txt", "ok")
    assert seen["PutObject"] == 3
    assert smart.smart_load_text(f"s3://{bucket}/r.txt") == "ok"


def test_retries_stop_at_the_configured_count(bucket: str, inject: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEGFILE_S3_MAX_RETRY_TIMES", "3")
    seen = inject("HeadObject", 503, "SlowDown", times=100)
    with pytest.raises(MaxRetriesExceededError) as raised:
        smart.smart_stat(f"s3://{bucket}/x")
    assert seen["HeadObject"] == 3
    assert "SlowDown" in str(raised.value) or "503" in str(raised.value)


def test_not_found_is_not_retried(bucket: str, calls: Any) -> None:
    with pytest.raises(S3FileNotFoundError) as raised:
        smart.smart_load_content(f"s3://{bucket}/missing")
    assert isinstance(raised.value, FileNotFoundError)
    assert isinstance(raised.value, MegfileError)
    assert calls["GetObject"] == 1
    with pytest.raises(S3BucketNotFoundError, match="no such bucket"):
        smart.smart_load_content("s3://no-such-bucket-abc/missing")
    with pytest.raises(FileNotFoundError):
        smart.smart_open(f"s3://{bucket}/missing", "rb")


def test_permission_error_names_endpoint_and_masks_key(bucket: str, inject: Any,
                                                       moto_server: MotoS3) -> None:
    inject("GetObject", 403, "AccessDenied", times=5)
    smart.smart_save_text(f"s3://{bucket}/secret.txt", "s")
    with pytest.raises(PermissionError) as raised:
        smart.smart_load_text(f"s3://{bucket}/secret.txt")
    assert isinstance(raised.value, S3PermissionError)
    text = str(raised.value)
    assert moto_server.endpoint in text
    assert "AKIA****WXYZ" in text
    assert ACCESS_KEY not in text
    assert SECRET_KEY not in text
    assert "AWS_ACCESS_KEY_ID" in text


def test_bad_credentials_are_a_config_error(bucket: str, inject: Any) -> None:
    inject("HeadObject", 403, "InvalidAccessKeyId", times=5)
    with pytest.raises(S3ConfigError) as raised:
        smart.smart_stat(f"s3://{bucket}/x")
    assert "AWS_SECRET_ACCESS_KEY" in str(raised.value)
    assert SECRET_KEY not in str(raised.value)


def test_no_credentials_is_a_config_error(bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(S3ConfigError) as raised:
        smart.smart_exists(f"s3://{bucket}/x")
    assert "AWS_ACCESS_KEY_ID" in str(raised.value)
    assert isinstance(raised.value, S3Error)
    assert isinstance(raised.value, OSError)


class CuttingProxy:
    """Forwards TCP to the server; the first ``cuts`` responses are cut after their
    headers and a few body bytes (an incomplete body, like a reset mid-transfer)."""

    def __init__(self, target: tuple[str, int], cuts: int) -> None:
        self.target = target
        self.cuts = cuts
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        with self.lock:
            cut = self.cuts > 0
            self.cuts -= 1
            self.connections += 1

        def pump_up() -> None:
            try:
                while data := client.recv(65536):
                    upstream.sendall(data)
            except OSError:
                pass

        threading.Thread(target=pump_up, daemon=True).start()
        try:
            if cut:
                received = b""
                while b"\r\n\r\n" not in received:
                    chunk = upstream.recv(65536)
                    if not chunk:
                        break
                    received += chunk
                head, _, body = received.partition(b"\r\n\r\n")
                client.sendall(head + b"\r\n\r\n" + body[:10])
                return
            while data := upstream.recv(65536):
                client.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (client, upstream):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def close(self) -> None:
        self.sock.close()


def test_cut_body_is_retried(bucket: str, moto_server: MotoS3,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    data = bytes(range(256)) * 400
    smart.smart_save_content(f"s3://{bucket}/cut.bin", data)
    host, port = moto_server.endpoint.rpartition("/")[2].split(":")
    proxy = CuttingProxy((host, int(port)), cuts=2)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.port}")
        assert smart.smart_load_content(f"s3://{bucket}/cut.bin") == data
        proxy.cuts = 1
        with smart.smart_open(f"s3://{bucket}/cut.bin", "rb") as handle:
            assert handle.read() == data
        assert proxy.connections >= 4
    finally:
        proxy.close()
