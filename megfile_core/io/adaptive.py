"""Many independent calls on a number of threads that follows the work: the engine
of ``smart_sync`` and ``smart_copy_many`` when the caller fixes no width.

Why not a fixed pool of 16: what pays depends on where the time of one call goes.
Against a far store (a 20 ms round trip) each copy mostly waits, and 16 or more
copies at once are needed to keep the line busy. Against a near one (loopback, a
store in the same rack) a small copy is a fraction of a millisecond of Python
work; 16 threads then only take the interpreter from each other, and a single
thread moved 2,000 small objects about 1.5x as fast as 16 (984 against 643 files/s
into tmpfs; docs/benchmarks.md, "Ninth session"). Where the destination is a
disk whose file creation costs the kernel time, a few threads pay again, since a
system call lets the others run.

**The first guess** comes from the first calls, run one at a time (the first of
them, which sets up a client and a connection, is not counted): a call that takes
``wall`` seconds of which ``cpu`` hold the interpreter keeps it busy with about
``wall / cpu`` calls at once; the guess is :data:`GUESS_GAIN` times the median of
that ratio over :data:`GUESS_CALLS` calls (fewer when they already say the
ceiling), at most ``ceiling``.

**Then the width climbs the throughput** (:class:`Width`): it measures the work
done per second over an *epoch* (at least :data:`EPOCH_ITEMS` and twice the width
in calls, and :data:`EPOCH_SECONDS`; the calls that began at the width before
are not counted) and tries the width twice as large; one that moves at least
:data:`GAIN` times the work is kept and the climb goes on, else it tries half
the width, kept when it moves no less than :data:`KEEP` of the width above (the
same work for fewer threads). A width that neither step beat is held for
:data:`HOLD` epochs, twice as long after each probe that changed nothing (at
most :data:`MAX_HOLD`), then probed again: the server or the line may have
changed. The rate of each width is a running average in which each older epoch
counts half as much as the next.

**The threads pull** their next item from the shared iterator under one lock: no
future per call, no waiter on the calls in flight, one lock per item. Memory stays
bounded as with :func:`~megfile_core.io.pool.bounded_map`: an item is taken only
when a thread is free to run it. A thread beyond the width parks until the width
grows; the caller's thread is the first of them, so a width of one runs
everything in the caller's thread.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

__all__ = ["GUESS_GAIN", "Width", "adaptive_map", "fixed_or_adaptive"]

_log = logging.getLogger(__name__)

T = TypeVar("T")

#: calls measured one at a time for the first guess (after one warm-up call: a
#: thread's first call builds its client and connection), and the longest that
#: takes (seconds); the first guess is ``GUESS_GAIN x`` the median of their wall
#: time over their CPU time
GUESS_CALLS = 8
GUESS_SECONDS = 0.25
GUESS_GAIN = 1.5
#: a width twice as large must move this many times the work to be kept
GAIN = 1.1
#: a width half as large is kept while it moves at least this share of the work
KEEP = 0.95
#: the fewest calls and seconds in an epoch (and at least twice the width in calls)
EPOCH_ITEMS = 16
EPOCH_SECONDS = 0.15
#: epochs a width that no step beat is held before the next probe; the longest
HOLD = 4
MAX_HOLD = 64


class Width:
    """The width of one :func:`adaptive_map` (module doc). ``size`` is the width to
    run at; :meth:`done` is called once per finished call, with the work it did
    and, while :attr:`guessing`, its wall and CPU seconds. Not thread-safe: the
    caller holds a lock."""

    def __init__(
        self,
        ceiling: int,
        clock: Callable[[], float] = time.monotonic,
        *,
        start: int | None = None,
        adapt: bool = True,
        gain: float = GUESS_GAIN,
    ) -> None:
        if ceiling < 1:
            raise ValueError(f"ceiling must be at least 1, got {ceiling}")
        self.ceiling = ceiling
        #: the first guess is ``gain`` times the calls' wall over CPU time
        self.gain = gain
        #: calls are timed (wall and CPU) for the first guess; one at a time
        self.guessing = adapt and start is None
        self.size = 1 if start is None else max(1, min(start, ceiling))
        #: False: ``size`` stays as it started (a width the caller fixed)
        self.adapt = adapt
        self._clock = clock
        self._timed: list[tuple[float, float]] = []  # (wall, cpu) of the guess's calls
        self._guess_started: float | None = None
        self._rates: dict[int, float] = {}  # width -> running average of work/s
        self._skip = 0  # calls still to pass before the next epoch starts
        self._epoch_start: float | None = None
        self._epoch_work = 0.0
        self._epoch_items = 0
        self._base = self.size  # the width held; probes leave it and come back
        self._hold = 0  # epochs still to wait at the base
        self._backoff = HOLD  # the next hold
        self._probe = 0  # the step being judged: +1 up, -1 down, 0 none
        self._changed = False  # the base moved since the last hold

    def done(self, work: float = 1.0, wall: float = 0.0, cpu: float = 0.0) -> None:
        """One call ended having done ``work`` (1 per call, or more for a larger
        one); ``wall`` and ``cpu``: its seconds, while :attr:`guessing`."""
        if not self.adapt:
            return
        now = self._clock()
        if self.guessing:
            self._guess(now, wall, cpu)
            return
        if self._skip > 0:  # the calls begun at the width before
            self._skip -= 1
            return
        if self._epoch_start is None:
            self._epoch_start = now
            return
        self._epoch_work += work
        self._epoch_items += 1
        elapsed = now - self._epoch_start
        if self._epoch_items < max(EPOCH_ITEMS, 2 * self.size) or elapsed < EPOCH_SECONDS:
            return
        size = self.size
        self._judge(self._epoch_work / elapsed)
        _log.debug(
            "width %d: %.1f work/s over %d calls (average %.1f); next %d",
            size,
            self._epoch_work / elapsed,
            self._epoch_items,
            self._rates[size],
            self.size,
        )
        self._epoch_work, self._epoch_items = 0.0, 0
        self._epoch_start = now if self.size == size else None
        if self.size != size:  # the calls in flight ran at the old width, and a new
            self._skip = 2 * max(size, self.size)  # thread's first call sets up

    def _guess(self, now: float, wall: float, cpu: float) -> None:
        """The first guess: calls that each wait ``wall`` and hold the interpreter
        ``cpu`` keep it busy at about ``wall / cpu`` of them at once."""
        if self._guess_started is None:
            self._guess_started = now  # the warm-up call: not counted
            return
        self._timed.append((wall, cpu))
        ratios = sorted(w / max(c, 1e-6) for w, c in self._timed)
        ratio = ratios[len(ratios) // 2]  # the median: one slow answer is no measure
        guess = max(1, min(self.ceiling, math.ceil(self.gain * ratio)))
        far = len(ratios) >= 3 and guess >= self.ceiling  # each call waits: no need to wait on
        if not far and len(ratios) < GUESS_CALLS and now - self._guess_started < GUESS_SECONDS:
            return
        _log.debug("width: calls wait %.1f times their CPU time: %d", ratio, guess)
        self.guessing = False
        self.size = self._base = guess
        self._skip = 2 * guess

    def _judge(self, rate: float) -> None:
        size = self.size
        before = self._rates.get(size)
        self._rates[size] = rate if before is None else (before + rate) / 2
        base_rate = self._rates.get(self._base, 0.0)
        probe, self._probe = self._probe, 0
        if probe > 0:
            if self._rates[size] >= GAIN * base_rate:
                self._base, self._changed = size, True  # more threads paid: go on up
                self._step(+1)
            else:
                self._step(-1)  # they did not: try fewer
            return
        if probe < 0:
            if self._rates[size] >= KEEP * base_rate:
                self._base, self._changed = size, True  # as fast with fewer: go on down
                self._step(-1)
            else:
                self._rest()
            return
        if self._hold > 0:
            self._hold -= 1
            return
        self._step(+1)

    def _step(self, direction: int) -> None:
        """Probe the width beside the base in ``direction``; at a bound, the other
        way (going up) or rest (going down)."""
        base = self._base
        target = min(self.ceiling, 2 * base) if direction > 0 else max(1, base // 2)
        if target == base and direction > 0:
            target, direction = max(1, base // 2), -1
        if target == base:
            self._rest()
            return
        self.size, self._probe = target, direction

    def _rest(self) -> None:
        """Back to the base, held for a while (longer each time nothing moved)."""
        self.size = self._base
        if self._changed:
            self._backoff = HOLD
        else:
            self._backoff = min(MAX_HOLD, 2 * self._backoff)
        self._hold, self._changed = self._backoff, False


def fixed_or_adaptive(workers: int | None, ceiling: int, gain: float = GUESS_GAIN) -> Width:
    """``workers`` threads when the caller gave a number, else a climb up to
    ``ceiling`` from a first guess of ``gain`` times the calls' wall over CPU time
    (calls that keep several requests under way themselves ask for less)."""
    if workers is not None:
        return Width(workers, start=workers, adapt=False)
    return Width(ceiling, gain=gain)


def adaptive_map(
    func: Callable[[T], object],
    items: Iterable[T],
    width: Width,
    *,
    weight: Callable[[T], float] | None = None,
    name: str = "megfile-map",
) -> None:
    """Run ``func`` over ``items`` on ``width.size`` threads at a time, as
    :class:`Width` finds paying (module doc; at most its ceiling).
    ``weight(item)`` is the work of an item's call (default 1 each). ``items`` is
    pulled lazily, one item per free thread, so a long listing streams. The first
    error is raised once the calls running have ended; no new call starts after it.
    """
    pull: _Puller[T] = _Puller(func, iter(items), width, weight, name)
    pull.run()


class _Puller(Generic[T]):
    """The threads of one :func:`adaptive_map` call."""

    def __init__(
        self,
        func: Callable[[T], object],
        items: Iterator[T],
        width: Width,
        weight: Callable[[T], float] | None,
        name: str,
    ) -> None:
        self._func = func
        self._items = items
        self._width = width
        self._weight = weight
        self._name = name
        self._cond = threading.Condition(threading.Lock())
        self._stop = False
        self._errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []

    def run(self) -> None:
        try:
            self._work(0)
        except BaseException as error:  # KeyboardInterrupt in the caller's thread
            self._fail(error)
        finally:
            with self._cond:
                self._stop = True  # parked threads leave, running ones after their call
                self._cond.notify_all()
            for thread in self._threads:
                thread.join()
        if self._errors:
            raise self._errors[0]

    def _fail(self, error: BaseException) -> None:
        with self._cond:
            self._errors.append(error)
            self._stop = True
            self._cond.notify_all()

    def _spawn(self) -> None:
        """Threads up to the width (called with the lock held)."""
        while len(self._threads) + 1 < self._width.size:
            index = len(self._threads) + 1
            thread = threading.Thread(
                target=self._thread, args=(index,), name=f"{self._name}-{index}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _thread(self, index: int) -> None:
        try:
            self._work(index)
        except BaseException as error:
            self._fail(error)

    def _work(self, index: int) -> None:
        cond, width = self._cond, self._width
        while True:
            with cond:
                while not self._stop and index >= width.size:
                    cond.wait()  # parked: the width is below this thread
                if self._stop:
                    return
                try:
                    item = next(self._items)
                except StopIteration:
                    self._stop = True
                    cond.notify_all()
                    return
                self._spawn()  # the width's threads, the first time round
            if width.guessing:
                began, cpu = time.monotonic(), time.thread_time()
                self._func(item)
                wall, cpu = time.monotonic() - began, time.thread_time() - cpu
            else:
                self._func(item)
                wall = cpu = 0.0
            work = 1.0 if self._weight is None else self._weight(item)
            with cond:
                before = width.size
                width.done(work, wall, cpu)
                if width.size > before:
                    self._spawn()
                    cond.notify_all()
