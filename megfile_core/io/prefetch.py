"""A seekable, prefetching binary reader over one "read a closed byte range" call.

Backends provide ``read_range(start, end_inclusive) -> RangeResult`` and get a
``io.BufferedIOBase`` with block caching, thread-pooled read-ahead that adapts to
the access pattern, and a guard against the object changing under the reader.

Design
======

The object is cut into blocks of ``block_size`` bytes. The cache holds whole blocks
and, in random mode, smaller *fragments*; everything in it (finished or still being
fetched) is counted against ``capacity * block_size`` bytes where ``capacity =
max_buffer_size // block_size``. Nothing is ever fetched before room for it has been
made, so the memory held by one reader never exceeds that bound, plus the buffer a
read is returning to its caller.

Adaptive read-ahead
-------------------

Each read is classified against the position where the previous read ended:

* *sequential* -- it starts exactly there, or in the same block or a neighbouring
  one;
* a *jump* -- anything else.

Block mode is the initial one: a miss fetches the whole block, and read-ahead keeps
the next ``block_forward`` blocks (default ``capacity - 1``) requested on the pool,
so reading from the start streams at full depth at once.

A jump switches to fragment ("random") mode with read-ahead 0. A miss then fetches
only ``[pos, pos + max(read size, fragment))``, synchronously in the calling thread:
one request per missed read. ``fragment`` is 256 KiB right after the jump (it may
just be a seek before more sequential reading), and 8 KiB after any further jump, so
a 4 KiB random read costs at most 8 KiB. A miss by a read that continues exactly
where the previous one ended grows the fragment fourfold from the last fetch; once
it reaches a block the reader is back in block mode with read-ahead 1, which then
doubles on every move into a new block (a read continuing exactly where the
previous one stopped also lifts 0 to 1), up to the full depth.

Reads longer than a block always fetch their blocks in parallel, and a read longer
than the whole cache keeps refilling it as it goes.

Memory follows the network
--------------------------

With the default ``block_forward`` (and ``adaptive_window`` on, the default) the
depth above is only a ceiling for an object larger than the buffer: the blocks
actually kept in flight ahead (the *window*) are the larger of what the measured
bandwidth-delay product needs and what a probe finds still pays; when one
connection is the limit, a block is fetched as several ranges at once into its
buffer (fewer bytes in flight for the same connections). How, and the constants,
in :mod:`megfile_core.io.window`. The reader gives it the time of every pool
fetch, the bytes that arrive, the time it waited for fetches, and every move into
a new block; the window never passes the pool's threads (queued fetches would only
hold buffers). It restarts after a random phase (the source may answer differently
there). An explicit ``block_forward`` is a fixed depth, as before, and so is the
read-ahead of an object that fits the budget (it is cached whole anyway).

Memory
------

An object that fits the budget stays cached whole. In a larger one, while reading
sequentially, a block is released as soon as the position is more than
``_KEEP_BEHIND`` blocks past it (a short seek back still hits): the LRU would evict
it before the end anyway, the budget is for read-ahead, and keeping consumed blocks
until they age out only holds memory (and makes every block a fresh allocation,
~2x slower on a fast stream). Blocks and fragments fetched in random mode stay
until the LRU evicts them.

Buffers (optional backend primitive)
------------------------------------

A backend that can read a response body in place passes ``read_into(start, end,
buffer)``. Block fetches then go into block-sized buffers the reader lends and
takes back: a block released behind the position (or evicted) gives its buffer to
the next fetch instead of every block being a new allocation. A buffer is an
anonymous memory mapping, not a ``malloc`` block: its pages become resident only
as the response is written into them, and huge pages are asked for (a handful of
page faults per block instead of thousands, where the kernel gives them). A
released buffer is lent again only from the next call on (views of it may be in
the pieces the current call is joining), never while a fetch may still write into
it, and no more are kept than the current read-ahead needs (the others are let
go). It is lent *warm*, its pages still resident: reading in order releases one
block and lends its buffer again soon after, and refaulting 8 MiB costs 4-8 ms of
system time on a VM (2,048 faults where huge pages are not given: 0.2 s of CPU
per 512 MiB, a quarter of a capped read's). Reading at random gives the free
buffers' pages back (``MADV_DONTNEED``; glibc would keep freed blocks in the pool
threads' arenas): memory the read-ahead does not use is not held. Behind a slow
connection a block fetched in parts spends most of its life half filled, and a
warm buffer holds all of it from the start: the window there has no block more
than the pool's threads take at once (``_adapt``). ``read`` copies out of such
blocks (a whole cached ``bytes`` block is returned without a copy, as before).

Streaming (optional backend primitive)
--------------------------------------

(Implemented in :mod:`megfile_core.io.streams`, which holds the constants named
here; the backend-facing types are in :mod:`megfile_core.io.ranges`.)

A backend that can stream the object from an offset to its end over one request
(a ranged request with an open end, ``Range: bytes=N-``) passes
``open_stream(start) -> RangeStream``; by default there is none and every block is
one ``read_range`` call. With a stream, block-mode blocks are read one after the
other from a single stream by one pool task (``stream.read(n)`` should return
immutable ``bytes``: a ``read`` of a whole block then hands that object over without
a copy), and ranged requests serve random access.

Whether more connections would be faster is measured. Until that is settled the
stream reads into the block's buffer in ``SAMPLE_CHUNK`` pieces (``readinto``) so
that progress is visible. After a warm-up (one block or ``WARM_UP`` seconds) its
rate is timed alone over ``SAMPLE_SECONDS`` (``r1``). A stream already faster than
``FAST_STREAM`` is kept without a test: it is CPU-bound, and more connections only
compete for the same cores. Otherwise one block from the end of its queue is read
by a second stream while the first keeps going, and the bytes both deliver over the
second stream's first ``SAMPLE_SECONDS`` give ``r2``. When ``r2 >= PARALLEL_GAIN *
r1`` connections do not share one bottleneck -- a per-connection limit (latency, a
rate cap, a remote store) -- and the reader switches to parallel ranged requests
for the rest of the read (the blocks still queued on the stream go to the pool at
once); else the single stream stays. A test during which the first stream was
idle (a slow consumer) does not count; it is repeated at most ``MAX_PROBES``
times. A stream that breaks has its block completed by ``read_range`` from the
first missing byte, and the next block opens a new stream; after
``MAX_STREAM_FAILURES`` failures in a row the reader stops streaming.

A backend that timed the body of an earlier response (the open probe) passes
``first_sample = (bytes, seconds)``, the time counted from the first byte. Over
at least ``_MIN_RATE_SAMPLE`` bytes, a rate below ``FAST_STREAM`` means one
connection is the bottleneck -- what real object stores answer, ~50-100 MiB/s
per connection -- and the reader starts with parallel ranged requests at once
instead of timing a stream first (a test that costs a quarter of a second at one
connection's rate).

Direct reads (optional, with a stream)
--------------------------------------

A backend that knows its server is near (its open probe was answered within a few
milliseconds) passes ``direct=True``: sequential reads are then served in the
caller's thread straight from one stream (``stream.read(n)`` is the ``bytes`` the
caller gets), with no block, no pool task and no read-ahead, which is what a plain
``requests`` stream does. Implemented in :mod:`megfile_core.io.direct`. The stream
must prove fast (``FAST_STREAM`` once a block has come, checked on every read; a
read is taken a block at a time so that a long one is checked too); a slower one
hands over to parallel ranged requests from where it stopped, as a slow
``first_sample`` does. A seek, ``readline``, a stream that breaks or fails to open
end direct reading for good and the blocks serve the rest (a broken stream's block
is fetched whole). A stream from another version raises
:class:`~megfile_core.errors.FileChangedError`.

Errors
======

An exception raised by ``read_range`` (in a pool thread or in the caller) is raised
by the read that needs those bytes. The failed range is dropped from the cache, so
the reader stays usable: a later read of the same range asks the backend again.
Responses of the wrong length are retried once and then raise
:class:`RangeResponseError`; a version or size that differs from the one recorded
at open raises :class:`~megfile_core.errors.FileChangedError` and no byte of that
response is returned.

A reader must be used by one thread at a time; only its fetches run on the pool.
"""

