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
here. A range with no end first reaches ahead (``gallop_key``: a few pages' worth
beyond the page it saw, judged by how far that page reached), then halves.
A listing that fits one page costs one request, exactly as a serial one. Memory is
bounded: each worker holds at most ``queue_pages`` pages ahead of the consumer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

__all__ = ["ListPage", "gallop_key", "midpoint_key", "sharded_listing"]

T = TypeVar("T")

#: ``list_page(start_after, stop) -> (items, more)``: see the module docstring
ListPage = Callable[[str | None, str | None], tuple[Sequence[T], bool]]

#: keys are split only in this alphabet (S3 orders by UTF-8 bytes; in ASCII the
#: byte order and the code point order agree, so a midpoint is a valid key)
_LOW, _HIGH = 0x20, 0x7F
_DONE = object()


_BASE = _HIGH - _LOW + 1
_WIDTH = 4


def _number(text: str) -> int | None:
    """The first ``_WIDTH`` characters of ``text`` as a number (None: not ASCII)."""
    value = 0
    for char in text[:_WIDTH].ljust(_WIDTH, chr(_LOW)):
        digit = ord(char) - _LOW
        if not 0 <= digit < _BASE:
            return None
        value = value * _BASE + digit
    return value


def _text(value: int) -> str:
    digits = []
    for _ in range(_WIDTH):
        value, digit = divmod(value, _BASE)
        digits.append(chr(digit + _LOW))
    return "".join(reversed(digits)).rstrip(chr(_LOW))


def _common(a: str, b: str) -> int:
    common = 0
    while common < min(len(a), len(b)) and a[common] == b[common]:
        common += 1
    return common


def midpoint_key(low: str, high: str | None) -> str | None:
    """A key strictly between ``low`` and ``high`` (``None``: no upper end), or None
    when there is none worth splitting at (they are adjacent, or not ASCII)."""
    if high is not None and high <= low:
        return None
    common = _common(low, high) if high is not None else 0
    a = _number(low[common:])
    b = _number(high[common:]) if high is not None else _BASE**_WIDTH - 1
    if a is None or b is None or (b - a) < 2:
        return None
    key = low[:common] + _text((a + b) // 2)
    if key <= low or (high is not None and key >= high):
        return None
    return key


def gallop_key(first: str, last: str, factor: int) -> str | None:
    """For a range with no upper end: a key about ``factor`` times as far beyond
    ``last`` as one page reached (from ``first`` to ``last``), or None."""
    common = _common(first, last)
    a, b = _number(first[common:]), _number(last[common:])
    if a is None or b is None or b <= a:
        return None
    target = b + (b - a) * factor
    if target >= _BASE**_WIDTH:
        return midpoint_key(last, None)
    key = last[:common] + _text(target)
    return key if key > last else None


class _Shard(Generic[T]):
    """The keys after ``start_after`` up to ``last`` (None: no end), and the pages
    found there, in order."""

    def __init__(self, start_after: str | None, last: str | None, depth: int) -> None:
        self.start_after = start_after
        self.last = last
        self.pages: queue.Queue[object] = queue.Queue(depth)
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
        self.live = 0
        self.closed = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self, shard: _Shard[T]) -> None:
        with self.lock:
            self.live += 1
        thread = threading.Thread(target=self._run, args=(shard,), daemon=True)
        thread.name = "megfile-list"
        self.threads.append(thread)
        thread.start()

    def _put(self, shard: _Shard[T], item: object) -> bool:
        while not self.closed.is_set():
            try:
                shard.pages.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _split(self, shard: _Shard[T], first: str, last: str) -> None:
        """Hand the upper part of what is left of ``shard`` to a new worker."""
        with self.lock:
            if self.live >= self.workers:
                return
        if shard.last is None:  # no end known: reach ahead of the page just seen
            point = gallop_key(first, last, 4 * self.workers)
        else:
            point = midpoint_key(last, shard.last)
        if point is None:
            return
        upper: _Shard[T] = _Shard(point, shard.last, self.depth)
        shard.last = point
        upper.next, shard.next = shard.next, upper
        self.start(upper)

    def _run(self, shard: _Shard[T]) -> None:
        try:
            after = shard.start_after
            while not self.closed.is_set():
                items, more = self.list_page(after, shard.last)
                bound = shard.last
                kept = [i for i in items if bound is None or self.key(i) <= bound]
                if kept and not self._put(shard, kept):
                    return
                if not more or not items or len(kept) < len(items):
                    break
                after = self.key(items[-1])
                self._split(shard, self.key(items[0]), after)
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
                page = shard.pages.get()
                if page is _DONE:
                    shard = shard.next
                    continue
                if isinstance(page, BaseException):
                    raise page
                yield from page  # type: ignore[misc]
        finally:
            self.closed.set()


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
    head: _Shard[T] = _Shard(None, None, listing.depth)
    listing.start(head)
    return listing.results(head)
