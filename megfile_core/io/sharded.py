"""Sharded listing: one sorted key listing, fetched by several requests at once.

An object store lists keys in order, a page per request, each page asking for the
keys after the last one seen. Over a long round trip a listing of many pages is
slow because each page waits for the one before. :func:`sharded_listing` cuts the
key range into ranges listed at once instead; they are disjoint and in order, so
the results are yielded in key order, as one serial listing would give them.

A backend offers it with one function, ``list_page(start_after, last)``: the keys
after ``start_after`` (all keys when None), as many as one request returns, and
whether more follow; keys after ``last`` (a hint) may be returned and are dropped
here. A range with no end reaches ahead one level of the key hierarchy at a time
(:func:`gallop_keys`). A range with an end, once a page of it is known, is cut
into ranges of about :data:`RANGE_PAGES` pages (:func:`keys_ahead`): the page's
keys read as numbers tell how far a page reaches (:func:`pages_left`), counted in
the characters seen at each position, and every digit where keys differ in
digits. A range also hands what it has not listed after
``RANGE_PAGES`` pages to a range of its own, which starts after a key listed, so no
request is lost. Ranges start in key order, nearest the consumer first.

A listing that fits one page costs one request, exactly as a serial one; a long one
about 1.1 requests a page (each range's last page is mostly the next range's keys,
and a range cut where no key turns out to be is one request for nothing; after the
first of those, ranges are cut on the characters seen only). Memory is bounded and
follows the consumer: a range lists only while fewer pages than a window wait or
are asked for before it (and at most ``queue_pages`` of its own). The window is
``4 * queue_pages`` pages at first and doubles each time the consumer waits for a
page (up to ``2 * workers``; the wait for the first page does not count); ranges
are cut only while the consumer waits for a page after its first (so a listing of
two pages costs two requests). A consumer slower than the listing (a sync
downloading every file) gains nothing from more ranges, and gets none.
"""

from __future__ import annotations

import bisect
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

from megfile_core.io.key_ranges import (
    Alphabet,
    gallop_keys,
    keys_ahead,
    learn,
    pages_left,
    split_key,
)

__all__ = [
    "Alphabet",
    "ListPage",
    "gallop_keys",
    "keys_ahead",
    "learn",
    "pages_left",
    "sharded_listing",
    "split_key",
]

T = TypeVar("T")

#: ``list_page(start_after, stop) -> (items, more)``: see the module docstring
ListPage = Callable[[str | None, str | None], tuple[Sequence[T], bool]]

_DONE = object()
#: a listed range keeps about this many pages of what is left in it and leaves the
#: rest to ranges of their own, listed at once: each range costs a request (or part
#: of one) more where it ends
RANGE_PAGES = 4.0
#: the same for the range the consumer reads: its pages are needed first
HEAD_PAGES = 2.0


class _Shard(Generic[T]):
    """The keys after ``start_after`` up to ``last`` (None: no end), and the pages
    found there, in order; listed by a thread of its own once started."""

    def __init__(self, start_after: str | None, last: str | None) -> None:
        self.start_after = start_after
        self.last = last
        self.pages: queue.Queue[object] = queue.Queue()  # bounded by the budget
        self.next: _Shard[T] | None = None
        self.started = False
        #: made by a cut where keys were expected (not a hand-off after a key)
        self.cut = False
        #: waiting for a request slot (the one nearest the consumer gets it first)
        self.wanting = False


