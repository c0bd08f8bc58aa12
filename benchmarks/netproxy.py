"""A delaying, rate-capping TCP proxy for benchmarks (shared by bench_http.py and
bench_s3.py).

The kernel here has no netem, so latency and per-connection limits come from a
proxy: a separate process on 127.0.0.1 that forks one relay process per
connection (no GIL shared between connections). Every direction of a connection
is delayed by ``delay`` seconds and capped at ``rate`` bytes/s with a token bucket
(256 KiB burst; time lost to scheduling is credited back, so the cap is the cap).

With ``count=True`` every relay appends ``client_bytes upstream_bytes`` to a stats
file when its connection closes; :meth:`DelayProxy.stats` sums them (connections,
bytes sent by clients, bytes sent by the server) and :meth:`DelayProxy.reset_stats`
starts over. Connections still open are not counted yet: read the stats after the
client process has exited.

    python benchmarks/netproxy.py TARGET_PORT DELAY_SECONDS RATE_BYTES [STATS_FILE]

runs the proxy in the foreground and prints its port.
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DelayProxy", "ProxyStats", "check_proxy"]


class _Direction:
    """One direction of a proxied connection: bytes become sendable ``delay`` seconds
    after they arrive, and leave through a token bucket of ``rate`` bytes/s (burst
    ``_BURST``; time lost to scheduling is credited back, so the cap is the cap)."""

    def __init__(self, delay: float, rate: float) -> None:
        self.delay = delay
        self.rate = rate
        self.queue: deque[tuple[float, memoryview]] = deque()
        self.queued = 0  # bytes waiting: reading stops above _MAX_QUEUED (back-pressure)
        self.tokens = float(_BURST)
        self.stamp = time.monotonic()
        self.eof = False

    def refill(self, now: float) -> None:
        if self.rate:
            self.tokens = min(float(_BURST), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wake_at(self, now: float) -> float:
        """When something may be sent next (``inf`` when nothing is queued)."""
        if not self.queue:
            return float("inf")
        due = self.queue[0][0]
        if self.rate:
            need = min(len(self.queue[0][1]), _QUANTUM) - self.tokens
            if need > 0:
                due = max(due, now + need / self.rate)
        return due


_MAX_QUEUED = 8 << 20  # well above rate * delay (0.5 MB at 400 Mbit/s and 10 ms)
_BURST = 256 << 10
_QUANTUM = 64 << 10
_RECV = 1 << 20


def _relay(
    client: socket.socket, upstream: socket.socket, delay: float, rate: float, counts: list[int]
) -> None:
    """Shuttle bytes both ways with a per-direction delay and rate cap, until both
    sides are closed; ``counts`` gets the bytes received from client and upstream."""
    directions = {client: _Direction(delay, rate), upstream: _Direction(delay, rate)}
    peer = {client: upstream, upstream: client}
    for sock in (client, upstream):
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    selector = selectors.DefaultSelector()
    registered: dict[socket.socket, int] = {}
    blocked: set[socket.socket] = set()  # targets whose send buffer is full
    shut: set[socket.socket] = set()
    try:
        while True:
            now = time.monotonic()
            wake = float("inf")
            events = {sock: 0 for sock in directions}
            for sock, way in directions.items():  # ``way`` carries bytes read from sock
                way.refill(now)
                if not way.eof and way.queued < _MAX_QUEUED:
                    events[sock] |= selectors.EVENT_READ
                if peer[sock] in blocked:
                    events[peer[sock]] |= selectors.EVENT_WRITE
                else:
                    wake = min(wake, way.wake_at(now))
            for sock, mask in events.items():
                if registered.get(sock, 0) != mask:
                    if not mask:
                        selector.unregister(sock)
                        del registered[sock]
                    elif sock in registered:
                        selector.modify(sock, mask)
                        registered[sock] = mask
                    else:
                        selector.register(sock, mask)
                        registered[sock] = mask
            if all(way.eof and not way.queue for way in directions.values()):
                return
            timeout = None if wake == float("inf") else max(0.0, wake - now)
            for key, mask in selector.select(timeout):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if mask & selectors.EVENT_WRITE:
                    blocked.discard(sock)
                if not mask & selectors.EVENT_READ:
                    continue
                try:
                    data = sock.recv(_RECV)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                way = directions[sock]
                counts[0 if sock is client else 1] += len(data)
                if not data:
                    way.eof = True
                    continue
                way.queue.append((time.monotonic() + delay, memoryview(data)))
                way.queued += len(data)
            now = time.monotonic()
            for source, way in directions.items():
                target = peer[source]
                way.refill(now)
                while way.queue and way.queue[0][0] <= now and target not in blocked:
                    due, data = way.queue[0]
                    allowed = min(len(data), 4 * _QUANTUM)
                    if way.rate:
                        allowed = min(allowed, int(way.tokens))
                        if allowed < min(len(data), _QUANTUM):
                            break
                    try:
                        sent = target.send(data[:allowed])
                    except (BlockingIOError, InterruptedError):
                        blocked.add(target)
                        break
                    except OSError:
                        return
                    way.queued -= sent
                    way.tokens -= sent
                    if sent < len(data):
                        way.queue[0] = (due, data[sent:])
                    else:
                        way.queue.popleft()
                if way.eof and not way.queue and target not in shut:
                    shut.add(target)
                    try:
                        target.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
    finally:
        selector.close()
        client.close()
        upstream.close()


def _serve_proxy(target_port: int, delay: float, rate: float, stats: str | None) -> None:
    """The proxy process: accept on 127.0.0.1, fork one relay process per
    connection, print the port."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reap themselves
    print(listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        upstream = socket.create_connection(("127.0.0.1", target_port))
        if os.fork() == 0:
            listener.close()
            code = 0
            counts = [0, 0]
            try:
                _relay(client, upstream, delay, rate, counts)
            except BaseException:
                code = 1
            if stats:
                fd = os.open(stats, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                os.write(fd, f"{counts[0]} {counts[1]}\n".encode())
                os.close(fd)
            os._exit(code)
        client.close()
        upstream.close()


@dataclass
class ProxyStats:
    """What went through the proxy on closed connections."""

    connections: int = 0
    client_bytes: int = 0  # requests (and uploaded bodies)
    server_bytes: int = 0  # responses (and downloaded bodies)


class DelayProxy:
    """A TCP proxy on 127.0.0.1 to ``127.0.0.1:target_port``: a separate process
    forking one process per connection; stopped with its process group."""

    def __init__(
        self, target_port: int, delay: float, rate_bytes: float, count: bool = False
    ) -> None:
        self.delay = delay
        self.rate = rate_bytes
        self._stats: Path | None = None
        args = [
            sys.executable,
            str(Path(__file__).resolve()),
            str(target_port),
            str(delay),
            str(rate_bytes),
        ]
        if count:
            fd, name = _mkstemp()
            os.close(fd)
            self._stats = Path(name)
            args.append(name)
        self.process = subprocess.Popen(
            args, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def stats(self, settle: float = 0.3) -> ProxyStats:
        """Counts over the connections closed so far (waits ``settle`` seconds for
        relays of a client that just exited to write theirs)."""
        if self._stats is None:
            raise RuntimeError("start the proxy with count=True to count")
        time.sleep(settle)
        result = ProxyStats()
        for line in self._stats.read_text().splitlines():
            up, down = line.split()
            result.connections += 1
            result.client_bytes += int(up)
            result.server_bytes += int(down)
        return result

    def reset_stats(self) -> None:
        if self._stats is not None:
            self._stats.write_text("")

    def close(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)  # the proxy and its relays
        except ProcessLookupError:
            pass
        self.process.wait()
        if self._stats is not None:
            self._stats.unlink(missing_ok=True)

    def __enter__(self) -> DelayProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _mkstemp() -> tuple[int, str]:
    import tempfile

    return tempfile.mkstemp(prefix="netproxy-", suffix=".stats")


def check_proxy(url: str, size: int, connections: int) -> float:
    """MiB/s of ``connections`` threads fetching equal ranges of ``url`` with raw
    sockets and ``recv_into`` (a trivial client: what the proxy itself carries)."""
    host, _, rest = url.removeprefix("http://").partition("/")
    port = int(host.rsplit(":", 1)[1])
    part = size // connections

    def fetch(index: int) -> None:
        first, last = index * part, (index + 1) * part - 1
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(
                f"GET /{rest} HTTP/1.1\r\nHost: x\r\nRange: bytes={first}-{last}"
                "\r\nConnection: close\r\n\r\n".encode()
            )
            buffer = bytearray(1 << 20)
            while sock.recv_into(buffer):
                pass

    start = time.perf_counter()
    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return size / (time.perf_counter() - start) / (1 << 20)


if __name__ == "__main__":
    _serve_proxy(
        int(sys.argv[1]),
        float(sys.argv[2]),
        float(sys.argv[3]),
        sys.argv[4] if len(sys.argv) > 4 else None,
    )
