"""``AWS_S3_REDIRECT``: a loopback server answering every GET/HEAD with a redirect,
in front of moto (same host) or of a small object server on another host name."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from megfile_core import smart
from megfile_s3.errors import S3RedirectError
from megfile_s3.lean import USER_AGENT
from megfile_s3.redirects import MAX_REDIRECTS, same_site


class _Server:
    """A ThreadingHTTPServer on 127.0.0.1 (free port) recording what it was sent."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        handler.owner = self  # type: ignore[attr-defined]
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def headers_of(self, method: str) -> list[dict[str, str]]:
        return [headers for m, _path, headers in self.requests if m == method]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: Any

    def log_message(self, *args: Any) -> None:
        pass

    def _record(self) -> None:
        self.owner.requests.append(
            (self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        )


def redirector(target: str, status: int = 307) -> _Server:
    """Answers GET/HEAD of any path with ``status`` and ``Location: target + path``
    (``target=""``: to itself, a loop); other methods get 405."""

    class Handler(_Handler):
        def do_GET(self) -> None:
            self._record()
            base = target or f"http://127.0.0.1:{self.owner.port}"
            self.send_response(status)
            self.send_header("Location", base + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_GET

        def do_PUT(self) -> None:
            self._record()
            self.send_response(405)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return _Server(Handler)


def object_server(blob: bytes) -> _Server:
    """Serves ``blob`` at every path, with Range, ETag and Last-Modified."""

    class Handler(_Handler):
        def do_GET(self) -> None:
            self._record()
            start, end = 0, len(blob) - 1
            ranged = self.headers.get("Range", "")
            if ranged.startswith("bytes="):
                first, _, last = ranged[6:].partition("-")
                start, end = int(first), min(int(last or end), len(blob) - 1)
            body = blob[start : end + 1]
            self.send_response(206 if ranged else 200)
            self.send_header("ETag", '"0123456789abcdef0123456789abcdef"')
            self.send_header("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT")
            self.send_header("Content-Length", str(len(body)))
            if ranged:
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(blob)}")
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body)

        def do_HEAD(self) -> None:
            self.headers["Range"] = ""
            self.do_GET()

    return _Server(Handler)


@pytest.fixture
def servers() -> Iterator[list[_Server]]:
    started: list[_Server] = []
    yield started
    for server in started:
        server.stop()


def _point_at(monkeypatch: pytest.MonkeyPatch, server: _Server, prefix: str = "") -> None:
    monkeypatch.setenv(f"{prefix}AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.port}")


def test_same_site_rule() -> None:
    assert same_site("example.com", "example.com")
    assert same_site("a.b.Example.com.", "example.com")
    assert not same_site("evil-example.com", "example.com")
    assert not same_site("example.com", "a.example.com")
    assert not same_site("localhost", "127.0.0.1")
    assert not same_site(None, "example.com")


def test_redirects_followed_to_same_host_keep_credentials(
    bucket: str, s3: Any, moto_server: Any, servers: list[_Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = bytes(range(256)) * 800  # 200 KiB: several ranged GETs
    s3.put_object(Bucket=bucket, Key="dir/obj.bin", Body=blob)
    front = redirector(moto_server.endpoint, status=302)
    servers.append(front)
    _point_at(monkeypatch, front)
    monkeypatch.setenv("AWS_S3_REDIRECT", "true")
    url = f"s3://{bucket}/dir/obj.bin"
    # redirects followed: no lean GET (module doc of megfile_s3.lean), every range
    # goes to get_object, which follows them
    with smart.smart_open(
        url, "rb", block_size=64 << 10, max_buffer_size=256 << 10, max_workers=1
    ) as f:
        assert f.read() == blob
    assert smart.smart_load_content(url, 10, 20) == blob[10:20]
    assert smart.smart_stat(url).size == len(blob)  # HEAD is followed too
    assert smart.smart_listdir(f"s3://{bucket}/dir") == ["obj.bin"]  # a GET listing
    gets = [(path, headers) for m, path, headers in front.requests if m == "GET"]
    # the probe, the blocks, the load and the listing all went through the redirect
    # with their credentials, every one sent by botocore
    signed = [h for _path, h in gets if "authorization" in h]
    assert len(signed) == len(gets) >= 4
    assert all(h["authorization"].startswith("AWS4-HMAC-SHA256") for h in signed)
    assert not [h for _path, h in gets if h.get("user-agent") == USER_AGENT]
    assert front.headers_of("HEAD")


def test_redirect_to_another_host_drops_credentials(
    bucket: str, servers: list[_Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = b"payload-" * 1000
    origin = object_server(blob)
    servers.append(origin)
    front = redirector(f"http://localhost:{origin.port}", status=301)
    servers.append(front)
    _point_at(monkeypatch, front)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-secret")
    monkeypatch.setenv("AWS_S3_REDIRECT", "1")
    url = f"s3://{bucket}/anything.bin"
    with smart.smart_open(url, "rb") as handle:
        assert handle.read() == blob
    assert smart.smart_load_content(url, 8, 16) == blob[8:16]
    sent = front.headers_of("GET")
    assert sent and all(
        "authorization" in h and h["x-amz-security-token"] == "session-token-secret" for h in sent
    )
    received = origin.headers_of("GET")
    assert len(received) == len(sent)
    for headers in received:
        assert "authorization" not in headers
        assert "x-amz-security-token" not in headers
        assert headers["host"] == f"localhost:{origin.port}"


@pytest.mark.parametrize("profile", ["", "edge"])
def test_redirect_is_a_clear_error_when_off(
    bucket: str,
    s3: Any,
    moto_server: Any,
    servers: list[_Server],
    profile: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    front = redirector(moto_server.endpoint)
    servers.append(front)
    prefix = f"{profile.upper()}__" if profile else ""
    for name, value in moto_server.env(profile).items():
        monkeypatch.setenv(name, value)
    _point_at(monkeypatch, front, prefix)
    monkeypatch.setenv("AWS_S3_REDIRECT", "true")  # the plain name does not reach a profile
    if not profile:
        monkeypatch.setenv("AWS_S3_REDIRECT", "false")
    scheme = f"s3+{profile}" if profile else "s3"
    url = f"{scheme}://{bucket}/k"
    with pytest.raises(S3RedirectError) as caught:
        smart.smart_load_content(url)
    message = str(caught.value)
    assert f"{prefix}AWS_S3_REDIRECT=true" in message
    assert f"HTTP 307 redirecting to {moto_server.endpoint}/{bucket}/k" in message
    gets = front.headers_of("GET")
    lean = [h for h in gets if h.get("user-agent") == USER_AGENT]
    assert len(gets) - len(lean) == 1  # not retried
    assert len(lean) <= 1  # a lean GET saw the redirect: get_object only from then on
    assert len(front.headers_of("HEAD")) <= 1  # botocore's region lookup, once
    with pytest.raises(S3RedirectError):
        smart.smart_open(url, "rb")
    with pytest.raises(S3RedirectError):
        smart.smart_stat(url)  # HEAD: botocore's region lookup must not recurse
    monkeypatch.setenv(f"{prefix}AWS_S3_REDIRECT", "true")
    assert smart.smart_load_content(url) == b"data"


def test_redirect_loop_stops(
    bucket: str, servers: list[_Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    front = redirector("")
    servers.append(front)
    _point_at(monkeypatch, front)
    monkeypatch.setenv("AWS_S3_REDIRECT", "true")
    with pytest.raises(S3RedirectError, match="up to 10 hops"):
        smart.smart_load_content(f"s3://{bucket}/loop")
    assert len(front.headers_of("GET")) == MAX_REDIRECTS + 1
