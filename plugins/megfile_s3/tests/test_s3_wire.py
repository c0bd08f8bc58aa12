"""The lean requests' HTTP/1.1 connections (``megfile_s3.wire``) against a real
server on loopback: keep-alive, connections the server closed, chunked bodies,
bodies left unread, ``Connection: close``, a body cut short, and TLS."""

from __future__ import annotations

import http.client
import http.server
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.httpsession import URLLib3Session

from megfile_s3.presigned import read_exactly
from megfile_s3.wire import ConnectFailed, Wire

BODY = bytes(range(256)) * 64  # 16 KiB


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:  # the GET's headers, no body
        with self.server.lock:
            self.server.ports.add(self.client_address[1])
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()

    def do_GET(self) -> None:
        owner = self.server
        with owner.lock:
            owner.ports.add(self.client_address[1])
            owner.paths.append(self.path)
        mode = self.path.strip("/").split("?")[0]
        if mode == "hints":  # an interim answer first, then the real one
            self.wfile.write(b"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n")
        if mode == "old":  # an HTTP/1.0 answer without a body: the server closes next
            self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
            self.close_connection = True
            return
        if mode == "odd":  # a length that str.isdigit() takes but int() does not
            self.wfile.write("HTTP/1.1 200 OK\r\nContent-Length: \u00b2\r\n\r\n".encode("latin-1"))
            return
        if mode == "late":  # the headers after a while
            time.sleep(0.25)
        if mode == "trickle":  # the headers at once, the body after a while
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.flush()
            time.sleep(0.3)
            self.wfile.write(BODY)
            return
        if mode == "empty":
            self.send_response(204)  # no Content-Length: a 204 has no body
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("X-Amz-Meta-Colour", "blue")
        if mode == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for at in range(0, len(BODY), 5000):
                piece = BODY[at : at + 5000]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        if mode == "unsized":  # the body ends with the connection
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            self.wfile.write(BODY)
            return
        if mode == "close":
            self.send_header("Connection", "close")
            self.close_connection = True
        if mode == "cut":
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY[:1000])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, idle_timeout: float) -> None:
        handler = type("Handler", (_Handler,), {"timeout": idle_timeout})
        super().__init__(("127.0.0.1", 0), handler)
        self.lock = threading.Lock()
        self.ports: set[int] = set()  # one client port a connection
        self.paths: list[str] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up is part of the tests


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(idle_timeout=0.3)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _request(url: str) -> AWSPreparedRequest:
    host = url.split("/")[2]
    return AWSPreparedRequest("GET", url, {"Host": host, "User-Agent": "test"}, None, True)


def _url(server: _Server, path: str, scheme: str = "http") -> str:
    return f"{scheme}://127.0.0.1:{server.server_address[1]}/{path}"


def test_bodies_read_whole_leave_their_connection_for_the_next_request(server: _Server) -> None:
    wire = Wire(URLLib3Session())
    for _ in range(3):
        response = wire.send(_request(_url(server, "plain")))
        assert response.status_code == 200
        assert read_exactly(response.raw, len(BODY)) == BODY
    assert len(server.ports) == 1
    wire.close()


def test_a_request_sent_in_two_steps(server: _Server) -> None:
    wire = Wire(URLLib3Session())
    receive = wire.start(_request(_url(server, "plain")))  # sent: nothing read yet
    response = receive()
    assert response.status_code == 200
    assert read_exactly(response.raw, len(BODY)) == BODY
    for _ in range(2):  # its connection went back to the pool and serves the next
        response = wire.send(_request(_url(server, "plain")))
        assert read_exactly(response.raw, len(BODY)) == BODY
    assert len(server.ports) == 1
    wire.close()


