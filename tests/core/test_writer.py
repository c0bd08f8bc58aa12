"""PartWriter against a recording, optionally slow or failing, uploader."""

from __future__ import annotations

import array
import gc
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from megfile_core.io.writer import PartWriter


class UploadError(Exception):
    pass


class Store:
    """Records parts, completions, aborts and single puts, and how many bytes are
    inside ``upload_part`` at once."""

    def __init__(
        self,
        *,
        delay: float = 0.0,
        fail_part: int | None = None,
        fail_complete: bool = False,
        fail_abort: bool = False,
    ) -> None:
        self.delay = delay
        self.fail_part = fail_part
        self.fail_complete = fail_complete
        self.fail_abort = fail_abort
        self.lock = threading.Lock()
        self.parts: dict[int, tuple[int, bytes]] = {}
        self.calls: list[int] = []
        self.completed: list[list[dict[str, Any]]] = []
        self.aborts = 0
        self.singles: list[bytes] = []
        self.inflight = 0
        self.max_inflight = 0
        self.max_parts_inflight = 0
        self.parts_inflight = 0
        self.types: set[type] = set()

    def upload_part(self, number: int, offset: int, data: memoryview) -> dict[str, Any]:
        assert isinstance(data, memoryview)
        nbytes = data.nbytes
        with self.lock:
            self.calls.append(number)
            self.inflight += nbytes
            self.parts_inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
            self.max_parts_inflight = max(self.max_parts_inflight, self.parts_inflight)
            self.types.add(type(data.obj))
        try:
            if self.delay:
                time.sleep(self.delay)
            if number == self.fail_part:
                raise UploadError(f"part {number} failed")
            with self.lock:
                assert number not in self.parts
                self.parts[number] = (offset, bytes(data))
            return {"PartNumber": number, "ETag": f"etag-{number}"}
        finally:
            with self.lock:
                self.inflight -= nbytes
                self.parts_inflight -= 1

    def complete(self, results: list[dict[str, Any]]) -> None:
        if self.fail_complete:
            raise UploadError("complete failed")
        self.completed.append(results)

    def abort(self) -> None:
        self.aborts += 1
        if self.fail_abort:
            raise UploadError("abort failed")

    def put_single(self, data: bytes) -> None:
        assert type(data) is bytes
        self.singles.append(data)

    def writer(self, **options: Any) -> PartWriter[dict[str, Any]]:
        options.setdefault("name", "mem://bucket/key")
        options.setdefault("abort", self.abort)
        return PartWriter(self.upload_part, complete=self.complete, **options)

    def assembled(self) -> bytes:
        """The published object: parts in ``complete`` order, offsets checked."""
        assert len(self.completed) == 1
        out = bytearray()
        for expected, result in enumerate(self.completed[0], 1):
            assert result == {"PartNumber": expected, "ETag": f"etag-{expected}"}
            offset, data = self.parts[expected]
            assert offset == len(out)
            out += data
        return bytes(out)


@pytest.fixture(scope="module")
def executor() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        yield pool


