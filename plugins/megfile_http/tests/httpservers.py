"""Real HTTP servers on 127.0.0.1 for tests and benchmarks (importable elsewhere).

* :class:`Nginx` -- nginx in the foreground with a private config under a state
  directory, serving a document root (Range, multi-range, 416, ETag, HEAD). nginx is
  installed with ``apt-get`` when missing (:func:`ensure_nginx`). Stopped by PID.
* :class:`FaultServer` -- a threaded ``http.server`` whose files carry behaviours
  nginx cannot show: no Range support, HEAD refused, gzip coding, redirects, bodies
  cut short, 503 bursts, required credentials; it logs every request's headers.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any

__all__ = ["FaultServer", "Nginx", "ServedFile", "ensure_nginx", "free_port"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def ensure_nginx() -> str:
    """Path of the nginx binary, installing Debian's nginx-light when missing."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )
    if found:
        return found
    install = ["apt-get", "install", "-y", "--no-install-recommends", "nginx-light"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, capture_output=True, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, check=True)
        subprocess.run(install, capture_output=True, env=env, check=True)
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(found):
        raise RuntimeError("nginx-light was installed but no nginx binary was found")
    return found


_NGINX_CONF = """\
daemon off;
{user}
worker_processes {workers};
pid {state}/nginx.pid;
error_log {state}/error.log;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {state}/client_body;
    proxy_temp_path {state}/proxy;
    fastcgi_temp_path {state}/fastcgi;
    uwsgi_temp_path {state}/uwsgi;
    scgi_temp_path {state}/scgi;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


class Nginx:
    """nginx serving ``root`` on ``127.0.0.1:port``; ``stop()`` ends it by PID."""

    def __init__(self, root: Path, state: Path, workers: int = 1) -> None:
        self.root = Path(root)
        self.state = Path(state)
        self.port = free_port()
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        binary = ensure_nginx()
        self.state.mkdir(parents=True, exist_ok=True)
        self.root.mkdir(parents=True, exist_ok=True)
        conf = self.state / "nginx.conf"
        # as root, workers would drop to nobody and could not read a private tmp dir
        user = "user root root;" if os.geteuid() == 0 else ""
        conf.write_text(
            _NGINX_CONF.format(
                state=self.state, port=self.port, user=user, root=self.root, workers=self.workers
            )
        )
        self.process = subprocess.Popen(
            [binary, "-c", str(conf), "-p", str(self.state), "-e", str(self.state / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_port(self.port)
        except RuntimeError:
            self.stop()
            log = self.state / "error.log"
            raise RuntimeError(
                "nginx did not start: " + (log.read_text() if log.exists() else "")
            ) from None
        return self

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class ServedFile:
    """A file of :class:`FaultServer` and how it is served.

    ``ranges``: answer ``Range`` with 206 (else 200 with the whole body and no
    ``Accept-Ranges``). ``head``: answer HEAD (else 405). ``gzip``: send the body
    gzip-coded. ``length``: send ``Content-Length`` (else close-delimited).
    ``faults``: consumed one per GET: ``"503"``, ``"cut:N"`` (announce the full
    length, send N bytes, close), ``"stall"`` (send nothing for 2 s, then close).
    ``auth``: the ``Authorization`` value required (else 401). ``redirect``: a URL
    to answer 302 with. ``etag``: send an ETag (content hash) and Last-Modified.
    ``if_range``: honour ``If-Range`` (else ignore it, like a careless server).
    ``latency``: seconds every answer waits before its status line (a far server).
    ``rate``: bytes a second a body is sent at (0: as fast as the socket takes it).
    A gzip file that offers ranges serves ranges of the coded body.
    """

    data: bytes = b""
    ranges: bool = True
    head: bool = True
    gzip: bool = False
    length: bool = True
    etag: bool = True
    faults: list[str] = field(default_factory=list)
    auth: str | None = None
    redirect: str | None = None
    status: int | None = None
    mtime: float = 1_700_000_000.0
    if_range: bool = True
    latency: float = 0.0
    rate: float = 0.0
    extra_headers: dict[str, str] = field(default_factory=dict)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _plain(self, status: int, text: str = "", headers: dict[str, str] | None = None) -> None:
        body = text.encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self, head: bool) -> None:
        fault_server = self.server.owner
        name = self.path.split("?", 1)[0]
        with fault_server.lock:
            fault_server.log.append((self.command, self.path, dict(self.headers.items())))
            served = fault_server.files.get(name)
            fault = served.faults.pop(0) if served and served.faults and not head else None
        if served is None:
            self._plain(404, "not found")
            return
        if served.latency:
            time.sleep(served.latency)
        if served.status is not None:
            self._plain(served.status, "status")
            return
        if served.redirect is not None:
            self._plain(302, "", {"Location": served.redirect})
            return
        if served.auth is not None and self.headers.get("Authorization") != served.auth:
            self._plain(401, "credentials needed", {"WWW-Authenticate": 'Basic realm="t"'})
            return
        if head and not served.head:
            self._plain(405, "HEAD not allowed", {"Allow": "GET"})
            return
        if fault == "503":
            self._plain(503, "busy", {"Retry-After": "0"})
            return
        body = gzip.compress(served.data, mtime=0) if served.gzip else served.data
        status, start, end = 200, 0, len(body) - 1
        ask = self.headers.get("Range")
        if ask and served.ranges and ask.startswith("bytes="):
            valid = self.headers.get("If-Range") if served.if_range else None
            etag = f'"{hashlib.md5(body).hexdigest()}"'
            if not valid or valid == etag or valid == formatdate(served.mtime, usegmt=True):
                first, _, last = ask[6:].partition("-")
                if first == "":
                    start = max(0, len(body) - int(last))
                else:
                    start = int(first)
                    end = min(int(last), len(body) - 1) if last else len(body) - 1
                if start >= len(body):
                    self._plain(416, "", {"Content-Range": f"bytes */{len(body)}"})
                    return
                status = 206
        piece = body[start : end + 1]
        self.send_response(status)
        if served.ranges:
            self.send_header("Accept-Ranges", "bytes")
        for name_, value in served.extra_headers.items():
            self.send_header(name_, value)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(body)}")
        if served.gzip:
            self.send_header("Content-Encoding", "gzip")
        if served.etag:
            self.send_header("ETag", f'"{hashlib.md5(body).hexdigest()}"')
            self.send_header("Last-Modified", formatdate(served.mtime, usegmt=True))
        if served.length:
            self.send_header("Content-Length", str(len(piece)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if head:
            return
        if fault and fault.startswith("cut:"):
            self.wfile.write(piece[: int(fault[4:])])
            self.wfile.flush()
            self.close_connection = True
            return
        if fault == "stall":
            time.sleep(2)
            self.close_connection = True
            return
        if not served.rate:
            self.wfile.write(piece)
            return
        began = time.monotonic()
        for at in range(0, len(piece), 16 << 10):
            self.wfile.write(piece[at : at + (16 << 10)])
            self.wfile.flush()
            ahead = began + (at + (16 << 10)) / served.rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    owner: FaultServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up early are part of the tests


class FaultServer:
    """A threaded server on ``127.0.0.1``; ``files`` maps a URL path to a
    :class:`ServedFile`; ``log`` keeps ``(method, path, headers)`` per request."""

    def __init__(self) -> None:
        self.files: dict[str, ServedFile] = {}
        self.log: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.02,),
            daemon=True,
            name=f"fault-server-{self.port}",
        )

    def url(self, name: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{name}"

    def add(self, name: str, data: bytes = b"", **behaviour: Any) -> str:
        with self.lock:
            self.files[name] = ServedFile(data, **behaviour)
        return self.url(name)

    def requests(self, method: str | None = None) -> list[tuple[str, str, dict[str, str]]]:
        with self.lock:
            return [entry for entry in self.log if method is None or entry[0] == method]

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