from __future__ import annotations

import io
import mmap
import threading
import time
from collections import OrderedDict
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import TYPE_CHECKING

from megfile_core import config
from megfile_core.errors import FileChangedError
from megfile_core.io.direct import DirectStream
from megfile_core.io.pool import executor_width, get_executor
from megfile_core.io.ranges import (
    OpenStream,
    RangeResponseError,
    RangeResult,
    RangeSource,
    RangeStream,
    ReadInto,
    ReadRange,
    StatFunc,
    as_view,
)
from megfile_core.io.streams import FAST_STREAM, StreamFuture, Streams
from megfile_core.io.window import Window

if TYPE_CHECKING:
    from collections.abc import Iterator

    from _typeshed import WriteableBuffer

__all__ = [
    "OpenStream",
    "PrefetchReader",
    "RangeResponseError",
    "RangeResult",
    "RangeStream",
    "ReadInto",
    "ReadRange",
    "StatFunc",
]

_JUMP_FRAGMENT = 256 << 10  # fetch size of a miss right after leaving sequential reads
_FRAGMENT_MIN = 8 << 10  # fetch size of a miss after further jumps
_FRAGMENT_GROWTH = 4  # fragment growth per sequential miss in random mode
_NO_CACHE_PROBE = 64 << 10  # bytes asked by the open probe when there is no cache
_LINE_CHUNK = 8 << 10  # readline fetch size when there is no cache
_FIND_CHUNK = 64 << 10  # newline search window over memoryview-backed blocks
_MAX_FRAGMENTS = 64  # random-mode fragments kept (the lookup scans them)
_MIN_RATE_SAMPLE = 1 << 20  # a ``first_sample`` of fewer bytes is ignored
#: blocks queued ahead while one stream serves them in order: more would only hold
#: memory (the stream cannot deliver them sooner); parallel mode uses full depth
_STREAM_AHEAD = 3
#: finished blocks kept behind the position while reading sequentially (a short
#: seek back still hits); older ones are released at once instead of aging out
_KEEP_BEHIND = 1


_Buffer = mmap.mmap | bytearray


def _new_buffer(size: int) -> _Buffer:
    """A block buffer: an anonymous mapping (pages are resident only once written,
    huge pages asked for), else a ``bytearray``."""
    try:
        buffer = mmap.mmap(-1, size)
    except (OSError, ValueError):  # pragma: no cover - no anonymous mappings
        return bytearray(size)
    hugepage = getattr(mmap, "MADV_HUGEPAGE", None)
    if hugepage is not None:
        try:
            buffer.madvise(hugepage)
        except (OSError, ValueError):  # pragma: no cover - THP off or unsupported
            pass
    return buffer


