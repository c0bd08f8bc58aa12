"""The sharded listing engine over an in-memory sorted key list (the S3 tests run
it against the moto server)."""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from megfile_core.io import sharded
from megfile_core.io.sharded import gallop_keys, learn, sharded_listing, split_key


class Pages:
    """A sorted key list served a page per call; counts the calls in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0


def pages_of(
    keys: list[str],
    size: int,
    calls: list[str | None],
    delay: float = 0.0,
    seen: Pages | None = None,
):
    ordered = sorted(set(keys))  # a store's keys are unique
    seen = seen or Pages()

    def list_page(after: str | None, _last: str | None) -> tuple[list[str], bool]:
        calls.append(after)
        with seen.lock:
            seen.in_flight += 1
            seen.most_in_flight = max(seen.most_in_flight, seen.in_flight)
        if delay:
            time.sleep(delay)
        with seen.lock:
            seen.in_flight -= 1
        start = 0 if after is None else bisect.bisect_right(ordered, after)
        page = ordered[start : start + size]
        return page, start + size < len(ordered)

    return list_page


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF)), max_size=300),
    st.integers(1, 7),
    st.integers(1, 6),
)
def test_yields_every_key_once_in_order(keys: list[str], size: int, workers: int) -> None:
    calls: list[str | None] = []
    found = list(sharded_listing(pages_of(keys, size, calls), str, workers=workers))
    assert found == sorted(set(keys))


def test_one_page_costs_one_request() -> None:
    calls: list[str | None] = []
    assert list(sharded_listing(pages_of(["a", "b"], 10, calls), str, workers=8)) == ["a", "b"]
    assert calls == [None]


def test_a_long_listing_runs_ranges_at_once() -> None:
    keys = [f"k{i:05d}" for i in range(2000)]
    calls: list[str | None] = []
    seen = Pages()
    found = list(sharded_listing(pages_of(keys, 20, calls, 0.005, seen), str, workers=8))
    assert found == keys
    assert seen.most_in_flight >= 4
    assert set(calls) - set(keys) - {None}  # ranges started between keys
    assert len(calls) < 2 * 100  # 100 pages serially; a few empty probes at most


@pytest.mark.parametrize("layout", ["flat", "tree"])
def test_many_short_ranges_list_at_once_at_little_cost(layout: str) -> None:
    """200 pages over a slow round trip: the ranges are cut a few pages long, so
    most of the 16 requests allowed are out while the consumer waits, and each
    range's end costs part of a request, not one each (halving ranges made 1.55
    requests a page with about 5 in flight)."""
    if layout == "flat":
        keys = [f"k{i:06d}.bin" for i in range(20000)]
    else:
        keys = [f"d{i // 100:03d}/f{i % 100:03d}.bin" for i in range(20000)]
    calls: list[str | None] = []
    seen = Pages()
    samples: list[int] = []
    inner = pages_of(keys, 100, calls, 0.02, seen)

    def list_page(after: str | None, stop: str | None) -> tuple[list[str], bool]:
        with seen.lock:
            samples.append(seen.in_flight)  # requests out when this one leaves
        return inner(after, stop)

    found = list(sharded_listing(list_page, str, workers=16))
    assert found == keys
    assert len(calls) <= 1.25 * 200
    assert sum(samples) / len(samples) >= 6  # the old engine: about 3


def test_an_error_in_a_range_reaches_the_caller_in_order() -> None:
    keys = [f"k{i:04d}" for i in range(400)]
    inner = pages_of(keys, 10, [])

    def failing(after: str | None, stop: str | None) -> tuple[list[str], bool]:
        if after is not None and after > "k0300":
            raise PermissionError("denied")
        return inner(after, stop)

    found: list[str] = []
    with pytest.raises(PermissionError):
        for key in sharded_listing(failing, str, workers=4):
            found.append(key)
    assert found == keys[: len(found)]  # a prefix of the listing, nothing out of order
    assert len(found) >= 300


def test_closing_early_stops_the_workers() -> None:
    keys = [f"k{i:05d}" for i in range(5000)]
    calls: list[str | None] = []
    listing = sharded_listing(pages_of(keys, 10, calls, delay=0.002), str, workers=6)
    assert next(listing) == "k00000"
    listing.close()  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    while any(t.name == "megfile-list" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "listing threads still running"
        time.sleep(0.05)
    assert len(calls) < 500


def test_split_key_and_gallop_keys() -> None:
    names = [f"k{i:07d}.bin" for i in range(0, 200000, 7)]
    alphabet = learn([], names)
    point = split_key("k0000999.bin", "k0199999.bin", alphabet)
    assert point is not None and "k0000999.bin" < point < "k0199999.bin"
    assert split_key("k0010999.bin", "k01", alphabet) == "k006"  # digits only there
    assert split_key("b", "a", alphabet) is None  # no room the wrong way round
    assert split_key("k01", "k01", alphabet) is None
    point = split_key("é1", "ü", learn([], ["é1", "ö2", "ü3"]))
    assert point == "ö"
    tree = learn(
        [], [f"d{i:04d}/f{j:04d}.bin" for i in range(0, 200, 3) for j in range(0, 1000, 7)]
    )
    points = gallop_keys("d0000/f0000.bin", "d0000/f0999.bin", tree)
    assert points == sorted(set(points))  # increasing: the ranges follow each other
    assert all(p > "d0000/f0999.bin" for p in points)
    # the next sibling of each level above the page: the ranges grow as they go
    assert {"d0001", "d001", "d01", "d1"} <= set(points)
    assert all("d0000/f0999.bin".startswith(p[:-1]) for p in points)


def test_one_worker_lists_one_page_after_the_other() -> None:
    keys = [f"k{i:05d}" for i in range(500)]
    calls: list[str | None] = []
    seen = Pages()
    found = list(sharded_listing(pages_of(keys, 20, calls, 0.001, seen), str, workers=1))
    assert found == keys
    assert calls == [None, *keys[19:-1:20]]  # each page after the last key seen
    assert seen.most_in_flight == 1


@pytest.mark.parametrize(("workers", "depth"), [(4, 2), (16, 4)])
def test_pages_waiting_for_a_consumer_are_bounded(
    monkeypatch: pytest.MonkeyPatch, workers: int, depth: int
) -> None:
    """However long the listing, the pages waiting for a consumer about as fast as
    the listing are bounded by the settings: memory does not grow with the keys."""
    from megfile_core.io import sharded

    listed = [0]
    put = sharded._Listing._put

    def counting(self: object, shard: object, item: object) -> bool:
        if isinstance(item, list):
            listed[0] += len(item)
        return put(self, shard, item)  # type: ignore[arg-type]

    monkeypatch.setattr(sharded._Listing, "_put", counting)
    keys = [f"d{i // 100:03d}/f{i % 100:02d}" for i in range(20000)]
    most_waiting = 0
    listing = sharded_listing(
        pages_of(keys, 10, [], 0.001), str, workers=workers, queue_pages=depth
    )
    for index, _ in enumerate(listing):
        if index % 10 == 0:
            time.sleep(0.0005)  # a consumer slower than the workers
            most_waiting = max(most_waiting, listed[0] - index)
    assert listed[0] == len(keys)
    # pages of 10 keys: 2 a worker for the ranges next in line, at most the depth
    # for each range a split pushed back (3 threads a worker), one page in flight
    # a worker: bounded by the settings, not by the 2,000 pages of the listing
    assert most_waiting <= (2 * workers + 3 * workers * depth + workers) * 10


def test_a_consumer_slower_than_the_listing_gets_no_more_ranges() -> None:
    """A consumer slower than one request after the other (a sync downloading each
    file) gains nothing from more ranges: they would only fetch pages that wait in
    memory, and cost a request each where they end. Ranges split only while the
    consumer waits, so the pages waiting stay few and the requests close to the
    pages of the listing."""
    from megfile_core.io import sharded

    keys = [f"d{i // 100:03d}/f{i % 100:02d}" for i in range(5000)]
    calls: list[str | None] = []
    lists: list[sharded._Listing[str]] = []
    real = sharded._Listing.results

    def remembered(self: sharded._Listing[str], head: sharded._Shard[str]) -> Iterator[str]:
        lists.append(self)
        return real(self, head)

    def waiting(listing: sharded._Listing[str]) -> int:
        """Pages of keys waiting (not the end markers of finished ranges)."""
        shard, pages = listing.head, 0
        while shard is not None:
            pages += sum(isinstance(item, list) for item in list(shard.pages.queue))
            shard = shard.next
        return pages

    most_waiting = 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sharded._Listing, "results", remembered)
        listing = sharded_listing(pages_of(keys, 100, calls, 0.005), str, workers=16, queue_pages=4)
        for index, _ in enumerate(listing):
            if index % 10 == 0:
                time.sleep(0.002)  # 20 ms a page of 100: slower than 5 ms a request
            if index % 100 == 0:
                most_waiting = max(most_waiting, waiting(lists[0]))
    assert index + 1 == len(keys)
    # no range splits while the consumer waits for the first page, and ranges hold
    # at most their depth; without the rule, 16 workers fetch ahead into up to 48
    assert most_waiting <= 2 * 16 + 4
    # 50 pages; a range that ends costs one request more
    assert len(calls) <= 50 * 1.3


def test_pages_left_reads_keys_as_numbers() -> None:
    keys = [f"k{i:05d}" for i in range(0, 100000, 7)]
    alphabet = learn([], keys)
    # a page from k01000 to k01999, the range ending at k09000: about 7 pages
    assert 5 < sharded.pages_left("k01000", "k01999", "k09000", alphabet) < 9
    assert sharded.pages_left("k01000", "k01999", "k02100", alphabet) < 0.5


@pytest.mark.parametrize("layout", ["flat", "tree"])
def test_ranges_split_only_where_pages_are_left(layout: str) -> None:
    """Each range costs a request where it ends (its last page reaches past it), so
    a range is halved only when about two pages or more are left in it."""
    if layout == "flat":
        keys = [f"k{i:06d}" for i in range(4000)]
    else:
        keys = [f"d{i // 200:03d}/f{i % 200:03d}" for i in range(4000)]
    calls: list[str | None] = []
    found = list(sharded_listing(pages_of(keys, 20, calls, 0.005), str, workers=16))
    assert found == keys
    # 200 pages; halving ranges down to single pages made it about 1.8 requests a page
    assert len(calls) <= 1.5 * 200


def test_keys_ahead_are_a_given_number_of_pages_apart() -> None:
    keys = [f"k{i:05d}.bin" for i in range(0, 10000)]
    # the pages listed so far; digits not seen yet where keys differ are taken to be
    alphabet = learn([], keys[0:1100:3])
    assert "5" not in alphabet[2]
    points = sharded.keys_ahead("k01000.bin", "k01099.bin", "k05000", alphabet, 4, 3)
    assert len(points) == 3
    positions = [bisect.bisect_left(keys, p) for p in points]
    gaps = [b - a for a, b in zip([1100, *positions[:-1]], positions, strict=True)]
    assert all(350 <= gap <= 450 for gap in gaps), (points, gaps)


def _most_waiting_behind_a_slow_consumer(pages: int) -> int:
    from megfile_core.io import sharded

    keys = [f"d{i // 100:04d}/f{i % 100:02d}" for i in range(100 * pages)]
    lists: list[sharded._Listing[str]] = []
    real = sharded._Listing.results

    def remembered(self: sharded._Listing[str], head: sharded._Shard[str]) -> Iterator[str]:
        lists.append(self)
        return real(self, head)

    most = 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sharded._Listing, "results", remembered)
        listing = sharded_listing(pages_of(keys, 100, [], 0.005), str, workers=16)
        for index, _ in enumerate(listing):
            if index % 10 == 0:
                time.sleep(0.001)  # 10 ms a page: slower than 5 ms a request
            if index % 50 == 0:
                shard, waiting = lists[0].head, 0
                while shard is not None:
                    waiting += sum(isinstance(i, list) for i in list(shard.pages.queue))
                    shard = shard.next
                most = max(most, waiting)
    return most


def test_the_pages_waiting_do_not_grow_with_the_listing() -> None:
    """Behind a consumer slower than the listing, the pages that wait depend on the
    settings, not on the number of keys (a sync of 200,000 objects holds no more
    of the listing than one of 20,000); before the consumer's waits counted, the
    ranges started in its first wait kept listing up to the whole budget."""
    short, long = (
        _most_waiting_behind_a_slow_consumer(20),
        _most_waiting_behind_a_slow_consumer(200),
    )
    # the first wait's burst, bounded by the first window (the budget-only engine: 47)
    assert long <= short + 8, (short, long)


def test_a_listing_of_two_pages_costs_two_requests() -> None:
    """The consumer's wait for the first page says nothing of its pace: no range is
    cut then (a sync of two pages of keys used to send 14 listings)."""
    keys = [f"k{i:03d}" for i in range(20)]
    for _ in range(20):  # the cut raced with the consumer's wake-up
        calls: list[str | None] = []
        found = list(sharded_listing(pages_of(keys, 10, calls, 0.002), str, workers=8))
        assert found == keys
        assert calls == [None, "k009"]


def test_ranges_are_never_cut_inside_the_prefix() -> None:
    """Every key starts with the listing's prefix: a range that starts beyond it
    (``data/set0``, ``data/t``, ``e``) is a request for nothing."""
    prefix = "data/set/"
    keys = [f"{prefix}k{i:05d}.bin" for i in range(3000)]
    calls: list[str | None] = []
    listing = sharded_listing(pages_of(keys, 20, calls, 0.005), str, workers=8, prefix=prefix)
    assert list(listing) == keys
    assert len(calls) > 3000 / 20  # ranges were cut
    assert all(after is None or after.startswith(prefix) for after in calls)
    points = gallop_keys(keys[0], keys[19], learn([], keys[:20]), len(prefix))
    assert points and all(p.startswith(prefix) and p > keys[19] for p in points)
