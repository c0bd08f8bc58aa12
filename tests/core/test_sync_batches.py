"""Copies in batches on executors of other processes, and smart_copy_many."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import megfile_core
from megfile_core import smart
from megfile_core.sync_batches import (
    BatchResult,
    batches,
    copy_batch,
    executor_width,
    in_processes,
)


def _items(count: int) -> list[tuple[str, str, str, bool]]:
    return [("/src", f"f{i}", f"/dst/f{i}", False, False) for i in range(count)]


def test_small_trees_spread_over_every_worker_and_big_ones_travel_in_full_batches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MEGFILE_SYNC_BATCH_FILES", raising=False)
    monkeypatch.delenv("MEGFILE_SYNC_BATCH_BYTES", raising=False)
    sizes = [len(b) for b in batches(_items(5000), width=4)]
    assert sizes[:4] == [1, 1, 1, 1]  # one file each while fewer than 4 were sent
    assert sizes[4:8] == [2, 2, 3, 3]  # then 1 + a quarter of the files already sent
    assert max(sizes) == 64 and sizes[-2] == 64
    assert sum(sizes) == 5000


def test_the_limits_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEGFILE_SYNC_BATCH_FILES", "10")
    monkeypatch.setenv("MEGFILE_SYNC_BATCH_BYTES", "1000")
    assert max(len(b) for b in batches(_items(500), width=1)) == 10
    sized = list(batches(_items(40), width=1, size_of=lambda item: 300))
    assert [len(b) for b in sized[:2]] == [1, 2] and sized[-1] == [_items(40)[-1]]
    assert {len(b) for b in sized[2:-1]} == {3}  # 3 x 300 <= 1000 < 4 x 300
    # a file bigger than the limit travels alone
    assert [len(b) for b in batches(_items(3), width=1, size_of=lambda item: 5000)] == [1, 1, 1]
    monkeypatch.setenv("MEGFILE_SYNC_BATCH_FILES", "0")
    with pytest.raises(ValueError, match="MEGFILE_SYNC_BATCH_FILES"):
        list(batches(_items(3), width=1))


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(0, 400),
    width=st.integers(1, 40),
    sizes=st.lists(st.integers(0, 50 << 20), min_size=1, max_size=7),
)
def test_batches_keep_every_item_once_in_order(count: int, width: int, sizes: list[int]) -> None:
    items = _items(count)
    size_of = {item[2]: sizes[i % len(sizes)] for i, item in enumerate(items)}
    grouped = list(batches(items, width, size_of=lambda item: size_of[item[2]]))
    assert [item for batch in grouped for item in batch] == items
    assert all(batch for batch in grouped)
    for batch in grouped:
        assert len(batch) <= 64
        assert len(batch) == 1 or sum(size_of[item[2]] for item in batch) <= 64 << 20


def test_a_failed_copy_does_not_stop_the_rest_of_its_batch(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"aa")
    (tmp_path / "c").write_bytes(b"ccc")
    root = str(tmp_path)
    result = copy_batch(
        [
            (root, "a", str(tmp_path / "out" / "a"), False, False),
            (root, "b", str(tmp_path / "out" / "b"), False, False),  # no such source
            (root, "c", str(tmp_path / "out" / "c"), False, False),
        ]
    )
    assert result.done == [(str(tmp_path / "out" / "a"), 2), (str(tmp_path / "out" / "c"), 3)]
    [(target, error)] = result.failed
    assert target == str(tmp_path / "out" / "b") and isinstance(error, FileNotFoundError)
    assert (tmp_path / "out" / "c").read_bytes() == b"ccc"


class _Unpicklable(Exception):
    def __init__(self, lock: Any) -> None:
        super().__init__("held a lock")
        self.lock = lock


def test_an_error_that_cannot_travel_becomes_an_oserror_saying_what_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from megfile_core import sync_batches

    def broken(item: tuple[str, str, str, bool]) -> tuple[str, int]:
        raise _Unpicklable(threading.Lock())

    monkeypatch.setattr(sync_batches, "copy_item", broken)
    [(_, error)] = copy_batch([("/src", "a", "s3://user:secret@b/a", False, False)]).failed
    assert type(error) is OSError
    assert "_Unpicklable: held a lock" in str(error) and "secret" not in str(error)


class _CountingPool(ProcessPoolExecutor):
    """A process pool that counts the calls sent to it."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.calls = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.calls += 1
        return super().submit(fn, *args, **kwargs)


def _tree(root: Path, count: int) -> dict[str, bytes]:
    files = {f"d{i % 7}/f{i}.bin": os.urandom(i % 50) for i in range(count)}
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    return files


def test_sync_on_a_process_pool_sends_batches_and_counts_every_file_once(tmp_path: Path) -> None:
    files = _tree(tmp_path / "src", 400)
    after: list[str] = []
    moved: dict[str, int] = {}
    with _CountingPool(2) as pool:
        result = smart.smart_sync(
            str(tmp_path / "src"),
            str(tmp_path / "dst"),
            executor=pool,
            callback=lambda source, count: moved.__setitem__(source, count),
            callback_after_copy_file=lambda source, target: after.append(target),
        )
    assert pool.calls < len(files) / 10  # batches, not one call per file
    assert result.copied == len(files) and result.bytes == sum(map(len, files.values()))
    assert sorted(after) == sorted(str(tmp_path / "dst" / r) for r in files)
    for relative, data in files.items():
        assert (tmp_path / "dst" / relative).read_bytes() == data
        assert moved[str(tmp_path / "src" / relative)] == len(data)