def _drop_pages(buffer: _Buffer) -> None:
    """Give a free buffer's pages back to the system (it reads as zeros after)."""
    dontneed = getattr(mmap, "MADV_DONTNEED", None)
    if isinstance(buffer, mmap.mmap) and dontneed is not None:
        try:
            buffer.madvise(dontneed)
        except (OSError, ValueError):  # pragma: no cover - unsupported
            pass


def _fetch_parts(
    pool: Executor,
    src: RangeSource,
    pace: Window,
    start: int,
    stop: int,
    buffer: memoryview | None,
    parts: int,
) -> Future[RangeResult]:
    """Fetch ``[start, stop)`` into ``buffer`` as ``parts`` ranges at once (the
    window module's "Ranges smaller than a block"). The future is running from the
    start, so it cannot be cancelled while a part may still write into the buffer;
    it fails with the first part that fails, once every part is over."""
    assert buffer is not None
    whole: Future[RangeResult] = Future()
    whole.set_running_or_notify_cancel()
    step = -(-(stop - start) // parts)
    bounds = [(lo, min(lo + step, stop)) for lo in range(start, stop, step)]
    left = [len(bounds)]
    lock = threading.Lock()
    results: list[RangeResult] = []
    failed: list[BaseException] = []
    began = time.monotonic()

    def part(lo: int, hi: int) -> RangeResult:
        target = buffer[lo - start : hi - start]
        result = pace.fetch(src, lo, hi, target)
        data = as_view(result.data)
        if data.obj is not target.obj and data.nbytes == target.nbytes:
            target[:] = data  # answered elsewhere (not in place): the block needs it
        return result

    def done(future: Future[RangeResult]) -> None:
        with lock:  # parts end in different pool threads
            try:
                results.append(future.result())
            except BaseException as error:
                failed.append(error)
            left[0] -= 1
            if left[0]:
                return
        if failed:
            whole.set_exception(failed[0])
            return
        pace.timed(stop - start, time.monotonic() - began, single=False)
        for result in results:
            if src.changed(result):  # the reader's check raises for this one
                whole.set_result(result)
                return
        first = results[0]
        whole.set_result(RangeResult(buffer[: stop - start], first.size, first.version))

    for lo, hi in bounds:
        pool.submit(part, lo, hi).add_done_callback(done)
    return whole


def _stream_unless_slow(
    open_stream: OpenStream | None, first_sample: tuple[int, float] | None
) -> OpenStream | None:
    """None when ``first_sample`` shows one connection is slow: parallel ranges now."""
    rate = _sample_rate(first_sample)
    if rate is not None and rate < FAST_STREAM:
        return None
    return open_stream


def _sample_rate(first_sample: tuple[int, float] | None) -> float | None:
    """Bytes/s of ``first_sample``, when it is long enough to say."""
    if first_sample is None or first_sample[0] < _MIN_RATE_SAMPLE:
        return None
    nbytes, seconds = first_sample
    return nbytes / seconds if seconds > 0 else float("inf")


class _Entry:
    """A cached or in-flight byte range ``[start, stop)``; ``index`` is its block
    number, or -1 for a fragment."""

    __slots__ = ("buffer", "data", "future", "index", "start", "stop", "view")

    def __init__(
        self,
        start: int,
        stop: int,
        index: int,
        future: Future[RangeResult] | None = None,
    ) -> None:
        self.start = start
        self.stop = stop
        self.index = index
        self.future = future
        self.view: memoryview | None = None
        self.data: bytes | bytearray | None = None  # set when it backs ``view``
        #: a reusable block buffer of the reader's (module doc, "Buffers") lent to
        #: this fetch; kept only while ``view`` is in it
        self.buffer: _Buffer | None = None

    def fill(self, result: RangeResult) -> memoryview:
        view = as_view(result.data)
        self.view = view
        data = result.data
        if isinstance(data, (bytes, bytearray)) and len(data) == view.nbytes:
            self.data = data
        elif self.buffer is not None and view.obj is not self.buffer:
            self.buffer = None  # answered elsewhere: the buffer was not used
        self.future = None
        return view

    def find_newline(self, begin: int, end: int) -> int:
        """Index of the first ``\\n`` in ``view[begin:end]``, or -1."""
        if self.data is not None:
            return self.data.find(b"\n", begin, end)
        view = self.view
        assert view is not None
        for chunk in range(begin, end, _FIND_CHUNK):
            found = bytes(view[chunk : min(chunk + _FIND_CHUNK, end)]).find(b"\n")
            if found >= 0:
                return chunk + found
        return -1


class PrefetchReader(io.BufferedIOBase):
    """Read-only, seekable binary file over ``read_range``; see the module doc.

    ``size`` (with ``version``) skips the open probe. Otherwise the first block is
    read at construction, which tells the size (and version) and stays cached; with
    ``lazy=True``, or when there is no cache and ``stat`` is given, ``stat()`` gives
    ``(size, version)`` instead and no data is read at open.

    ``max_buffer_size=0`` (or less than one block) disables the cache: every read is
    one exact range request for the bytes asked, and ``readline`` reads 8 KiB
    chunks, giving back what follows the newline.

    Read-ahead runs on ``executor`` if given, else on a pool of ``max_workers``
    threads owned by the reader (shut down by ``close()``), else on the process-wide
    pool of :mod:`megfile_core.io.pool`. A block the caller needs and nobody has
    started fetching yet is fetched in the calling thread, so one more request than
    the pool's threads may be in flight.

    ``open_stream(start)``, optional, streams the object from ``start`` to its end
    over one request (see "Streaming" in the module doc); without it (the default)
    every fetch is a ``read_range`` call. ``read_into``, optional, reads a block
    into a buffer the reader lends (module doc, "Buffers"). ``first_sample`` is
    ``(bytes, seconds)`` of an earlier response's body, timed by the backend; a slow
    one skips streaming and, with the adaptive window, is how fast one connection is
    until a fetch says (:mod:`megfile_core.io.window`). ``direct=True`` (with
    ``open_stream``, a size given and a cache) reads sequentially straight from
    the stream while it is fast (module doc, "Direct reads").
    """

    def __init__(
        self,
        read_range: ReadRange,
        *,
        name: str,
        size: int | None = None,
        version: str | None = None,
        block_size: int | None = None,
        max_buffer_size: int | None = None,
        max_workers: int | None = None,
        block_forward: int | None = None,
        executor: Executor | None = None,
        lazy: bool = False,
        stat: StatFunc | None = None,
        open_stream: OpenStream | None = None,
        first_sample: tuple[int, float] | None = None,
        read_into: ReadInto | None = None,
        adaptive_window: bool | None = None,
        direct: bool = False,
    ) -> None:
        super().__init__()
        # Every attribute exists before the first I/O so that close() (also run by
        # the finalizer when __init__ raises) always works.
        self._src = RangeSource(read_range, name, read_into)
        self._free: list[_Buffer] = []  # block buffers to lend (module doc, "Buffers")
        self._free_cold = True  # their pages were given back (random reading)
        self._released: list[_Buffer] = []  # free again from the next call on
        self._blocks: dict[int, _Entry] = {}
        self._fragments: list[_Entry] = []
        self._lru: OrderedDict[_Entry, None] = OrderedDict()
        self._held = 0
        self._executor = executor
        self._own_pool: ThreadPoolExecutor | None = None
        self._pos = 0
        self._last_end = 0
        self._random = False
        self._ramp_block = -1  # the block whose first read last doubled read-ahead
        self._continues = False
        self._fragment = _FRAGMENT_MIN
        self._ahead_mark = (-1, -1)
        self._requests = 0
        self._open_stream = _stream_unless_slow(open_stream, first_sample)
        self._streams: Streams | None = None
        self._direct: DirectStream | None = None
        self._behind = 0  # sequential reads released every finished block below this

        block_size = config.reader_block_size() if block_size is None else block_size
        if block_size <= 0:
            raise ValueError(f"block_size must be greater than 0, got {block_size}")
        if max_buffer_size is None:
            max_buffer_size = config.reader_max_buffer_size()
        if max_buffer_size < 0:
            raise ValueError(f"max_buffer_size must be >= 0, got {max_buffer_size}")
        capacity = max_buffer_size // block_size
        if adaptive_window is None:
            adaptive_window = config.reader_adaptive_window()
        self._adaptive = block_forward is None and adaptive_window
        if block_forward is None:
            block_forward = max(capacity - 1, 0)
        elif block_forward < 0 or (block_forward > 0 and block_forward >= capacity):
            raise ValueError(
                f"block_forward={block_forward} must be >= 0 and less than the "
                f"{capacity} blocks that max_buffer_size={max_buffer_size} holds "
                f"with block_size={block_size}"
            )
        if max_workers is not None and max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        self._block_size = block_size
        self._capacity = capacity
        self._budget = capacity * block_size
        self._max_forward = block_forward
        self._forward = block_forward
        self._first_rate = _sample_rate(first_sample)
        self._pace = self._new_window()
        self._workers = max_workers

        if version is not None:
            self._src.version = version
        if size is not None:
            if size < 0:
                raise ValueError(f"size must be >= 0, got {size}")
            self._src.size = size
        elif lazy or (capacity == 0 and stat is not None):
            if stat is None:
                raise ValueError(f"{name}: lazy=True needs size= or stat= to learn the object size")
            self._open_stat(stat)
        else:
            self._open_probe(stat)
        if direct and self._open_stream is not None and capacity and not self._lru:
            self._direct = DirectStream(self._src, self._open_stream, block_size)

    # -- opening -------------------------------------------------------------

    def _open_stat(self, stat: StatFunc) -> None:
        size, version = stat()
        src = self._src
        if version is not None and src.version is not None and version != src.version:
            raise FileChangedError(
                f"{src.name} changed before it was opened: version {src.version!r} "
                f"expected, stat says {version!r}"
            )
        if size < 0:
            raise ValueError(f"{src.name}: stat() returned a negative size {size}")
        src.size = size
        if version is not None:
            src.version = version

    def _open_probe(self, stat: StatFunc | None) -> None:
        src = self._src
        want = self._block_size if self._capacity else min(self._block_size, _NO_CACHE_PROBE)
        result = src.read_range(0, want - 1)
        self._requests += 1
        got = as_view(result.data).nbytes
        if result.size is not None:
            if result.size < 0:
                raise RangeResponseError(f"{src.name}: negative size {result.size}")
            src.size = result.size
            stop = min(want, result.size)
            if got != stop and not src.changed(result):
                if not stop:
                    raise RangeResponseError(
                        f"{src.name}: the backend returned {got} bytes of an empty object"
                    )
                self._requests += 1
                result = src.fetch(0, stop)
        elif got < want:
            src.size = got  # a short answer without a size: that is the end
        elif got > want:
            raise RangeResponseError(
                f"{src.name}: the backend returned {got} bytes for range [0, {want - 1}]"
            )
        elif stat is not None:
            self._open_stat(stat)
        else:
            raise ValueError(
                f"{src.name}: the size is unknown: the first range response did not "
                "tell it and no stat= was given"
            )
        src.check(result)
        if not self._capacity or src.size == 0:
            return  # no cache: the probe's bytes are not kept
        stop = min(self._block_size, src.size)
        entry = _Entry(0, stop, 0)
        view = entry.fill(result)
        if view.nbytes != stop:  # stat() told fewer bytes than the first answer held
            entry.view = view[:stop]
            entry.data = None
        self._add(entry)

    # -- file API ------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._src.name

    @property
    def mode(self) -> str:
        return "rb"

    @property
    def size(self) -> int:
        """Object size in bytes, as known at open."""
        return self._src.size

    @property
    def version(self) -> str | None:
        """Version token the reader guards (from open, or the first response)."""
        return self._src.version

    @property
    def block_size(self) -> int:
        return self._block_size

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<{type(self).__name__} name={self.name!r} mode='rb'{state}>"

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError(f"I/O operation on closed file {self.name!r}")

    def readable(self) -> bool:
        self._check_open()
        return True

    def seekable(self) -> bool:
        self._check_open()
        return True

    def writable(self) -> bool:
        self._check_open()
        return False

    def tell(self) -> int:
        self._check_open()
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        """Move the position; never does I/O. Past the end is allowed."""
        self._check_open()
        offset = offset.__index__()
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._pos + offset
        elif whence == io.SEEK_END:
            target = self._src.size + offset
        else:
            raise ValueError(f"invalid whence ({whence!r}, should be 0, 1 or 2) for {self.name!r}")
        if target < 0:
            raise ValueError(
                f"negative seek position {target} in {self.name!r} (offset {offset}, "
                f"whence {whence})"
            )
        self._pos = target
        return target

    def read(self, size: int | None = -1, /) -> bytes:
        self._check_open()
        pos = self._pos
        end = self._end(pos, size)
        if end <= pos:
            return b""
        if self._direct is not None:
            data = self._read_direct(pos, end)
            if data is not None:
                return data
        pieces = list(self._pieces(pos, end))
        if len(pieces) == 1:
            piece = pieces[0]
            obj = piece.obj
            if type(obj) is bytes and len(obj) == piece.nbytes:
                return obj  # a whole cached block: no copy
            return piece.tobytes()
        return b"".join(pieces)

    def read1(self, size: int = -1, /) -> bytes:
        """At most ``size`` bytes; with ``size < 0`` the rest of the current block."""
        self._check_open()
        if size is None or size < 0:
            size = self._block_size - self._pos % self._block_size
        return self.read(size)

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        """Copy straight from the cached blocks into ``buffer``."""
        self._check_open()
        with memoryview(buffer) as raw:
            with raw.cast("B") if raw.format != "B" or raw.ndim != 1 else raw as dest:
                start = pos = self._pos
                end = self._end(pos, dest.nbytes)
                written = 0
                if end > pos and self._direct is not None:
                    written = self._readinto_direct(pos, dest[: end - pos])
                    pos += written
                if end > pos:
                    try:
                        for piece in self._pieces(pos, end):
                            count = piece.nbytes
                            dest[written : written + count] = piece
                            written += count
                    except BaseException:
                        # the read failed as a whole: a retry starts where it did
                        self._pos = self._last_end = start
                        raise
                return written

    def readinto1(self, buffer: WriteableBuffer, /) -> int:
        return self.readinto(buffer)

    def readline(self, size: int | None = -1, /) -> bytes:
        self._check_open()
        pos = self._pos
        end = self._end(pos, size)
        if end <= pos:
            return b""
        self._end_direct()  # lines come from the blocks
        if self._capacity:
            self._reclaim()
            self._prepare(pos, pos + 1)
        pieces: list[memoryview] = []
        cur = pos
        while cur < end:
            if self._capacity:
                entry = self._locate(cur, min(end, cur + _FRAGMENT_MIN))
            else:
                stop = min(end, cur + _LINE_CHUNK)
                entry = _Entry(cur, stop, -1)
                entry.fill(self._fetch_now(cur, stop))
            view = entry.view
            assert view is not None
            begin = cur - entry.start
            limit = min(entry.stop, end) - entry.start
            found = entry.find_newline(begin, limit)
            if found >= 0:
                pieces.append(view[begin : found + 1])
                cur = entry.start + found + 1
                break
            pieces.append(view[begin:limit])
            cur = entry.start + limit
            self._continues = True  # a long line grows random-mode fragments
        self._pos = self._last_end = cur
        if len(pieces) == 1:
            return pieces[0].tobytes()
        return b"".join(pieces)

    def close(self) -> None:
        """Cancel pending fetches and drop the cache; idempotent."""
        if self.closed:
            return
        try:
            self._end_direct()
            for entry in self._lru:
                if entry.future is not None:
                    entry.future.cancel()
            streams, self._streams = self._streams, None
            if streams is not None:
                streams.close()
            self._lru.clear()
            self._blocks.clear()
            self._fragments.clear()
            self._free.clear()
            self._released.clear()
            self._held = 0
            pool, self._own_pool = self._own_pool, None
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        finally:
            super().close()

    # -- reading -------------------------------------------------------------

    def _read_direct(self, pos: int, end: int) -> bytes | None:
        """The read served by the direct stream (module doc, "Direct reads"),
        completed by the blocks if the stream stopped on the way; None when the
        blocks serve all of it."""
        direct = self._direct
        assert direct is not None
        try:
            data = direct.read(pos, end - pos) if pos == self._last_end else None
        except BaseException:  # another version of the object
            self._end_direct()
            raise
        if data is None or not direct.active:  # a seek ends it too
            self._end_direct()
        if data is None:
            return None
        self._pos = self._last_end = pos + len(data)
        if self._pos < end:
            try:
                return data + self.read(end - self._pos)
            except BaseException:  # the read failed as a whole: a retry starts at pos
                self._pos = self._last_end = pos
                raise
        return data

    def _readinto_direct(self, pos: int, dest: memoryview) -> int:
        """Bytes the direct stream wrote at the start of ``dest``; the rest is for
        the blocks."""
        direct = self._direct
        assert direct is not None
        try:
            got = direct.readinto(pos, dest) if pos == self._last_end else 0
        except BaseException:
            self._end_direct()
            raise
        if not got or not direct.active:  # a seek ends it too
            self._end_direct()
        if not got:
            return 0
        self._pos = self._last_end = pos + got
        return got

    def _end_direct(self) -> None:
        """Reading goes to the blocks for good; after a slow stream, as parallel
        ranges (one connection is the limit, as with a slow ``first_sample``)."""
        direct, self._direct = self._direct, None
        if direct is not None:
            direct.close()
            self._requests += direct.opened
            if direct.slow:
                self._open_stream = None

    def _end(self, pos: int, size: int | None) -> int:
        total = self._src.size
        if size is None or size < 0:
            return total
        return min(total, pos + size)

    def _pieces(self, pos: int, end: int) -> Iterator[memoryview]:
        """Memoryview slices covering ``[pos, end)``, in order; then moves there."""
        if not self._capacity:
            yield as_view(self._fetch_now(pos, end).data)
            self._pos = self._last_end = end
            return
        self._reclaim()
        self._prepare(pos, end)
        bs = self._block_size
        # a read longer than the cache keeps the pipeline full as it moves on
        refill = end - pos > self._budget and (not self._random or end - pos >= bs)
        last = (end - 1) // bs
        cur = pos
        while cur < end:
            entry = self._locate(cur, end)
            view = entry.view
            assert view is not None
            stop = min(entry.stop, end)
            yield view[cur - entry.start : stop - entry.start]
            cur = stop
            if refill and cur < end:
                index = cur // bs
                self._adapt(index)
                until = last + self._ahead()
                if self._adaptive:  # the window bounds a long read's fetches too
                    until = min(until, index + max(1, self._ahead()))
                self._schedule(index + 1, until, index)
        self._pos = self._last_end = end
        if not self._random and self._src.size > self._budget:
            self._release_behind(end // bs - _KEEP_BEHIND)

    def _release_behind(self, below: int) -> None:
        """Sequential reading moved on: drop the finished blocks before ``below``
        (module doc, "Memory"); read-ahead gets the room without evicting."""
        mark = self._behind
        if below <= mark:
            return
        blocks = self._blocks
        for index in range(mark, below):
            entry = blocks.get(index)
            if entry is not None and entry.future is None:
                self._remove(entry)
        self._behind = below

    def _prepare(self, pos: int, end: int) -> None:
        """Classify the read of ``[pos, end)``, then start fetching the other blocks
        it needs and the read-ahead after them."""
        self._observe(pos)
        bs = self._block_size
        if not self._random or end - pos >= bs:
            first = pos // bs
            ahead = (end - 1) // bs + self._ahead()
            if self._adaptive and end - pos > self._budget:  # refilled as it goes
                ahead = min(ahead, first + max(1, self._ahead()))
            if (first, ahead) != self._ahead_mark:
                self._ahead_mark = (first, ahead)
                # a stream reads the current block too: in order, one connection
                begin = first if self._streaming() is not None else first + 1
                self._schedule(begin, ahead, first)

    def _observe(self, pos: int) -> None:
        """Classify a read starting at ``pos`` and adapt read-ahead (module doc)."""
        last = self._last_end
        bs = self._block_size
        continues = pos == last
        self._continues = continues
        if self._random:
            if not continues:
                self._fragment = _FRAGMENT_MIN
            return
        block = pos // bs
        if continues or abs(block - last // bs) <= 1:
            if block > self._ramp_block:
                self._adapt(block)
            if self._forward < self._max_forward:
                if block > self._ramp_block:  # first read in a new block
                    self._ramp_block = block
                    self._forward = min(self._max_forward, max(1, self._forward * 2))
                elif continues and self._forward == 0:
                    self._forward = 1
            elif block > self._ramp_block:
                self._ramp_block = block
            return
        # A jump: fetch little until the reads show their pattern again.
        self._random = True
        self._forward = 0
        self._behind = min(self._behind, block)
        self._fragment = _JUMP_FRAGMENT
        self._ahead_mark = (-1, -1)

    def _new_window(self) -> Window:
        return Window(self._block_size, self._max_forward, rate=self._first_rate)

    def _adapt(self, block: int) -> None:
        """The reader moved into ``block``: size the adaptive window (module doc);
        never more ahead than the pool runs at once (queued fetches would only
        hold buffers)."""
        if self._adaptive:
            parts = self._pace.parts()
            limit = self._pool_size()
            if parts > 1:
                # The sixth session allowed one block of parts more (capped
                # 512 MiB: 288 -> 320 MiB/s with cold buffers); lent warm, that
                # block holds 8 MiB while it waits for threads (peak RSS 126-133
                # MiB) for no gain: 314 MiB/s without it, 312 cold with it
                limit //= parts
            self._pace.entered(block, min(self._max_forward, max(1, limit)))

    def _locate(self, pos: int, end: int) -> _Entry:
        """The resolved cache entry holding ``pos``, fetching it if needed; ``end``
        is where the current read stops (used to size a fetch)."""
        bs = self._block_size
        index = pos // bs
        entry = self._blocks.get(index)
        if entry is None:
            for fragment in self._fragments:
                if fragment.start <= pos < fragment.stop:
                    entry = fragment
                    break
        if entry is None or entry.view is None:
            began = time.monotonic()  # the reader waits: the window's measure
            try:
                if entry is None:
                    return self._miss(pos, end, index)
                self._lru.move_to_end(entry)
                self._resolve(entry)
            finally:
                self._pace.waited(time.monotonic() - began)
            return entry
        self._lru.move_to_end(entry)
        return entry

    def _miss(self, pos: int, end: int, index: int) -> _Entry:
        bs = self._block_size
        src = self._src
        if self._random and end - pos < bs:
            if self._continues:
                self._continues = False
                self._fragment = min(self._fragment * _FRAGMENT_GROWTH, bs)
            if self._fragment < bs:
                stop = min(pos + max(end - pos, self._fragment), src.size)
                entry = _Entry(pos, stop, -1)
                self._make_room(stop - pos, 0, -1, wait=True)
                entry.fill(self._fetch_now(pos, stop))
                self._add(entry)
                self._fragment = max(self._fragment, stop - pos)  # grow from there
                if len(self._fragments) > _MAX_FRAGMENTS:
                    self._remove(self._fragments[0])
                return entry
            # the fragment grew to a block: sequential reading is back (timed anew:
            # what the source answered before may not hold for this stretch)
            self._random = False
            self._pace = self._new_window()
            self._ramp_block = index
            self._forward = min(1, self._max_forward)
            self._ahead_mark = (index, index + self._forward)
            self._schedule(index + 1, index + self._forward, index)
        start = index * bs
        stop = min(start + bs, src.size)
        self._make_room(stop - start, index, (end - 1) // bs, wait=True)
        entry = _Entry(start, stop, index)
        try:
            buffer = self._lend(entry)
            if buffer is not None and self._adaptive and self._pace.parts() > 1:
                # in parts on the pool (this thread waits anyway); a failure leaves
                # the buffer to the parts still writing into it (``_give_back``)
                entry.future = self._submit(start, stop, buffer)
                result = entry.future.result()
            else:
                self._requests += 1  # timed and counted like a pool fetch
                result = self._pace.fetch(src, start, stop, buffer)
            src.check(result)
            entry.fill(result)
        except BaseException:
            self._give_back(entry)
            raise
        self._add(entry)
        return entry

    def _fetch_now(self, start: int, stop: int, buffer: memoryview | None = None) -> RangeResult:
        """Fetch in the calling thread and check the version."""
        self._requests += 1
        result = self._src.fetch(start, stop, buffer)
        self._src.check(result)
        return result

    def _resolve(self, entry: _Entry) -> None:
        future = entry.future
        assert future is not None
        try:
            if isinstance(future, StreamFuture):
                # read in order by a running stream: wait, unless nobody starts it
                while not future.done():
                    wait_futures([future], timeout=0.05)
                    if not future.done() and future.cancel():
                        break
            if future.cancel():  # still queued: fetch it here instead of waiting
                buffer = entry.buffer
                result = self._src.fetch(
                    entry.start, entry.stop, None if buffer is None else memoryview(buffer)
                )
            else:
                result = future.result()
            self._src.check(result)
        except BaseException:
            self._remove(entry)
            raise
        entry.fill(result)

    def _schedule(self, first: int, last: int, protect: int) -> None:
        """Start background fetches of the missing blocks ``first..last`` while
        there is room, evicting only blocks outside ``protect..last``."""
        size = self._src.size
        bs = self._block_size
        # never more than the cache holds from ``protect`` on: a block scheduled
        # past that would be evicted again by the one the caller needs next
        last = min(last, (size - 1) // bs, protect + self._capacity - 1)
        for index in range(first, last + 1):
            if index in self._blocks:
                continue
            start = index * bs
            stop = min(start + bs, size)
            if not self._make_room(stop - start, protect, last, wait=False):
                return
            streams = self._streaming()
            entry = _Entry(start, stop, index)
            if streams is None:
                entry.future = self._submit(start, stop, self._lend(entry))
            else:
                entry.future = streams.add(start, stop)
            self._add(entry)

    def _pool(self) -> Executor:
        executor = self._executor
        if executor is None:
            if self._workers is not None:
                if self._own_pool is None:
                    self._own_pool = ThreadPoolExecutor(
                        max_workers=self._workers, thread_name_prefix="megfile-prefetch"
                    )
                executor = self._own_pool
            else:
                executor = get_executor()
        return executor

    def _pool_size(self) -> int:
        """Fetches the pool runs at once (the ceiling when it does not say), plus
        the caller, which fetches a block nobody started."""
        workers = executor_width(self._pool())
        return workers + 1 if workers is not None else self._max_forward

    def _submit(
        self, start: int, stop: int, buffer: memoryview | None = None
    ) -> Future[RangeResult]:
        pace = self._pace
        parts = pace.parts() if buffer is not None and self._adaptive else 1
        if parts == 1:
            self._requests += 1
            return self._pool().submit(pace.fetch, self._src, start, stop, buffer)
        self._requests += parts
        return _fetch_parts(self._pool(), self._src, pace, start, stop, buffer, parts)

    # -- block buffers (module doc, "Buffers") ---------------------------------

    def _lend(self, entry: _Entry) -> memoryview | None:
        """A block buffer for ``entry``'s fetch when the backend reads in place."""
        if self._src.read_into is None or entry.index < 0:
            return None
        buffer = self._free.pop() if self._free else _new_buffer(self._block_size)
        entry.buffer = buffer
        return memoryview(buffer)

    def _give_back(self, entry: _Entry) -> None:
        """``entry`` left the cache: its buffer is free once no fetch writes into it
        and the current call is over (views of it may still be in its pieces)."""
        buffer, entry.buffer = entry.buffer, None
        future = entry.future
        if buffer is not None and (future is None or future.done()):
            self._released.append(buffer)

    def _reclaim(self) -> None:
        """At the start of a read: buffers released by earlier calls can be lent
        again, warm; no more are kept than the window may need beside the cached
        blocks, and reading at random gives their pages back."""
        free = self._free
        released = self._released
        if released:
            free.extend(released)
            released.clear()
            self._free_cold = False
        del free[max(0, self._ahead() + 3 - len(self._blocks)) :]
        if self._random and not self._free_cold:
            for buffer in free:
                _drop_pages(buffer)  # resident again only as the next fetch writes
            self._free_cold = True

    def _ahead(self) -> int:
        """Blocks to keep requested past the current one."""
        if self._open_stream is not None and not self._random:
            streams = self._streams
            if streams is None or streams.usable:
                return min(self._forward, _STREAM_AHEAD)
        if self._adaptive and self._src.size > self._budget:
            # an object that fits the budget is cached whole anyway: the window
            # would save no memory, only slow the start
            return min(self._forward, self._pace.size)
        return self._forward

    def _streaming(self) -> Streams | None:
        """The streams block fetches go to, or None for ranged requests."""
        if self._open_stream is None or self._random:
            return None
        streams = self._streams
        if streams is None:
            streams = self._streams = Streams(
                self._src, self._open_stream, self._pool(), self._block_size
            )
        return streams if streams.usable else None

    # -- cache bookkeeping ---------------------------------------------------

    def _add(self, entry: _Entry) -> None:
        if entry.index >= 0:
            self._blocks[entry.index] = entry
        else:
            self._fragments.append(entry)
        self._lru[entry] = None
        self._held += entry.stop - entry.start

    def _remove(self, entry: _Entry) -> None:
        if self._lru.pop(entry, False) is False:
            return
        if entry.index >= 0:
            del self._blocks[entry.index]
        else:
            self._fragments.remove(entry)
        self._held -= entry.stop - entry.start
        if entry.future is not None:
            entry.future.cancel()
        self._give_back(entry)

    def _make_room(self, nbytes: int, protect_lo: int, protect_hi: int, wait: bool) -> bool:
        """Evict least recently used entries until ``nbytes`` more fit the budget.

        Entries whose block index is in ``protect_lo..protect_hi`` are spared unless
        ``wait``; in-flight fetches are cancelled if still queued, and with ``wait``
        the oldest running one is waited for when nothing else can go. Without
        ``wait`` returns False instead.
        """
        budget = self._budget
        while self._held + nbytes > budget and self._lru:
            if self._evict_one(protect_lo, protect_hi):
                continue
            if not wait:
                return False
            if self._evict_one(0, -1):
                continue
            running = [e.future for e in self._lru if e.future is not None]
            if not running:  # pragma: no cover - every entry was evictable
                break
            wait_futures(running, return_when=FIRST_COMPLETED)
        return True

    def _evict_one(self, protect_lo: int, protect_hi: int) -> bool:
        for entry in self._lru:
            if protect_lo <= entry.index <= protect_hi:
                continue
            future = entry.future
            if future is None or future.done() or future.cancel():
                self._remove(entry)
                return True
        return False

    def _cached_bytes(self) -> int:
        """Bytes held or being fetched by the cache (for tests and benchmarks)."""
        return self._held
