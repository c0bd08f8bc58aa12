"""Sequential reads stream over one ranged GET (core's optional stream primitive);
breaks are completed from the first missing byte, and random access still uses
closed ranges. From a near server (this loopback one) the stream is read in the
caller's thread while it is fast (core's "Direct reads"); ``direct=False`` tests
the blocks the stream fills otherwise."""

from __future__ import annotations

import pytest
from http_testdata import BIG

from megfile_core import smart_open

SIZE = 1 << 20
DATA = BIG[:SIZE]


def _ranges(server: object) -> list[str]:
    return [h["Range"] for _, _, h in server.requests("GET")]  # type: ignore[attr-defined]


def test_sequential_read_is_one_stream_to_the_end(fault_server):
    url = fault_server.add("/f", DATA)
    with smart_open(
        url, "rb", block_size=64 << 10, max_buffer_size=256 << 10, direct=False
    ) as handle:
        got = bytearray()
        while chunk := handle.read(64 << 10):
            got += chunk
        assert bytes(got) == DATA
        assert handle._streams is not None and not handle._streams.parallel
    # the open probe, then one request streams every block in order
    assert _ranges(fault_server) == [f"bytes=0-{(64 << 10) - 1}", f"bytes=0-{SIZE - 1}"]


def test_broken_stream_resumes_at_the_first_missing_byte(fault_server):
    url = fault_server.add("/f", DATA)
    with smart_open(
        url, "rb", block_size=64 << 10, max_buffer_size=256 << 10, direct=False
    ) as handle:
        fault_server.files["/f"].faults.append("cut:100000")  # the stream breaks
        assert handle.read() == DATA
    ranges = _ranges(fault_server)
    assert ranges[1] == f"bytes=0-{SIZE - 1}"
    assert ranges[2] == f"bytes=100000-{(128 << 10) - 1}"  # the rest of that block
    assert ranges[3] == f"bytes={128 << 10}-{SIZE - 1}"  # then a new stream


def test_random_reads_use_closed_ranges(fault_server):
    url = fault_server.add("/f", BIG)
    with smart_open(url, "rb", block_size=512 << 10, max_buffer_size=2 << 20) as handle:
        handle.seek(2_000_000)
        assert handle.read(100) == BIG[2_000_000:2_000_100]
        handle.seek(300_000)
        assert handle.read(100) == BIG[300_000:300_100]
        assert handle._streams is None  # no stream was opened
    assert _ranges(fault_server)[1:] == ["bytes=2000000-2262143", "bytes=300000-308191"]


def test_a_small_file_from_a_far_server_reads_in_parallel_ranges_at_once(fault_server, monkeypatch):
    from megfile_http import readers

    monkeypatch.setattr(readers, "FAR_SERVER", 0.015)
    # 50 ms per answer: the stream test would read most of a small file over one
    # connection before its verdict; blocks go out as parallel ranges instead
    url = fault_server.add("/far", DATA, latency=0.05)
    with smart_open(url, "rb", block_size=64 << 10, max_buffer_size=1 << 20) as handle:
        assert handle.read() == DATA
        assert handle._open_stream is None
    ranges = _ranges(fault_server)
    assert f"bytes=0-{SIZE - 1}" not in ranges  # no stream to the end
    assert ranges[1:] and all(
        int(r.split("-")[1]) - int(r.split("=")[1].split("-")[0]) + 1 == 64 << 10
        for r in ranges[1:]
    )


def test_a_big_file_from_a_far_server_still_streams_first(fault_server, monkeypatch):
    from megfile_http import readers

    monkeypatch.setattr(readers, "FAR_SERVER", 0.015)
    monkeypatch.setattr(readers, "SMALL_FILE", SIZE - 1)  # this file counts as big
    url = fault_server.add("/far", DATA, latency=0.05)
    with smart_open(url, "rb", block_size=64 << 10, max_buffer_size=256 << 10) as handle:
        assert handle.read(64 << 10) == DATA[: 64 << 10]
        assert handle._open_stream is not None