def payload(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


@pytest.mark.timeout(5)
def test_parts_are_uploaded_in_order_and_completed_once(executor: ThreadPoolExecutor) -> None:
    store = Store()
    data = payload(10_500)
    with store.writer(block_size=1000, max_buffer_size=4000, executor=executor) as w:
        assert w.name == "mem://bucket/key"
        assert w.mode == "wb"
        assert w.writable() and not w.readable() and not w.seekable()
        for i in range(0, len(data), 300):
            assert w.write(data[i : i + 300]) == len(data[i : i + 300])
        assert w.tell() == len(data)
    assert w.closed
    assert store.assembled() == data
    assert sorted(store.parts) == list(range(1, 12))
    assert [len(store.parts[n][1]) for n in range(1, 12)] == [1000] * 10 + [500]
    assert store.aborts == 0
    assert store.singles == []


@pytest.mark.timeout(10)
def test_back_pressure_bounds_bytes_in_flight() -> None:
    store = Store(delay=0.02)
    part = 10_000
    budget = 3 * part
    data = payload(20 * part + 123)
    started = time.monotonic()
    with store.writer(block_size=part, max_buffer_size=budget, max_workers=8) as w:
        for i in range(0, len(data), 4096):
            w.write(data[i : i + 4096])
            assert w._inflight <= budget
    elapsed = time.monotonic() - started
    assert store.assembled() == data
    assert store.max_inflight <= budget
    assert store.max_parts_inflight >= 2  # uploads did overlap
    # 21 parts, at most 3 at a time, 20 ms each: at least 7 rounds
    assert elapsed >= 6 * 0.02


@pytest.mark.timeout(10)
def test_budget_smaller_than_a_part_uploads_one_at_a_time(executor: ThreadPoolExecutor) -> None:
    store = Store(delay=0.005)
    data = payload(5000)
    with store.writer(block_size=1000, max_buffer_size=0, executor=executor) as w:
        w.write(data)
    assert store.assembled() == data
    assert store.max_parts_inflight == 1


@pytest.mark.timeout(5)
def test_part_size_function_is_honoured(executor: ThreadPoolExecutor) -> None:
    store = Store()
    sizes: list[int] = []

    def part_size(number: int) -> int:
        sizes.append(number)
        return 100 << ((number - 1) // 2)  # 100, 100, 200, 200, 400, ...

    data = payload(3000)
    with store.writer(part_size=part_size, max_buffer_size=10_000, executor=executor) as w:
        for i in range(0, len(data), 77):
            w.write(data[i : i + 77])
    assert store.assembled() == data
    got = [len(store.parts[n][1]) for n in sorted(store.parts)]
    assert got == [100, 100, 200, 200, 400, 400, 800, 800]
    assert sizes[0] == 1


@pytest.mark.timeout(5)
def test_bad_part_size_is_rejected() -> None:
    store = Store()
    with pytest.raises(ValueError, match="part_size"):
        store.writer(part_size=lambda n: 0)
    with pytest.raises(ValueError, match="block_size"):
        store.writer(block_size=0)
    with pytest.raises(ValueError, match="max_buffer_size"):
        store.writer(block_size=10, max_buffer_size=-1)
    gc.collect()
    # half-built writers are finalized without publishing or aborting anything
    assert store.completed == [] and store.aborts == 0 and store.calls == []


@pytest.mark.timeout(5)
def test_small_object_uses_put_single_only(executor: ThreadPoolExecutor) -> None:
    store = Store()
    with store.writer(block_size=1000, put_single=store.put_single, executor=executor) as w:
        w.write(b"abc")
        w.write(bytearray(b"def"))
        w.flush()
    assert store.singles == [b"abcdef"]
    assert store.calls == []
    assert store.completed == []
    assert store.aborts == 0


@pytest.mark.timeout(5)
def test_exactly_one_part_is_a_single_put(executor: ThreadPoolExecutor) -> None:
    store = Store()
    data = payload(1000)
    with store.writer(block_size=1000, put_single=store.put_single, executor=executor) as w:
        w.write(data[:400])
        w.write(data[400:])
    assert store.singles == [data]
    assert store.calls == [] and store.completed == []


@pytest.mark.timeout(5)
def test_one_byte_past_a_part_is_multipart(executor: ThreadPoolExecutor) -> None:
    for data in (payload(1001), payload(2000), payload(2500)):
        store = Store()
        with store.writer(block_size=1000, put_single=store.put_single, executor=executor) as w:
            w.write(data)
        assert store.singles == []
        assert store.assembled() == data
        assert len(store.completed) == 1


@pytest.mark.timeout(5)
def test_held_first_part_is_dropped_on_abort(executor: ThreadPoolExecutor) -> None:
    store = Store()
    w = store.writer(block_size=1000, put_single=store.put_single, executor=executor)
    w.write(payload(1000))
    assert w.abort()
    assert store.singles == [] and store.calls == [] and store.completed == []


@pytest.mark.timeout(5)
def test_empty_file(executor: ThreadPoolExecutor) -> None:
    store = Store()
    with store.writer(block_size=1000, put_single=store.put_single, executor=executor):
        pass
    assert store.singles == [b""]
    assert store.calls == [] and store.completed == []
    store = Store()
    with store.writer(block_size=1000, executor=executor) as w:
        w.write(b"")
    assert store.completed == [[]]
    assert store.calls == []


@pytest.mark.timeout(5)
def test_flush_does_not_force_a_short_part(executor: ThreadPoolExecutor) -> None:
    store = Store()
    with store.writer(block_size=1000, executor=executor) as w:
        w.write(b"x" * 1500)
        w.flush()
        time.sleep(0.01)
        assert store.calls == [1]
        w.write(b"y" * 500)
    assert store.assembled() == b"x" * 1500 + b"y" * 500


@pytest.mark.timeout(10)
def test_failed_part_surfaces_aborts_once_and_never_completes() -> None:
    store = Store(fail_part=2, delay=0.001)
    w = store.writer(block_size=1000, max_buffer_size=3000, max_workers=4)
    with pytest.raises(UploadError, match="part 2 failed"):
        for _ in range(1000):
            w.write(b"z" * 500)
        w.close()
    assert w.closed
    assert store.aborts == 1
    assert store.completed == []
    with pytest.raises(ValueError, match="closed"):
        w.write(b"more")
    w.close()  # already closed: no-op
    assert w.abort() is False
    assert store.aborts == 1
    assert store.completed == []


@pytest.mark.timeout(5)
def test_failed_last_part_surfaces_at_close(executor: ThreadPoolExecutor) -> None:
    store = Store(fail_part=3)
    w = store.writer(block_size=1000, executor=executor)
    w.write(b"a" * 2500)
    with pytest.raises(UploadError) as info:
        w.close()
    assert str(info.value) == "part 3 failed"  # the original exception
    assert store.aborts == 1 and store.completed == []
    assert w.closed


@pytest.mark.timeout(5)
def test_failure_is_raised_by_flush(executor: ThreadPoolExecutor) -> None:
    store = Store(fail_part=1)
    w = store.writer(block_size=10, executor=executor)
    w.write(b"a" * 10)
    deadline = time.monotonic() + 5
    while not w._box.error and time.monotonic() < deadline:
        time.sleep(0.001)
    with pytest.raises(UploadError):
        w.flush()
    assert store.aborts == 1 and w.closed


@pytest.mark.timeout(5)
def test_failed_complete_aborts(executor: ThreadPoolExecutor) -> None:
    store = Store(fail_complete=True)
    w = store.writer(block_size=10, executor=executor)
    w.write(b"a" * 25)
    with pytest.raises(UploadError, match="complete failed"):
        w.close()
    assert store.aborts == 1


@pytest.mark.timeout(5)
def test_failed_put_single_aborts(executor: ThreadPoolExecutor) -> None:
    store = Store()

    def put_single(data: bytes) -> None:
        raise UploadError("put failed")

    w = store.writer(block_size=10, put_single=put_single, executor=executor)
    w.write(b"abc")
    with pytest.raises(UploadError, match="put failed"):
        w.close()
    assert store.aborts == 1


@pytest.mark.timeout(5)
def test_abort_failure_is_noted_on_the_original_error(executor: ThreadPoolExecutor) -> None:
    store = Store(fail_part=1, fail_abort=True)
    w = store.writer(block_size=10, executor=executor)
    w.write(b"a" * 10)
    with pytest.raises(UploadError, match="part 1 failed") as info:
        w.close()
    assert any("abort failed" in note for note in getattr(info.value, "__notes__", []))


@pytest.mark.timeout(5)
def test_exception_in_with_block_aborts(executor: ThreadPoolExecutor) -> None:
    store = Store()
    with pytest.raises(KeyError):
        with store.writer(block_size=100, executor=executor, put_single=store.put_single) as w:
            w.write(b"q" * 250)
            raise KeyError("user code failed")
    assert store.aborts == 1
    assert store.completed == [] and store.singles == []
    assert w.closed


@pytest.mark.timeout(5)
def test_abort_is_idempotent(executor: ThreadPoolExecutor) -> None:
    store = Store(delay=0.01)
    w = store.writer(block_size=100, executor=executor)
    w.write(b"a" * 1000)
    assert w.abort() is True
    assert w.closed
    assert store.parts_inflight == 0  # running parts were waited for
    assert w.abort() is False
    w.close()
    assert store.aborts == 1
    assert store.completed == []
    other = Store()
    done = other.writer(block_size=100, executor=executor)
    done.write(b"x" * 150)
    done.close()
    assert done.abort() is False
    assert other.aborts == 0
    assert other.assembled() == b"x" * 150


@pytest.mark.timeout(5)
def test_atomic_writer_collected_without_close_aborts(executor: ThreadPoolExecutor) -> None:
    store = Store()
    w = store.writer(block_size=100, executor=executor, atomic=True)
    w.write(b"a" * 250)
    del w
    gc.collect()
    deadline = time.monotonic() + 5
    while store.aborts == 0 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert store.aborts == 1
    assert store.completed == []


@pytest.mark.timeout(5)
def test_atomic_writer_collected_with_parts_in_flight_aborts_after_them() -> None:
    store = Store(delay=0.05)
    w = store.writer(block_size=100, max_workers=2, max_buffer_size=1000, atomic=True)
    w.write(b"a" * 450)
    del w
    gc.collect()
    deadline = time.monotonic() + 5
    while store.aborts == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert store.aborts == 1
    assert store.parts_inflight == 0
    assert store.completed == []


@pytest.mark.timeout(5)
def test_non_atomic_writer_collected_without_close_completes(executor: ThreadPoolExecutor) -> None:
    store = Store()
    w = store.writer(block_size=100, executor=executor)
    w.write(b"a" * 250)
    del w
    gc.collect()
    assert store.assembled() == b"a" * 250
    assert store.aborts == 0


@pytest.mark.timeout(5)
def test_bytes_like_writes(executor: ThreadPoolExecutor) -> None:
    store = Store()
    source = bytearray(b"0123456789" * 30)
    with store.writer(block_size=128, executor=executor) as w:
        assert w.write(memoryview(source)[:100]) == 100
        assert w.write(source) == 300
        source[:] = b"!" * len(source)  # the writer copied what it was given
        assert w.write(array.array("H", [0x4141] * 50)) == 100
        assert w.write(memoryview(b"abcdef")[::2].tobytes()) == 3
        with pytest.raises(TypeError):
            w.write("text")  # type: ignore[arg-type]
    expected = (b"0123456789" * 30)[:100] + b"0123456789" * 30 + b"A" * 100 + b"ace"
    assert store.assembled() == expected


@pytest.mark.timeout(5)
def test_large_bytes_write_is_handed_off_without_copy(executor: ThreadPoolExecutor) -> None:
    store = Store()
    data = payload(10_000)
    with store.writer(block_size=1000, executor=executor) as w:
        w.write(data[:10])
        w.write(data[10:])
    assert store.assembled() == data
    assert bytes in store.types  # whole parts of an immutable write were not copied


@pytest.mark.timeout(5)
def test_ops_after_close_raise_value_error(executor: ThreadPoolExecutor) -> None:
    store = Store()
    w = store.writer(block_size=10, executor=executor)
    w.close()
    for call in (lambda: w.write(b"x"), w.flush, w.tell, w.writable, w.seekable):
        with pytest.raises(ValueError, match="closed"):
            call()
    w.close()
    assert store.completed == [[]]


@pytest.mark.timeout(30)
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    sizes=st.lists(st.integers(0, 700), max_size=30),
    block_size=st.integers(1, 300),
    parts_in_buffer=st.integers(0, 4),
    growth=st.booleans(),
    as_bytes=st.booleans(),
    single=st.booleans(),
)
def test_random_writes_reassemble_exactly(
    sizes: list[int],
    block_size: int,
    parts_in_buffer: int,
    growth: bool,
    as_bytes: bool,
    single: bool,
    executor: ThreadPoolExecutor,
) -> None:
    store = Store()
    data = payload(sum(sizes), len(sizes))
    part_size: Callable[[int], int] | None = (lambda n: block_size + n) if growth else None
    with store.writer(
        block_size=block_size,
        part_size=part_size,
        max_buffer_size=block_size * parts_in_buffer,
        executor=executor,
        put_single=store.put_single if single else None,
    ) as w:
        pos = 0
        for size in sizes:
            chunk = data[pos : pos + size]
            assert w.write(chunk if as_bytes else bytearray(chunk)) == size
            pos += size
        assert w.tell() == len(data)
    first = block_size + 1 if growth else block_size
    if single and len(data) <= first:
        assert store.singles == [data] and store.calls == []
        return
    assert store.assembled() == data
    for number in sorted(store.parts)[:-1]:
        want = block_size + number if growth else block_size
        assert len(store.parts[number][1]) == want
    largest = max((len(part) for _, part in store.parts.values()), default=0)
    assert store.max_inflight <= max(block_size * parts_in_buffer, largest)


@pytest.mark.timeout(5)
def test_defaults_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, executor: ThreadPoolExecutor
) -> None:
    monkeypatch.setenv("MEGFILE_WRITER_BLOCK_SIZE", "100")
    monkeypatch.setenv("MEGFILE_WRITER_MAX_BUFFER_SIZE", "200")
    store = Store()
    with store.writer(executor=executor) as w:
        assert w._budget == 200
        w.write(b"b" * 250)
    assert [len(store.parts[n][1]) for n in sorted(store.parts)] == [100, 100, 50]


