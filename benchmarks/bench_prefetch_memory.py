"""PrefetchReader against an in-memory object with per-request latency.

Not a test: run ``python benchmarks/bench_prefetch_memory.py [--help]``.

The range function sleeps ``--delay`` seconds per request and has no bandwidth
limit, so with ``N`` workers and blocks of ``B`` bytes the best possible sequential
throughput is ``N * B / delay``. The benchmark reads the object front to back with
``--read-size`` ``read()`` calls and reports achieved / ideal (target >= 90%), then
does random 4 KiB reads and reports requests and bytes fetched per byte asked.
Every figure is the median of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import threading
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from megfile_core.io.prefetch import PrefetchReader, RangeResult

MiB = 1 << 20
KiB = 1 << 10


class DelayedMemory:
    """``read_range`` over ``data``: sleeps ``delay`` per request, counts requests."""

    def __init__(self, data: bytes, delay: float) -> None:
        self.view = memoryview(data)
        self.size = len(data)
        self.delay = delay
        self.lock = threading.Lock()
        self.requests = 0
        self.bytes = 0
        self.inflight = 0
        self.max_inflight = 0

    def reset(self) -> None:
        self.requests = self.bytes = self.inflight = self.max_inflight = 0

    def __call__(self, start: int, end: int) -> RangeResult:
        with self.lock:
            self.requests += 1
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            if self.delay:
                time.sleep(self.delay)
            chunk = self.view[start : min(end, self.size - 1) + 1]
            with self.lock:
                self.bytes += chunk.nbytes
            return RangeResult(chunk, self.size, "v1")
        finally:
            with self.lock:
                self.inflight -= 1


@dataclass
class SequentialRun:
    open_s: float
    read_s: float
    requests: int
    max_inflight: int
    peak_cache: int


@dataclass
class RandomRun:
    seconds: float
    requests: int
    fetched: int
    asked: int


def sequential(
    mem: DelayedMemory,
    args: argparse.Namespace,
    digest: str | None,
    executor: Executor | None,
) -> SequentialRun:
    """One timed front-to-back read; with ``digest`` the bytes are hashed and checked
    (hashing costs more than the I/O, so timed runs pass None). Without ``executor``
    the reader starts its own pool of ``--workers`` threads."""
    mem.reset()
    hasher = hashlib.blake2b(digest_size=16) if digest is not None else None
    peak = 0
    t0 = time.perf_counter()
    reader = PrefetchReader(
        mem,
        name="memory://bench",
        block_size=args.block_size * MiB,
        max_buffer_size=args.max_buffer_size * MiB,
        max_workers=None if executor is not None else args.workers,
        executor=executor,
    )
    t1 = time.perf_counter()
    with reader:
        read_size = args.read_size * KiB
        while chunk := reader.read(read_size):
            if hasher is not None:
                hasher.update(chunk)
            peak = max(peak, reader._cached_bytes())
    t2 = time.perf_counter()
    if hasher is not None and hasher.hexdigest() != digest:
        raise SystemExit("sequential read returned wrong bytes")
    return SequentialRun(t1 - t0, t2 - t1, mem.requests, mem.max_inflight, peak)


def random_reads(mem: DelayedMemory, args: argparse.Namespace, seed: int) -> RandomRun:
    rng = random.Random(seed)
    reader = PrefetchReader(
        mem,
        name="memory://bench",
        block_size=args.random_block_size * MiB,
        max_buffer_size=args.max_buffer_size * MiB,
        max_workers=args.workers,
    )
    mem.reset()  # not counting the open probe
    size = 4 * KiB
    t0 = time.perf_counter()
    with reader:
        for _ in range(args.random_reads):
            pos = rng.randrange(0, mem.size - size)
            reader.seek(pos)
            if reader.read(size) != mem.view[pos : pos + size]:
                raise SystemExit("random read returned wrong bytes")
    return RandomRun(time.perf_counter() - t0, mem.requests, mem.bytes, args.random_reads * size)


def thread_start_ms() -> float:
    started = time.perf_counter()
    threads = [threading.Thread(target=time.sleep, args=(0,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    elapsed = time.perf_counter() - started
    for thread in threads:
        thread.join()
    return elapsed / len(threads) * 1000


def report(label: str, runs: list[SequentialRun], total: int, block: int, ideal: float) -> None:
    read_s = statistics.median(r.read_s for r in runs)
    open_s = statistics.median(r.open_s for r in runs)
    after_open = (total - min(block, total)) / read_s
    with_open = total / (open_s + read_s)
    print(f"{label}:")
    print(f"  open (first block, synchronous)  {open_s * 1000:8.1f} ms")
    print(
        f"  read to EOF                      {read_s * 1000:8.1f} ms  "
        f"{after_open / MiB:8,.0f} MiB/s  = {after_open / ideal:6.1%} of ideal"
    )
    print(
        f"  open + read                      {(open_s + read_s) * 1000:8.1f} ms  "
        f"{with_open / MiB:8,.0f} MiB/s  = {with_open / ideal:6.1%} of ideal"
    )
    print(
        f"  requests {statistics.median(r.requests for r in runs):.0f} "
        f"(blocks {-(-total // block)}), max in flight "
        f"{max(r.max_inflight for r in runs)}, peak cache "
        f"{max(r.peak_cache for r in runs) / MiB:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=256, help="object size, MiB")
    parser.add_argument("--block-size", type=int, default=8, help="block size, MiB")
    parser.add_argument("--max-buffer-size", type=int, default=128, help="cache, MiB")
    parser.add_argument("--workers", type=int, default=8, help="max_workers")
    parser.add_argument("--delay", type=float, default=0.02, help="seconds per request")
    parser.add_argument("--read-size", type=int, default=1024, help="read() size, KiB")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--random-reads", type=int, default=1000)
    parser.add_argument(
        "--random-block-size", type=int, default=8, help="block size for random reads, MiB"
    )
    parser.add_argument(
        "--random-delay", type=float, default=0.001, help="seconds per random request"
    )
    parser.add_argument(
        "--no-verify", dest="verify", action="store_false", help="skip the checked read"
    )
    args = parser.parse_args()

    data = os.urandom(args.size * MiB)
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    mem = DelayedMemory(data, args.delay)
    block = args.block_size * MiB
    ideal = args.workers * block / args.delay  # bytes per second
    print(
        f"object {args.size} MiB, block {args.block_size} MiB, {args.workers} workers, "
        f"{args.delay * 1000:g} ms per request, read({args.read_size} KiB), "
        f"cache {args.max_buffer_size} MiB; median of {args.runs} runs"
    )
    print(f"ideal throughput N*B/delay = {ideal / MiB:,.0f} MiB/s")

    total = args.size * MiB
    print(f"thread start cost here: {thread_start_ms():.2f} ms per thread")
    with ThreadPoolExecutor(max_workers=args.workers) as warm:
        list(warm.map(time.sleep, [0.01] * args.workers))  # all threads started
        if args.verify:
            sequential(mem, args, digest, warm)  # untimed: checks every byte
        for label, executor in (
            (f"sequential, max_workers={args.workers} (the reader starts its own pool)", None),
            (f"sequential, executor= a warm pool of {args.workers} threads", warm),
        ):
            runs = [sequential(mem, args, None, executor) for _ in range(args.runs)]
            report(label, runs, total, block, ideal)
        print(
            "  (ideal read to EOF: the blocks after the first, "
            f"{(total - min(block, total)) / ideal * 1000:.1f} ms)"
        )

    mem.delay = args.random_delay
    rand = [random_reads(mem, args, seed) for seed in range(args.runs)]
    asked = rand[0].asked
    requests = statistics.median(r.requests for r in rand)
    fetched = statistics.median(r.fetched for r in rand)
    seconds = statistics.median(r.seconds for r in rand)
    print(
        f"random: {args.random_reads} x read(4 KiB), block {args.random_block_size} MiB, "
        f"{args.random_delay * 1000:g} ms per request"
    )
    print(
        f"  requests {requests:.0f} ({requests / args.random_reads:.2f} per read), "
        f"fetched {fetched / MiB:.1f} MiB for {asked / MiB:.1f} MiB asked "
        f"({fetched / asked:.2f}x), {seconds / args.random_reads * 1000:.2f} ms per read"
    )


if __name__ == "__main__":
    main()
