"""PrefetchReader over an instrumented in-memory range function."""

from __future__ import annotations

import array
import gc
import io
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from megfile_core.errors import FileChangedError
from megfile_core.io import pool
from megfile_core.io.prefetch import PrefetchReader, RangeResponseError, RangeResult

KiB = 1 << 10
MiB = 1 << 20


class Memory:
    """A ``read_range`` over ``data`` that counts and records every request.

    The first request of a reader is the open probe ``(0, block_size - 1)`` and may
    reach past the end (the backend clamps it); every other request must be a
    closed range inside ``[0, size - 1]``.
    """

    def __init__(
        self,
        data: bytes,
        *,
        version: str | None = "v1",
        delay: float = 0.0,
        report_size: bool = True,
        as_memoryview: bool = True,
    ) -> None:
        self.data = data
        self.version = version
        self.delay = delay
        self.report_size = report_size
        self.as_memoryview = as_memoryview
        self.lock = threading.Lock()
        self.ranges: list[tuple[int, int]] = []
        self.bytes_served = 0
        self.inflight = 0
        self.max_inflight = 0
        self.hook: Callable[[int, int], None] | None = None  # may raise
        self.on_request: Callable[[], None] | None = None  # runs while in flight

    @property
    def calls(self) -> int:
        return len(self.ranges)

    def __call__(self, start: int, end: int) -> RangeResult:
        assert 0 <= start <= end, (start, end)
        with self.lock:
            if self.ranges:  # only the open probe may reach past the end
                assert end < len(self.data), (start, end, len(self.data))
            self.ranges.append((start, end))
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            if self.on_request is not None:
                self.on_request()
            if self.delay:
                time.sleep(self.delay)
            if self.hook is not None:
                self.hook(start, end)
            if self.as_memoryview:
                chunk: bytes | memoryview = memoryview(self.data)[start : end + 1]
            else:
                chunk = self.data[start : end + 1]
            with self.lock:
                self.bytes_served += len(chunk)
            size = len(self.data) if self.report_size else None
            return RangeResult(chunk, size, self.version)
        finally:
            with self.lock:
                self.inflight -= 1


def payload(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


@pytest.fixture(scope="module")
def executor() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=8) as pool_:
        yield pool_


def held_is_honest(reader: PrefetchReader) -> int:
    """The reader's accounting equals the bytes its entries span; returns it."""
    spans = sum(e.stop - e.start for e in reader._lru)
    assert spans == reader._cached_bytes()
    return spans


# -- opening ------------------------------------------------------------------


@pytest.mark.timeout(5)
def test_open_reads_first_block_and_learns_size_and_version() -> None:
    mem = Memory(payload(10_000), version="etag-1")
    with PrefetchReader(mem, name="mem://a", block_size=4096, max_buffer_size=4 * 4096) as r:
        assert mem.ranges == [(0, 4095)]
        assert r.size == 10_000
        assert r.version == "etag-1"
        assert r.name == "mem://a"
        assert r.mode == "rb"
        assert r.readable() and r.seekable() and not r.writable()
        assert r.read(100) == mem.data[:100]
        assert mem.calls >= 1
        assert mem.ranges[0] == (0, 4095)
        # block 0 came from the open probe: no second request for it
        assert (0, 4095) not in mem.ranges[1:]


@pytest.mark.timeout(5)
def test_open_probe_of_small_object_is_clamped_by_backend() -> None:
    mem = Memory(b"hello world")
    with PrefetchReader(mem, name="m", block_size=1024, max_buffer_size=4096) as r:
        assert r.size == 11
        assert r.read() == b"hello world"
        assert mem.calls == 1


@pytest.mark.timeout(5)
def test_size_without_content_range_is_learned_from_short_probe() -> None:
    mem = Memory(b"x" * 100, report_size=False)
    with PrefetchReader(mem, name="m", block_size=1024, max_buffer_size=4096) as r:
        assert r.size == 100
        assert r.read() == b"x" * 100


@pytest.mark.timeout(5)
def test_unknown_size_needs_stat() -> None:
    mem = Memory(payload(5000), report_size=False)
    with pytest.raises(ValueError, match="size is unknown"):
        PrefetchReader(mem, name="m", block_size=1024, max_buffer_size=4096)
    with PrefetchReader(
        mem,
        name="m",
        block_size=1024,
        max_buffer_size=4096,
        stat=lambda: (5000, "v1"),
    ) as r:
        assert r.size == 5000
        assert r.read() == mem.data


@pytest.mark.timeout(5)
def test_size_given_skips_the_probe_and_lazy_uses_stat() -> None:
    mem = Memory(payload(5000))
    with PrefetchReader(mem, name="m", size=5000, block_size=1024, max_buffer_size=4096) as r:
        assert mem.calls == 0
        assert r.read(10) == mem.data[:10]
    stats: list[int] = []

    def stat() -> tuple[int, str | None]:
        stats.append(1)
        return 5000, "v1"

    mem = Memory(payload(5000))
    with PrefetchReader(
        mem, name="m", lazy=True, stat=stat, block_size=1024, max_buffer_size=4096
    ) as r:
        assert mem.calls == 0
        assert stats == [1]
        assert r.size == 5000
        assert r.version == "v1"
        assert r.read() == mem.data
    with pytest.raises(ValueError, match="lazy"):
        PrefetchReader(mem, name="m", lazy=True)


@pytest.mark.timeout(5)
def test_version_given_at_open_must_match() -> None:
    mem = Memory(payload(5000), version="new")
    with pytest.raises(FileChangedError, match="'old'"):
        PrefetchReader(mem, name="m", version="old", block_size=1024, max_buffer_size=4096)


