"""io.pool.bounded_map: the one bounded parallel map (sync, S3 moves and part
copies, HTTP block downloads)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from megfile_core.io.pool import bounded_map


def test_every_item_once_and_results_reach_on_result():
    seen: list[int] = []
    bounded_map(lambda x: x * 2, range(100), 4, on_result=seen.append)
    assert sorted(seen) == [x * 2 for x in range(100)]


def test_at_most_window_calls_are_queued_or_running():
    lock = threading.Lock()
    live = peak = taken = 0
    ahead: list[int] = []

    def items():
        nonlocal taken
        for i in range(40):
            taken += 1
            yield i

    def work(item: int) -> None:
        nonlocal live, peak
        with lock:
            ahead.append(taken - item)  # how far the source was read past this item
            live += 1
            peak = max(peak, live)
        time.sleep(0.005)
        with lock:
            live -= 1

    bounded_map(work, items(), 3, window=5)
    assert peak == 3  # the workers
    assert max(ahead) <= 5  # a lazy source is read only a window ahead


def test_a_slow_call_does_not_hold_the_others_up():
    started: list[float] = []
    begin = time.monotonic()

    def work(item: int) -> None:
        started.append(time.monotonic() - begin)
        time.sleep(0.5 if item == 0 else 0.01)

    bounded_map(work, range(30), 2, window=4)
    # the 30 short calls ran beside the slow first one, not after it
    assert sorted(started)[-1] < 0.45


def test_first_error_is_raised_after_started_calls_end_and_the_rest_is_cancelled():
    ended: list[int] = []

    def work(item: int) -> None:
        if item == 3:
            raise ValueError("boom")
        time.sleep(0.05)
        ended.append(item)

    running_at_raise: list[int] = []
    with pytest.raises(ValueError, match="boom"):
        try:
            bounded_map(work, range(1000), 4)
        finally:
            running_at_raise.append(len(ended))
    assert running_at_raise[0] == len(ended)  # nothing still ran after the raise
    assert len(ended) < 20  # the remaining items were never started


def test_a_shared_executor_is_used_and_left_open():
    with ThreadPoolExecutor(2) as pool:
        names: set[str] = set()
        bounded_map(
            lambda _x: names.add(threading.current_thread().name), range(10), 2, executor=pool
        )
        assert pool.submit(lambda: 1).result() == 1  # still open
    assert names and all("megfile-map" not in name for name in names)


def test_one_worker_runs_inline_and_zero_is_refused():
    names: list[str] = []
    bounded_map(lambda _x: names.append(threading.current_thread().name), range(3), 1)
    assert names == [threading.current_thread().name] * 3
    with pytest.raises(ValueError, match="workers"):
        bounded_map(lambda x: x, [1], 0)


def test_read_executor_per_backend(monkeypatch: pytest.MonkeyPatch):
    from megfile_core.io import pool

    monkeypatch.setenv("MEGFILE_MAX_WORKERS", "3")
    monkeypatch.delenv("MEGFILE_DEMO_MAX_WORKERS", raising=False)
    assert pool.read_workers("demo") == 6  # twice MEGFILE_MAX_WORKERS
    monkeypatch.setenv("MEGFILE_DEMO_MAX_WORKERS", "5")
    assert pool.read_workers("demo") == 5
    assert pool.read_executor("demo") is pool.read_executor("demo")
    monkeypatch.setenv("MEGFILE_DEMO_MAX_WORKERS", "0")
    with pytest.raises(ValueError, match="MEGFILE_DEMO_MAX_WORKERS"):
        pool.read_workers("demo")
