"""One timed S3 operation by one library, in a fresh process (run by bench_s3.py).

    python s3_worker.py LIBRARY OPERATION ARGS...

LIBRARY: ours | megfile | s3fs | smart_open | boto3. OPERATION:

* ``read URL`` -- ``read(8 MiB)`` to the end (boto3: ``download_fileobj`` into a
  seekable sink that only counts);
* ``write URL SIZE`` -- ``write(8 MiB)`` until SIZE bytes (boto3:
  ``upload_fileobj`` from a reader handing out the same 8 MiB block);
* ``random URL SIZE COUNT SEED`` -- COUNT times ``seek`` + ``read(4 KiB)`` at
  offsets drawn from SEED;
* ``sync SRC DST`` -- ``smart_sync`` (ours; megfile with an 8-thread map);
* ``small PREFIX COUNT THREADS MODE`` -- COUNT objects ``PREFIXo00000.bin``... read
  whole from a pool of THREADS threads: MODE ``open`` is ``open(url, "rb")`` +
  ``read()``, ``load`` is ``smart_load_content(url)`` (ours, megfile); boto3 does
  ``get_object(...)["Body"].read()`` for both, on one client shared by the pool.

Connection details come from the environment (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL``, ``AWS_S3_ADDRESSING_STYLE``). Every
library's imports happen before its timer starts; creating its client is inside.
Prints one JSON object: bytes, seconds, the process's CPU seconds (user + system)
inside the timer, peak RSS before the timer and at the end (KiB, the process's
``VmHWM``: ``ru_maxrss`` starts at the size of the process that started this one,
the benchmark's parent, which holds the objects it wrote)
and, for botocore-based libraries, the HTTP requests sent by method and the
response body bytes announced for GETs (counted by wrapping
``URLLib3Session.send``).
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import threading
import time
from typing import Any

CHUNK = 8 << 20
READ_SIZE = 4 << 10
_lock = threading.Lock()
requests_by_method: dict[str, int] = {}
get_bytes = [0]


def _peak_kib() -> int:
    """Peak resident set of this process since it started (``VmHWM``), in KiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _count_requests(library: str) -> None:
    """Count every request botocore sends (all libraries but s3fs use it), and ours'
    lean requests, which go over connections of their own (``megfile_s3.wire``).
    Ours may never load botocore (``megfile_s3.deferred``): its session is counted
    from when our first client is built, so counting loads nothing a user's
    process would not."""
    if library == "ours":
        try:
            import megfile_s3.client as ours
        except ImportError:  # pragma: no cover
            return
        if hasattr(ours, "client_for"):  # clients built only when needed
            build = ours._build

            def counted_build(settings: Any) -> Any:
                client = build(settings)
                _count_botocore()
                return client

            ours._build = counted_build  # type: ignore[assignment]
            _count_wire()
            return
    _count_botocore()
    _count_wire()


_botocore_counted = [False]


def _count_botocore() -> None:
    if _botocore_counted[0]:
        return
    _botocore_counted[0] = True
    try:
        from botocore.httpsession import URLLib3Session
    except ImportError:  # pragma: no cover - s3fs only
        return
    send = URLLib3Session.send

    def counting_send(self: Any, request: Any) -> Any:
        response = send(self, request)
        with _lock:
            requests_by_method[request.method] = requests_by_method.get(request.method, 0) + 1
            if request.method == "GET":
                get_bytes[0] += int(response.headers.get("content-length") or 0)
        return response

    URLLib3Session.send = counting_send  # type: ignore[method-assign]