@pytest.mark.timeout(5)
def test_argument_validation() -> None:
    mem = Memory(payload(100))
    with pytest.raises(ValueError, match="block_forward"):
        PrefetchReader(mem, name="m", block_size=10, max_buffer_size=40, block_forward=4)
    with pytest.raises(ValueError, match="block_forward"):
        PrefetchReader(mem, name="m", block_size=10, max_buffer_size=40, block_forward=-1)
    with pytest.raises(ValueError, match="block_size"):
        PrefetchReader(mem, name="m", block_size=0)
    with pytest.raises(ValueError, match="max_workers"):
        PrefetchReader(mem, name="m", block_size=10, max_workers=0)
    with pytest.raises(ValueError, match="max_buffer_size"):
        PrefetchReader(mem, name="m", block_size=10, max_buffer_size=-1)
    reader = PrefetchReader(mem, name="m", block_size=10, max_buffer_size=40, block_forward=3)
    assert reader.read() == mem.data
    reader.close()


# -- seeking ------------------------------------------------------------------


@pytest.mark.timeout(5)
def test_seek_does_no_io() -> None:
    mem = Memory(payload(100_000))
    with PrefetchReader(mem, name="m", block_size=4096, max_buffer_size=8 * 4096) as r:
        calls = mem.calls
        assert r.seek(50_000) == 50_000
        assert r.seek(-10, io.SEEK_CUR) == 49_990
        assert r.seek(-100, io.SEEK_END) == 99_900
        assert r.seek(10**9) == 10**9
        assert r.tell() == 10**9
        assert mem.calls == calls
        assert r.read() == b""
        assert r.read(10) == b""
        assert r.readinto(bytearray(10)) == 0
        assert r.readline() == b""
        assert mem.calls == calls
        r.seek(99_990)
        assert r.read(100) == mem.data[99_990:]


@pytest.mark.timeout(5)
def test_negative_seek_and_bad_whence_raise_value_error() -> None:
    mem = Memory(payload(1000))
    with PrefetchReader(mem, name="mem://neg", block_size=256, max_buffer_size=1024) as r:
        with pytest.raises(ValueError, match=r"negative seek position -1 in 'mem://neg'"):
            r.seek(-1)
        r.seek(10)
        with pytest.raises(ValueError, match="negative seek"):
            r.seek(-11, io.SEEK_CUR)
        with pytest.raises(ValueError, match="negative seek"):
            r.seek(-1001, io.SEEK_END)
        with pytest.raises(ValueError, match="whence"):
            r.seek(0, 3)
        assert r.tell() == 10


# -- reading ------------------------------------------------------------------


@pytest.mark.timeout(20)
@pytest.mark.parametrize("block_size", [1, 7, 64, 1000, 4096, 65536])
@pytest.mark.parametrize("read_size", [1, 100, 4096, 10_000])
def test_sequential_reads(block_size: int, read_size: int, executor: ThreadPoolExecutor) -> None:
    size = 20_000 if block_size > 1 else 3000
    mem = Memory(payload(size, block_size))
    with PrefetchReader(
        mem,
        name="m",
        block_size=block_size,
        max_buffer_size=block_size * 6,
        executor=executor,
    ) as r:
        out = bytearray()
        while chunk := r.read(read_size):
            assert len(chunk) <= read_size
            out += chunk
        assert out == mem.data
        assert r.tell() == size
        assert held_is_honest(r) <= block_size * 6
    # every byte but at most one block of read-ahead was fetched once
    assert mem.bytes_served <= size + block_size * 6


@pytest.mark.timeout(5)
def test_read_all_and_read_none(executor: ThreadPoolExecutor) -> None:
    mem = Memory(payload(50_000), as_memoryview=False)
    with PrefetchReader(
        mem, name="m", block_size=4096, max_buffer_size=5 * 4096, executor=executor
    ) as r:
        r.seek(123)
        assert r.read(None) == mem.data[123:]
        r.seek(0)
        assert r.read() == mem.data
        r.seek(4096)
        block = r.read(4096)
        assert block == mem.data[4096:8192]
        assert type(block) is bytes


@pytest.mark.timeout(5)
def test_read1_stops_at_block_end(executor: ThreadPoolExecutor) -> None:
    mem = Memory(payload(10_000))
    with PrefetchReader(
        mem, name="m", block_size=1000, max_buffer_size=4000, executor=executor
    ) as r:
        r.seek(900)
        assert r.read1() == mem.data[900:1000]
        assert r.read1(5) == mem.data[1000:1005]
        buf = bytearray(10)
        assert r.readinto1(buf) == 10
        assert buf == mem.data[1005:1015]


@pytest.mark.timeout(5)
def test_readinto_writes_into_the_given_buffer(executor: ThreadPoolExecutor) -> None:
    mem = Memory(payload(10_000))
    with PrefetchReader(
        mem, name="m", block_size=1000, max_buffer_size=4000, executor=executor
    ) as r:
        backing = bytearray(b"\xee" * 5000)
        window = memoryview(backing)[100:3600]  # spans several blocks
        r.seek(500)
        assert r.readinto(window) == 3500
        assert backing[:100] == b"\xee" * 100
        assert backing[100:3600] == mem.data[500:4000]
        assert backing[3600:] == b"\xee" * 1400
        # a typed buffer is filled byte-wise
        ints = array.array("I", [0] * 100)
        r.seek(0)
        assert r.readinto(ints) == 400
        assert ints.tobytes() == mem.data[:400]
        # short at EOF
        r.seek(9990)
        buf = bytearray(100)
        assert r.readinto(buf) == 10
        assert buf[:10] == mem.data[9990:]
        assert r.readinto(buf) == 0


@pytest.mark.timeout(5)
def test_readline_and_iteration_across_blocks(executor: ThreadPoolExecutor) -> None:
    lines = [b"x" * n + b"\n" for n in (0, 3, 17, 100, 250, 1, 999, 5)] * 20
    data = b"".join(lines) + b"tail-without-newline"
    mem = Memory(data)
    with PrefetchReader(
        mem, name="m", block_size=64, max_buffer_size=64 * 8, executor=executor
    ) as r:
        assert list(r) == [*lines, b"tail-without-newline"]
        r.seek(0)
        assert r.readline() == lines[0]
        assert r.readline(2) == b"xx"
        assert r.readline(-1) == b"x\n"
        assert r.readlines() == [*lines[2:], b"tail-without-newline"]
    mem = Memory(data, as_memoryview=False)
    with PrefetchReader(mem, name="m", block_size=100, max_buffer_size=300, executor=executor) as r:
        assert r.readlines() == [*lines, b"tail-without-newline"]


