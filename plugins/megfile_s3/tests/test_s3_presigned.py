"""Ranged GETs sent lean (the reader's hot path, ``megfile_s3.presigned`` over
``megfile_s3.lean``) and their fall-backs."""

from __future__ import annotations

import os
import socket
from typing import Any

import botocore.exceptions
import pytest

from megfile_core import smart
from megfile_s3 import presigned
from megfile_s3.client import get_client
from megfile_s3.lean import USER_AGENT

MiB = 1 << 20


def test_a_range_comes_with_the_total_size_and_etag(bucket: str, s3: Any) -> None:
    blob = os.urandom(100_000)
    etag = s3.put_object(Bucket=bucket, Key="k.bin", Body=blob)["ETag"]
    ranges = presigned.PresignedRanges(get_client(), bucket, "k.bin")
    assert ranges.get(10, 19) == (blob[10:20], len(blob), etag)
    assert ranges.get(99_990, 200_000) == (blob[99_990:], len(blob), etag)  # clamped


def test_anything_but_a_plain_206_is_left_to_get_object(bucket: str, s3: Any) -> None:
    ranges = presigned.PresignedRanges(get_client(), bucket, "missing.bin")
    assert ranges.get(0, 9) is None  # 404
    s3.put_object(Bucket=bucket, Key="small.bin", Body=b"0123456789")
    ranges = presigned.PresignedRanges(get_client(), bucket, "small.bin")
    assert ranges.get(20, 29) is None  # 416: past the end


def test_the_reader_sends_its_ranges_lean(bucket: str, calls: Any) -> None:
    url = f"s3://{bucket}/big.bin"
    blob = os.urandom(3 * MiB + 5)
    calls.reset()
    smart.smart_save_content(url, blob)  # one lean PUT
    assert calls["PutObject"] == 1
    with smart.smart_open(url, "rb", block_size=MiB) as handle:
        assert handle.read() == blob
        for offset in (2 * MiB + 7, 100, 3 * MiB):  # random access after the probe
            handle.seek(offset)
            assert handle.read(10) == blob[offset : offset + 10]
    # no presigned URL: the settings tell the lean path the bucket's URL prefix
    # (a client whose build was deferred, megfile_s3.deferred), so nothing is
    # presigned, not even once per bucket
    assert calls["presign"] == 0 and calls["lean-presign"] == 0
    # the probe (metadata from its headers) and every block after it, all lean
    assert calls["GetObject"] == 1 + 3 and calls["lean-unused"] == 0


def test_a_missing_object_still_raises_file_not_found(bucket: str, s3: Any) -> None:
    url = f"s3://{bucket}/going.bin"
    smart.smart_save_content(url, os.urandom(3 * MiB))
    with smart.smart_open(url, "rb", block_size=MiB, max_buffer_size=MiB) as handle:
        s3.delete_object(Bucket=bucket, Key="going.bin")
        handle.seek(2 * MiB)
        with pytest.raises(FileNotFoundError):
            handle.read(10)


