"""Transparent compression on local files and memory://, checked against the system
``gzip``, ``bzip2``, ``xz`` and ``zstd`` tools (the ``compression_tools`` fixture
installs the missing ones)."""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
import threading
import tracemalloc

import pytest

import megfile_core
from megfile_core.io.compression import DecompressionError, infer_compression
from megfile_core.smart_path import SmartPath

#: (codec name, suffix, tool)
CODECS = [
    ("gzip", ".gz", "gzip"),
    ("bz2", ".bz2", "bzip2"),
    ("xz", ".xz", "xz"),
    ("zstd", ".zst", "zstd"),
]
IDS = [c[0] for c in CODECS]
DATA = os.urandom(200_000) + b"".join(b"line %d\n" % i for i in range(50_000)) + bytes(300_000)


def tool_decompress(tool: str, path: str) -> bytes:
    return subprocess.run([tool, "-q", "-dc", path], capture_output=True, check=True).stdout


def tool_compress(tool: str, data: bytes) -> bytes:
    return subprocess.run([tool, "-q", "-c"], input=data, capture_output=True, check=True).stdout


@pytest.fixture(autouse=True)
def _tools(compression_tools):
    return compression_tools


@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_the_tool_reads_what_we_write(tmp_path, name, suffix, tool):
    binary = str(tmp_path / f"data{suffix}")
    with megfile_core.smart_open(binary, "wb", compression="infer") as handle:
        for start in range(0, len(DATA), 70_001):
            handle.write(DATA[start : start + 70_001])
        assert handle.tell() == len(DATA)
    with open(binary, "rb") as stored:
        assert stored.read() != DATA  # stored compressed
    assert tool_decompress(tool, binary) == DATA

    text = str(tmp_path / "text.any")  # no suffix to infer from: the name decides
    with megfile_core.smart_open(
        text, "w", encoding="latin-1", newline="\r\n", compression=name
    ) as f:
        f.write("ünïcode\nline two\n")
    assert tool_decompress(tool, text) == "ünïcode\r\nline two\r\n".encode("latin-1")


@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_we_read_what_the_tool_writes(tmp_path, name, suffix, tool):
    path = tmp_path / f"data{suffix}"
    path.write_bytes(tool_compress(tool, DATA))
    with megfile_core.smart_open(str(path), "rb", compression="infer") as handle:
        assert handle.read() == DATA
    with SmartPath(str(path)).open("rb", compression=name) as handle:
        chunks = iter(lambda: handle.read(65_536), b"")
        assert b"".join(chunks) == DATA
    lines = path.with_name(f"lines{suffix}")
    lines.write_bytes(tool_compress(tool, b"alpha\nbeta\r\ngamma"))
    with megfile_core.smart_open(str(lines), "r", compression="infer", newline="") as handle:
        assert list(handle) == ["alpha\n", "beta\r\n", "gamma"]


@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_append_adds_a_part_that_tools_and_we_read(tmp_path, name, suffix, tool):
    path = str(tmp_path / f"log{suffix}")
    with megfile_core.smart_open(path, "w", compression=name) as handle:
        handle.write("first\n")
    with megfile_core.smart_open(path, "a", compression=name) as handle:
        handle.write("second\n")
    assert tool_decompress(tool, path) == b"first\nsecond\n"
    with megfile_core.smart_open(path, "r", compression=name) as handle:
        assert handle.read() == "first\nsecond\n"


def test_memory_backend_round_trip(memory_root):
    url = f"{memory_root}/dir/data.xz"
    with megfile_core.smart_open(url, "wb", compression="infer") as handle:
        handle.write(DATA)
    assert megfile_core.smart_load_content(url)[:6] == b"\xfd7zXZ\x00"
    with megfile_core.smart_open(url, "rb", compression="infer") as handle:
        assert handle.read() == DATA


def test_exclusive_mode_compresses_and_refuses_an_existing_file(tmp_path):
    path = str(tmp_path / "new.gz")
    with megfile_core.smart_open(path, "xb", compression="infer") as handle:
        handle.write(b"once")
    with pytest.raises(FileExistsError):
        megfile_core.smart_open(path, "xb", compression="infer")
    assert megfile_core.smart_open(path, "rb", compression="gzip").read() == b"once"


def test_no_compression_is_the_default_and_none_is_the_stored_bytes(tmp_path):
    path = tmp_path / "data.gz"
    stored = tool_compress("gzip", DATA)
    path.write_bytes(stored)
    assert megfile_core.smart_open(str(path), "rb").read() == stored
    assert megfile_core.smart_open(str(path), "rb", compression=None).read() == stored
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"as is")
    assert megfile_core.smart_open(str(plain), "rb", compression="infer").read() == b"as is"