@pytest.mark.timeout(5)
def test_text_wrapper_on_top(executor: ThreadPoolExecutor) -> None:
    text = "".join(f"line {i} ünïcödé\n" for i in range(2000))
    mem = Memory(text.encode())
    with PrefetchReader(
        mem, name="m", block_size=1000, max_buffer_size=8000, executor=executor
    ) as r:
        wrapper = io.TextIOWrapper(r, encoding="utf-8")
        assert wrapper.read() == text
        wrapper.detach()


@pytest.mark.timeout(5)
def test_empty_object() -> None:
    mem = Memory(b"")
    with PrefetchReader(mem, name="m", block_size=1024, max_buffer_size=4096) as r:
        assert r.size == 0
        assert r.read() == b""
        assert r.read(10) == b""
        assert r.readline() == b""
        assert r.readinto(bytearray(4)) == 0
        assert list(r) == []
        r.seek(5)
        assert r.read() == b""
    assert mem.calls == 1


@pytest.mark.timeout(30)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    size=st.integers(0, 3000),
    block_size=st.integers(1, 700),
    blocks=st.integers(0, 6),
    ops=st.lists(
        st.tuples(
            st.sampled_from(["read", "readinto", "readline", "read1", "seek"]),
            st.integers(-1, 3500),
            st.integers(0, 2),
        ),
        max_size=25,
    ),
)
def test_matches_bytesio(
    size: int,
    block_size: int,
    blocks: int,
    ops: list[tuple[str, int, int]],
    executor: ThreadPoolExecutor,
) -> None:
    data = payload(size, size)
    mem = Memory(data)
    model = io.BytesIO(data)
    with PrefetchReader(
        mem,
        name="m",
        block_size=block_size,
        max_buffer_size=block_size * blocks,
        executor=executor,
    ) as r:
        for op, arg, whence in ops:
            if op == "seek":
                target = {0: 0, 1: model.tell(), 2: size}[whence] + arg
                if target < 0:
                    with pytest.raises(ValueError, match="negative"):
                        r.seek(arg, whence)
                    continue
                assert r.seek(arg, whence) == model.seek(arg, whence)
            elif op == "read":
                assert r.read(arg) == model.read(arg)
            elif op == "read1":
                got = r.read1(arg)
                assert got == model.read(len(got))
                if arg != 0 and model.tell() < size:
                    assert got
            elif op == "readline":
                assert r.readline(arg) == model.readline(arg)
            else:
                got_buf = bytearray(max(arg, 0))
                want_buf = bytearray(max(arg, 0))
                assert r.readinto(got_buf) == model.readinto(want_buf)
                assert got_buf == want_buf
            assert r.tell() == model.tell()
            assert held_is_honest(r) <= block_size * blocks
    # closed ranges inside the object after the probe (checked by Memory)
    for start, end in mem.ranges[1:]:
        assert 0 <= start <= end < size


# -- memory bound ---------------------------------------------------------------


@pytest.mark.timeout(15)
def test_memory_never_exceeds_capacity() -> None:
    block = 16 * KiB
    capacity = 5
    mem = Memory(payload(2 * MiB), delay=0.002)
    reader = PrefetchReader(
        mem, name="m", block_size=block, max_buffer_size=capacity * block, max_workers=8
    )
    worst = [0]

    def check_while_in_flight() -> None:
        # runs in pool threads while the reader registers/evicts in the caller;
        # the accounting is updated before a fetch is submitted
        worst[0] = max(worst[0], reader._cached_bytes())

    mem.on_request = check_while_in_flight
    rng = random.Random(5)
    with reader:
        for i in range(400):
            # sequential stretches between random ones
            pos = reader.tell() if i % 50 < 25 else rng.randrange(0, len(mem.data))
            reader.seek(pos)
            n = rng.choice([1, 100, 4 * KiB, 20 * KiB, 70 * KiB])
            assert reader.read(n) == mem.data[pos : pos + n]
            held = held_is_honest(reader)
            assert held <= capacity * block
            worst[0] = max(worst[0], held)
            assert len(reader._lru) <= capacity or reader._fragments
    assert 0 < worst[0] <= capacity * block
    assert mem.max_inflight <= capacity


# -- adaptive read-ahead --------------------------------------------------------


@pytest.mark.timeout(20)
def test_random_4k_reads_cost_at_most_one_request_and_4x_bytes() -> None:
    block = MiB
    mem = Memory(payload(64 * MiB, 7))
    with PrefetchReader(
        mem, name="m", block_size=block, max_buffer_size=128 * MiB, max_workers=8
    ) as r:
        open_calls, open_bytes = mem.calls, mem.bytes_served
        assert (open_calls, open_bytes) == (1, block)
        rng = random.Random(11)
        reads = 1000
        for _ in range(reads):
            pos = rng.randrange(0, len(mem.data) - 4 * KiB)
            r.seek(pos)
            assert r.read(4 * KiB) == mem.data[pos : pos + 4 * KiB]
        requested = reads * 4 * KiB
        assert mem.calls <= reads + 1
        assert mem.bytes_served <= 4 * requested + block
        # ... far below megfile's hundreds of MiB for the same reads
        assert mem.bytes_served < 12 * MiB


@pytest.mark.timeout(20)
def test_read_ahead_comes_back_after_a_random_phase() -> None:
    block = 256 * KiB
    capacity = 16
    mem = Memory(payload(24 * MiB, 3))
    with PrefetchReader(
        mem,
        name="m",
        block_size=block,
        max_buffer_size=capacity * block,
        max_workers=8,
    ) as r:
        rng = random.Random(2)
        for _ in range(50):
            pos = rng.randrange(0, 8 * MiB)
            r.seek(pos)
            assert r.read(4 * KiB) == mem.data[pos : pos + 4 * KiB]
        assert r._random and r._forward == 0
        random_calls = mem.calls
        assert mem.max_inflight == 1  # random mode: no read-ahead at all

        # a long sequential run, with latency, after the random phase
        mem.delay = 0.01
        start = 10 * MiB
        r.seek(start)
        out = bytearray()
        while len(out) < 12 * MiB:
            out += r.read(64 * KiB)
        assert out == mem.data[start : start + len(out)]
        assert not r._random
        assert r._forward == capacity - 1  # ramped back to full depth
        assert mem.max_inflight > 4  # fetches ran ahead, in parallel
        # the ramp cost a handful of small fetches, then whole blocks
        sequential_calls = mem.calls - random_calls
        assert sequential_calls <= 12 * MiB // block + 16