def _count_wire() -> None:
    try:  # ours: lean GETs go over megfile_s3.wire's own connections
        from megfile_s3.wire import Wire
    except ImportError:  # the peers' environments
        return
    wire_send = Wire.send

    def counting_wire_send(self: Any, request: Any) -> Any:
        response = wire_send(self, request)
        with _lock:
            requests_by_method[request.method] = requests_by_method.get(request.method, 0) + 1
            if request.method == "GET":
                get_bytes[0] += int(response.headers.get("content-length") or 0)
        return response

    Wire.send = counting_wire_send  # type: ignore[method-assign]
    wire_start = getattr(Wire, "start", None)  # a process's first GET, before its client
    if wire_start is None:  # a checkout from before early GETs (--base-tree)
        return

    def counting_wire_start(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        receive = wire_start(self, request, *args, **kwargs)

        def counting_receive() -> Any:
            response = receive()
            with _lock:
                requests_by_method[request.method] = requests_by_method.get(request.method, 0) + 1
                if request.method == "GET":
                    get_bytes[0] += int(response.headers.get("content-length") or 0)
            return response

        return counting_receive

    Wire.start = counting_wire_start  # type: ignore[method-assign]


#: user + system CPU seconds of this process when the timer started
CPU_AT_START = [0.0]


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _split(url: str) -> tuple[str, str]:
    bucket, _, key = url.removeprefix("s3://").partition("/")
    return bucket, key


def _boto3_client() -> Any:
    import boto3
    import botocore.config

    return boto3.client(
        "s3",
        endpoint_url=os.environ["AWS_ENDPOINT_URL"],
        config=botocore.config.Config(s3={"addressing_style": "path"}, max_pool_connections=16),
    )


class _Sink:
    """A seekable destination that keeps nothing (boto3 writes parts in place)."""

    def __init__(self) -> None:
        self.total = 0
        self.position = 0

    def write(self, data: Any) -> int:
        size = len(data)
        self.total += size
        self.position += size
        return size

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = offset
        return offset

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass


class _Source:
    """``size`` bytes made of one repeated block; whole-block reads copy nothing."""

    def __init__(self, block: bytes, size: int) -> None:
        self.block = block
        self.left = size
        self.offset = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.left
        size = min(size, self.left)
        out = []
        while size:
            piece = min(size, len(self.block) - self.offset)
            if piece == len(self.block):
                out.append(_fresh(self.block))
            else:
                out.append(self.block[self.offset : self.offset + piece])
            self.offset = (self.offset + piece) % len(self.block)
            size -= piece
            self.left -= piece
        return out[0] if len(out) == 1 else b"".join(out)


def _opener(library: str) -> Any:
    """``open(url, mode)`` of the library, imports done now."""
    if library == "ours":
        from megfile_core import SmartPath, smart_open

        # plugin discovery and the module an s3 URL loads (no I/O): the counterpart
        # of the peers' imports, also done before their timers
        SmartPath("s3://bucket/key")
        return smart_open
    if library == "megfile":
        import megfile.s3_path  # noqa: F401
        from megfile import smart_open as megfile_open

        return megfile_open
    if library == "s3fs":
        import s3fs

        def s3fs_open(url: str, mode: str) -> Any:
            fs = s3fs.S3FileSystem(
                client_kwargs={"endpoint_url": os.environ["AWS_ENDPOINT_URL"]},
                config_kwargs={"s3": {"addressing_style": "path"}},
            )
            return fs.open(url, mode)

        return s3fs_open
    if library == "smart_open":
        import boto3  # noqa: F401
        import smart_open

        def smart_open_open(url: str, mode: str) -> Any:
            return smart_open.open(url, mode, transport_params={"client": _boto3_client()})

        return smart_open_open
    raise SystemExit(f"unknown library {library!r}")


def _small_reader(library: str, mode: str) -> Any:
    """A factory (called inside the timer: clients are made there) of ``read(url) ->
    byte count`` for the ``small`` operation; imports done now."""
    if library == "boto3":
        import boto3  # noqa: F401

        def boto3_factory() -> Any:
            client = _boto3_client()

            def read(url: str) -> int:
                bucket, key = _split(url)
                return len(client.get_object(Bucket=bucket, Key=key)["Body"].read())

            return read

        return boto3_factory
    if library == "ours" and mode == "load":
        from megfile_core import SmartPath, smart_load_content

        SmartPath("s3://bucket/key")  # plugin discovery (no I/O), as in _opener
        return lambda: lambda url: len(smart_load_content(url))
    if library == "megfile" and mode == "load":
        import megfile.s3_path  # noqa: F401
        from megfile import smart_load_content as megfile_load

        return lambda: lambda url: len(megfile_load(url))
    if mode != "open" or library not in ("ours", "megfile"):
        raise SystemExit(f"small: no {mode!r} for {library!r}")
    opener = _opener(library)

    def read_open(url: str) -> int:
        with opener(url, "rb") as handle:
            return len(handle.read())

    return lambda: read_open


#: ``BENCH_FRESH_WRITES=1``: every written chunk is a new object (as data a program
#: produces is), so a writer that keeps parts in flight holds their memory; by
#: default one block is written again and again (in-flight parts then share it)
FRESH = os.environ.get("BENCH_FRESH_WRITES") == "1"


def _fresh(block: bytes) -> bytes:
    """A new ``bytes`` equal to ``block`` (one copy)."""
    return block[:-1] + block[-1:] if FRESH else block


def main() -> None:
    library, operation, *args = sys.argv[1:]
    _count_requests(library)
    result: dict[str, Any] = {}
    if operation == "read":
        url = args[0]
        if library == "boto3":
            import boto3

            base = _peak_kib()
            CPU_AT_START[0] = _cpu()
            start = time.perf_counter()
            sink = _Sink()
            bucket, key = _split(url)
            _boto3_client().download_fileobj(bucket, key, sink)
            total = sink.total
        else:
            opener = _opener(library)
            base = _peak_kib()
            CPU_AT_START[0] = _cpu()
            start = time.perf_counter()
            total = 0
            with opener(url, "rb") as handle:
                while True:
                    chunk = handle.read(CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
        result["bytes"] = total
    elif operation == "write":
        url, size = args[0], int(args[1])
        block = os.urandom(CHUNK)
        if library == "boto3":
            import boto3  # noqa: F401

            base = _peak_kib()
            CPU_AT_START[0] = _cpu()
            start = time.perf_counter()
            bucket, key = _split(url)
            _boto3_client().upload_fileobj(_Source(block, size), bucket, key)
        else:
            opener = _opener(library)
            base = _peak_kib()
            CPU_AT_START[0] = _cpu()
            start = time.perf_counter()
            with opener(url, "wb") as handle:
                for _ in range(size // CHUNK):
                    handle.write(_fresh(block))
        result["bytes"] = size
    elif operation == "random":
        url, size, count, seed = args[0], int(args[1]), int(args[2]), int(args[3])
        rng = random.Random(seed)
        offsets = [rng.randrange(0, size - READ_SIZE) for _ in range(count)]
        opener = _opener(library)
        base = _peak_kib()
        CPU_AT_START[0] = _cpu()
        start = time.perf_counter()
        total = 0
        with opener(url, "rb") as handle:
            for offset in offsets:
                handle.seek(offset)
                total += len(handle.read(READ_SIZE))
        result["bytes"] = total
    elif operation == "sync":
        src, dst = args
        if library == "ours":
            import megfile_s3.path  # noqa: F401
            from megfile_core import smart_sync

            base = _peak_kib()
            CPU_AT_START[0] = _cpu()
            start = time.perf_counter()
            smart_sync(src, dst)
        elif library == "megfile":
            from concurrent.futures import ThreadPoolExecutor

            import megfile.s3_path  # noqa: F401
            from megfile import smart_sync as megfile_sync

            base = _peak_kib()
            CPU_AT_START[0] = _cpu()
            start = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                megfile_sync(src, dst, map_func=pool.map)
        else:
            raise SystemExit(f"sync: unknown library {library!r}")
        result["bytes"] = 0
    elif operation == "small":
        prefix, count, threads, mode = args[0], int(args[1]), int(args[2]), args[3]
        urls = [f"{prefix}o{index:05d}.bin" for index in range(count)]
        read_one = _small_reader(library, mode)
        from concurrent.futures import ThreadPoolExecutor

        base = _peak_kib()
        CPU_AT_START[0] = _cpu()
        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            sizes = list(pool.map(read_one(), urls))
        result["bytes"] = sum(sizes)
        result["smallest"] = min(sizes)
    else:
        raise SystemExit(f"unknown operation {operation!r}")
    result["seconds"] = time.perf_counter() - start
    result["cpu_seconds"] = _cpu() - CPU_AT_START[0]
    result["base_rss_kib"] = base
    result["peak_rss_kib"] = _peak_kib()
    result["requests"] = dict(requests_by_method)
    result["get_bytes"] = get_bytes[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