def test_a_failed_copy_in_a_worker_is_raised_after_the_others_are_counted(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").write_bytes(b"a")
    pairs = [(str(tmp_path / "a"), str(tmp_path / "out" / f"{i}")) for i in range(200)]
    pairs.insert(2, (str(tmp_path / "missing"), str(tmp_path / "out" / "m")))
    done: list[str] = []
    with ProcessPoolExecutor(1) as pool, pytest.raises(FileNotFoundError):
        smart.smart_copy_many(
            pairs,
            executor=pool,
            max_workers=1,
            callback_after_copy_file=lambda source, target: done.append(target),
        )
    # every copy made was counted, whichever batch came back first; the batches
    # before the failing one (one file, then two) were sent before it was known
    made = sorted(str(p) for p in (tmp_path / "out").iterdir())
    assert sorted(done) == made
    assert len(made) <= 10  # no batch was sent once the failure was known
    assert {str(tmp_path / "out" / "0"), str(tmp_path / "out" / "1")} <= set(done)


def test_smart_copy_many_refuses_what_is_no_list_of_pairs(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"a")
    with pytest.raises(TypeError, match=r"pairs must be an iterable of \(src_path, dst_path\)"):
        smart.smart_copy_many(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="each item of pairs must be a"):
        smart.smart_copy_many([str(tmp_path / "a")])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="dst_path"):
        smart.smart_copy_many([(str(tmp_path / "a"), 1.5)])


@pytest.mark.parametrize("pool", ["threads", "processes", "none"])
def test_smart_copy_many(tmp_path: Path, pool: str) -> None:
    sources = {f"s{i}.bin": os.urandom(i * 3) for i in range(30)}
    for name, data in sources.items():
        (tmp_path / name).write_bytes(data)
    pairs = [(tmp_path / name, f"{tmp_path}/out/{i % 3}/{name}") for i, name in enumerate(sources)]
    # the same target twice (same bytes: the two copies may run at once)
    pairs += [(tmp_path / "s2.bin", f"{tmp_path}/out/dup")] * 2
    after: list[tuple[str, str]] = []
    executor = {
        "threads": lambda: ThreadPoolExecutor(4),
        "processes": lambda: ProcessPoolExecutor(2),
        "none": lambda: None,
    }[pool]()
    try:
        result = megfile_core.smart_copy_many(
            pairs, executor=executor, callback_after_copy_file=lambda s, d: after.append((s, d))
        )
    finally:
        if executor is not None:
            executor.shutdown()
    assert result.copied == len(pairs)
    assert result.bytes == sum(len(sources[Path(s).name]) for s, _ in pairs)
    for source, target in pairs[:-2]:
        assert Path(target).read_bytes() == Path(source).read_bytes()
    assert (tmp_path / "out" / "dup").read_bytes() == sources["s2.bin"]
    assert sorted(after) == sorted((str(s), str(d)) for s, d in pairs)


def test_executor_width_and_kind() -> None:
    with ThreadPoolExecutor(3) as threads, ProcessPoolExecutor(2) as processes:
        assert executor_width(threads) == 3 and executor_width(processes) == 2
        assert not in_processes(threads) and in_processes(processes)
    assert executor_width(None) is None and not in_processes(None)


def test_batch_results_travel() -> None:
    import pickle

    result = BatchResult(done=[("/x", 1)], failed=[("/y", FileNotFoundError(2, "gone"))])
    back = pickle.loads(pickle.dumps(result))
    assert back.done == [("/x", 1)] and isinstance(back.failed[0][1], FileNotFoundError)


def test_a_worker_copies_fewer_at_once_while_busy_and_more_while_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from megfile_core.sync_batches import _MAX_THREADS, _BatchWidth

    monkeypatch.delenv("MEGFILE_SYNC_BATCH_THREADS", raising=False)
    width = _BatchWidth()
    start = width.threads()
    width.learn(start, wall=1.0, cpu=0.95)  # the batch kept the CPU busy
    assert width.threads() == max(1, start // 2)
    width.learn(width.threads(), wall=1.0, cpu=0.9)
    width.learn(width.threads(), wall=1.0, cpu=0.9)
    assert width.threads() == 1  # never below one
    for _ in range(10):  # batches that mostly waited for round trips
        width.learn(width.threads(), wall=1.0, cpu=0.1)
    assert width.threads() == _MAX_THREADS
    width.learn(3, wall=1.0, cpu=0.1)  # a batch of a few files says nothing of more
    assert width.threads() == _MAX_THREADS
    width.learn(_MAX_THREADS, wall=0.01, cpu=0.01)  # too short to judge
    assert width.threads() == _MAX_THREADS
    monkeypatch.setenv("MEGFILE_SYNC_BATCH_THREADS", "3")
    width.learn(3, wall=1.0, cpu=1.0)
    assert width.threads() == 3  # fixed by the setting


def test_a_batch_copies_several_files_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from megfile_core import sync_batches

    monkeypatch.setenv("MEGFILE_SYNC_BATCH_THREADS", "4")
    running, most = [0], [0]
    lock = threading.Lock()
    release = threading.Barrier(4, timeout=5)

    def copy(item: tuple[str, str, str, bool, bool]) -> tuple[str, int]:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait()  # four copies meet here: they run at once
        with lock:
            running[0] -= 1
        return item[2], 1

    monkeypatch.setattr(sync_batches, "copy_item", copy)
    items = [("/src", f"f{i}", f"/dst/f{i}", False, False) for i in range(8)]
    result = copy_batch(items)
    assert [target for target, _ in result.done] == [item[2] for item in items]
    assert most[0] == 4