@pytest.mark.timeout(10)
def test_one_seek_then_sequential_ramps_quickly() -> None:
    block = 64 * KiB
    mem = Memory(payload(8 * MiB, 4))
    with PrefetchReader(
        mem, name="m", block_size=block, max_buffer_size=16 * block, max_workers=4
    ) as r:
        r.seek(3 * MiB)  # one jump: read-ahead off, not random mode
        out = bytearray()
        while chunk := r.read(8 * KiB):
            out += chunk
        assert out == mem.data[3 * MiB :]
        assert not r._random
        assert r._forward == 15
        # blocks only (no fragments), each fetched once
        assert all((e - s + 1) == block for s, e in mem.ranges[1:])
        assert len(set(mem.ranges)) == len(mem.ranges)


@pytest.mark.timeout(10)
def test_a_single_seek_fetches_little_then_ramps_back() -> None:
    block = MiB
    mem = Memory(payload(32 * MiB, 6))
    with PrefetchReader(
        mem, name="m", size=len(mem.data), block_size=block, max_buffer_size=16 * block
    ) as r:
        r.seek(5 * MiB + 123)  # e.g. one record of an indexed file
        assert r.read(4 * KiB) == mem.data[5 * MiB + 123 :][: 4 * KiB]
        assert mem.ranges == [(5 * MiB + 123, 5 * MiB + 123 + 256 * KiB - 1)]
        # reading on: fragments grow fourfold, then whole blocks with read-ahead
        pos = r.tell()
        out = bytearray()
        while len(out) < 16 * MiB:
            out += r.read(64 * KiB)
        assert out == mem.data[pos : pos + len(out)]
        assert not r._random and r._forward == 15
        sizes = [end - start + 1 for start, end in mem.ranges]
        assert sizes[0] == 256 * KiB
        assert set(sizes[1:]) == {MiB}  # 256 KiB x 4 is a block: blocks from then on
        assert len(set(mem.ranges)) == len(mem.ranges)  # nothing fetched twice


@pytest.mark.timeout(10)
def test_sequential_reads_fetch_ahead_in_parallel() -> None:
    block = 64 * KiB
    mem = Memory(payload(4 * MiB, 9), delay=0.01)
    with PrefetchReader(
        mem, name="m", block_size=block, max_buffer_size=9 * block, max_workers=8
    ) as r:
        started = time.monotonic()
        assert r.read() == mem.data
        elapsed = time.monotonic() - started
    # 8 workers, plus the caller when it takes over a block still queued
    assert 8 <= mem.max_inflight <= 9
    # 63 blocks with 8 in flight: ~8 round trips, far from 63 serial ones
    assert elapsed < 63 * 0.01 * 0.6


@pytest.mark.timeout(10)
def test_block_forward_limits_read_ahead() -> None:
    block = 1000
    mem = Memory(payload(100_000), delay=0.002)
    with PrefetchReader(
        mem,
        name="m",
        block_size=block,
        max_buffer_size=10 * block,
        block_forward=2,
        max_workers=8,
    ) as r:
        while r.read(100):
            assert all(index <= r.tell() // block + 2 for index in r._blocks), r._blocks.keys()
    assert mem.max_inflight <= 3


@pytest.mark.timeout(10)
def test_sequential_reading_releases_blocks_it_passed(executor: ThreadPoolExecutor) -> None:
    block = 1000
    data = payload(60_000)
    mem = Memory(data)
    with PrefetchReader(
        mem, name="m", block_size=block, max_buffer_size=16 * block, executor=executor
    ) as r:
        while True:
            chunk = r.read(300)
            if not chunk:
                break
            current = (r.tell() - 1) // block
            behind = [index for index in r._blocks if index < current - 1]
            assert behind == [], (current, sorted(r._blocks))
        calls = mem.calls
        # the block before the position is still there: a short seek back hits
        r.seek(-block, io.SEEK_END)
        assert r.read(block) == data[-block:]
        assert mem.calls == calls
    assert mem.calls == 60  # every block once: nothing released was needed again


def test_an_object_that_fits_the_cache_stays_cached(executor: ThreadPoolExecutor) -> None:
    block = 1000
    data = payload(16_000)
    mem = Memory(data)
    with PrefetchReader(
        mem, name="m", block_size=block, max_buffer_size=16 * block, executor=executor
    ) as r:
        while r.read(300):
            pass
        calls = mem.calls
        r.seek(0)
        assert r.read() == data
        assert mem.calls == calls == 16


@pytest.mark.timeout(10)
def test_reads_spanning_blocks_never_evict_the_next_block(executor: ThreadPoolExecutor) -> None:
    # reads of two blocks each with a full read-ahead window: the window must leave
    # room for the blocks being read, or the next one is evicted and then fetched
    # in the calling thread (one round trip per read instead of none)
    block = 1000
    data = payload(40_000)
    mem = Memory(data, delay=0.005)
    in_caller: list[tuple[int, int]] = []
    fetched: list[tuple[int, int]] = []
    caller = threading.current_thread()

    def hook(start: int, end: int) -> None:
        fetched.append((start, end))
        if threading.current_thread() is caller:
            in_caller.append((start, end))

    mem.hook = hook
    with PrefetchReader(
        mem,
        name="m",
        size=len(data),
        block_size=block,
        max_buffer_size=8 * block,
        executor=executor,
        adaptive_window=False,  # the full read-ahead depth this test is about
    ) as r:
        got = bytearray(r.read(2 * block))
        # the first block: nobody fetched it yet; a pool starved by a loaded machine
        # may also leave the second block of this first read to the caller
        assert in_caller[:1] == [(0, block - 1)]
        assert set(in_caller) <= {(0, block - 1), (block, 2 * block - 1)}, in_caller
        in_caller.clear()
        while chunk := r.read(2 * block):
            got += chunk
            time.sleep(0.02)  # a consumer slower than the fetches: they are all ready
    assert got == data
    # an evicted block is fetched a second time: every block once, and (on a machine
    # whose pool keeps up) none of them in the caller
    assert sorted(fetched) == sorted(set(fetched)), fetched
    assert len(in_caller) <= 1, in_caller  # a starved pool may leave one to the caller


class _Stream:
    """A stream primitive over ``data`` from ``start`` (for the streaming tests)."""

    def __init__(self, data: bytes, start: int, opened: list[int]) -> None:
        opened.append(start)
        self.data = data
        self.pos = start

    def read(self, size: int, /) -> RangeResult:
        chunk = self.data[self.pos : self.pos + size]
        self.pos += len(chunk)
        return RangeResult(chunk, len(self.data), "v1")

    def readinto(self, buffer: memoryview, /) -> RangeResult:
        chunk = self.data[self.pos : self.pos + buffer.nbytes]
        buffer[: len(chunk)] = chunk
        self.pos += len(chunk)
        return RangeResult(buffer[: len(chunk)], len(self.data), "v1")

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("sample", "streams"),
    [
        (None, True),  # no sample: stream and time it
        ((2 * MiB, 0.1), False),  # 20 MiB/s: one connection is slow, ranges at once
        ((2 * MiB, 0.001), True),  # 2 GiB/s: a fast stream
        ((64 * KiB, 1.0), True),  # too few bytes to judge by
    ],
)
def test_first_sample_decides_whether_to_stream(
    executor: ThreadPoolExecutor, sample: tuple[int, float] | None, streams: bool
) -> None:
    data = payload(64 * KiB)
    mem = Memory(data)
    opened: list[int] = []
    with PrefetchReader(
        mem,
        name="m",
        size=len(data),
        version="v1",
        block_size=4 * KiB,
        max_buffer_size=16 * KiB,
        executor=executor,
        open_stream=lambda start: _Stream(data, start, opened),
        first_sample=sample,
    ) as r:
        assert r.read() == data
    assert bool(opened) is streams, opened
    assert (mem.calls == 0) is streams  # a stream serves every block itself


