"""Sharded listing: one sorted key listing, fetched by several requests at once.

An object store lists keys in order, a page per request, each page asking for the
keys after the last one seen. Over a long round trip a listing of many pages is
slow because each page waits for the one before. :func:`sharded_listing` splits the
key range instead: a worker that finds more keys than one page splits what is left
of its range at a key halfway between the last key it saw and the end of its range,
and a new worker lists the upper half. The halves are disjoint and in order, so the
results are yielded in key order, as one serial listing would give them.

A backend offers it with one function, ``list_page(start_after, last)``: the keys
after ``start_after`` (all keys when None), as many as one request returns, and
whether more follow; keys after ``last`` (a hint) may be returned and are dropped
here. Split points are made of the characters seen in keys so far: a range with no
end reaches ahead one level of the key hierarchy at a time (:func:`gallop_keys`), a
range with an end is halved (:func:`split_key`).
A listing that fits one page costs one request, exactly as a serial one. Memory is
bounded: only the ``workers`` ranges next in line for the consumer list, each at
most ``queue_pages`` pages ahead of it, and about ``2 * workers`` pages in all.
"""

from __future__ import annotations

import bisect
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

__all__ = ["Alphabet", "ListPage", "gallop_keys", "learn", "sharded_listing", "split_key"]

T = TypeVar("T")

#: ``list_page(start_after, stop) -> (items, more)``: see the module docstring
ListPage = Callable[[str | None, str | None], tuple[Sequence[T], bool]]

_DONE = object()


