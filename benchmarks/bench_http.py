"""Read a 512 MiB file from nginx: megfile-http against megfile 5.0.18 and plain
requests streaming, on plain loopback and through a delaying, rate-capping proxy.

    python benchmarks/bench_http.py [--size-mib 512] [--runs 3] [--delay-ms 10]
                                    [--rate-mbit 400]

megfile runs in the peers venv (benchmarks/.peers, see setup_peers.sh) in a
subprocess; every library reads with a ``read(8 MiB)`` loop. The proxy (a thread of
this script on 127.0.0.1) delays each direction by ``delay`` and caps every
connection at ``rate``: the kernel has no netem, so latency has to come from here.
"""

from __future__ import annotations

import argparse
import os
import selectors
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


class _Pipe:
    """One direction of a proxied connection: bytes become sendable ``delay``
    seconds after they arrive, and at most ``rate`` bytes/s leave."""

    def __init__(self, delay: float, rate: float) -> None:
        self.delay = delay
        self.rate = rate
        self.queue: deque[tuple[float, bytes]] = deque()
        self.queued = 0  # bytes waiting: reading stops above _MAX_QUEUED (back-pressure)
        self.next_send = 0.0


_MAX_QUEUED = 2 << 20


def _relay(client: socket.socket, upstream: socket.socket, delay: float, rate: float) -> None:
    """Shuttle bytes both ways with a per-direction delay and rate cap."""
    pipes = {client: _Pipe(delay, rate), upstream: _Pipe(delay, rate)}  # keyed by source
    peer = {client: upstream, upstream: client}
    for sock in (client, upstream):
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    selector = selectors.DefaultSelector()
    for sock in (client, upstream):
        selector.register(sock, selectors.EVENT_READ)
    closed: set[socket.socket] = set()
    reading = {client: True, upstream: True}
    quantum = 64 << 10
    try:
        while True:
            for sock, pipe in pipes.items():
                want = sock not in closed and pipe.queued < _MAX_QUEUED
                if want != reading[sock]:
                    if want:
                        selector.register(sock, selectors.EVENT_READ)
                    else:
                        selector.unregister(sock)
                    reading[sock] = want
            now = time.monotonic()
            timeout = 0.05
            for pipe in pipes.values():
                if pipe.queue:
                    ready_at = max(pipe.queue[0][0], pipe.next_send)
                    timeout = min(timeout, max(0.0, ready_at - now))
            for key, _ in selector.select(timeout):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(1 << 20)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    selector.unregister(sock)
                    reading[sock] = False
                    closed.add(sock)
                    continue
                pipes[sock].queue.append((time.monotonic() + delay, data))
                pipes[sock].queued += len(data)
            now = time.monotonic()
            for source, pipe in pipes.items():
                target = peer[source]
                while pipe.queue and pipe.queue[0][0] <= now and pipe.next_send <= now:
                    due, data = pipe.queue[0]
                    piece = data[:quantum]
                    try:
                        sent = target.send(piece)
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        return
                    pipe.queued -= sent
                    if sent < len(data):
                        pipe.queue[0] = (due, data[sent:])
                    else:
                        pipe.queue.popleft()
                    if rate:
                        pipe.next_send = max(pipe.next_send, now) + sent / rate
            for source in list(closed):
                if not pipes[source].queue:
                    try:
                        peer[source].shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
            if len(closed) == 2 and not any(p.queue for p in pipes.values()):
                return
    finally:
        selector.close()
        client.close()
        upstream.close()


class DelayProxy:
    """A TCP proxy on 127.0.0.1 to ``127.0.0.1:target_port``."""

    def __init__(self, target_port: int, delay: float, rate_bytes: float) -> None:
        self.target_port = target_port
        self.delay = delay
        self.rate = rate_bytes
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=_relay, args=(client, upstream, self.delay, self.rate),
                             daemon=True).start()

    def close(self) -> None:
        self._stop = True
        self.listener.close()


OURS = """
import sys, time
from megfile_core import smart_open
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
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay-ms", type=float, default=10.0)
    parser.add_argument("--rate-mbit", type=float, default=400.0)
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
