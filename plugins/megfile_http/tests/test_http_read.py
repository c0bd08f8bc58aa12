"""Reading http:// URLs: ranged prefetch against nginx, streaming and faults against
the threaded fault server."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import time

import pytest
from http_testdata import BIG, TEXT

from megfile_core import SmartPath, smart_load_content, smart_open
from megfile_core.errors import FileChangedError, MaxRetriesExceededError
from megfile_core.io.prefetch import PrefetchReader
from megfile_http.readers import HttpStreamReader

SMALL_BLOCKS = {"block_size": 256 << 10, "max_buffer_size": 1 << 20}
DATA = os.urandom(300_000)


def test_ranged_read_is_prefetched_and_complete(nginx):
    with smart_open(f"{nginx.url}/big.bin", "rb", **SMALL_BLOCKS) as handle:
        assert isinstance(handle, PrefetchReader)
        assert handle.size == len(BIG)
        assert handle.read() == BIG
        assert handle.read() == b""


def test_ranged_read_seeks_anywhere(nginx):
    with smart_open(f"{nginx.url}/big.bin", "rb", **SMALL_BLOCKS) as handle:
        for offset, count in [(2_900_000, 5000), (17, 100), (1 << 20, 1 << 20), (0, 3)]:
            assert handle.seek(offset) == offset
            assert handle.read(count) == BIG[offset : offset + count]
            assert handle.tell() == offset + count
        handle.seek(-10, io.SEEK_END)
        assert handle.read() == BIG[-10:]


def test_text_mode_and_lines(nginx):
    with smart_open(f"{nginx.url}/text.txt", "r", encoding="utf-8") as handle:
        assert handle.readline() == "line 0: h\u00e9llo w\u00f6rld\n"
        rest = handle.read()
    assert "line 0: " + rest.split("line 1: ", 1)[0] != ""
    assert TEXT.endswith(rest)
    with smart_open(f"{nginx.url}/text.txt") as handle:
        assert list(handle) == TEXT.splitlines(keepends=True)


def test_smartpath_reads(nginx):
    path = SmartPath(f"{nginx.url}/text.txt")
    assert path.read_text() == TEXT
    assert SmartPath(f"{nginx.url}/small.bin").read_bytes() == b"0123456789"
    assert SmartPath(f"{nginx.url}/small.bin").md5() == "781e5e245d69b566979b86e28d23f2c7"


def test_empty_file(nginx):
    with smart_open(f"{nginx.url}/empty", "rb") as handle:
        assert handle.read() == b""
    assert SmartPath(f"{nginx.url}/empty").read_text() == ""


def test_load_content_uses_one_range(nginx):
    url = f"{nginx.url}/big.bin"
    assert smart_load_content(url, 1000, 1010) == BIG[1000:1010]
    assert smart_load_content(url, len(BIG) - 5) == BIG[-5:]
    assert smart_load_content(url, 5, 5) == b""
    # beyond the end nginx answers 416: nothing to read
    assert smart_load_content(f"{nginx.url}/small.bin", 100, 200) == b""
    assert smart_load_content(f"{nginx.url}/small.bin", 8, 100) == b"89"


def test_open_sends_one_ranged_get_and_no_head(fault_server):
    url = fault_server.add("/f", DATA)
    with smart_open(url, "rb", block_size=64 << 10, max_buffer_size=128 << 10) as handle:
        assert isinstance(handle, PrefetchReader)
        assert fault_server.requests()
        assert len(fault_server.requests()) == 1
        method, _, headers = fault_server.requests()[0]
        assert method == "GET"
        assert headers["Range"] == f"bytes=0-{(64 << 10) - 1}"
        assert handle.read() == DATA
    gets = fault_server.requests("GET")
    assert all("If-Range" in h for _, _, h in gets[1:])
    assert fault_server.requests("HEAD") == []


def test_file_replaced_between_reads_raises_nginx(nginx, tmp_path):
    """nginx honours If-Range: the new version answers 200, which is refused."""
    target = nginx.root / "changing.bin"
    shutil.copyfile(nginx.root / "big.bin", target)
    url = f"{nginx.url}/changing.bin"
    with smart_open(
        url, "rb", block_size=256 << 10, max_buffer_size=512 << 10, block_forward=1, stream=False
    ) as handle:  # one range per block
        first = handle.read(256 << 10)
        assert first == BIG[: 256 << 10]
        replacement = tmp_path / "new.bin"
        replacement.write_bytes(bytes(len(BIG)))  # same size, new content and mtime
        os.utime(replacement, (time.time() + 100, time.time() + 100))
        os.replace(replacement, target)
        got = bytearray(first)

        def read_on() -> None:
            while chunk := handle.read(256 << 10):
                got.extend(chunk)

        with pytest.raises(FileChangedError) as caught:
            read_on()
    assert "changed while it was being read" in str(caught.value)
    assert bytes(got) == BIG[: len(got)]  # never a byte of the new version
    assert len(got) < len(BIG)


def test_file_replaced_with_server_ignoring_if_range(fault_server):
    """A server that ignores If-Range answers 206 from the new version: the ETag
    comparison catches it."""
    url = fault_server.add("/f", DATA, if_range=False)
    with smart_open(
        url, "rb", block_size=64 << 10, max_buffer_size=128 << 10, block_forward=1, stream=False
    ) as handle:
        assert handle.read(1000) == DATA[:1000]
        fault_server.add("/f", DATA[::-1], if_range=False)
        with pytest.raises(FileChangedError):
            handle.read()


def test_file_replaced_default_mode_never_mixes_versions(nginx, tmp_path):
    """The default (streaming) reader: an open stream keeps serving the version it
    started on, and any new request after the replacement is refused."""
    target = nginx.root / "changing-default.bin"
    shutil.copyfile(nginx.root / "big.bin", target)
    url = f"{nginx.url}/changing-default.bin"
    with smart_open(url, "rb", block_size=256 << 10, max_buffer_size=512 << 10) as handle:
        first = handle.read(256 << 10)
        assert first == BIG[: 256 << 10]
        replacement = tmp_path / "new-default.bin"
        replacement.write_bytes(bytes(len(BIG)))
        os.utime(replacement, (time.time() + 100, time.time() + 100))
        os.replace(replacement, target)
        handle.seek(len(BIG) - (300 << 10))  # a jump: needs a new request
        with pytest.raises(FileChangedError):
            handle.read()


def test_streaming_reader_without_ranges(fault_server):
    url = fault_server.add("/f", DATA, ranges=False)
    with smart_open(url, "rb") as handle:
        assert isinstance(handle, HttpStreamReader)
        assert handle.seekable() is False
        assert handle.size == len(DATA)
        assert handle.read(10) == DATA[:10]
        assert handle.tell() == 10
        assert handle.seek(50_000) == 50_000  # forward: read and discard
        assert handle.read(5) == DATA[50_000:50_005]
        assert handle.seek(10, io.SEEK_CUR) == 50_015
        with pytest.raises(io.UnsupportedOperation, match="cannot seek back"):
            handle.seek(3)
        with pytest.raises(OSError, match="cannot seek back"):
            handle.seek(-1, io.SEEK_CUR)
        assert handle.tell() == 50_015
        assert handle.read() == DATA[50_015:]
        assert handle.seek(0, io.SEEK_END) == len(DATA)
        with pytest.raises(io.UnsupportedOperation):
            handle.seek(-100, io.SEEK_END)
    assert len(fault_server.requests("GET")) == 1


def test_streaming_text_lines(fault_server):
    url = fault_server.add("/t.txt", TEXT.encode(), ranges=False)
    with smart_open(url, "r", encoding="utf-8") as handle:
        assert handle.readline() == "line 0: h\u00e9llo w\u00f6rld\n"
        assert handle.readlines() == TEXT.splitlines(keepends=True)[1:]
    with smart_open(url, "rb") as handle:
        assert handle.readline(4) == b"line"
        assert handle.readline() == b" 0: h\xc3\xa9llo w\xc3\xb6rld\n"
        assert handle.peek(1)[:4] == b"line"
        buffer = bytearray(7)
        assert handle.readinto(buffer) == 7
        assert bytes(buffer) == b"line 1:"


def test_gzip_is_decoded_and_streamed(fault_server):
    url = fault_server.add("/g.txt", TEXT.encode(), gzip=True)
    assert gzip.compress(TEXT.encode()) != TEXT.encode()
    with smart_open(url, "rb") as handle:
        assert isinstance(handle, HttpStreamReader)
        assert handle.read(100) == TEXT.encode()[:100]
        handle.seek(5000)
        assert handle.read() == TEXT.encode()[5000:]
    assert SmartPath(url).read_text() == TEXT
    # the ranged probe got a 206 of the coded body; the reader asked again, whole
    gets = fault_server.requests("GET")
    assert "Range" in gets[0][2]
    assert "Range" not in gets[1][2]


def test_truncated_ranged_body_resumes_where_it_stopped(fault_server):
    url = fault_server.add("/f", DATA, faults=["cut:1000"])
    with smart_open(url, "rb", block_size=64 << 10, max_buffer_size=64 << 10) as handle:
        assert handle.read() == DATA
    ranges = [h["Range"] for _, _, h in fault_server.requests("GET")]
    assert ranges[:2] == [f"bytes=0-{(64 << 10) - 1}", f"bytes=1000-{(64 << 10) - 1}"]


def test_truncated_block_in_prefetch_resumes(fault_server):
    url = fault_server.add("/f", DATA)
    # direct=False: the blocks, not a near server's direct stream (test_http_stream_mode)
    with smart_open(
        url, "rb", block_size=64 << 10, max_buffer_size=64 << 10, direct=False
    ) as handle:
        assert handle.read(10) == DATA[:10]
        fault_server.files["/f"].faults.append("cut:10")
        assert handle.read() == DATA[10:]
    ranges = [h["Range"] for _, _, h in fault_server.requests("GET")]
    assert f"bytes={(64 << 10) + 10}-{(128 << 10) - 1}" in ranges


def test_truncated_stream_restarts_and_skips(fault_server):
    url = fault_server.add("/f", DATA, ranges=False, faults=["cut:70000"])
    with smart_open(url, "rb") as handle:
        assert handle.read() == DATA
    gets = fault_server.requests("GET")
    assert len(gets) == 2


def test_truncated_stream_resumes_with_range_when_offered(fault_server):
    # a stream from a server that offers ranges (a plain GET, as a reader opened
    # without probing would send): the break is resumed from the exact byte
    url = fault_server.add("/f", DATA, faults=["cut:70000"])
    from megfile_http.client import HttpClient, ResponseInfo

    client = HttpClient(url, {})
    response = client.request("GET")
    reader = HttpStreamReader(client, response, ResponseInfo.of(response))
    assert reader.read() == DATA
    ranges = [h.get("Range") for _, _, h in fault_server.requests("GET")]
    assert ranges == [None, "bytes=70000-"]


def test_truncated_gzip_stream_restarts(fault_server):
    body = TEXT.encode() * 4
    url = fault_server.add("/g", body, gzip=True, ranges=False, faults=["cut:3000"])
    assert SmartPath(url).read_bytes() == body
    assert len(fault_server.requests("GET")) == 2


def test_503_then_success(fault_server):
    url = fault_server.add("/f", DATA, faults=["503", "503"])
    assert SmartPath(url).read_bytes() == DATA
    assert len(fault_server.requests("GET")) >= 3


def test_503_forever_gives_up(fault_server, monkeypatch):
    monkeypatch.setenv("MEGFILE_HTTP_MAX_RETRY_TIMES", "3")
    url = fault_server.add("/f", DATA, status=503)
    with pytest.raises(MaxRetriesExceededError, match="503"):
        smart_open(url, "rb")
    assert len(fault_server.requests("GET")) == 3


def test_read_timeout_is_retried(fault_server):
    url = fault_server.add("/f", DATA, faults=["stall"])
    with smart_open(url, "rb", timeout=(2, 0.5)) as handle:
        assert handle.read() == DATA
    ranges = [h["Range"] for _, _, h in fault_server.requests("GET")]
    assert ranges[:2] == ["bytes=0-65535", "bytes=0-65535"]  # the stalled probe, again


def test_missing_file_open(nginx):
    with pytest.raises(FileNotFoundError, match="/nope"):
        smart_open(f"{nginx.url}/nope", "rb")


def test_unknown_open_option(nginx):
    with pytest.raises(TypeError, match="bogus"):
        smart_open(f"{nginx.url}/small.bin", "rb", bogus=1)