def test_the_answer_to_a_head_has_no_body(server: _Server) -> None:
    """A HEAD's answer says the GET's Content-Length and has no body: it is done
    once its headers are read, sent at once or in two steps, and its connection
    serves the next request."""
    wire = Wire(URLLib3Session())
    head = _request(_url(server, "plain"))
    head.method = "HEAD"
    response = wire.send(head)
    assert response.status_code == 200 and response.content == b""
    receive = wire.start(head, reuse=True)
    assert receive().status_code == 200
    response = wire.send(_request(_url(server, "plain")))
    assert read_exactly(response.raw, len(BODY)) == BODY
    assert len(server.ports) == 1
    wire.close()


def test_headers_keep_their_names_and_are_looked_up_in_any_case(server: _Server) -> None:
    wire = Wire(URLLib3Session())
    response = wire.send(_request(_url(server, "plain")))
    assert response.headers.get("content-length") == str(len(BODY))
    assert response.headers["CONTENT-LENGTH"] == str(len(BODY))
    assert "X-Amz-Meta-Colour" in list(response.headers)
    assert response.headers["x-amz-meta-colour"] == "blue"
    response.close()


def test_a_connection_the_server_closed_while_idle_is_replaced(server: _Server) -> None:
    wire = Wire(URLLib3Session())
    assert wire.send(_request(_url(server, "plain"))).content == BODY
    time.sleep(0.6)  # the server drops idle connections after 0.3 s
    assert wire.send(_request(_url(server, "plain"))).content == BODY
    assert len(server.ports) == 2


def test_chunked_bodies_are_decoded_and_keep_the_connection(server: _Server) -> None:
    wire = Wire(URLLib3Session())
    response = wire.send(_request(_url(server, "chunked")))
    first = response.read(100)
    assert first + response.read() == BODY
    assert wire.send(_request(_url(server, "chunked"))).content == BODY
    assert len(server.ports) == 1


def test_a_body_left_unread_never_goes_back_to_the_pool(server: _Server) -> None:
    wire = Wire(URLLib3Session())
    response = wire.send(_request(_url(server, "plain")))
    assert response.read(10) == BODY[:10]
    response.release_conn()  # the rest of the body is still on that connection
    assert wire.send(_request(_url(server, "plain"))).content == BODY
    assert len(server.ports) == 2


def test_connection_close_is_honoured(server: _Server) -> None:
    wire = Wire(URLLib3Session())
    assert wire.send(_request(_url(server, "close"))).content == BODY
    assert wire.send(_request(_url(server, "plain"))).content == BODY
    assert len(server.ports) == 2


def test_a_body_cut_short_is_an_incomplete_read(server: _Server) -> None:
    wire = Wire(URLLib3Session())
    response = wire.send(_request(_url(server, "cut")))
    with pytest.raises(http.client.IncompleteRead):
        read_exactly(response.raw, len(BODY))
    assert wire.send(_request(_url(server, "plain"))).content == BODY


def test_no_server_is_a_connect_failure_with_nothing_sent() -> None:
    wire = Wire(URLLib3Session(timeout=(2, 2)))
    probe = _Server(0.3)
    port = probe.server_address[1]
    probe.server_close()  # nobody listens there now
    with pytest.raises(ConnectFailed):
        wire.send(_request(f"http://127.0.0.1:{port}/plain"))


