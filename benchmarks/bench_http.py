"""Read a 512 MiB file from nginx: megfile-http against megfile 5.0.18 and plain
requests streaming, on plain loopback and through a delaying, rate-capping proxy.

    python benchmarks/bench_http.py [--size-mib 512] [--runs 3] [--delay-ms 10]
                                    [--rate-mbit 400] [--base-tree DIR]

megfile runs in the peers venv (benchmarks/.peers, see setup_peers.sh) in a
subprocess; every library reads with a ``read(8 MiB)`` loop, its imports done before
its timer starts. The proxy (a separate process on 127.0.0.1 forking one relay
process per connection) delays each direction by ``delay`` and caps every
connection at ``rate`` with a token bucket: the kernel has no netem, so latency has
to come from here. Before the libraries run, the script prints what the proxy alone
carries with 1/8/16/32 raw-socket connections (``--no-proxy-check`` skips it;
``--only plain|capped`` runs one setting). The table is printed and written to
``--results-dir`` (default ``docs/results``) as ``bench_http.md`` with a PNG chart
``bench_http-read.png`` (``benchmarks/results.py``). ``--base-tree DIR`` (a ``git
archive`` of another commit) adds "megfile-http (before)": the same code as ours run
with ``PYTHONPATH`` on that tree, interleaved with the others, so a change is
compared with its base in one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "plugins" / "megfile_http" / "tests"))

from httpservers import Nginx  # noqa: E402
from netproxy import DelayProxy, check_proxy  # noqa: E402
from results import DEFAULT_RESULTS_DIR, Table, save_tables  # noqa: E402

CHUNK = 8 << 20
PEERS_PYTHON = HERE / ".peers" / "bin" / "python"


OURS = """
import sys, time
from megfile_core import SmartPath, smart_open
url = sys.argv[1]
SmartPath(url)  # plugin discovery + the module an http URL loads lazily (no I/O)
start = time.perf_counter(); total = 0
with smart_open(url, "rb") as f:
    while True:
        chunk = f.read(CHUNK)
        if not chunk: break
        total += len(chunk)
print(total, time.perf_counter() - start)
""".replace("CHUNK", str(CHUNK))

MEGFILE = OURS.replace(
    "from megfile_core import SmartPath, smart_open", "from megfile import SmartPath, smart_open"
)

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


def _run(python: str, code: str, url: str, size: int, tree: str | None = None) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if tree is not None:
        parts = ("", "plugins/megfile_http", "plugins/megfile_s3")
        env["PYTHONPATH"] = os.pathsep.join(str(Path(tree, part)) for part in parts)
    out = subprocess.run(
        [python, "-c", code, url], capture_output=True, text=True, check=True, timeout=900, env=env
    ).stdout.split()
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
    parser.add_argument("--only", choices=("plain", "capped"), help="run one setting only")
    parser.add_argument(
        "--no-proxy-check", action="store_true", help="skip measuring what the proxy alone carries"
    )
    parser.add_argument(
        "--results-dir",
        default=str(DEFAULT_RESULTS_DIR),
        help="where bench_http.md and its PNG chart go",
    )
    parser.add_argument("--label", default="", help="a line written above the table")
    parser.add_argument(
        "--base-tree", help="another checkout measured as 'megfile-http (before)', interleaved"
    )
    args = parser.parse_args()
    if not PEERS_PYTHON.exists():
        sys.exit("run benchmarks/setup_peers.sh first")
    size = args.size_mib << 20
    libraries: list[tuple[str, str, str, str | None]] = [
        ("megfile-http (ours)", sys.executable, OURS, None),
        ("megfile 5.0.18", str(PEERS_PYTHON), MEGFILE, None),
        ("requests iter_content", sys.executable, REQUESTS, None),
    ]
    if args.base_tree:
        base = str(Path(args.base_tree).resolve())
        libraries.insert(1, ("megfile-http (before)", sys.executable, OURS, base))
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
                (
                    f"{args.delay_ms:g} ms each way + {args.rate_mbit:g} Mbit/s per connection",
                    f"http://127.0.0.1:{proxy.port}/big.bin",
                ),
            ]
            if args.only:
                settings = [settings[0] if args.only == "plain" else settings[1]]
            if not args.no_proxy_check and args.only != "plain":
                cap = args.rate_mbit * 1e6 / 8 / (1 << 20)
                for connections in (1, 8, 16, 32):
                    speed = check_proxy(settings[-1][1], size, connections)
                    print(
                        f"proxy alone, {connections:2d} raw connections: {speed:7.1f} MiB/s "
                        f"(cap {connections * cap:.0f})",
                        flush=True,
                    )
            results: dict[tuple[str, str], list[float]] = {}
            for setting, url in settings:
                for _ in range(args.runs):  # interleaved, so drift hits everyone
                    for name, python, code, tree in libraries:
                        speed = _run(python, code, url, size, tree)
                        results.setdefault((setting, name), []).append(speed)
                        print(f"{setting:45s} {name:24s} {speed:8.1f} MiB/s", flush=True)
            proxy.close()
    lines = [
        f"| setting | library | median MiB/s ({args.runs} runs) | ours / this |",
        "|---|---|---|---|",
    ]
    for setting, _ in settings:
        ours = statistics.median(results[(setting, libraries[0][0])])
        for name, *_ in libraries:
            median = statistics.median(results[(setting, name)])
            lines.append(f"| {setting} | {name} | {median:,.0f} | {ours / median:.2f} |")
    print("", *lines, sep="\n")
    save_tables(
        "bench_http",
        [
            Table(
                "read",
                f"HTTP reads of {args.size_mib} MiB from nginx, medians of {args.runs}",
                lines,
            )
        ],
        args.results_dir,
        header=args.label,
    )


if __name__ == "__main__":
    main()