def test_a_transport_error_never_shows_the_signed_url(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    ranges = presigned.PresignedRanges(get_client(), "b", "k")
    with pytest.raises(botocore.exceptions.EndpointConnectionError) as caught:
        ranges.get(0, 9)
    message = str(caught.value)
    assert f"127.0.0.1:{port}/b/k" in message
    assert "Signature" not in message and "AKIAEXAMPLE" not in message


def test_a_403_sends_the_bucket_to_get_object(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[tuple[str, str]] = []

    class Refuse(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Authorization", "")))
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
        client = get_client()
        ranges = presigned.PresignedRanges(client, "b", "k")
        assert ranges.get(0, 9) is None  # refused: the caller asks get_object
        assert ranges.get(0, 9) is None  # and from now on only get_object
        assert len(seen) == 1
        path, authorization = seen[0]
        assert path == "/b/k"  # the signature is in the header, never in the URL
        assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEEXAMPLE00/")
    finally:
        server.shutdown()
        server.server_close()


def test_uploads_do_not_wait_for_100_continue(bucket: str) -> None:
    # botocore asks for ``Expect: 100-continue`` on uploads: a round trip before the
    # first body byte (a small file cost two round trips instead of one)
    client = get_client()
    sent: list[tuple[str, Any]] = []

    def record(request: Any, **_: Any) -> None:
        sent.append((request.method, request.headers.get("Expect")))

    client.meta.events.register("before-send.s3", record)
    try:
        smart.smart_save_content(f"s3://{bucket}/small.bin", b"x" * 4096)
        with smart.smart_open(f"s3://{bucket}/parts.bin", "wb", block_size=5 * MiB) as handle:
            handle.write(os.urandom(11 * MiB))  # a multipart upload: UploadPart bodies
    finally:
        client.meta.events.unregister("before-send.s3", record)
    puts = [expect for method, expect in sent if method == "PUT"]
    assert len(puts) >= 3
    assert puts == [None] * len(puts)


@pytest.mark.parametrize("key", ["dir/a b#?%+ü.bin", "dir/%2F..%2F&x=1.bin"])
def test_keys_that_need_quoting_read_through_lean_gets(bucket: str, calls: Any, key: str) -> None:
    url = f"s3://{bucket}/{key}"
    blob = os.urandom(3 * MiB)
    smart.smart_save_content(url, blob)
    calls.reset()
    with smart.smart_open(url, "rb", block_size=MiB) as handle:
        assert handle.read() == blob
    assert calls["presign"] == 0 and calls["lean-unused"] == 0
    assert calls["GetObject"] == 1 + 2  # probe + 2 blocks, all lean


class _RangeServer:
    """An in-process server of one object ``/b/k`` whose answers to ranged GETs
    follow ``mode`` (moto cannot be made to answer them wrong):

    * ``"rclone"``: ``200 OK`` with the right ``Content-Range`` and body (what
      ``rclone serve s3`` sends);
    * ``"whole"``: ``200 OK`` with the whole object and no ``Content-Range`` (a
      server that ignores ``Range``);
    * ``"shifted"``: ``200 OK`` whose ``Content-Range`` names a range one byte later
      than asked, with that range's bytes.

    ``seen`` records ``(presigned?, Range)`` per GET."""

    def __init__(self, blob: bytes, mode: str) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.blob = blob
        self.mode = mode
        self.seen: list[tuple[bool, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer.answer(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, handler: Any) -> None:
        blob = self.blob
        asked = handler.headers.get("Range", "")
        self.seen.append((handler.headers.get("User-Agent") == USER_AGENT, asked))  # lean?
        first, _, last = asked.removeprefix("bytes=").partition("-")
        start = int(first) if first else 0
        stop = min(int(last) + 1, len(blob)) if last else len(blob)
        if self.mode == "shifted":
            start, stop = start + 1, min(stop + 1, len(blob))
        body = blob if self.mode == "whole" else blob[start:stop]
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("ETag", '"0123456789abcdef"')
        handler.send_header("Content-Type", "application/octet-stream")
        if self.mode != "whole":
            handler.send_header("Content-Range", f"bytes {start}-{stop - 1}/{len(blob)}")
        handler.end_headers()
        handler.wfile.write(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def range_server(monkeypatch: pytest.MonkeyPatch) -> Any:
    servers: list[_RangeServer] = []

    def start(blob: bytes, mode: str) -> _RangeServer:
        server = _RangeServer(blob, mode)
        servers.append(server)
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
        return server

    yield start
    for server in servers:
        server.close()


def test_a_200_with_the_right_content_range_is_used(range_server: Any) -> None:
    blob = os.urandom(3 * MiB + 5)
    server = range_server(blob, "rclone")
    ranges = presigned.PresignedRanges(get_client(), "b", "k")
    assert ranges.get(10, 19) == (blob[10:20], len(blob), '"0123456789abcdef"')
    assert ranges.get(3 * MiB, 4 * MiB) == (blob[3 * MiB :], len(blob), '"0123456789abcdef"')
    assert server.seen == [(True, "bytes=10-19"), (True, f"bytes={3 * MiB}-{4 * MiB}")]


def test_rclone_style_200_answers_cost_one_get_per_block(range_server: Any) -> None:
    # rclone answers every range with 200 + Content-Range: each block must be one
    # GET (the lean one), not that GET and then the same range via get_object
    blob = os.urandom(3 * MiB + 5)
    server = range_server(blob, "rclone")
    with smart.smart_open("s3://b/k", "rb", block_size=MiB) as handle:
        assert handle.read() == blob
        handle.seek(2 * MiB + 7)
        assert handle.read(10) == blob[2 * MiB + 7 : 2 * MiB + 17]
    ranges = [asked for _, asked in server.seen]
    assert len(ranges) == len(set(ranges)) == 4  # the probe + 3 blocks, none twice
    assert [lean for lean, _ in server.seen].count(True) == 4  # the probe too


def test_a_200_that_is_not_exactly_the_range_is_left_to_get_object(range_server: Any) -> None:
    blob = os.urandom(1000)
    shifted = range_server(blob, "shifted")
    ranges = presigned.PresignedRanges(get_client(), "b", "k")
    assert ranges.get(10, 19) is None  # Content-Range 11-20
    shifted.close()
    whole = range_server(blob, "whole")
    ranges = presigned.PresignedRanges(get_client(), "b", "k")
    assert ranges.get(10, 19) is None  # the whole object for a range inside it
    assert ranges.get(0, 99) is None  # the whole object is longer than the range
    # a range that covers the whole object: the body is exactly the range
    assert ranges.get(0, 999) == (blob, 1000, '"0123456789abcdef"')
    assert ranges.get(0, 4999) == (blob, 1000, '"0123456789abcdef"')
    assert [lean for lean, _ in whole.seen] == [True] * 4