class _Listing(Generic[T]):
    """The shards in key order from the one the consumer reads (``head``). A started
    shard lists its range a page after the other. After a page, while the consumer
    waits, it cuts what is left into shards of about ``RANGE_PAGES`` pages, not
    started (with no end known: ranges reaching ahead level by level); after
    ``RANGE_PAGES`` pages it hands the rest to a shard of its own. Shards start in
    key order while fewer than ``2 * workers`` pages wait or are asked for before
    them: the requests in flight, ``workers`` at most, are the pages needed soonest,
    a few from each of many short ranges."""

    def __init__(
        self,
        list_page: ListPage[T],
        key: Callable[[T], str],
        workers: int,
        depth: int,
        prefix: str = "",
    ) -> None:
        self.list_page = list_page
        self.key = key
        #: what every key listed starts with: ranges are never cut inside it
        self.prefix = prefix
        self.workers = max(1, workers)
        self.depth = max(1, depth)
        self.budget = 2 * self.workers
        self.lock = threading.Lock()
        #: notified whenever the budget may have changed: a page taken by the
        #: consumer, a request done, a shard made, the listing closed
        self.changed = threading.Condition(self.lock)
        self.head: _Shard[T] | None = None
        #: started shards not finished, at most ``2 * workers`` (a shard whose
        #: pages wait for the consumer holds a thread but no request)
        self.live = 0
        #: requests in flight, at most ``workers``
        self.busy = 0
        self.closed = threading.Event()
        #: the characters seen at each position of a key (split points use them)
        self.alphabet: list[set[str]] = []
        #: set while the consumer waits for a page; ranges are cut only then
        self.starved = threading.Event()
        #: whether the consumer had to wait for the last page it took
        self.hungry = False
        self.pages_taken = 0
        #: the pages that may wait or be asked for: four times ``depth`` at first,
        #: doubled each time the consumer waits for a page (not the first), up to
        #: ``budget``: a consumer slower than the listing never makes it grow
        self.window = min(4 * self.depth, self.budget)
        #: cut ranges found empty: after one, the keys are taken to have gaps where
        #: characters were not seen, and ranges are cut on those seen only
        self.empty_cuts = 0

    def _start_more(self) -> None:
        """Start the shards next in key order that the window allows (lock held):
        those with fewer than ``window`` pages waiting before them, while fewer
        than ``2 * workers`` shards list; the consumer's own shard always."""
        if self.closed.is_set():
            return
        current, waiting = self.head, 0
        while current is not None and waiting < self.window:
            if not current.started:
                if current is not self.head and self.live >= 2 * self.workers:
                    return
                self._start(current)
            waiting += current.pages.qsize()
            current = current.next

    def _skip_empty(self, shard: _Shard[T], beyond: str) -> None:
        """Finish, without a request, the shards not started after ``shard`` that
        end before ``beyond``, the first key after ``shard`` (lock held): ranges
        made where keys were expected, in a gap between them."""
        current = shard.next
        while current is not None and not current.started:
            if current.last is None or current.last >= beyond:
                return
            current.started = True
            current.pages.put(_DONE)
            current = current.next

    def _start(self, shard: _Shard[T]) -> None:
        shard.started = True
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
            shard.wanting = True
            try:
                while not self.closed.is_set():
                    if self.busy < self.workers and self._within_budget(shard):
                        self.busy += 1
                        return True
                    self.changed.wait(0.5)
            finally:
                shard.wanting = False
        return False

    def _release(self) -> None:
        with self.changed:
            self.busy -= 1
            self.changed.notify_all()

    def _within_budget(self, shard: _Shard[T]) -> bool:
        """Whether ``shard`` may ask for one more page: it holds fewer than
        ``depth``, fewer than ``2 * workers`` pages wait or are asked for before
        it, and no range nearer the consumer waits to ask: the pages that wait are
        the ones needed soonest."""
        if shard.pages.qsize() >= self.depth:
            return False
        current, waiting = self.head, self.busy  # the requests out become pages
        while current is not None and current is not shard:
            held = current.pages.qsize()
            if current.wanting and held < self.depth and waiting < self.window:
                return False  # a range nearer the consumer, that may ask, asks first
            waiting += held
            current = current.next
        return current is shard and waiting < self.window

    def _within(self, items: Sequence[T], bound: str | None) -> Sequence[T]:
        """The items of a page up to ``bound`` (a page is in key order)."""
        if bound is None or not items or self.key(items[-1]) <= bound:
            return items
        return items[: bisect.bisect_right(items, bound, key=self.key)]

    def _cut(self, shard: _Shard[T], page: list[str]) -> None:
        """Leave what lies beyond about ``RANGE_PAGES`` pages of ``shard`` to new
        shards, not started: with no end known, ranges reaching ahead level by
        level (:func:`gallop_keys`), else one range with the rest."""
        with self.lock:
            alphabet = learn(self.alphabet, page)
            # only a consumer that waits for pages gains from more ranges; one
            # slower than the listing would only see pages wait longer in memory.
            # Its wait for the first page tells nothing of its pace (and may not
            # be over yet as this runs): a sync that downloads every key would
            # cut ranges it never needs, each a request more, and short listings
            # would cost several requests instead of one a page
            waiting = self.starved.is_set() and self.pages_taken > 0
            if self.workers == 1 or not (waiting or self.hungry):
                return
        last = page[-1]
        if shard.last is None:
            points = gallop_keys(page[0], last, alphabet, len(self.prefix))
        else:
            # ranges of about RANGE_PAGES pages each (a page each in the range the
            # consumer waits for), made at once: they start together as far as the
            # budget goes
            size = HEAD_PAGES if shard is self.head else RANGE_PAGES
            complete = self.empty_cuts < 1
            left = pages_left(page[0], last, shard.last, alphabet, complete)
            if left < 1.5 * size:
                return  # short enough: a range cut off costs a request where it ends
            count = min(self.budget // int(size), int(left / size)) if left < 1e9 else 1
            points = keys_ahead(page[0], last, shard.last, alphabet, size, count, complete)
        cut = shard.last is not None  # not ranges reaching ahead level by level
        with self.changed:
            for point in reversed(points):  # each new shard takes what lies above
                upper: _Shard[T] = _Shard(point, shard.last)
                upper.cut = cut
                shard.last = point
                upper.next, shard.next = shard.next, upper

    def _run(self, shard: _Shard[T]) -> None:
        try:
            after, listed = shard.start_after, 0
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
                if len(kept) < len(items):
                    with self.changed:
                        self._skip_empty(shard, self.key(items[len(kept)]))
                        if not kept and shard.cut and after == shard.start_after:
                            self.empty_cuts += 1
                if not more or not items or len(kept) < len(items):
                    break
                after = self.key(items[-1])
                # new ranges need only a sample of the page's characters
                sample = [self.key(i) for i in items[:: max(1, len(items) // 64)]]
                self._cut(shard, sample if sample[-1] == after else [*sample, after])
                listed += 1
                with self.changed:
                    if listed >= RANGE_PAGES and self.workers > 1:
                        # the rest goes to a shard of its own, started in key
                        # order as the budget allows: it starts after a key
                        # listed, so no request is lost
                        rest: _Shard[T] = _Shard(after, shard.last)
                        shard.last = after
                        rest.next, shard.next = shard.next, rest
                        self._start_more()
                        break
                    self._start_more()
            self._put(shard, _DONE)
        except BaseException as error:  # the consumer re-raises it in order
            self._put(shard, error)
        finally:
            with self.changed:
                self.live -= 1
                self._start_more()
                self.changed.notify_all()

    def results(self, head: _Shard[T]) -> Iterator[T]:
        shard: _Shard[T] | None = head
        try:
            while shard is not None:
                try:
                    page = shard.pages.get_nowait()
                    waited = False
                except queue.Empty:
                    self.starved.set()
                    page = shard.pages.get()
                    self.starved.clear()
                    waited = True
                with self.changed:
                    if page is not _DONE and self.pages_taken:
                        # (the wait for the first page tells nothing of the pace)
                        self.hungry = waited
                        if waited:
                            self.window = min(2 * self.window, self.budget)

                    self.head = shard.next if page is _DONE else shard
                    self._start_more()
                    self.changed.notify_all()
                if page is _DONE:
                    shard = shard.next
                    continue
                self.pages_taken += 1
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
    prefix: str = "",
) -> Iterator[T]:
    """Every item ``list_page`` finds, in key order, with up to ``workers`` requests
    in flight once the listing proves longer than a page and the consumer waits for
    its pages (see the module docstring). ``prefix``: what every key found starts
    with (the listing's ``Prefix``), where no range is cut. Closing the iterator
    early stops the workers."""
    listing = _Listing(list_page, key, workers, queue_pages, prefix)
    head: _Shard[T] = _Shard(None, None)
    listing.head = head
    with listing.lock:
        listing._start(head)
    return listing.results(head)
