"""A yardstick for ``smart_sync`` from S3 to local files: what one thread does with K
connections and one request outstanding on each (not a tool; not our sync).

    python benchmarks/sync_ceiling.py s3://BUCKET/PREFIX DEST [--connections 4]

Environment as for ``s3_worker.py``: ``AWS_ENDPOINT_URL`` (plain ``http``),
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``. The keys
under PREFIX are listed with ``megfile_core.smart_scan_stat`` (the library's own
listing and client); each object is then one GET signed by ``megfile_s3.lean.sign``
and sent over plain ``http.client`` connections. A connection's next GET goes out
before the answer it just read is written (temp file, mtime, rename), so the
server works while this thread writes. There is no other thread, so no handing
the interpreter back and forth at every system call.

What it leaves out on purpose: retries, error mapping, comparison with the
destination, callbacks, large objects (every object is read whole). It shows the
time a sync of small objects could take in Python on this machine, next to
``smart_sync`` and ``rclone sync`` on the same server and data. Prints one JSON
line: files, seconds (from the script's first line; time the whole process from
outside to count the interpreter's start too), CPU seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

STARTED = time.perf_counter()


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", help="s3://bucket/prefix")
    parser.add_argument("dest", help="a local directory")
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()

    from megfile_core import smart_scan_stat
    from megfile_s3 import lean

    endpoint = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
    bucket, _, prefix = args.src.removeprefix("s3://").partition("/")
    prefix = prefix.rstrip("/")
    credentials = (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"], None)
    region = os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    target = lean.Target(f"{endpoint}/{bucket}/", lean.host_of(endpoint), region, "s3")
    day_keys: dict[str, bytes] = {}

    def key_of_day(day: str) -> bytes:
        if day not in day_keys:
            day_keys[day] = lean.signing_key(credentials[1], day, target)
        return day_keys[day]

    entries: Iterator[tuple[str, float]] = (
        (entry.path[len(args.src.rstrip("/")) + 1 :], entry.stat.mtime)
        for entry in smart_scan_stat(args.src)
    )
    os.makedirs(args.dest, exist_ok=True)
    parts = urlsplit(endpoint)
    connections = [
        http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
        for _ in range(args.connections)
    ]
    outstanding: dict[http.client.HTTPConnection, tuple[str, float]] = {}

    def send(connection: http.client.HTTPConnection) -> None:
        entry = next(entries, None)
        if entry is None:
            return
        name = entry[0]
        request = lean.sign(target, credentials, key_of_day, f"{prefix}/{name}")
        connection.putrequest(
            "GET", urlsplit(request.url).path, skip_host=True, skip_accept_encoding=True
        )
        for header, value in request.headers.items():
            connection.putheader(header, value)
        connection.endheaders()
        outstanding[connection] = entry

    for connection in connections:
        send(connection)
    files = 0
    while outstanding:
        for connection in list(outstanding):
            name, mtime = outstanding.pop(connection)
            response = connection.getresponse()
            data = response.read()
            if response.status != 200:
                raise SystemExit(f"GET {name}: {response.status}")
            send(connection)  # the server works on the next one while this is written
            final = os.path.join(args.dest, name)
            directory, base = os.path.split(final)
            temp = os.path.join(directory, f".{base}.{random.getrandbits(32):08x}.temp")
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
            try:
                handle = os.open(temp, flags, 0o666)
            except FileNotFoundError:  # a key under a sub-prefix
                os.makedirs(directory, exist_ok=True)
                handle = os.open(temp, flags, 0o666)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(handle, view) :]
            finally:
                os.close(handle)
            os.utime(temp, (mtime, mtime))
            os.rename(temp, final)
            files += 1
    result = {"files": files, "seconds": time.perf_counter() - STARTED, "cpu_seconds": _cpu()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
