"""Servers for the WebDAV tests, each in its own process, stopped by PID.

* :class:`WsgiDav` -- WsgiDAV on cheroot serving a temp directory on a free
  127.0.0.1 port, HTTP basic auth, optionally over HTTPS with a self-signed
  certificate made here with the ``openssl`` command.
* :class:`NginxDav` -- nginx's ``dav_module`` (PUT, DELETE, MKCOL, COPY, MOVE; no
  PROPFIND) when nginx is on the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["NginxDav", "WsgiDav", "free_port", "make_certificate", "nginx_binary"]

USER = "dav-user"
PASSWORD = "p@ss:w/rd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited: " + log.read_text(errors="replace")[-2000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}: " + log.read_text()[-2000:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert, key)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


class WsgiDav:
    """WsgiDAV serving ``root`` (basic auth ``USER``/``PASSWORD``)."""

    def __init__(self, state: Path, tls: bool = False) -> None:
        self.state = state
        self.root = state / "root"
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.tls = tls
        self.cert: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        conf: dict[str, object] = {
            "host": "127.0.0.1",
            "port": self.port,
            "server": "cheroot",
            "server_args": {"numthreads": 24},
            "provider_mapping": {"/": str(self.root)},
            "http_authenticator": {
                "domain_controller": None,
                "accept_basic": True,
                "accept_digest": False,
                "default_to_digest": False,
                "trusted_auth_header": None,
            },
            "simple_dc": {"user_mapping": {"*": {USER: {"password": PASSWORD}}}},
            "lock_storage": True,
            "dir_browser": {"enable": False},
            "verbose": 1,
            "logging": {"enable_loggers": []},
        }
        if self.tls:
            self.cert, key = make_certificate(self.state)
            conf["ssl_certificate"] = str(self.cert)
            conf["ssl_private_key"] = str(key)
        path = self.state / "wsgidav.json"
        path.write_text(json.dumps(conf))
        log = self.state / "wsgidav.log"
        wsgidav = Path(sys.executable).with_name("wsgidav")
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(wsgidav), "-c", str(path)], stdout=out, stderr=subprocess.STDOUT
            )
        _wait_port(self.port, self.process, log)

    def url(self, scheme: str = "webdav", credentials: bool = True) -> str:
        auth = "dav-user:p%40ss%3Aw%2Frd@" if credentials else ""
        return f"{scheme}://{auth}127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)


def nginx_binary() -> str | None:
    """nginx when it is installed and built with the dav module, else None."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )
    if found is None:
        return None
    built = subprocess.run([found, "-V"], capture_output=True, text=True)
    return found if "http_dav_module" in built.stderr + built.stdout else None


_NGINX_CONF = """
daemon off;
{user}
worker_processes 1;
pid {state}/nginx.pid;
error_log {state}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {state}/body;
    proxy_temp_path {state}/proxy;
    fastcgi_temp_path {state}/fastcgi;
    uwsgi_temp_path {state}/uwsgi;
    scgi_temp_path {state}/scgi;
    client_max_body_size 0;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        dav_methods PUT DELETE MKCOL COPY MOVE;
        create_full_put_path on;
        dav_access user:rw;
        autoindex on;
    }}
}}
"""


class NginxDav:
    """nginx's dav module on ``root`` (no PROPFIND, no auth)."""

    def __init__(self, binary: str, state: Path) -> None:
        self.binary = binary
        self.state = state
        self.root = state / "root"
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        conf = self.state / "nginx.conf"
        user = "user root root;" if os.geteuid() == 0 else ""  # workers reach the temp dir
        text = _NGINX_CONF.format(state=self.state, port=self.port, root=self.root, user=user)
        conf.write_text(text)
        log = self.state / "error.log"
        log.touch()
        self.process = subprocess.Popen(
            [self.binary, "-c", str(conf), "-p", str(self.state)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port, self.process, log)

    def url(self) -> str:
        return f"webdav://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