# -- integrity ------------------------------------------------------------------


@pytest.mark.timeout(5)
def test_version_change_raises_and_never_mixes_bytes() -> None:
    old = payload(10_000, 1)
    new = payload(10_000, 2)
    mem = Memory(old, version="v1")
    with PrefetchReader(
        mem, name="mem://obj", block_size=1000, max_buffer_size=4000, block_forward=0
    ) as r:
        assert r.read(500) == old[:500]
        mem.data, mem.version = new, "v2"
        with pytest.raises(FileChangedError) as info:
            r.read(2000)  # needs block 1, from the new version
        message = str(info.value)
        assert "mem://obj" in message and "'v1'" in message and "'v2'" in message
        assert isinstance(info.value, OSError)
        assert r.tell() == 500
        # cached bytes of the old version are still served, never the new ones
        r.seek(0)
        assert r.read(1000) == old[:1000]


@pytest.mark.timeout(5)
def test_version_change_in_background_read_ahead(executor: ThreadPoolExecutor) -> None:
    old = payload(100_000, 1)
    mem = Memory(old, version="v1")
    with PrefetchReader(
        mem, name="m", block_size=1000, max_buffer_size=50_000, executor=executor
    ) as r:
        first = r.read(1000)
        assert first == old[:1000]
        mem.version = "v2"  # the remaining blocks now come back as another version
        got = bytearray(first)
        with pytest.raises(FileChangedError):
            while chunk := r.read(700):
                got += chunk
        assert got == old[: len(got)]


@pytest.mark.timeout(5)
def test_size_change_raises() -> None:
    mem = Memory(payload(10_000), version=None)
    with PrefetchReader(mem, name="m", block_size=1000, max_buffer_size=1000) as r:
        mem.data = mem.data + b"more"
        r.seek(5000)
        with pytest.raises(FileChangedError, match="size 10000"):
            r.read(10)


@pytest.mark.timeout(5)
def test_version_adopted_from_first_response_when_unknown() -> None:
    mem = Memory(payload(10_000), version=None)
    with PrefetchReader(mem, name="m", size=10_000, block_size=1000, max_buffer_size=1000) as r:
        mem.version = "a"
        assert r.read(10) == mem.data[:10]
        assert r.version == "a"
        mem.version = "b"
        r.seek(5000)
        with pytest.raises(FileChangedError):
            r.read(10)


@pytest.mark.timeout(5)
def test_short_response_is_retried_once_then_raises() -> None:
    data = payload(10_000)
    answers = {"short": 1}

    def flaky(start: int, end: int) -> RangeResult:
        chunk = data[start : end + 1]
        if start > 0 and answers["short"] > 0:
            answers["short"] -= 1
            chunk = chunk[:-1]
        return RangeResult(chunk, len(data), "v")

    with PrefetchReader(flaky, name="m", block_size=1000, max_buffer_size=1000) as r:
        r.seek(3000)
        assert r.read(10) == data[3000:3010]  # one short answer: retried

    def always_short(start: int, end: int) -> RangeResult:
        chunk = data[start : end + 1]
        return RangeResult(chunk[:-1] if start else chunk, len(data), "v")

    with PrefetchReader(
        always_short, name="mem://short", block_size=1000, max_buffer_size=1000
    ) as r:
        r.seek(3000)
        with pytest.raises(RangeResponseError, match="mem://short") as info:
            r.read(10)
        assert isinstance(info.value, OSError)

    def too_long(start: int, end: int) -> RangeResult:
        return RangeResult(data, len(data), "v")  # a server ignoring Range

    with pytest.raises(RangeResponseError):
        PrefetchReader(too_long, name="m", block_size=1000, max_buffer_size=1000)