def test_env_default_and_explicit_none_beats_it(tmp_path, monkeypatch):
    path = tmp_path / "data.zst"
    stored = tool_compress("zstd", DATA)
    path.write_bytes(stored)
    monkeypatch.setenv("MEGFILE_COMPRESSION", "infer")
    assert megfile_core.smart_open(str(path), "rb").read() == DATA
    assert SmartPath(str(path)).open("rb").read() == DATA
    assert megfile_core.smart_open(str(path), "rb", compression=None).read() == stored
    # every other function stays byte-exact
    assert megfile_core.smart_load_content(str(path)) == stored
    assert SmartPath(str(path)).read_bytes() == stored
    assert SmartPath(str(path)).pathlike.open("rb").read() == stored
    megfile_core.smart_copy(str(path), str(tmp_path / "copy.zst"))
    assert (tmp_path / "copy.zst").read_bytes() == stored
    megfile_core.smart_sync(str(path), str(tmp_path / "synced.zst"))
    assert (tmp_path / "synced.zst").read_bytes() == stored
    with megfile_core.smart_combine_open(str(tmp_path / "data.*")) as combined:
        assert combined.read() == stored
    monkeypatch.setenv("MEGFILE_COMPRESSION", "gzip")  # a codec name: always that codec
    with megfile_core.smart_open(str(tmp_path / "forced.bin"), "wb") as handle:
        handle.write(b"forced")
    assert tool_decompress("gzip", str(tmp_path / "forced.bin")) == b"forced"


def test_bad_env_value_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("MEGFILE_COMPRESSION", "rar")
    with pytest.raises(ValueError, match="MEGFILE_COMPRESSION='rar'.*gzip"):
        megfile_core.smart_open(str(tmp_path / "x.txt"), "w")
    assert not (tmp_path / "x.txt").exists()
    monkeypatch.setenv("MEGFILE_COMPRESSION", "None")
    with megfile_core.smart_open(str(tmp_path / "x.gz"), "wb") as handle:
        handle.write(b"raw")
    assert (tmp_path / "x.gz").read_bytes() == b"raw"


def test_names_aliases_and_bad_arguments(tmp_path):
    path = str(tmp_path / "f")
    for alias, tool in (("GZ", "gzip"), ("bzip2", "bzip2"), ("zst", "zstd"), (" xz ", "xz")):
        with megfile_core.smart_open(path, "wb", compression=alias) as handle:
            handle.write(alias.encode())
        assert tool_decompress(tool, path) == alias.encode()
    with pytest.raises(ValueError, match="'lz4' is not a known compression.*zstd"):
        megfile_core.smart_open(path, "rb", compression="lz4")
    with pytest.raises(TypeError, match="compression must be a str or None"):
        megfile_core.smart_open(path, "rb", compression=3)
    for mode in ("r+", "w+", "a+b"):
        with pytest.raises(ValueError, match="read or written, not both"):
            megfile_core.smart_open(path, mode, compression="gzip")
    with pytest.raises(ValueError, match="binary"):
        megfile_core.smart_open(path, "rb", encoding="utf-8", compression="gzip")
    with pytest.raises(ValueError, match="unbuffered text"):
        megfile_core.smart_open(path, "r", buffering=0, compression="gzip")


def test_infer_compression_reads_the_suffix():
    assert infer_compression("s3://b/a/b.tar.gz") == "gzip"
    assert infer_compression("/x/Y.BZ2") == "bz2"
    assert infer_compression("data.xz") == "xz"
    assert infer_compression("sftp://h//d/a.zst") == "zstd"
    assert infer_compression("https://h/a.csv.xz?sig=secret") == "xz"
    for plain in ("a.gzip", "a.txt", "gz", "a.gz.txt", "a.zstd", "/a.gz?x", "https://h/a?b.gz.x"):
        assert infer_compression(plain) is None


def _compress_in_memory(name: str, data: bytes) -> bytes:
    tool = {c[0]: c[2] for c in CODECS}[name]
    return tool_compress(tool, data)


def _variants(name: str) -> list[tuple[str, bytes]]:
    stored = _compress_in_memory(name, DATA)
    middle = len(stored) // 2
    flipped = bytearray(stored)
    flipped[middle] ^= 0x55
    return [
        ("garbage", b"this is not compressed at all" * 10),
        ("truncated", stored[:middle]),
        ("bit flip", bytes(flipped)),
        ("cut before the trailer", stored[:-3]),
    ]


