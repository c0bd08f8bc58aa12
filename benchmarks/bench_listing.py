"""Recursive listing of many keys over a 20 ms round trip: serial against sharded.

    python benchmarks/bench_listing.py --keys 200000 --layout tree --runs 3

Serves ``--keys`` keys in a bucket ``bench`` from benchmarks/list_server.py (a
ListObjectsV2 endpoint that answers a page in O(page), so the round trips show, not
the server; ``--server rclone``: empty files under ``rclone serve s3``, which walks
its directory tree for every page), puts the delaying
proxy of benchmarks/netproxy.py in front (``--delay-ms`` each way: 10 = 20 ms round
trip), and times ``smart_scan`` of the bucket in fresh processes, interleaved: ours
with ``MEGFILE_LIST_MAX_WORKERS=1`` (one paginated listing, as every peer lists),
ours sharded (the default), and boto3's ``list_objects_v2`` paginator. Prints the
median of ``--runs`` runs per column, keys/s and ListObjectsV2 requests (counted in
the child as they go on the wire: at botocore's HTTP session, and for ours also at
``megfile_s3.wire``, whose connections our lean requests use). The clock starts
after the modules are imported (since the seventh session; before, about 0.35 s of
imports was in every figure) and includes making the client.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from netproxy import DelayProxy  # noqa: E402
from rclone_s3 import RcloneS3  # noqa: E402

_CHILD = r"""
import json, sys, time
import botocore.httpsession

mode, endpoint, bucket = sys.argv[1:4]
requests = 0
send = botocore.httpsession.URLLib3Session.send

def counted(self, request):
    # every ListObjectsV2 on the wire, botocore's own and lean ones (megfile_s3.lean)
    global requests
    requests += "list-type=2" in request.url
    return send(self, request)

botocore.httpsession.URLLib3Session.send = counted
if mode != "boto3":  # lean requests go over megfile_s3.wire's own connections
    import megfile_s3.wire
    wire_send = megfile_s3.wire.Wire.send

    def wire_counted(self, request):
        global requests
        requests += "list-type=2" in request.url
        return wire_send(self, request)

    megfile_s3.wire.Wire.send = wire_counted
# modules are imported before the clock starts (about 0.35 s that is no listing);
# making the client and every request are timed
if mode == "boto3":
    import boto3
else:
    import megfile_core
    import megfile_s3.path  # noqa: F401
started = time.perf_counter()
if mode == "boto3":
    client = boto3.client("s3", endpoint_url=endpoint)
    count = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        count += len(page.get("Contents", []))
else:
    count = sum(1 for _ in megfile_core.smart_scan(f"s3://{bucket}/"))
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "count": count, "requests": requests}))
"""


def key_names(keys: int, layout: str) -> list[str]:
    if layout == "flat":
        return [f"k{index:07d}.bin" for index in range(keys)]
    return [f"d{index // 1000:04d}/f{index % 1000:04d}.bin" for index in range(keys)]


def make_tree(root: Path, names: list[str]) -> None:
    bucket = root / "bench"
    for name in names:
        path = bucket / name
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()


@contextlib.contextmanager
def serve(kind: str, root: Path, names: list[str]) -> Iterator[tuple[int, str, str]]:
    """(port, access key, secret key) of the server holding ``names`` in ``bench``."""
    if kind == "rclone":
        make_tree(root, names)
        with RcloneS3(root) as server:
            yield server.port, server.access_key, server.secret_key
        return
    keys = root / "keys.txt"
    keys.write_text("\n".join(names) + "\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(HERE / "list_server.py"), str(keys)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield int(process.stdout.readline()), "BENCH", "BENCH"
    finally:
        process.kill()
        process.wait()


def run(mode: str, endpoint: str, env: dict[str, str]) -> dict[str, float]:
    child_env = {**os.environ, **env}
    if mode == "serial":
        child_env["MEGFILE_LIST_MAX_WORKERS"] = "1"
    answer = subprocess.run(
        [sys.executable, "-c", _CHILD, "boto3" if mode == "boto3" else "ours", endpoint, "bench"],
        capture_output=True,
        text=True,
        env=child_env,
        check=True,
    )
    result: dict[str, float] = json.loads(answer.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=20000)
    parser.add_argument("--layout", choices=("tree", "flat"), default="tree")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay-ms", type=float, default=10.0)
    parser.add_argument(
        "--server",
        choices=("list", "rclone"),
        default="list",
        help="list: benchmarks/list_server.py (O(page) per request); rclone: rclone serve s3",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-list-") as temp:
        names = key_names(args.keys, args.layout)
        with serve(args.server, Path(temp), names) as (port, access, secret):
            env = {
                "AWS_ACCESS_KEY_ID": access,
                "AWS_SECRET_ACCESS_KEY": secret,
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_S3_ADDRESSING_STYLE": "path",
            }
            with DelayProxy(port, args.delay_ms / 1000, 0) as proxy:
                endpoint = f"http://127.0.0.1:{proxy.port}"
                env["AWS_ENDPOINT_URL"] = endpoint
                modes = ("serial", "sharded", "boto3")
                results: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
                for _ in range(args.runs):
                    for mode in modes:
                        results[mode].append(run(mode, endpoint, env))
    print(
        f"\n{args.keys} keys, {args.layout}, {args.server} server, "
        f"{2 * args.delay_ms:.0f} ms round trip, median of {args.runs}"
    )
    print("| listing | seconds | keys/s | requests | vs serial |")
    print("|---|---:|---:|---:|---:|")
    serial = statistics.median(r["seconds"] for r in results["serial"])
    for mode, rows in results.items():
        seconds = statistics.median(r["seconds"] for r in rows)
        assert all(r["count"] == args.keys for r in rows), (mode, [r["count"] for r in rows])
        requests = statistics.median(r["requests"] for r in rows)
        print(
            f"| {mode} | {seconds:.2f} | {args.keys / seconds:,.0f} | {requests} "
            f"| {serial / seconds:.2f}x |"
        )


if __name__ == "__main__":
    main()
