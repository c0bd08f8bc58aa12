"""S3 throughput and request economy against s3rver: megfile-s3 (ours) beside
megfile 5.0.18, s3fs, smart_open, boto3's transfer manager and ``aws s3 sync``.

    python benchmarks/bench_s3.py [--only seq,random,sync] [--runs 3]
        [--settings plain,rtt,capped] [--size-mib 512] [--random-size-mib 1024]
        [--random-reads 1000] [--random-settings rtt] [--sync-files 2000]
        [--sync-settings rtt] [--libraries ours,megfile,s3fs,smart_open,boto3]

Needs ``benchmarks/setup_peers.sh`` (peers venvs) and node/npx (s3rver is started
with ``npx --yes s3rver@3``, see ``benchmarks/s3rver.py``). Every measure runs in a
fresh process (``benchmarks/s3_worker.py``), runs interleaved so drift hits every
library alike, medians printed as Markdown tables.

Settings: ``plain`` -- straight to s3rver on loopback; ``rtt`` -- through the
delaying proxy of ``benchmarks/netproxy.py`` (``--delay-ms`` each way, 10 ms = 20 ms
round trip); ``capped`` -- the same plus ``--rate-mbit`` per connection (400 Mbit/s
= 47.7 MiB/s), as real S3 limits single connections.

Measures:

* ``seq``: a ``--size-mib`` object read with a ``read(8 MiB)`` loop and written with
  ``write(8 MiB)`` (boto3: ``download_fileobj`` / ``upload_fileobj``), MiB/s, and the
  peak RSS of the reading process;
* ``random``: ``--random-reads`` x (seek, ``read(4 KiB)``) at seeded offsets of a
  ``--random-size-mib`` object, ours vs megfile: time, GET requests and bytes fetched
  (counted inside the process, and by the proxy);
* ``sync``: ``--sync-files`` 4 KiB objects, s3→local and local→s3 into fresh
  destinations: ours (``smart_sync``), megfile (``smart_sync`` with an 8-thread
  map, like its CLI) and ``aws s3 sync``; files/s over each whole process (start-up
  included: a user runs one command) and, for ours and megfile, requests per file.

s3rver caveats: it answers suffix ranges wrongly and needs node's legacy OpenSSL
provider for ListObjectsV2 paging (set by ``s3rver.py``); none of the measured paths
use suffix ranges, and the sync runs check that every file arrived. Its ``KeyCount``
leaves out common prefixes (megfile's ``exists`` on a prefix holding only
sub-prefixes then says False), so the sync tree is flat.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from netproxy import DelayProxy  # noqa: E402
from s3rver import ACCESS_KEY, SECRET_KEY, S3rver  # noqa: E402

PEERS_PYTHON = HERE / ".peers" / "bin" / "python"
AWS_CLI = HERE / ".peers-awscli" / "bin" / "aws"
WORKER = HERE / "s3_worker.py"
BUCKET = "bench"
CHUNK = 8 << 20
LIBRARIES = {
    "ours": ("megfile-s3 (ours)", sys.executable),
    "megfile": ("megfile 5.0.18", str(PEERS_PYTHON)),
    "s3fs": ("s3fs", str(PEERS_PYTHON)),
    "smart_open": ("smart_open", str(PEERS_PYTHON)),
    "boto3": ("boto3 download/upload_fileobj", str(PEERS_PYTHON)),
}
SETTING_NAMES = {
    "plain": "plain loopback",
    "rtt": "20 ms round trip",
    "capped": "20 ms + 400 Mbit/s per connection",
}


def _env(endpoint: str, config_file: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "OSS_ENDPOINT": endpoint,
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_CONFIG_FILE": str(config_file),
        "AWS_SHARED_CREDENTIALS_FILE": str(config_file.with_name("credentials")),
    })
    env.pop("AWS_PROFILE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # byte-code caches, as users have them
    env.pop("AWS_SESSION_TOKEN", None)
    return env


def _worker(library: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    python = LIBRARIES[library][1]
    started = time.perf_counter()
    done = subprocess.run([python, str(WORKER), library, *args], env=env,
                          capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{library} {args}: exit {done.returncode}\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def _client(endpoint: str) -> Any:
    import boto3
    import botocore.config

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                        config=botocore.config.Config(s3={"addressing_style": "path"},
                                                      max_pool_connections=32))


def _put_big(client: Any, key: str, size: int) -> None:
    from boto3.s3.transfer import TransferConfig

    block = os.urandom(CHUNK)

    class Source:
        left = size

        def read(self, n: int = -1) -> bytes:
            n = min(CHUNK if n < 0 else n, self.left)
            self.left -= n
            return block[:n]

    client.upload_fileobj(Source(), BUCKET, key, Config=TransferConfig(
        multipart_chunksize=CHUNK, max_concurrency=4))


def _count_keys(client: Any, prefix: str) -> int:
    count = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        count += len(page.get("Contents", []))
    return count


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def run_seq(args: argparse.Namespace, endpoints: dict[str, str], config: Path,
            libraries: list[str]) -> list[str]:
    size = args.size_mib << 20
    read: dict[tuple[str, str], list[float]] = {}
    write: dict[tuple[str, str], list[float]] = {}
    rss: dict[tuple[str, str], list[float]] = {}
    for setting in args.settings:
        env = _env(endpoints[setting], config)
        for run in range(args.runs):
            for library in libraries:
                result = _worker(library, env, "read", f"s3://{BUCKET}/big.bin")
                if result["bytes"] != size:
                    raise RuntimeError(f"{library} read {result['bytes']} bytes, not {size}")
                speed = size / result["seconds"] / (1 << 20)
                read.setdefault((setting, library), []).append(speed)
                rss.setdefault((setting, library), []).append(result["peak_rss_kib"] / 1024)
                print(f"read  {setting:7s} run {run} {library:10s} {speed:8.1f} MiB/s "
                      f"peak RSS {result['peak_rss_kib'] / 1024:6.0f} MiB "
                      f"(before {result['base_rss_kib'] / 1024:.0f})", flush=True)
            for library in libraries:
                result = _worker(library, env, "write", f"s3://{BUCKET}/out/{library}.bin",
                                 str(size))
                speed = size / result["seconds"] / (1 << 20)
                write.setdefault((setting, library), []).append(speed)
                print(f"write {setting:7s} run {run} {library:10s} {speed:8.1f} MiB/s "
                      f"requests {result['requests']}", flush=True)
    lines = ["| setting | library | read MiB/s | ours / this | write MiB/s | ours / this "
             "| peak RSS reading, MiB |", "|---|---|---|---|---|---|---|"]
    for setting in args.settings:
        ours_read = _median(read[(setting, "ours")]) if "ours" in libraries else None
        ours_write = _median(write[(setting, "ours")]) if "ours" in libraries else None
        for library in libraries:
            r, w = _median(read[(setting, library)]), _median(write[(setting, library)])
            lines.append(
                f"| {SETTING_NAMES[setting]} | {LIBRARIES[library][0]} | {_fmt(r)} | "
                f"{ours_read / r if ours_read else float('nan'):.2f} | {_fmt(w)} | "
                f"{ours_write / w if ours_write else float('nan'):.2f} | "
                f"{_median(rss[(setting, library)]):.0f} |")
    return lines


def run_random(args: argparse.Namespace, endpoints: dict[str, str], config: Path,
               proxies: dict[str, DelayProxy]) -> list[str]:
    size = args.random_size_mib << 20
    asked = args.random_reads * 4096
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for setting in args.random_settings:
        env = _env(endpoints[setting], config)
        for run in range(args.runs):
            for library in ("ours", "megfile"):
                proxy = proxies.get(setting)
                if proxy is not None:
                    proxy.reset_stats()
                result = _worker(library, env, "random", f"s3://{BUCKET}/huge.bin", str(size),
                                 str(args.random_reads), str(1234 + run))
                if result["bytes"] != asked:
                    raise RuntimeError(f"{library} random read {result['bytes']} bytes")
                result["proxy_bytes"] = proxy.stats().server_bytes if proxy else None
                results.setdefault((setting, library), []).append(result)
                print(f"random {setting:7s} run {run} {library:8s} {result['seconds']:7.2f} s "
                      f"GETs {result['requests'].get('GET', 0)} fetched "
                      f"{result['get_bytes'] / (1 << 20):.1f} MiB (proxy "
                      f"{(result['proxy_bytes'] or 0) / (1 << 20):.1f} MiB) peak RSS "
                      f"{result['peak_rss_kib'] / 1024:.0f} MiB", flush=True)
    lines = [f"| setting | library | seconds | ours / this (time) | GET requests "
             f"({args.random_reads} reads) | MiB fetched ({asked / (1 << 20):.1f} asked) "
             "| fetched / asked |", "|---|---|---|---|---|---|---|"]
    for setting in args.random_settings:
        ours = _median([r["seconds"] for r in results[(setting, "ours")]])
        for library in ("ours", "megfile"):
            runs = results[(setting, library)]
            seconds = _median([r["seconds"] for r in runs])
            gets = _median([r["requests"].get("GET", 0) for r in runs])
            fetched = _median([r["get_bytes"] for r in runs])
            lines.append(f"| {SETTING_NAMES[setting]} | {LIBRARIES[library][0]} | "
                         f"{seconds:.2f} | {ours / seconds:.2f} | {gets:.0f} | "
                         f"{fetched / (1 << 20):.1f} | {fetched / asked:.1f} |")
    return lines


def run_sync(args: argparse.Namespace, endpoints: dict[str, str], config: Path,
             client: Any, local_src: Path, work: Path) -> list[str]:
    count = args.sync_files
    rates: dict[tuple[str, str, str], list[float]] = {}
    per_file: dict[tuple[str, str, str], list[float]] = {}
    for setting in args.sync_settings:
        env = _env(endpoints[setting], config)
        for run in range(args.runs):
            for direction in ("s3→local", "local→s3"):
                for library in ("ours", "megfile", "aws"):
                    tag = f"{setting}-{library}-{run}"
                    if direction == "s3→local":
                        src, dst = f"s3://{BUCKET}/sync-src/", str(work / f"down-{tag}")
                    else:
                        src, dst = str(local_src), f"s3://{BUCKET}/sync-up-{tag}/"
                    if library == "aws":
                        started = time.perf_counter()
                        subprocess.run([str(AWS_CLI), "s3", "sync", src, dst, "--endpoint-url",
                                        endpoints[setting], "--only-show-errors"], env=env,
                                       check=True, timeout=1800)
                        result: dict[str, Any] = {"wall": time.perf_counter() - started,
                                                  "requests": {}}
                    else:
                        result = _worker(library, env, "sync", src, dst)
                    if direction == "s3→local":
                        arrived = sum(1 for p in Path(dst).rglob("*") if p.is_file())
                        shutil.rmtree(dst, ignore_errors=True)
                    else:
                        arrived = _count_keys(client, f"sync-up-{tag}/")
                    if arrived != count:
                        raise RuntimeError(f"{library} sync {direction}: {arrived} of {count}")
                    rate = count / result["wall"]
                    requests = sum(result["requests"].values())
                    rates.setdefault((setting, direction, library), []).append(rate)
                    per_file.setdefault((setting, direction, library), []).append(
                        requests / count)
                    print(f"sync {setting:7s} run {run} {direction} {library:8s} "
                          f"{rate:7.1f} files/s requests {result['requests']}", flush=True)
    lines = ["| setting | direction | tool | files/s | ours / this | requests per file |",
             "|---|---|---|---|---|---|"]
    names = {"ours": "megfile-s3 (ours)", "megfile": "megfile 5.0.18 (8 threads)",
             "aws": "aws s3 sync (awscli v1)"}
    for setting in args.sync_settings:
        for direction in ("s3→local", "local→s3"):
            ours = _median(rates[(setting, direction, "ours")])
            for library in ("ours", "megfile", "aws"):
                rate = _median(rates[(setting, direction, library)])
                requests = _median(per_file[(setting, direction, library)])
                shown = "-" if library == "aws" else f"{requests:.2f}"
                lines.append(f"| {SETTING_NAMES[setting]} | {direction} | {names[library]} | "
                             f"{rate:,.0f} | {ours / rate:.2f} | {shown} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="seq,random,sync")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settings", default="plain,rtt,capped")
    parser.add_argument("--libraries", default=",".join(LIBRARIES))
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--random-size-mib", type=int, default=1024)
    parser.add_argument("--random-reads", type=int, default=1000)
    parser.add_argument("--random-settings", default="rtt")
    parser.add_argument("--sync-files", type=int, default=2000)
    parser.add_argument("--sync-settings", default="rtt")
    parser.add_argument("--delay-ms", type=float, default=10.0)
    parser.add_argument("--rate-mbit", type=float, default=400.0)
    parser.add_argument("--work-dir", help="where s3rver stores (default: a temp dir)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    args.settings = args.settings.split(",")
    args.random_settings = args.random_settings.split(",")
    args.sync_settings = args.sync_settings.split(",")
    libraries = args.libraries.split(",")
    if not PEERS_PYTHON.exists() or ("sync" in only and not AWS_CLI.exists()):
        sys.exit("run benchmarks/setup_peers.sh first")
    work = Path(tempfile.mkdtemp(prefix="bench-s3-", dir=args.work_dir))
    config = work / "config"
    config.write_text("[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n")
    (work / "credentials").write_text(
        f"[default]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n")
    tables: list[str] = []
    try:
        with S3rver(work / "data") as server:
            client = _client(server.endpoint)
            client.create_bucket(Bucket=BUCKET)
            proxies = {
                "rtt": DelayProxy(server.port, args.delay_ms / 1000, 0, count=True),
                "capped": DelayProxy(server.port, args.delay_ms / 1000,
                                     args.rate_mbit * 1e6 / 8, count=True),
            }
            endpoints = {"plain": server.endpoint}
            endpoints.update({name: f"http://127.0.0.1:{p.port}" for name, p in proxies.items()})
            try:
                if "seq" in only:
                    _put_big(client, "big.bin", args.size_mib << 20)
                    tables += ["", f"Sequential, {args.size_mib} MiB, medians of {args.runs}:",
                               "", *run_seq(args, endpoints, config, libraries)]
                if "random" in only:
                    _put_big(client, "huge.bin", args.random_size_mib << 20)
                    tables += ["", f"Random reads, {args.random_reads} x 4 KiB of "
                               f"{args.random_size_mib} MiB, medians of {args.runs}:", "",
                               *run_random(args, endpoints, config, proxies)]
                if "sync" in only:
                    local_src = work / "sync-src"
                    local_src.mkdir()
                    payload = os.urandom(4096)

                    def put(index: int) -> None:
                        # flat: s3rver's KeyCount leaves out CommonPrefixes, so megfile's
                        # exists() on a prefix holding only sub-prefixes says False
                        name = f"f{index:05d}.bin"
                        client.put_object(Bucket=BUCKET, Key=f"sync-src/{name}", Body=payload)
                        (local_src / name).write_bytes(payload)

                    with ThreadPoolExecutor(16) as pool:
                        list(pool.map(put, range(args.sync_files)))
                    tables += ["", f"sync of {args.sync_files} x 4 KiB files, medians of "
                               f"{args.runs}:", "",
                               *run_sync(args, endpoints, config, client, local_src, work)]
            finally:
                for proxy in proxies.values():
                    proxy.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(tables))


if __name__ == "__main__":
    main()
