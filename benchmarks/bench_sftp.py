"""SFTP throughput: read and write one file through ``smart_open``, ours vs megfile
5.0.18 (paramiko), on the same private sshd in the same run. Medians of N runs.

    .venv/bin/python benchmarks/bench_sftp.py [--size-mib 256] [--peer-size-mib 32] [--runs 3]

Ours runs in this interpreter; megfile runs in ``benchmarks/.peers`` (see
setup_peers.sh) in a subprocess. megfile is ~1 MB/s writing, so it gets a smaller
file by default (its rate does not depend on the size). The table is printed and
written to ``--results-dir`` (default ``docs/results``) as ``bench_sftp.md`` with a
PNG chart (``benchmarks/results.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins" / "megfile_sftp" / "tests"))

from sshserver import SshServer  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from results import DEFAULT_RESULTS_DIR, Table, save_tables  # noqa: E402

PEER_PY = ROOT / "benchmarks" / ".peers" / "bin" / "python"
CHUNK = 8 << 20

PEER_CODE = r"""
import json, os, sys, time
from megfile import smart_open
url, size, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
chunk = os.urandom(8 << 20)
start = time.perf_counter()
if mode == "write":
    with smart_open(url, "wb") as f:
        left = size
        while left:
            n = min(left, len(chunk)); f.write(chunk[:n]); left -= n
else:
    with smart_open(url, "rb") as f:
        while f.read(8 << 20):
            pass
print(json.dumps(time.perf_counter() - start))
"""


def ours(url: str, size: int, mode: str) -> float:
    from megfile_core import smart_open

    chunk = os.urandom(CHUNK)
    start = time.perf_counter()
    if mode == "write":
        with smart_open(url, "wb") as handle:
            left = size
            while left:
                count = min(left, CHUNK)
                handle.write(chunk[:count])
                left -= count
    else:
        with smart_open(url, "rb") as handle:
            while handle.read(CHUNK):
                pass
    return time.perf_counter() - start


def peer(url: str, size: int, mode: str, env: dict[str, str]) -> float:
    done = subprocess.run(
        [str(PEER_PY), "-c", PEER_CODE, url, str(size), mode],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"megfile failed: {done.stderr[-1500:]}")
    out = done.stdout
    return float(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--peer-size-mib", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--results-dir",
        default=str(DEFAULT_RESULTS_DIR),
        help="where bench_sftp.md and its PNG chart go",
    )
    parser.add_argument("--label", default="", help="a line written above the table")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sftp-"))
    server = SshServer.create(work / "sshd")
    server.start()
    home = work / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "known_hosts").write_text(server.host_key_line())
    os.environ["HOME"] = str(home)
    os.environ["SFTP_PRIVATE_KEY_PATH"] = str(server.client_key)
    data_dir = work / "data"
    data_dir.mkdir()
    base = f"sftp://root@127.0.0.1:{server.port}/{data_dir}"
    env = dict(os.environ, MEGFILE_SFTP_HOST_KEY_POLICY="reject", SFTP_PRIVATE_KEY_TYPE="ED25519")
    results: dict[str, list[float]] = {}
    try:
        for name, size, func in (
            ("ours", args.size_mib << 20, lambda u, s, m: ours(u, s, m)),
            ("megfile 5.0.18", args.peer_size_mib << 20, lambda u, s, m: peer(u, s, m, env)),
        ):
            for mode in ("write", "read"):
                rates = []
                for run in range(args.runs):
                    url = f"{base}/{name.split()[0]}-{run}.bin"
                    seconds = func(url, size, mode)
                    rates.append(size / seconds / 1e6)
                results[f"{name} {mode} ({size >> 20} MiB)"] = rates
                print(
                    f"{name:16} {mode:5} {size >> 20:4} MiB  median "
                    f"{statistics.median(rates):7.1f} MB/s  runs "
                    + " ".join(f"{r:.1f}" for r in rates),
                    flush=True,
                )
    finally:
        server.stop()
        subprocess.run(["rm", "-rf", str(work)], check=False)
    lines = ["| library, operation (size) | median MB/s (runs) |", "|---|---|"]
    lines += [
        f"| {label} | {statistics.median(rates):.1f} ("
        + ", ".join(f"{r:.1f}" for r in rates)
        + ") |"
        for label, rates in results.items()
    ]
    print("", *lines, sep="\n")
    save_tables(
        "bench_sftp",
        [Table("io", f"SFTP through smart_open, medians of {args.runs}", lines)],
        args.results_dir,
        header=args.label,
    )


if __name__ == "__main__":
    main()
