"""The adaptive read-ahead window (``megfile_core.io.window``) against sources with
fake latency: it probes upward while depth still pays, falls back when it does not,
shrinks for a slow consumer, and cuts blocks into smaller ranges when one
connection is the limit."""

from __future__ import annotations

import itertools
import random
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from megfile_core.io.prefetch import PrefetchReader, RangeResult
from megfile_core.io.window import AHEAD_BYTES, PARTS, SAMPLE_SHARE, SLOW_CONNECTION, Window

KiB = 1 << 10
MiB = 1 << 20


def payload(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


class Latency:
    """A ``read_range`` over ``data`` whose answers take the next time of
    ``delays`` (cycled): the shortest fetch is much shorter than a typical one, so a
    bandwidth-delay product built on the shortest time asks for little depth,
    while more fetches in flight still read faster (nothing is shared). With
    ``shared`` at most that many answers are served at once: more depth then
    gains nothing."""

    def __init__(
        self, data: bytes, delays: list[float], shared: int | None = None, cap: float = 0.0
    ) -> None:
        self.data = data
        self._delays = itertools.cycle(delays)
        self._slots = threading.Semaphore(shared) if shared else None
        self.cap = cap  # bytes/s of one request (0: none)
        self.lock = threading.Lock()
        self.ranges: list[tuple[int, int]] = []
        self.inflight = 0
        self.max_inflight = 0

    def __call__(self, start: int, end: int) -> RangeResult:
        with self.lock:
            delay = next(self._delays)
            self.ranges.append((start, end))
        if self.cap:
            delay += (end + 1 - start) / self.cap
        if self._slots is not None:
            with self._slots:
                self._serve(delay)
        else:
            self._serve(delay)
        return RangeResult(memoryview(self.data)[start : end + 1], len(self.data), "v1")

    def _serve(self, delay: float) -> None:
        with self.lock:
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            time.sleep(delay)
        finally:
            with self.lock:
                self.inflight -= 1

    def read_into(self, start: int, end: int, buffer: memoryview) -> RangeResult:
        answer = self(start, end)
        count = len(answer.data)
        buffer[:count] = answer.data
        return RangeResult(buffer[:count], answer.size, answer.version)


#: every sixth answer fast: the shortest time is 2 ms, a typical one 30
DELAYS = [0.002, 0.03, 0.03, 0.03, 0.03, 0.03]


def _windows(r: PrefetchReader, count: int, block: int, pause: float = 0.0) -> list[int]:
    """Read ``count`` blocks in order (2 reads each); the window after each."""
    sizes = []
    for _ in range(count):
        for _ in range(2):
            r.read(block // 2)
        sizes.append(r._pace.size)
        if pause:
            time.sleep(pause)
    return sizes


def _reader(source: Latency, block: int, workers: int = 16) -> PrefetchReader:
    return PrefetchReader(
        source,
        name="m",
        block_size=block,
        max_buffer_size=32 * block,
        max_workers=workers,
        adaptive_window=True,
    )


def _parts_reader(source: Latency, budget: int = 8, **options: Any) -> PrefetchReader:
    """A reader of 4 MiB blocks over ``source`` with the adaptive window and 16
    threads, reading in place (``options`` may say otherwise)."""
    options.setdefault("read_into", source.read_into)
    options.setdefault("max_workers", 16)
    return PrefetchReader(
        source,
        name="m",
        block_size=4 * MiB,
        max_buffer_size=budget * 4 * MiB,
        adaptive_window=True,
        **options,
    )


@pytest.mark.timeout(30)
def test_window_probes_upward_while_depth_pays() -> None:
    """The shortest fetch (2 ms) asks for ~2 blocks; the reader waits and more
    depth reads faster, so the probe keeps stepping up."""
    block = 64 * KiB
    source = Latency(payload(16 * MiB, 1), DELAYS)
    with _reader(source, block) as r:
        sizes = _windows(r, 250, block)
        # the bandwidth-delay product alone asks for 2-3 (2 ms x the rate)
        assert max(sizes) >= 6, sizes
        assert source.max_inflight >= 6
        r.seek(0)
        assert r.read(3 * block) == source.data[: 3 * block]


@pytest.mark.timeout(90)
def test_window_falls_back_when_depth_does_not_pay() -> None:
    """The source serves 4 answers at once: up to 4 blocks ahead the rate rises,
    beyond it does not, and the window does not stay there (a probe that only
    climbs would reach the pool's 17 and keep it).

    Sleeps stand for the network here, so on a loaded machine their jitter can make
    a step look paying and hold the window a little higher for a while (CI once saw
    a median of 9). A probe that only climbs stays at 17 in every attempt, so the
    reader gets three attempts and one must settle; the same decisions are pinned
    without any timing by the ``Simulated`` tests below."""
    block = 64 * KiB
    attempts = []
    for seed in (2, 3, 4):
        source = Latency(payload(20 * MiB, seed), DELAYS, shared=4)
        with _reader(source, block) as r:
            sizes = _windows(r, 260, block)
        assert max(sizes) >= 3, sizes  # it probed
        # a climb that never falls back would stay at the pool's 17
        settled = sizes[100:]
        attempts.append(settled)
        if statistics.median(settled) <= 8 and sum(s > 10 for s in settled) <= len(settled) // 4:
            return
    raise AssertionError(f"the window never settled at <= 8 in 3 attempts: {attempts}")


def test_simulated_window_keeps_at_most_ahead_bytes_in_flight() -> None:
    """Depth keeps paying, but the probe stops at 40 MiB of 8 MiB blocks, and so
    does a bandwidth-delay product that asks for more; a larger read-ahead budget
    (64 blocks: a third is 21) lets the product have its 16."""
    sim = Simulated(lambda window: 10.0 * window, block_size=8 * MiB)
    assert max(sim.run(150)) == AHEAD_BYTES // (8 * MiB)
    sim.window.timed(8 * MiB, 1.0)  # now 1 s per block: the product asks for more
    sim.window.min_time = 1.0
    assert max(sim.run(60)) == AHEAD_BYTES // (8 * MiB)
    big = Simulated(lambda window: 10.0 * window, block_size=8 * MiB, limit=63)
    big.window.timed(8 * MiB, 1.0)
    big.window.min_time = 1.0
    assert max(big.run(60)) == 16


@pytest.mark.timeout(40)
def test_window_shrinks_for_a_slow_consumer_after_probing_up() -> None:
    block = 64 * KiB
    source = Latency(payload(16 * MiB, 3), DELAYS)
    with _reader(source, block) as r:
        fast = _windows(r, 150, block)
        assert max(fast) >= 5, fast
        # 40 ms per block: slower than what 2 blocks ahead deliver
        slow = _windows(r, 50, block, pause=0.04)
        assert slow[-1] <= 3, slow
        assert r._cached_bytes() <= (slow[-1] + 2) * block


@pytest.mark.timeout(40)
def test_blocks_are_cut_into_ranges_when_one_connection_is_the_limit() -> None:
    """Every request moves at most 24 MiB/s (plus 5 ms): blocks are then fetched as
    several ranges at once into their buffer, and the bytes stay right."""
    block = 4 * MiB
    source = Latency(payload(80 * MiB, 4), [0.005], cap=24 * MiB)
    with _parts_reader(source) as r:
        got = bytearray()
        while chunk := r.read(MiB):
            got += chunk
        assert got == source.data
        sizes = [end + 1 - start for start, end in source.ranges]
        assert sizes.count(MiB) >= 40, sizes  # most blocks came in four parts
        r.seek(block + 5)
        assert r.read(10) == source.data[block + 5 : block + 15]


@pytest.mark.timeout(20)
def test_fast_connections_keep_whole_blocks() -> None:
    block = 4 * MiB
    source = Latency(payload(48 * MiB, 5), [0.001])  # in memory: GiB/s
    with PrefetchReader(
        source,
        name="m",
        block_size=block,
        max_buffer_size=8 * block,
        max_workers=2,
        adaptive_window=True,
        read_into=source.read_into,
    ) as r:
        assert r.read() == source.data
        # a busy machine can make the first fetch look slow: one fast part is
        # enough to go back to whole blocks
        sizes = [end + 1 - start for start, end in source.ranges[1:]]
        assert sizes.count(block) >= len(source.data) // block - 3, sizes


# -- the same decisions on a simulated clock (no scheduling noise) ---------------


class Simulated:
    """Drives a :class:`Window` block by block on a fake clock: the network
    delivers ``network(window)`` blocks per second, the consumer needs
    ``consumer`` seconds per block; the reader waits for the difference."""

    def __init__(
        self,
        network: Callable[[int], float],
        consumer: float = 0.0,
        block_size: int = MiB,
        limit: int = 16,
    ) -> None:
        self.now = 0.0
        self.network = network
        self.consumer = consumer
        self.size = block_size
        self.window = Window(block_size, limit, clock=lambda: self.now)
        self.window.timed(block_size, 0.001)  # the shortest fetch: a BDP of ~nothing
        self.block = 0

    def run(self, blocks: int) -> list[int]:
        sizes = []
        for _ in range(blocks):
            arrive = 1 / self.network(self.window.size)
            step = max(arrive, self.consumer)
            self.now += step
            self.window.count(self.size)
            self.window.waited(step - self.consumer)
            self.block += 1
            sizes.append(self.window.entered(self.block, 16))
        return sizes


def test_simulated_window_climbs_while_each_step_pays() -> None:
    sim = Simulated(lambda window: 10.0 * window)  # depth always pays
    sizes = sim.run(150)
    assert 16 in sizes[:60], sizes  # doubling: 2, 4, 8, 16
    # at the ceiling it now and then tries less, and comes back
    assert statistics.median(sizes[-60:]) == 16, sizes


def test_simulated_window_settles_where_depth_stops_paying() -> None:
    sim = Simulated(lambda window: 10.0 * min(window, 5))  # nothing past 5
    sizes = sim.run(400)
    assert max(sizes) > 5, sizes  # it tried more
    settled = sizes[100:]
    assert statistics.median(settled) <= 6, settled
    assert max(settled) <= 9, settled  # a step past 5 is taken back


def test_simulated_window_tries_less_and_keeps_it_when_as_fast() -> None:
    """A limit that falls (other traffic took the rest): the window, high before,
    comes down to where the rate is the same."""
    limit = [16]
    sim = Simulated(lambda window: 10.0 * min(window, limit[0]))
    assert statistics.median(sim.run(150)[-60:]) == 16
    limit[0] = 3
    sizes = sim.run(400)
    assert statistics.median(sizes[-100:]) <= 5, sizes


def test_simulated_window_shrinks_for_a_slow_consumer() -> None:
    sim = Simulated(lambda window: 10.0 * window)
    assert statistics.median(sim.run(150)[-60:]) == 16
    sim.consumer = 0.5  # slower than one block ahead delivers
    assert sim.run(40)[-1] <= 2


def test_parts_only_when_one_request_is_slow() -> None:
    window = Window(8 * MiB, 16)
    assert window.parts() == 1  # nothing measured
    window.timed(8 * MiB, 0.2)  # 40 MiB/s over one request
    assert window.parts() == PARTS
    window.timed(2 * MiB, 0.005)  # 400 MiB/s: a fast connection after all
    assert window.parts() == 1
    window.timed(8 * MiB, 0.001, single=False)  # parts together: not one request
    assert Window(8 * MiB, 16).parts() == 1


def test_a_connection_is_judged_net_of_the_shortest_wait_for_a_first_byte() -> None:
    """2 MiB in 24 ms through a 20 ms round trip is a fast connection (whole
    blocks); 2 MiB in 62 ms is a capped one (parts). A late wait does not make a
    slow request look fast (the shortest wait counts), and an answer quicker than
    the wait came from memory and measures nothing."""
    far = Window(8 * MiB, 16)
    far.timed(2 * MiB, 0.024, waited=0.02)
    assert far.parts() == 1
    assert Window(8 * MiB, 16).parts() == 1
    gross = Window(8 * MiB, 16)
    gross.timed(2 * MiB, 0.024)  # 83 MiB/s with the round trip counted
    assert gross.parts() == PARTS
    capped = Window(8 * MiB, 16)
    capped.timed(2 * MiB, 0.062, waited=0.02)
    assert capped.latency == 0.02
    assert capped.parts() == PARTS
    capped.timed(2 * MiB, 0.07, waited=0.065)  # its thread ran late: 5 ms net alone
    assert capped.latency == 0.02
    assert capped.parts() == PARTS
    capped.timed(2 * MiB, 0.0001)  # from memory
    assert capped.parts() == PARTS
    assert capped.best_rate < 100 * MiB


def test_the_open_probe_rate_decides_the_first_blocks() -> None:
    assert Window(8 * MiB, 16, rate=47 * MiB).parts() == PARTS
    assert Window(8 * MiB, 16, rate=1000 * MiB).parts() == 1


def test_the_probe_rate_counts_at_a_share_of_it() -> None:
    """A capped connection's 2 MiB probe reads fast (its first bytes in a burst):
    a probe at 150 MiB/s, over SLOW_CONNECTION, still means parts; 300 does not."""
    assert SLOW_CONNECTION < 150 * MiB < SLOW_CONNECTION / SAMPLE_SHARE
    assert Window(8 * MiB, 16, rate=150 * MiB).parts() == PARTS
    assert Window(8 * MiB, 16, rate=300 * MiB).parts() == 1


def test_a_measured_request_overrules_the_probe() -> None:
    """The probe only stands in until a request of the read is measured: a probe
    that made a capped connection look fast costs the first blocks, not the read."""
    window = Window(8 * MiB, 16, rate=1000 * MiB)
    assert window.parts() == 1
    window.timed(8 * MiB, 0.19, waited=0.02)  # ~47 MiB/s net: one connection is the limit
    assert window.parts() == PARTS
    slow_probe = Window(8 * MiB, 16, rate=40 * MiB)
    slow_probe.timed(8 * MiB, 0.03, waited=0.02)  # 800 MiB/s net: fast after all
    assert slow_probe.parts() == 1


@pytest.mark.timeout(30)
@pytest.mark.parametrize("first_rate", [None, 24 * MiB])
def test_a_slow_first_sample_fetches_the_first_block_in_parts(first_rate: int | None) -> None:
    """The backend timed 2 MiB of the open probe at 24 MiB/s: one connection is the
    limit, so the first block, fetched while the caller waits, comes as parts on
    the pool, and so do the first blocks ahead. Without the sample the first
    requests are whole blocks."""
    block = 4 * MiB
    source = Latency(payload(48 * MiB, 6), [0.005], cap=24 * MiB)
    sample = None if first_rate is None else (2 * MiB, 2 * MiB / first_rate)
    with _parts_reader(source, size=len(source.data), first_sample=sample) as r:
        assert r.read(MiB) == source.data[:MiB]
        first = sorted(source.ranges)[:4]
        if first_rate is None:
            assert (0, block - 1) in source.ranges, source.ranges[:6]  # block 0 whole
        else:
            assert first == [(i * MiB, (i + 1) * MiB - 1) for i in range(4)], first
            assert all(end - start + 1 == MiB for start, end in source.ranges[:8])
        assert r.read() == source.data[MiB:]


@pytest.mark.timeout(30)
def test_parts_answered_outside_the_buffer_still_fill_the_block() -> None:
    """A backend may answer ``read_into`` with bytes of its own (a fall-back
    request, bytes it already held) and leave the buffer alone; a block fetched in
    parts must then take those bytes in, not the buffer's stale ones."""
    source = Latency(payload(32 * MiB, 7), [0.002], cap=24 * MiB)
    calls = itertools.count()

    def read_into(start: int, end: int, buffer: memoryview) -> RangeResult:
        if next(calls) % 2:
            return source(start, end)  # not in place
        return source.read_into(start, end, buffer)

    with _parts_reader(
        source,
        budget=4,
        max_workers=8,
        read_into=read_into,
        size=len(source.data),
        first_sample=(2 * MiB, 2 * MiB / (24 * MiB)),
    ) as r:
        got = bytearray()
        while chunk := r.read(3 * MiB):
            got += chunk
        assert sum(end - start + 1 == MiB for start, end in source.ranges) >= 16
        assert got == source.data


@pytest.mark.timeout(30)
def test_blocks_in_parts_lend_their_buffers_warm_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a slow connection too, a released buffer is lent again with its
    pages: none is given back while reading in order."""
    import megfile_core.io.prefetch as prefetch

    dropped: list[int] = []
    monkeypatch.setattr(prefetch, "_drop_pages", lambda b: dropped.append(id(b)))
    source = Latency(payload(64 * MiB, 8), [0.002], cap=48 * MiB)
    with _parts_reader(source, size=len(source.data), first_sample=(2 * MiB, 0.05)) as r:
        got = bytearray()
        while chunk := r.read(MiB):
            got += chunk
        assert got == source.data
    sizes = [end + 1 - start for start, end in source.ranges]
    assert sizes.count(MiB) >= 48, sizes  # in parts
    assert dropped == []