# -- adaptive budget (bandwidth-delay product) -----------------------------------


def _write_parts(w: PartWriter[Any], data: bytes, part: int, pause: float = 0.0) -> list[int]:
    """Write ``data`` in quarter parts; the limit after each part."""
    limits = []
    for i in range(0, len(data), part):
        for j in range(i, min(i + part, len(data)), part // 4):
            w.write(data[j : min(j + part // 4, i + part)])
        limits.append(w._limit)
        if pause:
            time.sleep(pause)
    return limits


@pytest.mark.timeout(20)
def test_adaptive_budget_grows_with_slow_uploads() -> None:
    store = Store(delay=0.02)  # every part 20 ms, no shared limit
    part = 10_000
    data = payload(150 * part)
    # default budget: 128 MiB; 32 threads: up to 17 parts (half the threads plus one)
    with store.writer(block_size=part, max_workers=32) as w:
        assert w._limit == 2 * part
        limits = _write_parts(w, data, part)
    assert store.assembled() == data
    assert max(limits) >= 10 * part, limits
    assert store.max_parts_inflight >= 10


@pytest.mark.timeout(20)
def test_adaptive_budget_stays_small_with_instant_uploads() -> None:
    store = Store()
    part = 10_000
    data = payload(150 * part)
    with store.writer(block_size=part, max_workers=16) as w:
        limits = _write_parts(w, data, part)
    assert store.assembled() == data
    assert max(limits) <= 3 * part, limits
    assert store.max_inflight <= 3 * part


@pytest.mark.timeout(30)
def test_adaptive_budget_shrinks_with_a_slow_producer() -> None:
    store = Store(delay=0.02)
    part = 10_000
    data = payload(120 * part)
    with store.writer(block_size=part, max_workers=16) as w:
        fast = _write_parts(w, data[: 80 * part], part)
        assert max(fast) >= 8 * part, fast
        # now a part every 40 ms: one 20 ms upload at a time is enough
        slow = _write_parts(w, data[80 * part :], part, pause=0.04)
        assert slow[-1] <= 3 * part, slow
    assert store.assembled() == data


@pytest.mark.timeout(20)
def test_adaptive_budget_never_queues_more_parts_than_threads() -> None:
    """Slow uploads let the budget grow, but never past one part per pool thread
    (a part beyond them only waits in the queue), and parts of fresh data keep at
    most half the threads plus one parts of memory alive (3 of 4)."""
    store = Store(delay=0.02)
    part = 10_000
    data = payload(100 * part)
    submitted: list[int] = []
    limits: list[int] = []
    with store.writer(block_size=part, max_workers=4) as w:
        for i in range(0, len(data), part):
            w.write(data[i : i + part])  # a new bytes object per part
            submitted.append(w._inflight)
            limits.append(w._limit)
    assert store.assembled() == data
    assert max(limits) <= 4 * part, limits
    assert max(submitted) <= 3 * part, submitted
    assert store.max_parts_inflight == 3


@pytest.mark.timeout(20)
def test_parts_viewing_one_buffer_count_its_memory_once() -> None:
    """One large ``bytes`` written at once: its parts are views of it, held by the
    caller anyway, so they may fill every thread."""
    store = Store(delay=0.02)
    part = 10_000
    data = payload(100 * part)
    with store.writer(block_size=part, max_workers=4) as w:
        w.write(data)
        assert w._kept <= part
    assert store.assembled() == data
    assert store.max_parts_inflight == 4
