"""Sync of many small objects: files/s and peak RSS as the count grows.

    python benchmarks/bench_sync_scale.py --counts 20000 200000 --size 1024 [--down-only]

For each count: makes that many files (1,000 a directory) under a temp directory,
syncs them to ``rclone serve s3`` (benchmarks/rclone_s3.py) and back to a fresh
local directory, each sync in a fresh process, and prints files/s and the child's
peak RSS (``ru_maxrss``). ``--down-only`` writes the files straight into the
directory rclone serves (they are its objects) and measures S3 -> local alone.
The issue's goal: peak RSS at 200,000 objects within 1.2x of the figure at 20,000
(memory does not grow with the number of objects).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rclone_s3 import RcloneS3  # noqa: E402

_CHILD = r"""
import json, resource, sys, time
from megfile_core import smart_sync
src, dst = sys.argv[1:3]
started = time.perf_counter()
result = smart_sync(src, dst)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "copied": result.copied, "rss_mib": peak}))
"""


def make_files(root: Path, count: int, size: int) -> None:
    body = os.urandom(size)
    for index in range(count):
        path = root / f"d{index // 1000:04d}" / f"f{index % 1000:04d}.bin"
        if index % 1000 == 0:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)


def run(src: str, dst: str, env: dict[str, str]) -> dict[str, float]:
    answer = subprocess.run(
        [sys.executable, "-c", _CHILD, src, dst],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    if answer.returncode:
        sys.exit(f"sync {src} -> {dst} failed:\n{answer.stderr}")
    result: dict[str, float] = json.loads(answer.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", type=int, nargs="+", default=[20000, 200000])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--down-only", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as temp:
        root = Path(temp)
        (root / "served" / "bench").mkdir(parents=True)
        sources = {}
        for count in args.counts:
            # --down-only: the objects are files in the served directory, made before
            # rclone starts (it caches directory listings: later ones stay unseen)
            source = root / ("served/bench" if args.down_only else "") / f"src-{count}"
            started = time.perf_counter()
            make_files(source, count, args.size)
            print(f"made {count} files in {time.perf_counter() - started:.0f} s", flush=True)
            sources[count] = source
        with RcloneS3(root / "served") as server:
            env = {
                "AWS_ACCESS_KEY_ID": server.access_key,
                "AWS_SECRET_ACCESS_KEY": server.secret_key,
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_S3_ADDRESSING_STYLE": "path",
                "AWS_ENDPOINT_URL": server.endpoint,
            }
            for count in args.counts:
                source = sources[count]
                url = f"s3://bench/{'src-' if args.down_only else 'n'}{count}"
                up = {"seconds": float("nan"), "rss_mib": float("nan"), "copied": count}
                if not args.down_only:
                    up = run(str(source), url, env)
                down = run(url, str(root / f"back-{count}"), env)
                assert up["copied"] == count, up
                assert down["copied"] == count, down
                rows.append((count, up, down))
                print(count, up, down, flush=True)
    print(f"\nsync of small objects ({args.size} B each, 1,000 a directory), rclone serve s3")
    print("| objects | local -> S3 files/s | RSS MiB | S3 -> local files/s | RSS MiB |")
    print("|---:|---:|---:|---:|---:|")
    for count, up, down in rows:
        print(
            f"| {count:,} | {count / up['seconds']:,.0f} | {up['rss_mib']:.0f} "
            f"| {count / down['seconds']:,.0f} | {down['rss_mib']:.0f} |"
        )


if __name__ == "__main__":
    main()
