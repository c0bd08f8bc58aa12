"""megfile_core.io.adaptive: the width that follows the work, and the pulling threads."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from megfile_core.io import adaptive
from megfile_core.io.adaptive import Width, adaptive_map, fixed_or_adaptive


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _guessed(width: Width, clock: Clock, wall: float, cpu: float) -> None:
    """Feed the guess: a warm-up call, then calls of ``wall`` seconds and ``cpu`` CPU."""
    while width.guessing:
        clock.now += wall
        width.done(1.0, wall, cpu)


def _run(width: Width, clock: Clock, rate_of: Callable[[int], float], epochs: int) -> list[int]:
    """Let ``width`` judge ``epochs`` epochs in which width w moves ``rate_of(w)``
    calls per second; the width of each epoch judged."""
    seen: list[int] = []
    while len(seen) < epochs:
        size = width.size
        clock.now += 1.0 / rate_of(size)
        before = width._epoch_items
        width.done()
        if before > 0 and width._epoch_items == 0:  # an epoch was judged
            seen.append(size)
    return seen


def test_the_guess_follows_wall_over_cpu() -> None:
    clock = Clock()
    near = Width(16, clock)
    assert near.size == 1 and near.guessing  # one at a time while it measures
    _guessed(near, clock, wall=0.001, cpu=0.0007)  # a near store: mostly CPU
    assert near.size == 3  # ceil(1.5 x 1.43)
    far = Width(16, clock)
    _guessed(far, clock, wall=0.021, cpu=0.0006)  # 20 ms away: mostly waiting
    assert far.size == 16


def test_a_far_store_is_told_after_three_calls_and_one_slow_call_is_no_measure() -> None:
    clock = Clock()
    far = Width(16, clock)
    calls = 0
    while far.guessing:
        calls += 1
        clock.now += 0.02
        far.done(1.0, 0.02, 0.0005)
    assert calls == 1 + 3 and far.size == 16  # the warm-up, then three
    near = Width(16, clock)
    timings = [(0.001, 0.0008)] * 3 + [(0.5, 0.0008)] + [(0.001, 0.0008)] * 10
    for wall, cpu in timings:
        if not near.guessing:
            break
        clock.now += wall
        near.done(1.0, wall, cpu)
    assert near.size == 2  # the 0.5 s answer did not make it 16


def test_the_climb_goes_up_while_it_pays_and_holds_the_best() -> None:
    clock = Clock()
    width = Width(64, clock)
    _guessed(width, clock, wall=0.004, cpu=0.001)  # a guess of 6
    assert width.size == 6
    # throughput grows with the width up to 24 and no further
    seen = _run(width, clock, lambda w: 100.0 * min(w, 24), 30)
    assert 24 in seen and 48 in seen  # it went up, and tried past the best
    assert seen[-1] == 24 and seen.count(24) > seen.count(48)


def test_the_climb_goes_down_where_fewer_threads_move_as_much() -> None:
    clock = Clock()
    width = Width(16, clock)
    _guessed(width, clock, wall=0.02, cpu=0.0005)  # 16
    # every thread past the first only costs: 1 thread is the fastest
    seen = _run(width, clock, lambda w: 1000.0 - 25.0 * (w - 1), 30)
    assert seen[0] == 16 and seen[-1] == 1
    assert seen.count(1) > len(seen) // 2  # it stays there, probing now and then


def test_a_width_held_is_probed_less_and_less_often() -> None:
    clock = Clock()
    width = Width(16, clock)
    _guessed(width, clock, wall=0.003, cpu=0.001)  # 5
    seen = _run(width, clock, lambda w: 800.0 if w == 5 else 500.0, 120)  # 5 is best
    probes = [i for i, w in enumerate(seen) if w != 5]
    gaps = [b - a for a, b in itertools.pairwise(probes) if b - a > 2]
    assert len(gaps) >= 3 and gaps[-1] > gaps[0]  # the holds grow


def test_a_fixed_width_never_moves() -> None:
    width = fixed_or_adaptive(7, 16)
    assert width.size == 7 and not width.guessing
    for _ in range(1000):
        width.done(1.0, 1.0, 0.0)
    assert width.size == 7
    assert fixed_or_adaptive(None, 16).guessing


def test_adaptive_map_runs_every_item_once_and_at_most_the_width_at_once() -> None:
    width = Width(8, start=3, adapt=False)
    running = [0]
    peak = [0]
    lock = threading.Lock()
    seen: list[int] = []

    def call(item: int) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.002)
        with lock:
            running[0] -= 1
            seen.append(item)

    adaptive_map(call, range(200), width)
    assert sorted(seen) == list(range(200))
    assert peak[0] == 3


def test_a_width_of_one_runs_in_the_callers_thread_and_pulls_lazily() -> None:
    pulled: list[int] = []
    threads: set[int] = set()

    def items() -> Iterator[int]:
        for i in range(50):
            pulled.append(i)
            yield i

    def call(item: int) -> None:
        threads.add(threading.get_ident())
        assert len(pulled) == item + 1  # nothing taken ahead of the calls

    adaptive_map(call, items(), Width(1, start=1, adapt=False))
    assert threads == {threading.get_ident()}


def test_the_first_error_is_raised_after_the_running_calls_end() -> None:
    ended: list[int] = []
    started: list[int] = []
    lock = threading.Lock()

    def call(item: int) -> None:
        with lock:
            started.append(item)
        if item == 5:
            raise OSError("copy 5 failed")
        time.sleep(0.01)
        with lock:
            ended.append(item)

    with pytest.raises(OSError, match="copy 5 failed"):
        adaptive_map(call, range(1000), Width(4, start=4, adapt=False))
    assert len(started) < 100  # no new call after the failure is known
    assert sorted(ended) == sorted(i for i in started if i != 5)  # the others ended


def test_an_error_of_the_listing_itself_is_raised() -> None:
    def items() -> Iterator[int]:
        yield 1
        raise PermissionError("listing refused")

    with pytest.raises(PermissionError, match="listing refused"):
        adaptive_map(lambda item: None, items(), Width(4))


def test_the_width_grows_threads_while_running(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls that mostly wait: the guess raises the width from one thread to many."""
    monkeypatch.setattr(adaptive, "GUESS_SECONDS", 10.0)
    names: set[str] = set()
    lock = threading.Lock()

    def call(item: int) -> None:
        with lock:
            names.add(threading.current_thread().name)
        time.sleep(0.005)  # waits, holds no CPU

    width = Width(8)
    adaptive_map(call, range(120), width, name="t-grow")
    assert width.size == 8 and len(names) == 8


def test_the_calls_begun_at_the_width_before_are_not_counted() -> None:
    """After a change the calls in flight ran at the old width, and a new thread's
    first call sets up its client: the next epoch starts after twice the larger
    width in calls."""
    clock = Clock()
    width = Width(16, clock)
    _guessed(width, clock, wall=0.02, cpu=0.0005)  # 16
    for _ in range(32):  # the guess's own change: 2 x 16 calls pass
        clock.now += 0.001
        width.done()
        assert width._epoch_start is None
    seen = _run(width, clock, lambda w: 1000.0, 1)  # judged at 16: probe 8 next
    assert seen == [16] and width.size == 8
    counted = 0
    for _ in range(32):
        clock.now += 0.001
        width.done()
        counted += width._epoch_items
    assert counted == 0