def test_proxies_and_client_certificates_go_through_the_session() -> None:
    url = "http://127.0.0.1:9/plain"
    assert Wire(URLLib3Session()).usable(url)
    assert not Wire(URLLib3Session(proxies={"http": "http://127.0.0.1:3128"})).usable(url)
    assert not Wire(URLLib3Session(client_cert="/nowhere/cert.pem")).usable(url)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[_Server, Path]]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
    command += " -addext subjectAltName=IP:127.0.0.1"
    subprocess.run(
        [*command.split(), "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    httpd = _Server(idle_timeout=5)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd, cert
    httpd.shutdown()
    httpd.server_close()


def test_tls_is_verified_as_the_session_says(tls_server: tuple[_Server, Path]) -> None:
    httpd, cert = tls_server
    url = _url(httpd, "plain", scheme="https")
    assert Wire(URLLib3Session(verify=str(cert))).send(_request(url)).content == BODY
    assert Wire(URLLib3Session(verify=False)).send(_request(url)).content == BODY
    with pytest.raises(ConnectFailed, match="TLS"):  # not signed by a CA we trust
        Wire(URLLib3Session(verify=True)).send(_request(url))


def test_the_ca_bundle_is_the_one_botocore_takes(tmp_path: Path) -> None:
    from botocore.httpsession import get_cert_path

    from megfile_s3.wire import ca_path

    for verify in (True, str(tmp_path / "ca.pem"), str(tmp_path), None):
        assert ca_path(verify) == get_cert_path(verify)


def test_a_forked_child_opens_connections_of_its_own(server: _Server) -> None:
    import multiprocessing

    wire = Wire(URLLib3Session())
    assert wire.send(_request(_url(server, "plain"))).content == BODY  # one idle now
    context = multiprocessing.get_context("fork")
    child = context.Process(target=lambda: wire.send(_request(_url(server, "plain"))).content)
    child.start()
    child.join(10)
    assert child.exitcode == 0
    assert len(server.ports) == 2  # the child did not write on the parent's socket
    assert wire.send(_request(_url(server, "plain"))).content == BODY
    assert len(server.ports) == 2  # the parent's own connection still serves it


def test_a_body_that_ends_with_its_connection_and_an_answer_without_one(
    server: _Server,
) -> None:
    wire = Wire(URLLib3Session())
    response = wire.send(_request(_url(server, "unsized")))
    assert response.content == BODY
    assert response._connection is None  # read to its end: closed, never pooled
    empty = wire.send(_request(_url(server, "empty")))
    assert empty.status_code == 204 and empty.content == b""
    assert wire.send(_request(_url(server, "plain"))).content == BODY
    assert len(server.ports) == 2  # the 204's connection served the last GET


def test_interim_answers_are_skipped_and_the_connection_stays_in_step(server: _Server) -> None:
    wire = Wire(URLLib3Session())
    response = wire.send(_request(_url(server, "hints")))
    assert response.status_code == 200 and response.content == BODY
    again = wire.send(_request(_url(server, "plain")))  # the same connection
    assert again.status_code == 200 and again.content == BODY
    assert len(server.ports) == 1


def test_an_http_1_0_answer_never_goes_back_to_the_pool(server: _Server) -> None:
    wire = Wire(URLLib3Session())
    response = wire.send(_request(_url(server, "old")))
    assert response.status_code == 200 and response.content == b""
    assert not any(wire._idle.values())


def test_a_host_no_connection_was_made_to_goes_to_the_session_for_a_while() -> None:
    wire = Wire(URLLib3Session(timeout=(2, 2)))
    probe = _Server(0.3)
    port = probe.server_address[1]
    probe.server_close()
    url = f"http://127.0.0.1:{port}/plain"
    assert wire.usable(url)
    with pytest.raises(ConnectFailed):
        wire.send(_request(url))
    assert not wire.usable(url)  # one connect timeout per request, not two
    assert wire.usable(f"http://127.0.0.1:{port + 1}/plain")  # other hosts: unchanged


def test_a_length_that_is_no_number_is_refused(server: _Server) -> None:
    wire = Wire(URLLib3Session())
    with pytest.raises(ConnectionError, match="Content-Length"):
        wire.send(_request(_url(server, "odd")))
    assert wire.send(_request(_url(server, "plain"))).content == BODY


def test_an_answer_tells_how_long_its_headers_took_not_its_body(server: _Server) -> None:
    """``waited`` (the reader judges a connection's rate net of it) runs from the
    request to the answer's headers: a server slow to answer shows in it, a body
    slow to come after the headers does not."""
    wire = Wire(URLLib3Session())
    late = wire.send(_request(_url(server, "late")))
    assert read_exactly(late.raw, len(BODY)) == BODY
    assert 0.25 <= late.waited < 2.0
    began = time.monotonic()
    trickle = wire.send(_request(_url(server, "trickle")))
    assert trickle.waited < 0.2
    assert read_exactly(trickle.raw, len(BODY)) == BODY
    assert time.monotonic() - began >= 0.3  # the body did come late
