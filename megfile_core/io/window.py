"""How far a sequential :class:`~megfile_core.io.prefetch.PrefetchReader` reads ahead:
the adaptive window (the prefetch module doc, "Memory follows the network").

Two measures size it, and the larger wins:

* **The bandwidth-delay product.** ``rate x shortest fetch time`` are the bytes that
  must be in flight to keep the rate the reader moves at; in blocks, times
  :data:`GAIN`, plus one to spare. It sees latency (a round trip, a slow start) but
  not what only depth pays for: on loopback an 8 MiB GET's shortest time is ~20 ms,
  which asks for ~3 blocks, while more requests in flight can still be faster
  because client and server work overlap.
* **A probe.** While the reader waits for its fetches (the network, not the
  consumer, is the limit), the probe level moves one step after every *epoch*
  (enough blocks for the depth to show; the epoch right after a step is not
  judged, the pipeline is still filling; steps up double the level, and must
  then raise the rate by :data:`DOUBLE_GAIN`, until the first one that does not
  pay, then add half). The rate judged is what *arrives*
  (bytes fetched per second, which a filling or draining buffer does not change),
  kept per level as a running average in which older epochs weigh half as much
  as each newer one. A step up is kept while it raises the rate by
  :data:`STEP_GAIN`; one that does not is taken back and the level held for
  :data:`HOLD_EPOCHS` epochs (twice as long after each further step that did not
  pay), after which the probe tries one step *down*, kept
  while the rate stays within :data:`STEP_GAIN` of the level above (the same rate
  for less memory; a limit that fell), taken back when it costs. At the ceiling
  it can only try down. While the reader hardly waits the consumer is the limit
  and the level halves per epoch: blocks would only pile up ahead.

Neither keeps more than :data:`AHEAD_BYTES` in flight, or a third of the
read-ahead budget when that is more (``limit + 1`` blocks: ~43 MiB by default, 5
blocks of 8 MiB). The bandwidth-delay product once had no such bound: through a
20 ms round trip it asked for 6-9 blocks (peak RSS 125-149 MiB), and capped at 5
it read as fast (566-574 MiB/s against 566, medians of 3). A user who raises the
budget for a longer, faster path raises this with it. The window starts at :data:`START`
blocks, grows at most to ``2w + 1`` per block, shrinks by at most a quarter per
block (buffers stay in use through a dip), and never passes ``limit`` (the pool's
threads, or the read-ahead ceiling).

**Ranges smaller than a block.** When one connection is the limit -- a whole-block
request (of at least :data:`MIN_PART`) at its best moved less than
:data:`SLOW_CONNECTION` -- a block is fetched as
:data:`PARTS` ranges at once into its buffer. Behind a per-connection cap the same
connections then fill each block sooner, so fewer blocks (fewer bytes) are in
flight for the same rate: at 400 Mbit/s and 20 ms an 8 MiB range takes ~0.2 s, a
2 MiB one ~0.06 s. A fast connection (loopback) keeps whole blocks: more requests
would cost CPU there and gain nothing.

A request's time is its round trip plus its transfer, and only the transfer says
how fast one connection is: a request's rate is taken net of the shortest wait
for a first byte seen (``RangeResult.waited``, when the backend times it). The
shortest, not each request's own: a pool thread that gets the interpreter late
sees its answer's headers late and the body already waiting, which would make a
slow connection look fast. An answer quicker than its wait came from memory (a
backend serving bytes an earlier request brought says that request's wait) and
is no measure.
The body of the open probe, timed by the backend from its first byte, gives the
first ``rate``: behind a per-connection cap the first blocks are then fetched in
parts too, instead of 8 MiB on one connection each (0.2 s at 400 Mbit/s, which
the reader would wait for at the start). It counts at :data:`SAMPLE_SHARE`:
2 MiB is a short measure, and its first bytes come in a burst (what the kernel and
a rate-capping hop let pass at once). A connection capped at ~48 MiB/s gave probe
rates of 58-117 MiB/s, around :data:`SLOW_CONNECTION`, so the first blocks were
whole one time and in parts the next (161-166 against 240-263 MiB/s reading 256
MiB); a loopback connection's probe moves at 700 MiB/s and more. And it only
stands in until a request of the read itself is measured: a probe that made a
capped connection look fast costs the first blocks, not the whole read.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from megfile_core.io.ranges import RangeResult, RangeSource

#: blocks ahead before anything was measured
START = 2
#: over the measured bandwidth-delay product
GAIN = 1.5
#: blocks over which the reader's rate is taken for the bandwidth-delay product
PACE_SAMPLES = 16
#: a probe step that raised the rate by less than this is taken back
STEP_GAIN = 1.1
#: the same for a step that doubled the level (a noisy epoch must not double it)
DOUBLE_GAIN = 1.25
#: epochs a level that did not pay is held before probing again
HOLD_EPOCHS = 2
#: the most the window keeps in flight unless a third of the budget is more:
#: beside the ~70 MiB an interpreter with an S3 client takes, the block being
#: read and the copy ``read()`` returns, this keeps a reader near 128 MiB; the
#: depth the probe found paying on loopback beyond ~4 blocks of 8 MiB came with
#: memory (peak RSS 133-203 MiB, docs/benchmarks.md) for gains within the noise
AHEAD_BYTES = 40 << 20
#: ... and the share of the read-ahead budget it may use when that is more
BUDGET_SHARE = 3
#: the longest hold (see :meth:`Window._back`)
MAX_HOLD = 32
#: the reader waited for at least this share of an epoch: the network is the limit
NETWORK_BOUND = 0.2
#: the reader waited for less: the consumer is the limit
CONSUMER_BOUND = 0.05
#: the fewest blocks in an epoch
EPOCH_MIN = 4
#: a whole-block fetch slower than this (bytes/s) at its best: one connection is
#: the limit and blocks are fetched as :data:`PARTS` ranges at once
SLOW_CONNECTION = 100 << 20
#: the share of the open probe's rate that counts (module doc): its 2 MiB come
#: partly in a burst, so it overstates a capped connection
SAMPLE_SHARE = 0.5
#: ranges a block is cut into when one connection is the limit
PARTS = 4
#: no range smaller than this when cutting blocks
MIN_PART = 1 << 20


class Window:
    """The measures behind the window of one reader. Pool threads write the fetch
    times; the reader calls :meth:`entered` and :meth:`waited`. Kept apart from
    the reader, like :class:`~megfile_core.io.ranges.RangeSource`, so that pool
    tasks do not hold the reader alive."""

    __slots__ = (
        "_backoff",
        "_clock",
        "_doubling",
        "_down_next",
        "_epoch",
        "_hold",
        "_level",
        "_lock",
        "_prior",
        "_rates",
        "_settle",
        "_step",
        "best_rate",
        "block_size",
        "ceiling",
        "entered_at",
        "fetched",
        "first_rate",
        "latency",
        "min_time",
        "size",
        "stalled",
    )

    def __init__(
        self,
        block_size: int,
        limit: int,
        clock: Callable[[], float] = time.monotonic,
        rate: float | None = None,
    ) -> None:
        self.block_size = block_size
        self._clock = clock
        #: the shortest wait for a first byte seen, in seconds (module doc)
        self.latency: float | None = None
        #: the most blocks ahead (:data:`AHEAD_BYTES`, :data:`BUDGET_SHARE`)
        ahead = max(AHEAD_BYTES, (limit + 1) * block_size // BUDGET_SHARE)
        self.ceiling = max(START, ahead // block_size)
        #: the current window, in blocks ahead
        self.size = min(START, limit)
        #: shortest time a fetch of a whole block took (the pool threads write it)
        self.min_time = math.inf
        #: the fastest one request of at least :data:`MIN_PART` moved (bytes/s),
        #: net of its wait
        self.best_rate = 0.0
        #: ``rate``, an earlier request's (the open probe's body), at
        #: :data:`SAMPLE_SHARE`: what :meth:`parts` goes by until a request is measured
        self.first_rate = (rate or 0.0) * SAMPLE_SHARE
        #: bytes fetched so far (the probe's rate: what arrives, which a buffer
        #: filling or draining does not change, unlike the reader's own pace)
        self.fetched = 0
        self._lock = threading.Lock()
        #: seconds the reader spent waiting for fetches, in total
        self.stalled = 0.0
        self.entered_at: deque[tuple[float, int]] = deque(maxlen=PACE_SAMPLES)
        self._level = self.size  # the probe's level
        self._prior = self.size  # the level before the last step up
        self._step = 0  # the last epoch ended with a step: +1 up, -1 down
        self._down_next = False  # after a hold, the next step goes down
        self._doubling = True  # steps up double the level until one does not pay
        self._settle = False  # the epoch after a step is not judged
        self._rates: dict[int, tuple[float, float]] = {}  # level -> bytes, seconds
        self._hold = 0
        self._backoff = HOLD_EPOCHS  # the next hold
        #: when the epoch began, its first block, ``stalled`` and ``fetched`` then
        self._epoch: tuple[float, int, float, int] | None = None

    # -- measures ------------------------------------------------------------

    def fetch(
        self, src: RangeSource, start: int, stop: int, buffer: memoryview | None = None
    ) -> RangeResult:
        """``src.fetch`` (one request), timed and counted."""
        began = self._clock()
        result = src.fetch(start, stop, buffer)
        self.timed(stop - start, self._clock() - began, waited=result.waited)
        self.count(stop - start)
        return result

    def timed(
        self, nbytes: int, seconds: float, single: bool = True, waited: float | None = None
    ) -> None:
        """A fetch of ``nbytes`` took ``seconds``, ``waited`` of them (when the
        backend says) for the first byte; ``single``: over one request (a block
        fetched in parts is not). Whole blocks give the shortest block time; single
        requests the best rate of one connection, net of the wait (module doc)."""
        if nbytes == self.block_size and seconds < self.min_time:
            self.min_time = seconds  # a lost race only keeps a larger time
        latency = self.latency
        if waited is not None and (latency is None or waited < latency):
            self.latency = latency = waited  # a lost race only keeps a longer wait
        if single and nbytes >= MIN_PART:
            net = seconds - (latency or 0.0)
            if net > 0:  # else answered from memory: no measure of a connection
                self.best_rate = max(self.best_rate, nbytes / net)

    def count(self, nbytes: int) -> None:
        """``nbytes`` arrived (what :meth:`fetch` counts itself)."""
        with self._lock:
            self.fetched += nbytes

    def waited(self, seconds: float) -> None:
        """The reader waited ``seconds`` for a fetch."""
        self.stalled += seconds

    def parts(self) -> int:
        """Ranges a block is fetched as: :data:`PARTS` when one connection is the
        limit (module doc), else 1."""
        rate = self.best_rate or self.first_rate
        if rate <= 0 or self.block_size < 2 * MIN_PART:
            return 1  # nothing measured yet
        if rate >= SLOW_CONNECTION:
            return 1
        return max(1, min(PARTS, self.block_size // MIN_PART))

    # -- the window ----------------------------------------------------------

    def entered(self, block: int, limit: int) -> int:
        """The reader moved into ``block``: the new window (module doc), between 1
        and ``limit``."""
        now = self._clock()
        self.entered_at.append((now, block))
        limit = min(limit, self.ceiling)
        self._probe(now, block, limit)
        target = max(self._need(now, block, limit), self._level)
        current = self.size
        self.size = max(min(target, 2 * current + 1), min(current - max(1, current // 4), limit), 1)
        self.size = min(self.size, max(1, limit))
        return self.size

    def _need(self, now: float, block: int, limit: int) -> int:
        """The bandwidth-delay product in blocks, times :data:`GAIN`, plus one."""
        entered = self.entered_at
        if len(entered) < 3 or self.min_time == math.inf:
            return 1
        since, first = entered[0]
        if now <= since:
            return 1
        rate = (block - first) * self.block_size / (now - since)
        need = rate * self.min_time / self.block_size
        return max(1, min(limit, math.ceil(GAIN * need) + 1))

    def _probe(self, now: float, block: int, limit: int) -> None:
        """End an epoch when it is long enough and move the probe level."""
        epoch = self._epoch
        if epoch is None:
            self._epoch = (now, block, self.stalled, self.fetched)
            return
        began, first, stalled, fetched = epoch
        if block - first < max(EPOCH_MIN, self.size + 1) or now <= began:
            return
        self._epoch = (now, block, self.stalled, self.fetched)
        elapsed = now - began
        waiting = (self.stalled - stalled) / elapsed
        level = self._level
        if waiting < CONSUMER_BOUND:  # the consumer is the limit: less ahead
            self._level = max(1, level // 2)
            self._step = 0
            self._settle = False
            return
        if self._settle:  # the first epoch after a step: the pipeline refills
            self._settle = False
            return
        rate = self._record(level, self.fetched - fetched, elapsed)
        step, self._step = self._step, 0
        if waiting < NETWORK_BOUND:
            return
        prior = self._rate(self._prior)
        if step > 0 and rate < prior * (DOUBLE_GAIN if self._doubling else STEP_GAIN):
            self._back(down=True)  # more depth did not pay: back, try less next
        elif step < 0 and rate * STEP_GAIN < prior:
            self._back(down=False)  # less depth cost: back, try more next
        elif step < 0 or self._hold > 0:
            if step:  # a cheaper level as good: stay, and probe again soon
                self._backoff = HOLD_EPOCHS
            self._hold = max(0, self._hold - 1)
        elif (self._down_next or level >= limit) and level > 1:
            self._prior, self._step, self._settle = level, -1, True
            self._level = level - max(1, level // 3)
        elif level < limit:
            if step:  # the step up paid: probe again soon
                self._backoff = HOLD_EPOCHS
            self._prior, self._step, self._settle = level, 1, True
            grow = level if self._doubling else max(1, level // 2)
            self._level = min(limit, level + grow)

    def _back(self, down: bool) -> None:
        """A step did not pay: return to the level before it and hold there, for
        :data:`HOLD_EPOCHS` epochs after a step that paid and twice as long after
        each further one that did not (up to :data:`MAX_HOLD`: a level found right
        again and again is probed ever more rarely); the next step goes the other
        way."""
        self._level = self._prior
        self._hold = self._backoff
        self._backoff = min(2 * self._backoff, MAX_HOLD)
        self._down_next = down
        self._doubling = False

    def _record(self, level: int, nbytes: int, seconds: float) -> float:
        """Add an epoch's bytes and time to ``level``'s running rate (older epochs
        weigh half as much as each newer one: one noisy epoch neither makes nor
        breaks a level); returns that rate."""
        old_bytes, old_seconds = self._rates.get(level, (0.0, 0.0))
        total = (old_bytes / 2 + nbytes, old_seconds / 2 + seconds)
        self._rates[level] = total
        return total[0] / total[1]

    def _rate(self, level: int) -> float:
        nbytes, seconds = self._rates.get(level, (0.0, 0.0))
        return nbytes / seconds if seconds > 0 else 0.0
