"""``share_cache_key``: readers of one process share downloaded blocks."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from megfile_core import smart
from megfile_core.errors import FileChangedError
from megfile_s3 import shared_cache

KiB = 1 << 10
BLOCK = 64 * KiB
BLOCKS = 5
OPTIONS = {"block_size": BLOCK, "max_buffer_size": 8 * BLOCK}


def _blob(seed: int) -> bytes:
    return bytes((i * 7 + seed) % 251 for i in range(BLOCKS * BLOCK - 123))


def _ranges(calls: Any) -> list[str]:
    return [params["Range"] for name, params in calls.params if name == "GetObject"]


def test_same_key_fetches_each_block_once(bucket: str, calls: Any) -> None:
    url = f"s3://{bucket}/shared.bin"
    blob = _blob(1)
    smart.smart_save_content(url, blob)
    calls.reset()
    first = smart.smart_open(url, "rb", share_cache_key="k", **OPTIONS)
    second = smart.smart_open(url, "rb", share_cache_key="k", **OPTIONS)
    assert first.read(1000) == blob[:1000]
    assert second.read() == blob
    assert first.read() == blob[1000:]
    second.seek(3 * BLOCK + 5)
    assert second.read(10) == blob[3 * BLOCK + 5 : 3 * BLOCK + 15]
    assert calls["HeadObject"] == 2
    ranges = _ranges(calls)
    assert sorted(ranges) == sorted(set(ranges))  # no block twice
    assert calls["GetObject"] == BLOCKS
    assert shared_cache.stats()["k"]["readers"] == 2
    first.close()
    assert shared_cache.stats()["k"]["readers"] == 1
    second.close()
    assert "k" not in shared_cache.stats()  # the last close drops the blocks


def test_without_or_with_another_key_nothing_is_shared(bucket: str, calls: Any) -> None:
    url = f"s3://{bucket}/alone.bin"
    blob = _blob(2)
    smart.smart_save_content(url, blob)
    calls.reset()
    for key in ("a", "b"):
        with smart.smart_open(url, "rb", share_cache_key=key, **OPTIONS) as handle:
            assert handle.read() == blob
    assert calls["GetObject"] == 2 * BLOCKS  # each key fetched every block itself
    with smart.smart_open(url, "rb", **OPTIONS) as handle:
        assert handle.read() == blob
    # the plain reader fetched for itself too (its first block, then one stream)
    assert calls["GetObject"] >= 2 * BLOCKS + 2
    assert shared_cache.stats() == {}


def test_another_etag_is_not_shared(bucket: str, calls: Any) -> None:
    url = f"s3://{bucket}/changing.bin"
    old, new = _blob(3), _blob(4)
    smart.smart_save_content(url, old)
    calls.reset()
    with smart.smart_open(url, "rb", share_cache_key="k", **OPTIONS) as before:
        assert before.read() == old
        smart.smart_save_content(url, new)  # same size, another ETag
        calls.reset()
        with smart.smart_open(url, "rb", share_cache_key="k", **OPTIONS) as after:
            assert after.read() == new
        assert calls["GetObject"] == BLOCKS
        before.seek(0)
        assert before.read(BLOCK) == old[:BLOCK]  # still served from its own version
        assert calls["GetObject"] == BLOCKS
    assert shared_cache.stats() == {}


def test_changed_object_is_an_error_not_a_mix(bucket: str) -> None:
    url = f"s3://{bucket}/replaced.bin"
    smart.smart_save_content(url, _blob(5))
    with smart.smart_open(
        url, "rb", share_cache_key="k", block_size=BLOCK, max_buffer_size=2 * BLOCK, block_forward=0
    ) as handle:
        assert handle.read(10) == _blob(5)[:10]
        smart.smart_save_content(url, _blob(6))
        handle.seek(4 * BLOCK)
        with pytest.raises(FileChangedError):
            handle.read(10)


def test_concurrent_readers_wait_for_one_fetch(bucket: str, calls: Any) -> None:
    url = f"s3://{bucket}/threads.bin"
    blob = _blob(7)
    smart.smart_save_content(url, blob)
    calls.reset()
    start = threading.Barrier(4)
    results: list[bytes] = []
    handles = [smart.smart_open(url, "rb", share_cache_key="t", **OPTIONS) for _ in range(4)]

    def read(handle: Any) -> None:
        start.wait()
        results.append(handle.read())

    threads = [threading.Thread(target=read, args=(h,)) for h in handles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for handle in handles:
        handle.close()
    assert results == [blob] * 4
    assert calls["GetObject"] == BLOCKS
    assert shared_cache.stats() == {}


def test_shared_blocks_stay_within_the_budget(bucket: str, calls: Any) -> None:
    url = f"s3://{bucket}/bounded.bin"
    blob = _blob(8)
    smart.smart_save_content(url, blob)
    options = {"block_size": BLOCK, "max_buffer_size": 2 * BLOCK}
    with (
        smart.smart_open(url, "rb", share_cache_key="b", **options) as one,
        smart.smart_open(url, "rb", share_cache_key="b", **options) as two,
    ):
        for offset in range(0, len(blob), 16 * KiB):
            assert one.read(16 * KiB) == blob[offset : offset + 16 * KiB]
            assert shared_cache.stats()["b"]["bytes"] <= 2 * BLOCK
        assert two.read() == blob
        assert shared_cache.stats()["b"]["blocks"] <= 2


def test_empty_object_and_text_mode(bucket: str) -> None:
    smart.smart_save_content(f"s3://{bucket}/empty", b"")
    with smart.smart_open(f"s3://{bucket}/empty", "rb", share_cache_key="e") as handle:
        assert handle.read() == b""
    smart.smart_save_text(f"s3://{bucket}/t.txt", "a\nb\n")
    with smart.smart_open(f"s3://{bucket}/t.txt", "r", share_cache_key="e") as text:
        assert text.readlines() == ["a\n", "b\n"]
    assert shared_cache.stats() == {}
