"""Retries (faults injected in front of a real moto server) and error translation."""

from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Any

import botocore.config
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
    S3RetriesExhaustedError,
)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (503, "SlowDown"),
        (500, "InternalError"),
        (429, "TooManyRequests"),
        (503, "ServiceUnavailable"),
        (400, "RequestTimeout"),
        (504, "GatewayTimeout"),
        (502, "BadGateway"),
    ],
)
def test_transient_errors_are_retried(bucket: str, inject: Any, status: int, code: str) -> None:
    seen = inject("PutObject", status, code, times=2)
    smart.smart_save_text(f"s3://{bucket}/r.txt", "ok")
    assert seen["PutObject"] == 3
    assert smart.smart_load_text(f"s3://{bucket}/r.txt") == "ok"


def test_retries_stop_at_the_configured_count(
    bucket: str, inject: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEGFILE_S3_MAX_RETRY_TIMES", "3")
    seen = inject("HeadObject", 503, "SlowDown", times=100)
    with pytest.raises(MaxRetriesExceededError) as raised:
        smart.smart_stat(f"s3://{bucket}/x")
    assert seen["HeadObject"] == 3
    assert "SlowDown" in str(raised.value) or "503" in str(raised.value)
    assert isinstance(raised.value, S3RetriesExhaustedError)
    assert f"s3://{bucket}/x" in str(raised.value)  # what failed, and what to do
    assert "MEGFILE_S3_MAX_RETRY_TIMES" in str(raised.value)


def test_unreachable_endpoint_says_what_to_check(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("MEGFILE_S3_MAX_RETRY_TIMES", "2")
    for action in (
        lambda: smart.smart_load_content(f"s3://{bucket}/k"),
        lambda: smart.smart_open(f"s3://{bucket}/k", "rb"),
        lambda: smart.smart_save_content(f"s3://{bucket}/k", b"x"),
    ):
        with pytest.raises(S3RetriesExhaustedError) as raised:
            action()
        text = str(raised.value)
        assert isinstance(raised.value, OSError)
        assert f"s3://{bucket}/k" in text
        assert f"127.0.0.1:{port}" in text and "AWS_ENDPOINT_URL" in text
        assert ACCESS_KEY not in text and SECRET_KEY not in text


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


def test_permission_error_names_endpoint_and_masks_key(
    bucket: str, inject: Any, moto_server: MotoS3
) -> None:
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
    """Forwards TCP to the server; on the first ``cuts`` connections it misbehaves
    by ``mode``: ``"cut"`` ends the response after its headers and a few body bytes
    (an incomplete body, like a reset mid-transfer), ``"reset"`` resets the
    connection as the request arrives (no answer at all), ``"stall"`` answers
    nothing for ``stall`` seconds and then closes (a read timeout)."""

    def __init__(
        self, target: tuple[str, int], cuts: int, mode: str = "cut", stall: float = 3.0
    ) -> None:
        self.target = target
        self.cuts = cuts
        self.mode = mode
        self.stall = stall
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

        if cut and self.mode == "reset":
            client.recv(65536)  # the request arrives; the answer is an RST
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            upstream.close()
            return
        if cut and self.mode == "stall":
            time.sleep(self.stall)
            client.close()
            upstream.close()
            return
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


def test_cut_body_is_retried(
    bucket: str, moto_server: MotoS3, monkeypatch: pytest.MonkeyPatch
) -> None:
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


@pytest.mark.parametrize("mode", ["reset", "stall"])
def test_reset_and_timed_out_requests_are_retried(
    bucket: str, moto_server: MotoS3, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    import megfile_s3.client

    data = b"payload" * 1000
    smart.smart_save_content(f"s3://{bucket}/flaky.bin", data)
    host, port = moto_server.endpoint.rpartition("/")[2].split(":")
    proxy = CuttingProxy((host, int(port)), cuts=2, mode=mode, stall=2.0)
    build = megfile_s3.client.botocore_config

    def short_timeouts(settings: Any) -> Any:
        return build(settings).merge(botocore.config.Config(read_timeout=0.5))

    monkeypatch.setattr(megfile_s3.client, "botocore_config", short_timeouts)
    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "process_local")
    megfile_s3.client.clear_cache()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.port}")
        started = time.monotonic()
        assert smart.smart_load_content(f"s3://{bucket}/flaky.bin") == data
        assert proxy.connections >= 3  # two refused attempts, then the answer
        if mode == "stall":
            assert time.monotonic() - started < 10  # timed out, not waited for
        # a write too: a retried upload must send its whole body again (it once
        # sent nothing and left an empty object, reported as written)
        megfile_s3.client.clear_cache()  # new connections: the next ones misbehave
        proxy.cuts = 1
        smart.smart_save_content(f"s3://{bucket}/flaky2.bin", data)
        proxy.cuts = 1
        megfile_s3.client.clear_cache()
        with smart.smart_open(f"s3://{bucket}/flaky3.bin", "wb") as handle:
            handle.write(data)
        proxy.cuts = 0
        assert smart.smart_load_content(f"s3://{bucket}/flaky2.bin") == data
        assert smart.smart_load_content(f"s3://{bucket}/flaky3.bin") == data
    finally:
        proxy.close()
        megfile_s3.client.clear_cache()
