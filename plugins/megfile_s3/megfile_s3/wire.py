"""The lean GETs (:mod:`megfile_s3.lean`) sent over plain HTTP/1.1 connections.

Why: on a near store a small object's GET is bound by client CPU, and urllib3 with
``http.client`` under it costs about 0.4 ms of it a request (connection pool
bookkeeping, URL parsing, the ``email`` package parsing the headers). Writing the
request line and headers and reading the status line and headers by hand costs
about 0.1 ms, signing included (one thread, 16 KiB objects from ``rclone serve s3``
on loopback: 0.52-0.65 ms of CPU a GET through urllib3, 0.12-0.14 here).

What it keeps from the client's HTTP session: TLS verification (the same CA
bundle, or none when ``verify=False``), the connect and read timeouts, the socket
options, and at most ``max_pool_connections`` idle connections per host. It is
not used (the session sends instead) when a proxy applies to the URL or a client
certificate is configured, nor when no connection can be made (the session then
tries, and its error names the endpoint as before; for the next 30 s that host's
requests go to the session at once, so no request waits for two connect timeouts).
Interim ``1xx`` answers are skipped. Transport failures of a
request under way raise builtin ``ConnectionError``,
``TimeoutError`` and ``http.client.IncompleteRead``, which the retry policy
classifies as transient; a connection found closed when reused is replaced once
(the requests are GETs). A forked child opens connections of its own. A
response is read only as far as its
``Content-Length`` (or its chunks); its connection goes back to the pool once the
body was read whole, and is closed otherwise.
"""

from __future__ import annotations

import http.client
import io
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, cast
from urllib.parse import SplitResult, urlsplit

__all__ = ["ConnectFailed", "Wire", "WireResponse", "ca_path"]

# bumped in a forked child: a wire made before the fork drops its parent's sockets
# (a counter read per request instead of a getpid system call per request)
_forks = [0]


def _count_fork() -> None:
    _forks[0] += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_count_fork)

_LINE_LIMIT = 65536
_MAX_HEADERS = 200
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TIMEOUT = 60.0  # botocore's default connect and read timeouts
#: statuses whose answers never have a body
_NO_BODY = frozenset({204, 304})
#: how long requests to a host no connection could be made to go to the session
_DOWN_SECONDS = 30.0
#: a body up to this size goes out in one send with the request's head
_JOIN_LIMIT = 1 << 20


class ConnectFailed(ConnectionError):
    """No connection could be made (nothing was sent): the caller lets the client's
    own session try, whose error says what is wrong with the endpoint."""


