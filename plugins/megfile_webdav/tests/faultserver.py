"""A loopback HTTP server for faults WsgiDAV cannot be asked to produce: it answers
the first ``failures`` requests with ``status`` and then a fixed PROPFIND answer;
with ``token`` set, only requests carrying ``Authorization: Bearer <token>`` (WsgiDAV
has no bearer tokens), 401 for the others. Runs on a thread of the test process;
stopped by the test."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["FaultServer"]

_MULTISTATUS = b"""<?xml version="1.0" encoding="utf-8"?>
<d:multistatus xmlns:d="DAV:"><d:response><d:href>/f.txt</d:href><d:propstat><d:prop>
<d:resourcetype/><d:getcontentlength>7</d:getcontentlength>
<d:getlastmodified>Wed, 02 Dec 2026 10:00:00 GMT</d:getlastmodified>
</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"""


class FaultServer:
    def __init__(self, failures: int, status: int = 503, token: str | None = None) -> None:
        self.failures = failures
        self.status = status
        self.token = token
        self.requests: list[str] = []
        self.authorizations: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_PROPFIND(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                outer.requests.append(self.command)
                given = self.headers.get("Authorization")
                outer.authorizations.append(given)
                refused = outer.token is not None and given != f"Bearer {outer.token}"
                if refused or len(outer.requests) <= outer.failures:
                    self.send_response(401 if refused else outer.status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(207)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(_MULTISTATUS)))
                self.end_headers()
                self.wfile.write(_MULTISTATUS)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
