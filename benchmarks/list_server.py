"""A listing-only S3 endpoint for the listing benchmark: ListObjectsV2 over a sorted
in-memory key list, each page found by bisection (O(page) work per request).

rclone and moto walk their whole store for every page, so a long listing measures
the server; this one answers a page in well under a millisecond, so that behind the
delaying proxy the benchmark measures how many round trips a client waits for. It
serves one bucket ``bench`` holding ``keys`` (HEAD bucket, GET ?list-type=2 with
prefix, delimiter-less, start-after, continuation-token, max-keys) and nothing else;
each key's XML is made once at start, so a page costs a slice and a join.

    python benchmarks/list_server.py KEYS_FILE   # prints its port, serves until killed
"""

from __future__ import annotations

import bisect
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

_MODIFIED = "2026-01-01T00:00:00.000Z"


class _Handler(BaseHTTPRequestHandler):
    keys: list[str] = []
    #: each key's <Contents> element, made once: a page is a slice joined
    items: list[bytes] = []
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:
        self._send(200 if urlsplit(self.path).path.strip("/") == "bench" else 404)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if url.path.strip("/") != "bench" or query.get("list-type") != "2":
            self._send(404, b"<Error><Code>NoSuchKey</Code></Error>")
            return
        prefix = query.get("prefix", "")
        after = query.get("continuation-token") or query.get("start-after") or ""
        limit = min(int(query.get("max-keys", "1000")), 1000)
        keys = self.keys
        start = max(bisect.bisect_left(keys, prefix), bisect.bisect_right(keys, after))
        index = start
        while index < len(keys) and index - start < limit and keys[index].startswith(prefix):
            index += 1
        more = index < len(keys) and keys[index].startswith(prefix)
        last = keys[index - 1] if index > start else ""
        token = f"<NextContinuationToken>{escape(last)}</NextContinuationToken>" if more else ""
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<Name>bench</Name><Prefix>{escape(prefix)}</Prefix><KeyCount>{index - start}"
            f"</KeyCount><MaxKeys>{limit}</MaxKeys>"
            f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>"
        )
        body = b"".join(
            (head.encode(), *self.items[start:index], f"{token}</ListBucketResult>".encode())
        )
        self._send(200, body)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        _Handler.keys = sorted(line.rstrip("\n") for line in handle if line.strip())
    _Handler.items = [
        (
            f"<Contents><Key>{escape(k)}</Key><LastModified>{_MODIFIED}</LastModified>"
            f'<ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag><Size>0</Size>'
            "<StorageClass>STANDARD</StorageClass></Contents>"
        ).encode()
        for k in _Handler.keys
    ]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