class _Headers:
    """Response headers: names as sent, looked up in any case."""

    __slots__ = ("_by_lower", "_names")

    def __init__(self) -> None:
        self._by_lower: dict[str, str] = {}
        self._names: list[str] = []

    def add(self, name: str, value: str) -> None:
        lower = name.lower()
        if lower in self._by_lower:
            self._by_lower[lower] += ", " + value
        else:
            self._by_lower[lower] = value
            self._names.append(name)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._by_lower.get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return self._by_lower[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._by_lower

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def items(self) -> list[tuple[str, str]]:
        return [(name, self._by_lower[name.lower()]) for name in self._names]


class _Connection:
    __slots__ = ("fp", "key", "sock")

    def __init__(self, sock: socket.socket, key: tuple[str, str, int]) -> None:
        self.sock = sock
        self.fp = cast(io.BufferedReader, sock.makefile("rb", 65536))
        self.key = key

    def close(self) -> None:
        try:
            self.fp.close()
        finally:
            self.sock.close()


class WireResponse:
    """What :meth:`Wire.send` returns: ``status_code``, ``headers``, the body by
    ``read``/``readinto`` (``raw`` is the response itself), ``content``."""

    def __init__(
        self,
        wire: Wire,
        connection: _Connection,
        status: int,
        headers: _Headers,
        reuse: bool = True,
        waited: float = 0.0,
        bodiless: bool = False,
    ) -> None:
        self._wire = wire
        #: seconds from sending the request to its answer's headers (no connect)
        self.waited = waited
        self._connection: _Connection | None = connection
        self.status_code = status
        self.headers = headers
        self.raw = self
        self._fp = None  # readers use read/readinto here, which keep count
        length = headers.get("content-length")  # a number: Wire checked it
        self._left: int | None = int(length) if length is not None else None
        self._chunked = "chunked" in (headers.get("transfer-encoding") or "").lower()
        self._decoded: memoryview | None = None  # a chunked body, read whole
        self._reuse = reuse and (headers.get("connection") or "").lower() != "close"
        if status in _NO_BODY or bodiless:  # (bodiless: the answer to a HEAD)
            self._left, self._chunked = 0, False
        elif self._chunked:
            self._left = None
        elif self._left is None:
            self._reuse = False  # the body ends when the connection does
        if self._left == 0:
            self.release_conn()

    def read(self, amount: int | None = None) -> bytes:
        connection = self._connection
        if self._chunked:
            return bytes(self._take(amount))
        if connection is None:
            return b""
        want = self._left if amount is None or amount < 0 else amount
        if want is not None and self._left is not None:
            want = min(want, self._left)
        try:
            data = connection.fp.read(want) if want is not None else connection.fp.read()
        except BaseException:
            self.close()
            raise
        self._got(len(data), want)
        return data

    def readinto(self, buffer: memoryview) -> int:
        if self._chunked:
            piece = self._take(buffer.nbytes)
            buffer[: piece.nbytes] = piece
            return piece.nbytes
        connection = self._connection
        if connection is None:
            return 0
        view = buffer if self._left is None else buffer[: self._left]
        fp = connection.fp
        try:
            count = fp.readinto(view)
        except BaseException:
            self.close()
            raise
        self._got(count, view.nbytes)
        return count

    @property
    def content(self) -> bytes:
        data = self.read()
        if self._left:
            self.close()
            raise http.client.IncompleteRead(data, self._left)
        return data

    def release_conn(self) -> None:
        """The body was read whole: the connection can serve another request."""
        connection, self._connection = self._connection, None
        if connection is not None:
            if self._reuse and not self._left:
                self._wire.put_back(connection)
            else:
                connection.close()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _got(self, count: int, wanted: int | None) -> None:
        if self._left is not None:
            self._left -= count
            if not self._left:
                self.release_conn()
            elif not count and wanted:
                self.close()  # the connection ended early
        elif wanted is None or (not count and wanted != 0):
            self.close()  # a body delimited by the connection's end: over

    def _take(self, amount: int | None) -> memoryview:
        if self._decoded is None:
            self._decoded = memoryview(self._read_chunks())
        decoded = self._decoded
        count = decoded.nbytes if amount is None or amount < 0 else min(amount, decoded.nbytes)
        self._decoded = decoded[count:]
        return decoded[:count]

    def _read_chunks(self) -> bytes:
        connection = self._connection
        if connection is None:
            return b""
        fp = connection.fp
        pieces: list[bytes] = []
        try:
            while True:
                line = fp.readline(_LINE_LIMIT)
                size_text = line.split(b";", 1)[0].strip()
                if not line.endswith(b"\n") or not size_text:
                    raise http.client.IncompleteRead(b"".join(pieces))
                try:
                    size = int(size_text, 16)
                except ValueError:
                    raise ConnectionError(f"a bad chunk size: {size_text[:20]!r}") from None
                if size < 0:
                    raise ConnectionError(f"a negative chunk size: {size_text[:20]!r}")
                if size == 0:
                    while fp.readline(_LINE_LIMIT) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                piece = fp.read(size)
                if len(piece) != size or fp.read(2) != b"\r\n":
                    raise http.client.IncompleteRead(b"".join(pieces) + piece)
                pieces.append(piece)
        except BaseException:
            self.close()
            raise
        self.release_conn()
        return b"".join(pieces)


class Wire:
    """HTTP/1.1 connections of one client's lean requests (module doc)."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._lock = threading.Lock()
        self._fork = _forks[0]  # a forked child never uses its parent's connections
        self._down: dict[tuple[str, str, int], float] = {}  # host -> retried from then
        self._tls: ssl.SSLContext | None = None
        timeout = session._timeout
        connect = getattr(timeout, "connect_timeout", timeout)
        read = getattr(timeout, "read_timeout", timeout)
        # botocore always gives numbers; anything else gets its default, never "forever"
        self._connect_timeout = connect if isinstance(connect, (int, float)) else _TIMEOUT
        self._read_timeout = read if isinstance(read, (int, float)) else _TIMEOUT
        self._max_idle = max(1, int(session._max_pool_connections or 1))
        self._socket_options = list(session._socket_options or [])
        #: scheme -> whether the session sends it through a proxy (its proxies are
        #: fixed when the client is built; asking costs a URL parse per request)
        self._proxied: dict[str, bool] = {}

    def usable(self, url: str) -> bool:
        """Whether this request may go here (no proxy, no client certificate, not a
        host no connection could be made to within the last ``_DOWN_SECONDS``)."""
        session = self._session
        scheme = url.partition(":")[0]
        proxied = self._proxied.get(scheme)
        if proxied is None:
            proxied = self._proxied[scheme] = bool(session._proxy_config.proxy_url_for(url))
        if proxied or session._cert_file is not None:
            return False
        if self._down:
            key = _address(urlsplit(url))
            until = self._down.get(key)
            if until is not None:
                if time.monotonic() < until:
                    return False
                self._down.pop(key, None)
        return True

    def send(self, request: Any) -> WireResponse:
        """Send ``request`` (a signed GET, or a PUT whose ``body`` is bytes and whose
        headers give its ``Content-Length``); the response's headers are read, its
        body is not."""
        parts = urlsplit(request.url)
        message = _message(request, parts)
        key = _address(parts)
        bodiless = request.method == "HEAD"
        connection = self._take_idle(key)
        if connection is not None:
            try:
                return self._receive(connection, self._send_on(connection, message), bodiless)
            except (ConnectionError, http.client.RemoteDisconnected):
                pass  # closed while idle: once more on a new connection
        connection = self._connect(key)
        return self._receive(connection, self._send_on(connection, message), bodiless)

    def start(self, request: Any, reuse: bool = False) -> Callable[[], WireResponse]:
        """Send ``request`` now; the function returned reads its answer's headers
        (:meth:`send` in two steps: another thread may take the second, or the
        caller sends others before it). On a new connection, or with ``reuse`` on
        an idle one when there is one: a connection the server closed while idle
        then fails in the second step, and the caller sends the request again."""
        parts = urlsplit(request.url)
        key = _address(parts)
        message = _message(request, parts)
        bodiless = request.method == "HEAD"
        connection = self._take_idle(key) if reuse else None
        if connection is not None:
            try:
                began = self._send_on(connection, message)
                return lambda: self._receive(connection, began, bodiless)
            except OSError:
                pass  # closed while idle: on a new connection
        fresh = self._connect(key)
        began = self._send_on(fresh, message)
        return lambda: self._receive(fresh, began, bodiless)

    def put_back(self, connection: _Connection) -> None:
        self._after_fork()
        with self._lock:
            idle = self._idle.setdefault(connection.key, [])
            if len(idle) < self._max_idle:
                idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _after_fork(self) -> None:
        if self._fork != _forks[0]:  # the parent's sockets and lock stay the parent's
            self._idle = {}
            self._lock = threading.Lock()
            self._fork = _forks[0]

    def _take_idle(self, key: tuple[str, str, int]) -> _Connection | None:
        self._after_fork()
        with self._lock:
            idle = self._idle.get(key)
            return idle.pop() if idle else None

    def _connect(self, key: tuple[str, str, int]) -> _Connection:
        scheme, host, port = key
        try:
            sock = socket.create_connection((host, port), timeout=self._connect_timeout)
        except OSError as error:
            # the session tries this host for a while: one connect timeout, not two
            self._down[key] = time.monotonic() + _DOWN_SECONDS
            raise ConnectFailed(f"cannot connect to {host}:{port}: {error}") from error
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for option in self._socket_options:
                sock.setsockopt(*option)
            sock.settimeout(self._read_timeout)
            if scheme == "https":
                sock = self._tls_context().wrap_socket(sock, server_hostname=host)
        except ssl.SSLError as error:  # a handshake refused: the session says why
            sock.close()
            raise ConnectFailed(f"TLS with {host}:{port} failed: {error}") from error
        except BaseException:
            sock.close()
            raise
        return _Connection(sock, key)

    def _tls_context(self) -> ssl.SSLContext:
        context = self._tls
        if context is None:
            verify = self._session._verify
            if verify is False:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            else:
                path = ca_path(verify)
                if path and os.path.isdir(path):
                    context = ssl.create_default_context(capath=path)
                else:
                    context = ssl.create_default_context(cafile=path or None)
            self._tls = context
        return context

    def _send_on(self, connection: _Connection, head: bytes | tuple[bytes, bytes]) -> float:
        """Send the request; when it began (``time.monotonic``)."""
        began = time.monotonic()
        try:
            if isinstance(head, tuple):
                connection.sock.sendall(head[0])
                connection.sock.sendall(head[1])
            else:
                connection.sock.sendall(head)
        except BaseException:
            connection.close()
            raise
        return began

    def _receive(
        self, connection: _Connection, began: float, bodiless: bool = False
    ) -> WireResponse:
        """The answer's status and headers (the request was sent at ``began``;
        ``bodiless``: it was a HEAD, whose answer has no body)."""
        try:
            while True:  # interim (1xx) answers come before the final one: skipped
                version, code, headers = _read_head(connection.fp)
                if not 100 <= code < 200:
                    break
            length = headers.get("content-length")
            if length is not None and not (length.isascii() and length.strip().isdigit()):
                raise ConnectionError(f"a Content-Length that is no number: {length[:40]!r}")
        except BaseException:
            connection.close()
            raise
        waited = time.monotonic() - began
        return WireResponse(
            self,
            connection,
            code,
            headers,
            reuse=version != "HTTP/1.0",
            waited=waited,
            bodiless=bodiless,
        )


def ca_path(verify: Any) -> Any:
    """The CA file or directory botocore's session verifies with for its ``verify``
    setting (``botocore.httpsession.get_cert_path``): ``verify`` itself unless it
    is True, then certifi's bundle, which botocore takes when certifi is installed
    (without importing botocore: a client not built yet has none loaded)."""
    if verify is not True:
        return verify
    try:
        import certifi
    except ImportError:  # botocore then uses the bundle it ships
        from botocore.httpsession import get_cert_path

        return get_cert_path(True)
    return certifi.where()


def _message(request: Any, parts: SplitResult) -> bytes | tuple[bytes, bytes]:
    """What goes on the wire for ``request`` (a URL split into ``parts``): the
    request line and headers, with the body joined when it is small."""
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    lines = [f"{request.method} {target} HTTP/1.1"]
    lines.extend(f"{name}: {value}" for name, value in request.headers.items())
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    body = request.body
    if not body:
        return head
    # one send for a small body; a large one is not copied
    return head + body if len(body) <= _JOIN_LIMIT else (head, body)


def _address(parts: SplitResult) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL: the key of its connections."""
    return parts.scheme, parts.hostname or "", parts.port or _DEFAULT_PORTS[parts.scheme]


def _read_head(fp: io.BufferedReader) -> tuple[str, int, _Headers]:
    """The status line and headers of one answer: (version, status, headers)."""
    status_line = fp.readline(_LINE_LIMIT)
    if not status_line:
        raise http.client.RemoteDisconnected("the server closed the connection")
    version, _, rest = status_line.decode("latin-1").partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not (code.isascii() and code.isdigit()):
        raise ConnectionError(f"not an HTTP/1.x answer: {status_line[:80]!r}")
    headers = _Headers()
    for _ in range(_MAX_HEADERS):
        line = fp.readline(_LINE_LIMIT)
        if line in (b"\r\n", b"\n"):
            return version, int(code), headers
        if not line:
            raise http.client.RemoteDisconnected("the headers ended early")
        name, colon, value = line.decode("latin-1").partition(":")
        if colon:
            headers.add(name.strip(), value.strip())
    raise ConnectionError("more than 200 header lines in an answer")
