"""Write and read a 256 MiB file on WsgiDAV (loopback, basic auth): megfile-webdav's
``smart_open`` against plain ``requests`` (one PUT of the bytes with a
Content-Length, one streamed GET).

    python benchmarks/bench_webdav.py [--size-mib 256] [--runs 3]

Both sides read in 8 MiB chunks and ``smart_open`` is written in 8 MiB chunks; the
median of ``--runs`` runs is printed
in MiB/s. WsgiDAV runs in its own process (the test fixture's server), serving a
temp directory; the file is removed between runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "plugins" / "megfile_webdav" / "tests"))

import requests  # noqa: E402
from davserver import PASSWORD, USER, WsgiDav  # noqa: E402

from megfile_core import smart_open, smart_remove  # noqa: E402

CHUNK = 8 << 20


def ours_write(url: str, data: bytes) -> None:
    with smart_open(url, "wb") as handle:
        for start in range(0, len(data), CHUNK):
            handle.write(data[start : start + CHUNK])


def ours_read(url: str, size: int) -> None:
    total = 0
    with smart_open(url, "rb") as handle:
        while chunk := handle.read(CHUNK):
            total += len(chunk)
    assert total == size, total


def plain_write(url: str, data: bytes) -> None:
    answer = requests.put(url, data=data, auth=(USER, PASSWORD), timeout=60)
    assert answer.status_code in (200, 201, 204), answer.status_code


def plain_read(url: str, size: int) -> None:
    total = 0
    with requests.get(url, auth=(USER, PASSWORD), stream=True, timeout=60) as answer:
        for chunk in answer.iter_content(CHUNK):
            total += len(chunk)
    assert total == size, total


def timed(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mib << 20
    data = os.urandom(size)
    with tempfile.TemporaryDirectory() as state:
        server = WsgiDav(Path(state))
        server.start()
        try:
            ours = f"{server.url()}/bench.bin"
            plain = f"http://127.0.0.1:{server.port}/plain.bin"
            rows: dict[str, list[float]] = {k: [] for k in ("write", "read")}
            peer: dict[str, list[float]] = {k: [] for k in ("write", "read")}
            for _ in range(args.runs):
                rows["write"].append(timed(lambda: ours_write(ours, data)))
                rows["read"].append(timed(lambda: ours_read(ours, size)))
                smart_remove(ours)
                peer["write"].append(timed(lambda: plain_write(plain, data)))
                peer["read"].append(timed(lambda: plain_read(plain, size)))
                requests.delete(plain, auth=(USER, PASSWORD), timeout=60)
        finally:
            server.stop()
    mib = size / (1 << 20)
    print(f"{args.size_mib} MiB on WsgiDAV (loopback), median of {args.runs}, MiB/s")
    print("| operation | megfile-webdav smart_open | plain requests |")
    print("|---|---|---|")
    for op in ("write", "read"):
        ours_rate = mib / statistics.median(rows[op])
        plain_rate = mib / statistics.median(peer[op])
        print(f"| {op} | {ours_rate:.0f} | {plain_rate:.0f} |")


if __name__ == "__main__":
    main()