def _median(chars: list[str]) -> str | None:
    return chars[len(chars) // 2] if chars else None


def split_key(last: str, bound: str, alphabet: Alphabet) -> str | None:
    """A key ``k`` with ``last < k < bound`` that halves the keys between them if
    they spread over the characters seen at each position (``alphabet[i]``:
    sorted), or None.

    At the first position where the two differ, a character between theirs; if
    there is none, the next position of ``last`` after its own character."""
    common = 0
    while common < min(len(last), len(bound)) and last[common] == bound[common]:
        common += 1
    if common == len(bound):  # bound is a prefix of last: last >= bound
        return None
    if common < len(last):
        middle = _median(_between(alphabet, common, last[common], bound[common]))
        if middle is not None:
            return last[:common] + middle
    position = common + 1
    while position <= len(last) and position <= common + 8:
        low = last[position] if position < len(last) else ""
        middle = _median(_above(alphabet, position, low))
        if middle is not None:
            key = last[:position] + middle
            if last < key < bound:
                return key
        position += 1
    return None


def pages_left(first: str, last: str, bound: str, alphabet: Alphabet) -> float:
    """About how many pages like the one from ``first`` to ``last`` fit between
    ``last`` and ``bound``: the keys read as numbers in the characters seen at each
    position (from the first position where ``first`` and ``bound`` differ)."""
    common = 0
    while common < min(len(first), len(bound)) and first[common] == bound[common]:
        common += 1

    def place(key: str) -> float:
        value, scale = 0.0, 1.0
        for position in range(common, common + 8):
            chars = _seen(alphabet, position)
            scale /= len(chars) + 1
            if position < len(key):
                value += (bisect.bisect_left(chars, key[position]) + 1) * scale
        return value

    span = place(last) - place(first)
    return (place(bound) - place(last)) / span if span > 0 else float("inf")


def gallop_keys(first: str, last: str, alphabet: Alphabet) -> list[str]:
    """Split keys beyond ``last`` for a range with no end, one per level of the
    key's hierarchy above the page just listed (``first`` to ``last``): the next
    sibling of each prefix of ``last`` (``d0000/f0999`` gives ``d0001``, ``d001``,
    ``d01``, ``d1``, ``e``), so the ranges grow as they go, in increasing order."""
    common = 0
    while common < min(len(first), len(last)) and first[common] == last[common]:
        common += 1
    keys: list[str] = []
    for position in range(min(common, len(last)) - 1, -1, -1):
        # the smallest character above: seen there, else seen anywhere (the
        # first pages of a listing show only the low end of each position)
        if _seen(alphabet, position) == "/":
            continue  # a level of the hierarchy ends here in every key seen
        bigger = _between(alphabet, position, last[position], None)
        if bigger:
            key = last[:position] + bigger[0]
            if key > last and (not keys or key > keys[-1]):
                keys.append(key)
    return keys


#: the characters seen at each position of the keys, sorted
Alphabet = list[str]


def _seen(alphabet: Alphabet, position: int) -> str:
    """The characters seen at ``position``; every character seen anywhere for a
    position no key reached yet, or ``position=-1``."""
    if 0 <= position < len(alphabet) and alphabet[position]:
        return alphabet[position]
    return "".join(sorted(set("".join(alphabet))))


def _between(alphabet: Alphabet, position: int, low: str, high: str | None) -> list[str]:
    """Characters ``low < c < high`` seen at ``position``, else seen anywhere."""
    for chars in (_seen(alphabet, position), _seen(alphabet, -1)):
        found = [c for c in chars if low < c and (high is None or c < high)]
        if found:
            return found
    return []


def _above(alphabet: Alphabet, position: int, low: str) -> list[str]:
    """Characters above ``low`` seen at ``position``; only where no key reached
    that position yet, those seen anywhere. A split point made of a character never
    seen where it stands (``d0036`` while every key has ``/`` after ``d003``) starts
    a range that holds no key: a request for nothing."""
    if 0 <= position < len(alphabet) and alphabet[position]:
        return [c for c in alphabet[position] if c > low]
    return _between(alphabet, position, low, None)


def learn(alphabet: list[set[str]], keys: list[str]) -> Alphabet:
    """Add the characters of ``keys`` (a page, or a sample of one: its first and
    last key count) to ``alphabet``."""
    for key in keys[:: max(1, len(keys) // 64)] + keys[-1:]:
        while len(alphabet) < len(key):
            alphabet.append(set())
        for position, char in enumerate(key):
            alphabet[position].add(char)
    return ["".join(sorted(chars)) for chars in alphabet]


class _Shard(Generic[T]):
    """The keys after ``start_after`` up to ``last`` (None: no end), and the pages
    found there, in order."""

    def __init__(self, start_after: str | None, last: str | None) -> None:
        self.start_after = start_after
        self.last = last
        self.pages: queue.Queue[object] = queue.Queue()  # bounded by the budget
        self.next: _Shard[T] | None = None


class _Listing(Generic[T]):
    def __init__(
        self, list_page: ListPage[T], key: Callable[[T], str], workers: int, depth: int
    ) -> None:
        self.list_page = list_page
        self.key = key
        self.workers = max(1, workers)
        self.depth = max(1, depth)
        self.lock = threading.Lock()
        #: notified whenever the budget may have changed: a page taken by the
        #: consumer, a request done, a range split, the listing closed
        self.changed = threading.Condition(self.lock)
        #: threads at most (one worker: one request after the other, no split)
        self.most_threads = 3 * self.workers if self.workers > 1 else 1
        #: the shard the consumer reads; only the ``workers`` shards from it on list
        #: (see _within_budget)
        self.head: _Shard[T] | None = None
        self.live = 0
        #: requests in flight, at most ``workers``; a worker whose pages wait for
        #: the consumer holds none, so the range being consumed can still split
        self.busy = 0
        self.closed = threading.Event()
        #: the characters seen at each position of a key (split points use them)
        self.alphabet: list[set[str]] = []
        #: set while the consumer waits for a page; ranges split only then
        self.starved = threading.Event()

    def start(self, shard: _Shard[T]) -> None:
        with self.lock:
            self.live += 1
        thread = threading.Thread(target=self._run, args=(shard,), daemon=True)
        thread.name = "megfile-list"
        thread.start()

    def _put(self, shard: _Shard[T], item: object) -> bool:
        """Hand ``item`` to the consumer; False once the listing is closed. The
        queue itself is unbounded: the budget bounds it (_within_budget)."""
        if self.closed.is_set():
            return False
        shard.pages.put(item)
        return True

    def _reserve(self, shard: _Shard[T]) -> bool:
        """Take a request slot once ``shard`` may list one more page (the budget,
        checked while holding the lock); False once the listing is closed."""
        with self.changed:
            while not self.closed.is_set():
                if self.busy < self.workers and self._within_budget(shard):
                    self.busy += 1
                    return True
                self.changed.wait(0.5)
        return False

    def _release(self) -> None:
        with self.changed:
            self.busy -= 1
            self.changed.notify_all()

    def _within_budget(self, shard: _Shard[T]) -> bool:
        """Whether ``shard`` is among the ``workers`` shards next in line for the
        consumer, holds fewer than ``depth`` pages, and the shards before it hold
        fewer than ``2 * workers``: the pages that wait are the ones needed soonest,
        and their number is bounded by the settings, not by the listing."""
        if shard.pages.qsize() >= self.depth:
            return False
        current, position, waiting = self.head, 0, 0
        while current is not None and current is not shard and position < self.workers:
            waiting += current.pages.qsize()
            current, position = current.next, position + 1
        # and all of them together at most twice as many pages as there are workers
        return current is shard and position < self.workers and waiting < 2 * self.workers

    def _within(self, items: Sequence[T], bound: str | None) -> Sequence[T]:
        """The items of a page up to ``bound`` (a page is in key order)."""
        if bound is None or not items or self.key(items[-1]) <= bound:
            return items
        low, high = 0, len(items)
        while low < high:
            middle = (low + high) // 2
            if self.key(items[middle]) <= bound:
                low = middle + 1
            else:
                high = middle
        return items[:low]

    def _split(self, shard: _Shard[T], page: list[str]) -> None:
        """Hand parts of what is left of ``shard`` to new workers: with no end
        known, ranges reaching ahead level by level (:func:`gallop_keys`), else
        the upper half (:func:`split_key`)."""
        with self.lock:
            free = self.most_threads - self.live
            alphabet = learn(self.alphabet, page)
            # only a consumer that waited for a page gains from more ranges; one
            # slower than the listing would only see pages wait longer in memory
            if free <= 0 or not self.starved.is_set() or self.busy >= self.workers - 1:
                return
        last = page[-1]
        if shard.last is None:
            points = gallop_keys(page[0], last, alphabet)[-min(free, self.workers) :]
        elif pages_left(page[0], last, shard.last, alphabet) < 2:
            return  # halves of less than a page each: a request more for nothing
        else:
            point = split_key(last, shard.last, alphabet)
            points = [point] if point is not None else []
        # the last range first: each new shard takes what lies above its point
        for point in reversed(points):
            upper: _Shard[T] = _Shard(point, shard.last)
            with self.changed:
                shard.last = point
                upper.next, shard.next = shard.next, upper
            self.start(upper)

    def _run(self, shard: _Shard[T]) -> None:
        try:
            after = shard.start_after
            while not self.closed.is_set():
                if not self._reserve(shard):
                    return
                try:
                    items, more = self.list_page(after, shard.last)
                finally:
                    self._release()
                bound = shard.last
                kept = self._within(items, bound)
                if kept and not self._put(shard, kept):
                    return
                if not more or not items or len(kept) < len(items):
                    break
                after = self.key(items[-1])
                # split points need only a sample of the page's characters
                sample = [self.key(i) for i in items[:: max(1, len(items) // 64)]]
                self._split(shard, sample if sample[-1] == after else [*sample, after])
            self._put(shard, _DONE)
        except BaseException as error:  # the consumer re-raises it in order
            self._put(shard, error)
        finally:
            with self.lock:
                self.live -= 1

    def results(self, head: _Shard[T]) -> Iterator[T]:
        shard: _Shard[T] | None = head
        try:
            while shard is not None:
                try:
                    page = shard.pages.get_nowait()
                except queue.Empty:
                    self.starved.set()
                    page = shard.pages.get()
                    self.starved.clear()
                with self.changed:
                    self.head = shard.next if page is _DONE else shard
                    self.changed.notify_all()
                if page is _DONE:
                    shard = shard.next
                    continue
                if isinstance(page, BaseException):
                    raise page
                yield from page  # type: ignore[misc]
        finally:
            with self.changed:
                self.closed.set()
                self.changed.notify_all()


def sharded_listing(
    list_page: ListPage[T],
    key: Callable[[T], str],
    *,
    workers: int = 8,
    queue_pages: int = 4,
) -> Iterator[T]:
    """Every item ``list_page`` finds, in key order, with up to ``workers`` requests
    in flight once the listing proves longer than a page (see the module docstring).
    Closing the iterator early stops the workers."""
    listing = _Listing(list_page, key, workers, queue_pages)
    head: _Shard[T] = _Shard(None, None)
    listing.head = head
    listing.start(head)
    return listing.results(head)
