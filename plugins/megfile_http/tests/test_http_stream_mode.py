"""Sequential reads stream over one ranged GET (core's optional stream primitive);
breaks are completed from the first missing byte, and random access still uses
closed ranges."""

from __future__ import annotations

from http_testdata import BIG

from megfile_core import smart_open

SIZE = 1 << 20
DATA = BIG[:SIZE]


def _ranges(server: object) -> list[str]:
    return [h["Range"] for _, _, h in server.requests("GET")]  # type: ignore[attr-defined]


def test_sequential_read_is_one_stream_to_the_end(fault_server):
    url = fault_server.add("/f", DATA)
    with smart_open(url, "rb", block_size=64 << 10, max_buffer_size=256 << 10) as handle:
        got = bytearray()
        while chunk := handle.read(64 << 10):
            got += chunk
        assert bytes(got) == DATA
        assert handle._streams is not None and not handle._streams.parallel
    # the open probe, then one request streams every block in order
    assert _ranges(fault_server) == [f"bytes=0-{(64 << 10) - 1}", f"bytes=0-{SIZE - 1}"]


def test_broken_stream_resumes_at_the_first_missing_byte(fault_server):
    url = fault_server.add("/f", DATA)
    with smart_open(url, "rb", block_size=64 << 10, max_buffer_size=256 << 10) as handle:
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