@pytest.mark.timeout(5)
def test_errors_surface_and_reader_stays_usable(executor: ThreadPoolExecutor) -> None:
    mem = Memory(payload(20_000))
    broken = {3000}

    def hook(start: int, end: int) -> None:
        if start in broken:
            raise ConnectionError(f"boom at {start}")

    mem.hook = hook
    with PrefetchReader(
        mem, name="m", block_size=1000, max_buffer_size=8000, executor=executor
    ) as r:
        assert r.read(2500) == mem.data[:2500]  # block 3 is being read ahead
        with pytest.raises(ConnectionError, match="boom at 3000"):
            r.read(1000)
        assert r.tell() == 2500
        r.seek(10_000)
        assert r.read(100) == mem.data[10_000:10_100]
        broken.clear()
        r.seek(2500)
        assert r.read(1000) == mem.data[2500:3500]


# -- no cache -------------------------------------------------------------------


@pytest.mark.timeout(5)
def test_max_buffer_size_zero_reads_exactly_what_is_asked() -> None:
    mem = Memory(b"line one\nline two\n" + payload(5000))
    with PrefetchReader(mem, name="m", size=len(mem.data), block_size=1000, max_buffer_size=0) as r:
        assert r.read(4) == b"line"
        r.seek(2000)
        buf = bytearray(300)
        assert r.readinto(buf) == 300
        assert buf == mem.data[2000:2300]
        r.seek(100)
        assert r.read(5000) == mem.data[100:5100]
        assert mem.ranges == [(0, 3), (2000, 2299), (100, 5017)]
        assert mem.max_inflight == 1
        r.seek(0)
        assert r.readline() == b"line one\n"
        assert r.readline() == b"line two\n"
        assert r._cached_bytes() == 0


@pytest.mark.timeout(5)
def test_max_buffer_size_zero_open_without_size_keeps_nothing() -> None:
    mem = Memory(payload(300_000))
    with PrefetchReader(mem, name="m", block_size=1 * MiB, max_buffer_size=0) as r:
        assert r.size == 300_000
        assert mem.bytes_served <= 64 * KiB
        assert r._cached_bytes() == 0
        assert r.read(10) == mem.data[:10]
    mem = Memory(payload(300_000))
    with PrefetchReader(
        mem, name="m", block_size=MiB, max_buffer_size=0, stat=lambda: (300_000, "v1")
    ) as r:
        assert mem.calls == 0


# -- closing --------------------------------------------------------------------


@pytest.mark.timeout(10)
def test_close_cancels_pending_fetches_and_is_idempotent() -> None:
    mem = Memory(payload(200 * 1000), delay=0.05)
    # a fixed depth (block_forward): the adaptive window would start with 2 blocks
    r = PrefetchReader(
        mem, name="m", block_size=1000, max_buffer_size=100 * 1000, block_forward=99, max_workers=2
    )
    r.read(10)  # schedules ~99 blocks on 2 workers
    futures = [e.future for e in r._lru if e.future is not None]
    assert len(futures) > 10
    started = mem.calls  # the probe and what the 2 workers began (more on a slow box)
    r.close()
    assert r.closed
    assert sum(f.cancelled() for f in futures) >= len(futures) - 2
    r.close()
    assert r._cached_bytes() == 0
    time.sleep(0.15)
    # at most one more per worker (a task it was taking as close ran), then nothing
    assert mem.calls <= started + 2
    assert len(futures) - sum(f.cancelled() for f in futures) <= started + 2


@pytest.mark.timeout(5)
def test_operations_after_close_raise_value_error() -> None:
    mem = Memory(payload(1000))
    r = PrefetchReader(mem, name="m", block_size=100, max_buffer_size=400)
    r.close()
    for call in (
        r.read,
        lambda: r.read(1),
        lambda: r.read1(1),
        lambda: r.readinto(bytearray(1)),
        r.readline,
        lambda: r.seek(0),
        r.tell,
        r.readable,
        r.seekable,
        lambda: next(iter(r)),
    ):
        with pytest.raises(ValueError, match="closed"):
            call()
    with pytest.raises(ValueError, match="closed"), r:
        pass


@pytest.mark.timeout(5)
def test_dropped_reader_is_finalized() -> None:
    mem = Memory(payload(50_000), delay=0.01)
    r = PrefetchReader(mem, name="m", block_size=1000, max_buffer_size=40_000, max_workers=2)
    r.read(1)
    futures = [e.future for e in r._lru if e.future is not None]
    del r
    gc.collect()
    assert all(f.cancelled() or f.running() or f.done() for f in futures)
    assert sum(f.cancelled() for f in futures) >= len(futures) - 2


# -- the shared pool -------------------------------------------------------------


@pytest.mark.timeout(10)
def test_shared_pool_is_used_and_reset_after_fork() -> None:
    mem = Memory(payload(100_000))
    with PrefetchReader(mem, name="m", block_size=1000, max_buffer_size=10_000) as r:
        assert r.read() == mem.data
    executor = pool.get_executor()
    assert pool.get_executor() is executor
    assert executor.submit(lambda: 41 + 1).result(timeout=5) == 42
    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    pid = os.fork()
    if pid == 0:  # child: a fresh, working pool
        code = 1
        try:
            child = pool.get_executor()
            if child is not executor and child.submit(lambda: 7).result(timeout=5) == 7:
                code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert pool.get_executor() is executor


@pytest.mark.timeout(5)
def test_defaults_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEGFILE_READER_BLOCK_SIZE", "1Ki")
    monkeypatch.setenv("MEGFILE_READER_MAX_BUFFER_SIZE", "4Ki")
    mem = Memory(payload(10_000))
    with PrefetchReader(mem, name="m") as r:
        assert r.block_size == 1024
        assert mem.ranges == [(0, 1023)]
        assert r.read() == mem.data
        assert r._max_forward == 3


# -- adaptive read-ahead (bandwidth-delay product) -------------------------------


