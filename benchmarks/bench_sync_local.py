"""Files per second of a local -> local ``smart_sync`` of many small files.

Not a test: run ``python benchmarks/bench_sync_local.py [--help]``. Each run syncs
a fresh tree of ``--files`` files (``--size`` bytes each, ``--dirs`` directories)
into an empty destination; the figures are medians of ``--runs`` runs, of wall time
and of the process's CPU time (steadier on a shared machine). It measures
the per-file overhead of the sync engine (parsing, resolution, stat, copy), not disk
bandwidth.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import megfile_core as megfile


def make_tree(root: str, files: int, dirs: int, size: int) -> None:
    payload = os.urandom(size)
    for index in range(files):
        directory = os.path.join(root, f"d{index % dirs:03d}")
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, f"f{index:05d}.bin"), "wb") as handle:
            handle.write(payload)


def run_once(work: str, files: int) -> tuple[float, float]:
    """Files per second of wall time and of CPU time (all threads of the process:
    less sensitive to other load on a shared machine)."""
    src, dst = os.path.join(work, "src"), os.path.join(work, "dst")
    shutil.rmtree(dst, ignore_errors=True)
    started, cpu = time.perf_counter(), time.process_time()
    result = megfile.smart_sync(src, dst)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    if result.copied != files:
        raise SystemExit(f"copied {result.copied} files, expected {files}")
    return files / seconds, files / cpu_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--dirs", type=int, default=50)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as work:
        make_tree(os.path.join(work, "src"), args.files, args.dirs, args.size)
        runs = [run_once(work, args.files) for _ in range(args.runs)]
    wall, cpu = [run[0] for run in runs], [run[1] for run in runs]
    print("runs (files/s):", " ".join(f"{rate:.0f}" for rate in wall))
    print(
        f"median: {statistics.median(wall):.0f} files/s, "
        f"{statistics.median(cpu):.0f} files per CPU-second"
    )


if __name__ == "__main__":
    main()
