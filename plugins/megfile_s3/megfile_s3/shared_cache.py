"""Blocks shared by the readers of one process: ``smart_open(url, "rb",
share_cache_key="k")``.

Readers opened with the same ``share_cache_key`` share one LRU of downloaded blocks,
keyed by ``(url, etag, block_size, block number)``: a block one reader fetched (or
is fetching) is not fetched again by another, and a reader of another version of
the object (another ETag) never sees them. Opening costs one HEAD, whose ETag names
the blocks; then each reader works like the ordinary prefetching reader (read-ahead,
random access), asking the shared LRU before the network for every whole block.

* The LRU of a key holds at most ``max_buffer_size`` bytes (the option of the first
  reader opened with the key, else ``MEGFILE_READER_MAX_BUFFER_SIZE``). A reader's
  own read-ahead holds the same ``bytes`` objects, not copies.
* Reference counted: the last reader of an ``(url, etag)`` to close drops its
  blocks, and the last reader of a key drops the key.
* Two readers wanting a block at the same time: the first fetches it, the other
  waits for that fetch (and gets its error, if it fails).
* A response of another version is handed to the reader (which raises
  :class:`~megfile_core.errors.FileChangedError`) and never cached.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from megfile_core.io.prefetch import PrefetchReader, RangeResult

__all__ = ["SharedBlocks", "SharedCacheReader", "acquire", "release", "stats"]

BlockKey = tuple[str, str, int, int]  # (url, etag, block_size, index)
ReadRange = Callable[[int, int], RangeResult]


class SharedBlocks:
    """The blocks of one ``share_cache_key``."""

    def __init__(self, key: str, capacity: int) -> None:
        self.key = key
        self.capacity = capacity
        self._lock = threading.Lock()
        self._blocks: OrderedDict[BlockKey, bytes] = OrderedDict()
        self._loading: dict[BlockKey, Future[RangeResult]] = {}
        self._refs: dict[tuple[str, str], int] = {}
        self.held = 0

    # -- reference counting (under the registry lock) ---------------------------------
    def _acquire(self, url: str, etag: str) -> None:
        with self._lock:
            self._refs[(url, etag)] = self._refs.get((url, etag), 0) + 1

    def _release(self, url: str, etag: str) -> bool:
        """Drop one reference; True when the key has no reader left."""
        with self._lock:
            left = self._refs.get((url, etag), 0) - 1
            if left > 0:
                self._refs[(url, etag)] = left
            else:
                self._refs.pop((url, etag), None)
                for block in [b for b in self._blocks if b[:2] == (url, etag)]:
                    self.held -= len(self._blocks.pop(block))
            return not self._refs

    # -- blocks -----------------------------------------------------------------------
    def _store(self, block: BlockKey, data: bytes) -> None:
        if block[:2] not in self._refs or len(data) > self.capacity:
            return
        self._blocks[block] = data
        self.held += len(data)
        while self.held > self.capacity:
            _old, evicted = self._blocks.popitem(last=False)
            self.held -= len(evicted)

    def block(self, block: BlockKey, size: int, fetch: Callable[[], RangeResult]) -> RangeResult:
        """The block from the LRU, from a fetch already running, or fetched now."""
        etag = block[1]
        with self._lock:
            data = self._blocks.get(block)
            if data is not None:
                self._blocks.move_to_end(block)
                return RangeResult(data, size, etag)
            future = self._loading.get(block)
            owner = future is None
            if future is None:
                future = self._loading[block] = Future()
        if not owner:
            return future.result()
        try:
            result = fetch()
        except BaseException as error:
            with self._lock:
                self._loading.pop(block, None)
            future.set_exception(error)
            raise
        current = result.version in (None, etag) and result.size in (None, size)
        with self._lock:
            self._loading.pop(block, None)
            if current:
                fetched = result.data
                if not isinstance(fetched, bytes):
                    fetched = bytes(fetched)
                    result = RangeResult(fetched, result.size, result.version)
                self._store(block, fetched)
        future.set_result(result)
        return result

    def cached(
        self, url: str, etag: str, block_size: int, first: int, last: int
    ) -> list[bytes] | None:
        """Blocks ``first..last`` when all of them are in the LRU."""
        with self._lock:
            found = []
            for index in range(first, last + 1):
                data = self._blocks.get((url, etag, block_size, index))
                if data is None:
                    return None
                self._blocks.move_to_end((url, etag, block_size, index))
                found.append(data)
            return found

    def read_range(
        self, url: str, etag: str, size: int, block_size: int, fetch: ReadRange
    ) -> ReadRange:
        """A ``read_range`` for :class:`PrefetchReader` that goes through the LRU."""

        def read_range(start: int, end: int) -> RangeResult:
            first, last = start // block_size, end // block_size
            block_start = first * block_size
            block_stop = min(block_start + block_size, size)
            if first == last and start == block_start and end + 1 == block_stop:
                return self.block(
                    (url, etag, block_size, first), size, lambda: fetch(block_start, block_stop - 1)
                )
            pieces = self.cached(url, etag, block_size, first, last)
            if pieces is None:  # a random-access fragment: fetch just that
                return fetch(start, end)
            joined = pieces[0] if len(pieces) == 1 else b"".join(pieces)
            offset = start - block_start
            return RangeResult(joined[offset : offset + end + 1 - start], size, etag)

        return read_range


_registry_lock = threading.Lock()
_registry: dict[str, SharedBlocks] = {}


def _after_fork() -> None:
    global _registry_lock
    _registry_lock = threading.Lock()
    _registry.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def acquire(key: str, url: str, etag: str, capacity: int) -> SharedBlocks:
    """The blocks of ``key`` (created with ``capacity`` bytes if new), with one more
    reader of ``(url, etag)``."""
    with _registry_lock:
        cache = _registry.get(key)
        if cache is None:
            cache = _registry[key] = SharedBlocks(key, capacity)
        cache._acquire(url, etag)
        return cache


def release(cache: SharedBlocks, url: str, etag: str) -> None:
    """One reader of ``(url, etag)`` closed."""
    with _registry_lock:
        if cache._release(url, etag) and _registry.get(cache.key) is cache:
            del _registry[cache.key]


def stats() -> dict[str, dict[str, int]]:
    """Per key: blocks and bytes held, readers open (for tests and diagnostics)."""
    with _registry_lock:
        return {
            key: {
                "blocks": len(cache._blocks),
                "bytes": cache.held,
                "readers": sum(cache._refs.values()),
            }
            for key, cache in _registry.items()
        }


class SharedCacheReader(PrefetchReader):
    """A :class:`PrefetchReader` whose ``close()`` also releases its shared blocks."""

    def __init__(
        self, read_range: ReadRange, *, release: Callable[[], None], **options: Any
    ) -> None:
        self._release: Callable[[], None] | None = release
        try:
            super().__init__(read_range, **options)
        except BaseException:
            self._release_once()
            raise

    def _release_once(self) -> None:
        release, self._release = getattr(self, "_release", None), None
        if release is not None:
            release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release_once()
