"""Read a 512 MiB file from nginx: megfile-http against megfile 5.0.18 and plain
requests streaming, on plain loopback and through a delaying, rate-capping proxy.

    python benchmarks/bench_http.py [--size-mib 512] [--runs 3] [--delay-ms 10]
                                    [--rate-mbit 400]

megfile runs in the peers venv (benchmarks/.peers, see setup_peers.sh) in a
subprocess; every library reads with a ``read(8 MiB)`` loop, its imports done before
its timer starts. The proxy (a separate process on 127.0.0.1 forking one relay
process per connection) delays each direction by ``delay`` and caps every
connection at ``rate`` with a token bucket: the kernel has no netem, so latency has
to come from here. Before the libraries run, the script prints what the proxy alone
carries with 1/8/16/32 raw-socket connections (``--no-proxy-check`` skips it;
``--only plain|capped`` runs one setting).
"""

from __future__ import annotations

import argparse
import os
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "plugins" / "megfile_http" / "tests"))

from httpservers import Nginx  # noqa: E402

CHUNK = 8 << 20
PEERS_PYTHON = HERE / ".peers" / "bin" / "python"


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


def _relay(client: socket.socket, upstream: socket.socket, delay: float, rate: float) -> None:
    """Shuttle bytes both ways with a per-direction delay and rate cap, until both
    sides are closed."""
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


def _serve_proxy(target_port: int, delay: float, rate: float) -> None:
    """The proxy process: accept on 127.0.0.1, fork one relay process per
    connection (no GIL shared between connections), print the port."""
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
            try:
                _relay(client, upstream, delay, rate)
            except BaseException:
                code = 1
            os._exit(code)
        client.close()
        upstream.close()


class DelayProxy:
    """A TCP proxy on 127.0.0.1 to ``127.0.0.1:target_port``: a separate process
    forking one process per connection; stopped with its process group."""

    def __init__(self, target_port: int, delay: float, rate_bytes: float) -> None:
        self.delay = delay
        self.rate = rate_bytes
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-proxy", str(target_port), str(delay),
             str(rate_bytes)], stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def close(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)  # the proxy and its relays
        except ProcessLookupError:
            pass
        self.process.wait()


def check_proxy(url: str, size: int, connections: int) -> float:
    """MiB/s of ``connections`` threads fetching equal ranges of ``url`` with raw
    sockets and ``recv_into`` (a trivial client: what the proxy itself carries)."""
    host, _, rest = url.removeprefix("http://").partition("/")
    port = int(host.rsplit(":", 1)[1])
    part = size // connections

    def fetch(index: int) -> None:
        first, last = index * part, (index + 1) * part - 1
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(f"GET /{rest} HTTP/1.1\r\nHost: x\r\nRange: bytes={first}-{last}"
                         "\r\nConnection: close\r\n\r\n".encode())
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


OURS = """
import sys, time
from megfile_core import smart_open
import megfile_http.path  # the plugin module the first http URL loads lazily
url = sys.argv[1]
start = time.perf_counter(); total = 0
with smart_open(url, "rb") as f:
    while True:
        chunk = f.read(CHUNK)
        if not chunk: break
        total += len(chunk)
print(total, time.perf_counter() - start)
""".replace("CHUNK", str(CHUNK))

MEGFILE = OURS.replace("from megfile_core import smart_open", "from megfile import smart_open")
MEGFILE = MEGFILE.replace("import megfile_http.path", "import megfile.http_path")

REQUESTS = """
import sys, time, requests
url = sys.argv[1]
start = time.perf_counter(); total = 0
with requests.get(url, stream=True) as r:
    r.raise_for_status()
    for chunk in r.iter_content(CHUNK):
        total += len(chunk)
print(total, time.perf_counter() - start)
""".replace("CHUNK", str(CHUNK))


def _run(python: str, code: str, url: str, size: int) -> float:
    out = subprocess.run([python, "-c", code, url], capture_output=True, text=True,
                         check=True, timeout=900).stdout.split()
    total, seconds = int(out[0]), float(out[1])
    if total != size:
        raise RuntimeError(f"read {total} bytes, expected {size}")
    return size / seconds / (1 << 20)


def main() -> None:
    if sys.argv[1:2] == ["--serve-proxy"]:
        _serve_proxy(int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay-ms", type=float, default=10.0)
    parser.add_argument("--rate-mbit", type=float, default=400.0)
    parser.add_argument("--only", choices=("plain", "capped"),
                        help="run one setting only")
    parser.add_argument("--no-proxy-check", action="store_true",
                        help="skip measuring what the proxy alone carries")
    args = parser.parse_args()
    if not PEERS_PYTHON.exists():
        sys.exit("run benchmarks/setup_peers.sh first")
    size = args.size_mib << 20
    libraries = [
        ("megfile-http (ours)", sys.executable, OURS),
        ("megfile 5.0.18", str(PEERS_PYTHON), MEGFILE),
        ("requests iter_content", sys.executable, REQUESTS),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        with open(root / "big.bin", "wb") as handle:
            block = os.urandom(1 << 20)
            for _ in range(args.size_mib):
                handle.write(block)
        with Nginx(root, Path(tmp) / "state", workers=2) as nginx:
            proxy = DelayProxy(nginx.port, args.delay_ms / 1000, args.rate_mbit * 1e6 / 8)
            settings = [
                ("plain loopback", f"{nginx.url}/big.bin"),
                (f"{args.delay_ms:g} ms each way + {args.rate_mbit:g} Mbit/s per connection",
                 f"http://127.0.0.1:{proxy.port}/big.bin"),
            ]
            if args.only:
                settings = [settings[0] if args.only == "plain" else settings[1]]
            if not args.no_proxy_check and args.only != "plain":
                cap = args.rate_mbit * 1e6 / 8 / (1 << 20)
                for connections in (1, 8, 16, 32):
                    speed = check_proxy(settings[-1][1], size, connections)
                    print(f"proxy alone, {connections:2d} raw connections: {speed:7.1f} MiB/s "
                          f"(cap {connections * cap:.0f})", flush=True)
            results: dict[tuple[str, str], list[float]] = {}
            for setting, url in settings:
                for _ in range(args.runs):  # interleaved, so drift hits everyone
                    for name, python, code in libraries:
                        speed = _run(python, code, url, size)
                        results.setdefault((setting, name), []).append(speed)
                        print(f"{setting:45s} {name:24s} {speed:8.1f} MiB/s", flush=True)
            proxy.close()
    print()
    print(f"| setting | library | median MiB/s ({args.runs} runs) | ours / this |")
    print("|---|---|---|---|")
    for setting, _ in settings:
        ours = statistics.median(results[(setting, libraries[0][0])])
        for name, _, _ in libraries:
            median = statistics.median(results[(setting, name)])
            print(f"| {setting} | {name} | {median:,.0f} | {ours / median:.2f} |")


if __name__ == "__main__":
    main()