@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_corrupt_input_is_a_clear_oserror(tmp_path, name, suffix, tool):
    for label, stored in _variants(name):
        path = tmp_path / f"bad{suffix}"
        path.write_bytes(stored)
        with pytest.raises(DecompressionError) as caught:
            with megfile_core.smart_open(str(path), "rb", compression="infer") as handle:
                while handle.read(1 << 16):
                    pass
        message = str(caught.value)
        assert isinstance(caught.value, OSError), label
        assert str(path) in message and f"as {name}" in message, (label, message)
        assert "compression=None" in message, label


class _FailingRaw(io.RawIOBase):
    """Fault injection: stored bytes whose reading breaks midway, as a dropped
    connection would."""

    def __init__(self, data: bytes, fail_at: int) -> None:
        self._data = io.BytesIO(data)
        self._fail_at = fail_at

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._data.tell() >= self._fail_at:
            raise ConnectionResetError("connection reset by peer")
        return self._data.readinto(buffer)


@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_backend_errors_pass_through_unchanged(name, suffix, tool):
    from megfile_core.io.codec_streams import DecodingReader
    from megfile_core.io.compression import CODECS as TABLE

    stored = _compress_in_memory(name, os.urandom(500_000))
    raw = io.BufferedReader(_FailingRaw(stored, len(stored) // 2))
    reader = DecodingReader(raw, TABLE[name], "remote.bin")
    with pytest.raises(ConnectionResetError, match="reset by peer"):
        while reader.read(1 << 16):
            pass


@pytest.mark.parametrize("text", [False, True], ids=["binary", "text"])
@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_atomic_write_publishes_nothing_on_failure(tmp_path, name, suffix, tool, text):
    target = tmp_path / f"out{suffix}"
    fresh = tmp_path / f"fresh{suffix}"
    target.write_bytes(b"old content")
    for path in (target, fresh):
        with pytest.raises(RuntimeError, match="boom"):
            with megfile_core.smart_open(
                str(path), "w" if text else "wb", compression="infer", atomic=True
            ) as handle:
                handle.write("x" * 300_000 if text else DATA)
                raise RuntimeError("boom")
    assert target.read_bytes() == b"old content"
    assert not fresh.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temp left


def test_without_atomic_a_failing_block_closes_like_a_plain_file(tmp_path):
    path = tmp_path / "plain.gz"
    with pytest.raises(RuntimeError, match="boom"):
        with megfile_core.smart_open(str(path), "w", compression="infer") as handle:
            handle.write("kept\n")  # still in the text layer when the error comes
            raise RuntimeError("boom")
    assert tool_decompress("gzip", str(path)) == b"kept\n"
    with pytest.raises(LookupError):
        megfile_core.smart_open(str(tmp_path / "enc.gz"), "w", encoding="nope", compression="gzip")
    assert not (tmp_path / "enc.gz").exists()


def test_atomic_writer_dropped_unclosed_publishes_nothing(tmp_path):
    path = tmp_path / "dropped.gz"
    handle = megfile_core.smart_open(str(path), "wb", compression="infer", atomic=True)
    handle.write(DATA)
    del handle
    gc.collect()
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_publishes_on_close(tmp_path):
    path = tmp_path / "ok.xz"
    with megfile_core.smart_open(str(path), "w", compression="infer", atomic=True) as handle:
        handle.write("done")
        assert not path.exists()
    assert tool_decompress("xz", str(path)) == b"done"


@pytest.mark.parametrize(("name", "suffix", "tool"), CODECS, ids=IDS)
def test_seek_forward_reads_backward_restarts(tmp_path, name, suffix, tool):
    path = tmp_path / f"seek{suffix}"
    path.write_bytes(tool_compress(tool, DATA))
    with megfile_core.smart_open(str(path), "rb", compression="infer") as handle:
        assert handle.seekable()
        assert handle.seek(400_000) == 400_000
        assert handle.read(10) == DATA[400_000:400_010]
        assert handle.seek(5) == 5 and handle.read(3) == DATA[5:8]
        assert handle.seek(100, io.SEEK_CUR) == 108 and handle.tell() == 108
        assert handle.read(4) == DATA[108:112]
        assert handle.seek(len(DATA) + 10) == len(DATA) and handle.read() == b""
        with pytest.raises(io.UnsupportedOperation, match="decompressed size is unknown"):
            handle.seek(-1, io.SEEK_END)
        with pytest.raises(ValueError, match="negative"):
            handle.seek(-1)


def test_backward_seek_on_a_pipe_is_unsupported():
    read_fd, write_fd = os.pipe()
    stored = tool_compress("gzip", DATA)
    writer = threading.Thread(target=lambda: (os.write(write_fd, stored), os.close(write_fd)))
    writer.start()
    try:
        with megfile_core.smart_open(read_fd, "rb", compression="gzip") as handle:
            assert handle.read(1000) == DATA[:1000]
            assert not handle.seekable()
            with pytest.raises(io.UnsupportedOperation):
                handle.seek(0)
            assert handle.read() == DATA[1000:]
    finally:
        writer.join()


def test_missing_zstandard_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "zstandard", None)  # as if not installed
    path = tmp_path / "x.zst"
    for mode in ("wb", "w", "a"):
        with pytest.raises(ImportError, match=r"pip install 'megfile-core\[zstd\]'"):
            megfile_core.smart_open(str(path), mode, compression="infer", atomic=True)
    assert list(tmp_path.iterdir()) == []  # nothing created
    path.write_bytes(b"\x28\xb5\x2f\xfd")
    with pytest.raises(ImportError, match="zstandard"):
        megfile_core.smart_open(str(path), "rb", compression="zstd")
    # the other codecs do not need it
    with megfile_core.smart_open(str(tmp_path / "y.gz"), "wb", compression="infer") as handle:
        handle.write(b"fine")


@pytest.mark.slow
@pytest.mark.parametrize(("name", "suffix", "tool"), [CODECS[0], CODECS[3]], ids=["gzip", "zstd"])
def test_large_streams_are_never_held_whole(tmp_path, name, suffix, tool):
    size, block = 64 << 20, 1 << 20
    path = str(tmp_path / f"big{suffix}")
    tracemalloc.start()
    try:
        with megfile_core.smart_open(path, "wb", compression=name) as handle:
            for _ in range(size // block):
                handle.write(os.urandom(block))
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        total = 0
        with megfile_core.smart_open(path, "rb", compression=name) as handle:
            while chunk := handle.read(1 << 20):
                total += len(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert os.path.getsize(path) > size // 2  # random data: the stored file is big too
    assert total == size
    assert write_peak < 12 << 20, write_peak
    assert read_peak < 12 << 20, read_peak


def test_backend_paths_open_compressed_too(tmp_path, memory_root):
    local = SmartPath(str(tmp_path / "direct.gz")).pathlike  # FSPath, its own open
    with local.open("wb", compression="infer", atomic=True) as handle:
        handle.write(b"local")
    assert tool_decompress("gzip", str(tmp_path / "direct.gz")) == b"local"
    assert local.open("rb", compression="gzip").read() == b"local"
    memory = SmartPath(f"{memory_root}/direct.bz2").pathlike  # BasePath.open
    with memory.open("w", compression="bz2") as handle:
        handle.write("memory")
    assert memory.open("rb").read()[:3] == b"BZh"  # no compression=: as stored
    assert memory.open("r", compression="infer").read() == "memory"


def test_stdio_streams_both_ways():
    """A child process reads stdin with one codec and writes stdout with another."""
    code = (
        "import megfile_core as m\n"
        "with m.smart_open('stdio://0', 'rb', compression='bz2') as src, "
        "m.smart_open('stdio://1', 'wb', compression='zstd') as dst:\n"
        "    while chunk := src.read(65536):\n"
        "        dst.write(chunk)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=tool_compress("bzip2", DATA),
        capture_output=True,
        check=True,
        timeout=60,
    )
    unpacked = subprocess.run(
        ["zstd", "-q", "-dc"], input=result.stdout, capture_output=True, check=True
    )
    assert unpacked.stdout == DATA


def test_zstd_is_cut_only_at_frame_boundaries(tmp_path):
    """Every cut of a small stream of several frames is an error unless it falls
    between frames (zstandard's own reader would return a short result)."""
    import struct

    first = tool_compress("zstd", b"first frame " * 50)
    skippable = struct.pack("<II", 0x184D2A53, 5) + b"12345"
    second = subprocess.run(
        ["zstd", "-q", "-c", "--no-check"], input=os.urandom(300), capture_output=True, check=True
    ).stdout
    zeros = tool_compress("zstd", bytes(300_000))  # RLE blocks: 1 stored byte each
    stored = first + skippable + second + zeros
    before_zeros = len(first) + len(skippable) + len(second)
    expected = {
        0: b"",
        len(first): b"first frame " * 50,
        len(first) + len(skippable): None,
        before_zeros: None,
    }
    path = tmp_path / "cut.zst"
    for cut in range(len(stored) + 1):
        path.write_bytes(stored[:cut])
        boundary = cut in expected or cut == len(stored)
        try:
            with megfile_core.smart_open(str(path), "rb", compression="zstd") as handle:
                data = handle.read()
        except DecompressionError:
            assert not boundary, cut
            continue
        assert boundary, f"a cut at {cut} of {len(stored)} read as complete"
        if cut == len(stored):
            assert data.startswith(b"first frame ") and len(data) == 600 + 300 + 300_000
        elif expected[cut] is not None:
            assert data == expected[cut]