def _read_blocks(r: PrefetchReader, count: int, block: int, pause: float = 0.0) -> list[int]:
    """Read ``count`` blocks sequentially (4 reads each); the window after each."""
    windows = []
    for _ in range(count):
        for _ in range(4):
            r.read(block // 4)
        windows.append(r._pace.size)
        if pause:
            time.sleep(pause)
    return windows


@pytest.mark.timeout(20)
def test_adaptive_window_grows_with_a_slow_latency_source() -> None:
    block = 64 * KiB
    mem = Memory(payload(12 * MiB, 21), delay=0.02)  # every fetch 20 ms, no shared limit
    with PrefetchReader(
        mem,
        name="m",
        block_size=block,
        max_buffer_size=32 * block,
        max_workers=16,
        adaptive_window=True,
    ) as r:
        assert r._pace.size == 2  # nothing measured yet: a short start
        windows = _read_blocks(r, 150, block)
        # blocks arrive as fast as the window lets them: it keeps growing, to the
        # 16 the pool can run (the cache would allow 31)
        assert max(windows) >= 12, windows
        assert mem.max_inflight >= 12
        r.seek(0)
        assert r.read(block) == mem.data[:block]


@pytest.mark.timeout(20)
def test_adaptive_window_stays_small_without_latency() -> None:
    block = 64 * KiB
    mem = Memory(payload(12 * MiB, 22))  # answers at once: nothing to overlap
    with PrefetchReader(
        mem,
        name="m",
        block_size=block,
        max_buffer_size=32 * block,
        max_workers=16,
        adaptive_window=True,
    ) as r:
        windows = _read_blocks(r, 150, block)
        # the probe may try one step up (2 -> 4 blocks: the reader waits for the
        # pool's threads even here) and keep it for a while when a noisy epoch
        # made it look paying; a second doubling (8) would need a second such
        # epoch, and most of the time the window is where it started
        assert max(windows) <= 4, windows
        assert sorted(windows)[len(windows) // 2] <= 3, windows
        assert mem.max_inflight <= 5
        assert held_is_honest(r) <= 6 * block


@pytest.mark.timeout(30)
def test_adaptive_window_shrinks_when_the_consumer_is_slower() -> None:
    block = 64 * KiB
    mem = Memory(payload(12 * MiB, 23), delay=0.02)
    with PrefetchReader(
        mem,
        name="m",
        block_size=block,
        max_buffer_size=32 * block,
        max_workers=16,
        adaptive_window=True,
    ) as r:
        fast = _read_blocks(r, 80, block)
        assert max(fast) >= 8, fast
        # now the consumer takes 40 ms per block: ~1.6 MiB/s, a 20 ms fetch covers
        # half a block of that, so one block ahead (+1 to spare) is enough
        slow = _read_blocks(r, 45, block, pause=0.04)
        assert slow[-1] <= 3, slow
        # what was fetched ahead before is read, not dropped; then no more is held
        # than the window: ahead + current + one behind
        held = held_is_honest(r)
        assert held <= (slow[-1] + 2) * block


@pytest.mark.timeout(20)
def test_adaptive_window_is_on_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """On by default (a probe keeps loopback reads as fast as the fixed depth);
    MEGFILE_READER_ADAPTIVE_WINDOW=0 or adaptive_window=False turn it off; an
    explicit block_forward always wins."""
    block = 64 * KiB
    mem = Memory(payload(4 * MiB, 24))
    monkeypatch.delenv("MEGFILE_READER_ADAPTIVE_WINDOW", raising=False)
    with PrefetchReader(mem, name="m", block_size=block, max_buffer_size=32 * block) as r:
        assert r._adaptive
    monkeypatch.setenv("MEGFILE_READER_ADAPTIVE_WINDOW", "0")
    with PrefetchReader(mem, name="m", block_size=block, max_buffer_size=32 * block) as r:
        assert not r._adaptive
    monkeypatch.delenv("MEGFILE_READER_ADAPTIVE_WINDOW")
    with PrefetchReader(
        mem, name="m", block_size=block, max_buffer_size=32 * block, block_forward=4
    ) as r:
        assert not r._adaptive
    with PrefetchReader(
        mem, name="m", block_size=block, max_buffer_size=32 * block, adaptive_window=False
    ) as r:
        assert not r._adaptive


# -- block buffers lent to read_into ---------------------------------------------


class MemoryInto(Memory):
    """:class:`Memory` that also reads in place (``read_into``), recording the
    buffers it was lent."""

    def __init__(self, data: bytes, delay: float = 0.0) -> None:
        super().__init__(data, delay=delay)
        self.buffers: set[int] = set()
        self.into_calls = 0

    def read_into(self, start: int, end: int, buffer: memoryview) -> RangeResult:
        answer = self(start, end)
        count = len(answer.data)
        buffer[:count] = answer.data
        with self.lock:
            self.buffers.add(id(buffer.obj))
            self.into_calls += 1
        return RangeResult(buffer[:count], answer.size, answer.version)


@pytest.mark.timeout(20)
def test_block_buffers_are_reused_while_reading_on() -> None:
    block = 64 * KiB
    mem = MemoryInto(payload(16 * MiB, 31), delay=0.002)
    with PrefetchReader(
        mem,
        name="m",
        block_size=block,
        max_buffer_size=32 * block,
        max_workers=8,
        read_into=mem.read_into,
    ) as r:
        out = bytearray()
        while chunk := r.read(block // 2):
            out += chunk
        assert out == mem.data
        assert mem.into_calls >= 250  # every block after the probe, in place
        # 255 blocks, far fewer buffers (the window moves, and a buffer is dropped
        # when it shrinks)
        assert len(mem.buffers) <= 64, len(mem.buffers)
    mem = MemoryInto(payload(16 * MiB, 31), delay=0.002)
    with PrefetchReader(
        mem,
        name="m",
        block_size=block,
        max_buffer_size=32 * block,
        block_forward=4,
        max_workers=8,
        read_into=mem.read_into,
    ) as r:
        while r.read(block // 2):
            pass
        # a fixed depth: 4 ahead, the current block, one behind, one released
        assert len(mem.buffers) <= 4 + 3, len(mem.buffers)


@pytest.mark.timeout(20)
def test_a_buffer_released_while_reading_on_is_lent_again_warm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reading in order, each block's buffer is lent again without its pages given
    back (refaulting them is most of a fast read's system time); reading at random
    gives the free buffers' pages back."""
    import megfile_core.io.prefetch as prefetch

    dropped: list[int] = []
    real = prefetch._drop_pages
    monkeypatch.setattr(prefetch, "_drop_pages", lambda b: (dropped.append(id(b)), real(b)))
    block = MiB
    mem = MemoryInto(payload(64 * MiB, 33))
    with PrefetchReader(
        mem, name="m", block_size=block, max_buffer_size=16 * block, read_into=mem.read_into
    ) as r:
        out = bytearray()
        while chunk := r.read(block):
            out += chunk
        assert out == mem.data
        assert mem.into_calls >= 60
        assert dropped == []  # 60 buffers lent again
        r.seek(5)
        r.read(10)
        r.seek(40 * MiB)
        r.read(10)  # random now: the free buffers are cold
        assert dropped, "no pages given back when reading at random"


@pytest.mark.timeout(20)
def test_reused_buffers_never_change_bytes_already_returned() -> None:
    block = 4 * KiB
    data = payload(2 * MiB, 32)
    mem = MemoryInto(data)
    with PrefetchReader(
        mem,
        name="m",
        block_size=block,
        max_buffer_size=8 * block,
        max_workers=4,
        read_into=mem.read_into,
    ) as r:
        first = r.read(100 * block + 7)  # longer than the cache: evicts as it goes
        assert first == data[: len(first)]
        line = r.readline()  # random bytes: a line across blocks, or the end
        assert line == data[len(first) :][: len(line)]
        view = bytearray(40 * block)
        count = r.readinto(view)
        start = len(first) + len(line)
        assert view[:count] == data[start : start + count]
        rest = r.read()
        assert first + line + view[:count] + rest == data
        assert mem.into_calls > 0 and len(mem.buffers) < len(data) // block
        rng = random.Random(3)
        for _ in range(200):  # seeks and reads of every size over reused buffers
            pos = rng.randrange(len(data))
            r.seek(pos)
            size = rng.choice([1, 100, block, 3 * block + 5, 20 * block])
            assert r.read(size) == data[pos : pos + size]


# -- direct reads ---------------------------------------------------------------------


class _SlowStream(_Stream):
    """A stream that sleeps ``delay`` a read and may claim another version."""

    def __init__(self, data: bytes, start: int, opened: list[int], delay: float, version: str):
        super().__init__(data, start, opened)
        self.delay = delay
        self.version = version

    def read(self, size: int, /) -> RangeResult:
        if self.delay:
            time.sleep(self.delay)
        result = super().read(size)
        return RangeResult(result.data, result.size, self.version)


def _direct_reader(
    data: bytes, mem: Memory, opened: list[int], delay: float = 0.0, version: str = "v1"
) -> PrefetchReader:
    return PrefetchReader(
        mem,
        name="m",
        size=len(data),
        version="v1",
        block_size=64 * KiB,
        max_buffer_size=256 * KiB,
        open_stream=lambda start: _SlowStream(data, start, opened, delay, version),
        direct=True,
    )


def test_direct_reads_come_from_one_stream_in_the_callers_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from megfile_core.io import direct

    monkeypatch.setattr(direct, "FAST_STREAM", 1)  # a loaded machine is no slow stream
    data = payload(MiB)
    mem = Memory(data)
    opened: list[int] = []
    with _direct_reader(data, mem, opened) as r:
        assert r.read(10_000) == data[:10_000]
        assert r.read() == data[10_000:]
        assert r._direct is not None and not r._lru
    assert opened == [0] and mem.calls == 0


def test_a_slow_direct_stream_hands_over_to_parallel_ranges() -> None:
    data = payload(MiB)
    mem = Memory(data)
    opened: list[int] = []
    # 64 KiB in 20 ms: 3 MiB/s, far below a fast stream
    with _direct_reader(data, mem, opened, delay=0.02) as r:
        assert r.read() == data
        assert r._direct is None and r._open_stream is None
    assert opened == [0]  # no second stream: ranges
    assert mem.calls >= 1 and all(end - start < 64 * KiB for start, end in mem.ranges)
    assert mem.bytes_served <= MiB - 64 * KiB  # the stream's block is not fetched again


def test_a_direct_stream_of_another_version_raises() -> None:
    data = payload(MiB)
    with _direct_reader(data, Memory(data), [], version="v2") as r:
        with pytest.raises(FileChangedError):
            r.read(100)
        assert r._direct is None


class _BreakingStream(_Stream):
    """A stream that ends after ``limit`` bytes (a broken connection)."""

    def __init__(self, data: bytes, start: int, opened: list[int], limit: int) -> None:
        super().__init__(data[: start + limit], start, opened)
        self.size = len(data)

    def read(self, size: int, /) -> RangeResult:
        result = super().read(size)
        return RangeResult(result.data, self.size, "v1")

    def readinto(self, buffer: memoryview, /) -> RangeResult:
        result = super().readinto(buffer)
        return RangeResult(result.data, self.size, "v1")


@pytest.mark.parametrize("into", [False, True])
def test_a_failed_hand_over_from_a_direct_stream_leaves_the_position(
    monkeypatch: pytest.MonkeyPatch, into: bool
) -> None:
    from megfile_core.io import direct

    monkeypatch.setattr(direct, "FAST_STREAM", 1)
    data = payload(MiB)
    mem = Memory(data)
    failures = [1]

    def fail_once(start: int, end: int) -> None:
        if failures[0]:
            failures[0] -= 1
            raise ConnectionResetError("reset")

    mem.hook = fail_once
    with PrefetchReader(
        mem,
        name="m",
        size=len(data),
        version="v1",
        block_size=64 * KiB,
        max_buffer_size=256 * KiB,
        open_stream=lambda start: _BreakingStream(data, start, [], 1000),
        direct=True,
    ) as r:
        buffer = bytearray(5000)
        with pytest.raises(ConnectionResetError):
            r.readinto(buffer) if into else r.read(5000)
        assert r.tell() == 0  # the failed read took nothing
        if into:
            assert r.readinto(buffer) == 5000 and bytes(buffer) == data[:5000]
        else:
            assert r.read(5000) == data[:5000]