# -- direct reads from a near server --------------------------------------------


@pytest.fixture
def any_rate_is_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loaded machine may serve this Python server below the fast-stream rate;
    these tests are about what a fast stream does, not about the rate."""
    from megfile_core.io import direct

    monkeypatch.setattr(direct, "FAST_STREAM", 1)


def test_near_server_is_read_straight_from_one_stream(fault_server, any_rate_is_fast):
    url = fault_server.add("/f", DATA)
    with smart_open(url, "rb", block_size=64 << 10, max_buffer_size=256 << 10) as handle:
        got = bytearray()
        while chunk := handle.read(100_000):
            got += chunk
        assert bytes(got) == DATA
        assert handle._direct is not None  # still direct at the end
        assert handle._streams is None and not handle._lru  # no block was fetched
    assert _ranges(fault_server) == [f"bytes=0-{(64 << 10) - 1}", f"bytes=0-{SIZE - 1}"]


def test_direct_readinto_fills_the_callers_buffer(fault_server, any_rate_is_fast):
    url = fault_server.add("/f", DATA)
    with smart_open(url, "rb", block_size=64 << 10, max_buffer_size=256 << 10) as handle:
        buffer = bytearray(300_000)
        assert handle.readinto(buffer) == 300_000
        assert bytes(buffer) == DATA[:300_000]
        assert handle.read() == DATA[300_000:]
        assert not handle._lru
    assert len(_ranges(fault_server)) == 2


def test_a_broken_direct_stream_is_completed_by_the_blocks(fault_server, any_rate_is_fast):
    url = fault_server.add("/f", DATA)
    with smart_open(url, "rb", block_size=64 << 10, max_buffer_size=256 << 10) as handle:
        fault_server.files["/f"].faults.append("cut:100000")  # the direct stream breaks
        assert handle.read() == DATA
        assert handle._direct is None
    ranges = _ranges(fault_server)
    assert ranges[1] == f"bytes=0-{SIZE - 1}"
    # the blocks take over at the block holding the first missing byte
    assert ranges[2].startswith(f"bytes={64 << 10}-")
    assert len(ranges) <= 5, ranges


def test_a_slow_near_stream_goes_to_parallel_ranges(fault_server):
    # near (answers at once) but 2 MiB/s a connection: after one block the stream
    # is judged slow, and the rest comes as closed ranges in parallel
    url = fault_server.add("/slow", DATA, rate=2 << 20)
    with smart_open(url, "rb", block_size=64 << 10, max_buffer_size=512 << 10) as handle:
        assert handle.read() == DATA
        assert handle._direct is None and handle._open_stream is None
    ranges = _ranges(fault_server)
    assert ranges[1] == f"bytes=0-{SIZE - 1}"
    closed = ranges[2:]
    assert closed and all(
        int(r.split("-")[1]) - int(r.split("=")[1].split("-")[0]) + 1 <= 64 << 10 for r in closed
    ), closed
    assert len(closed) <= SIZE // (64 << 10)


def test_a_seek_or_a_line_leaves_direct_reading(fault_server, any_rate_is_fast):
    url = fault_server.add("/f", BIG)
    with smart_open(url, "rb", block_size=64 << 10, max_buffer_size=256 << 10) as handle:
        assert handle.read(1000) == BIG[:1000]
        handle.seek(500_000)
        assert handle._direct is not None  # a seek does no I/O
        assert handle.read(100) == BIG[500_000:500_100]
        assert handle._direct is None
    with smart_open(url, "rb", block_size=64 << 10, max_buffer_size=256 << 10) as handle:
        assert handle.read(10) == BIG[:10]
        line_end = BIG.index(b"\n", 10) + 1 if b"\n" in BIG[10:200_000] else None
        line = handle.readline(200_000)
        assert handle._direct is None
        assert line == BIG[10 : line_end or 200_010]
        assert handle.read(50) == BIG[10 + len(line) : 60 + len(line)]
