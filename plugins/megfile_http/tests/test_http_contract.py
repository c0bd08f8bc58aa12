"""A read-only contract every http(s) file must meet, whatever the server offers.

core's PathContract exercises writes and listings; HTTP has neither, so this suite
checks the read-only half and that every other operation says it is unsupported.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import re
from collections.abc import Iterator

import pytest
from http_testdata import TEXT
from httpservers import FaultServer

from megfile_core import (
    SmartPath,
    smart_copy,
    smart_load_content,
    smart_open,
    smart_save_content,
    smart_touch,
)
from megfile_core.errors import MegfileError, UnsupportedError

CONTENT = TEXT.encode("utf-8")
KINDS = {
    "nginx": {},
    "ranged": {},
    "no-ranges": {"ranges": False},
    "no-head": {"head": False},
    "gzip": {"gzip": True},
    "no-length": {"length": False, "ranges": False},
}


@pytest.fixture(scope="module")
def servers(nginx) -> Iterator[FaultServer]:
    with FaultServer() as server:
        for kind, behaviour in KINDS.items():
            if kind != "nginx":
                server.add(f"/{kind}/text.txt", CONTENT, **behaviour)
        yield server


@pytest.fixture(params=list(KINDS))
def url(request, nginx, servers) -> str:
    if request.param == "nginx":
        return f"{nginx.url}/text.txt"
    return servers.url(f"/{request.param}/text.txt")


class TestHttpReadOnlyContract:
    def test_read_bytes_and_text(self, url):
        assert SmartPath(url).read_bytes() == CONTENT
        assert SmartPath(url).read_text(encoding="utf-8") == TEXT

    def test_lines(self, url):
        with SmartPath(url).open("r", encoding="utf-8") as handle:
            assert list(handle) == TEXT.splitlines(keepends=True)

    def test_partial_reads_and_forward_seek(self, url):
        with SmartPath(url).open("rb") as handle:
            assert handle.read(7) == CONTENT[:7]
            handle.seek(1000)
            assert handle.tell() == 1000
            assert handle.read(10) == CONTENT[1000:1010]
            chunk = bytearray(20)
            assert handle.readinto(chunk) == 20
            assert bytes(chunk) == CONTENT[1010:1030]
            assert handle.read() == CONTENT[1030:]
            assert handle.read(5) == b""

    def test_backward_seek_works_or_says_why(self, url):
        with SmartPath(url).open("rb") as handle:
            handle.read(100)
            if handle.seekable():
                handle.seek(3)
                assert handle.read(4) == CONTENT[3:7]
            else:
                with pytest.raises(io.UnsupportedOperation):
                    handle.seek(3)

    def test_load_content(self, url):
        assert smart_load_content(url, 10, 30) == CONTENT[10:30]
        assert smart_load_content(url, len(CONTENT) - 3) == CONTENT[-3:]

    def test_metadata(self, url):
        path = SmartPath(url)
        assert path.exists()
        assert path.is_file()
        assert not path.is_dir()
        stat = path.stat()
        assert not stat.is_dir()
        if "gzip" not in url and "no-length" not in url:
            assert stat.size == len(CONTENT)
            assert path.getsize() == len(CONTENT)
        assert path.getmtime() > 0

    def test_md5(self, url):
        assert SmartPath(url).md5() == hashlib.md5(CONTENT).hexdigest()

    def test_missing_sibling(self, url):
        missing = SmartPath(url).with_name("missing.txt")
        assert not missing.exists()
        with pytest.raises(FileNotFoundError):
            missing.read_bytes()
        with pytest.raises(FileNotFoundError):
            missing.stat()

    def test_closed_reader_refuses(self, url):
        handle = SmartPath(url).open("rb")
        handle.close()
        handle.close()
        with pytest.raises(ValueError, match="closed"):
            handle.read(1)


UNSUPPORTED = [
    ("open('wb')", lambda p: p.open("wb")),
    ("open('ab')", lambda p: p.open("a")),
    ("open('rb+')", lambda p: p.open("r+")),
    ("open('xb')", lambda p: p.open("xb")),
    ("write", lambda p: p.write_bytes(b"x")),
    ("write", lambda p: p.write_text("x")),
    ("listdir", lambda p: p.listdir()),
    ("scandir", lambda p: p.scandir()),
    ("iterdir", lambda p: list(p.iterdir())),
    ("remove", lambda p: p.remove()),
    ("unlink", lambda p: p.unlink()),
    ("mkdir", lambda p: p.mkdir()),
    ("makedirs", lambda p: p.makedirs()),
    ("rename", lambda p: p.rename("http://h/other")),
    ("rmdir", lambda p: p.rmdir()),
    ("touch", lambda p: p.touch()),
    ("utime", lambda p: p.utime(0, 0)),
    ("symlink", lambda p: p.symlink("http://h/l")),
]


@pytest.mark.parametrize(("operation", "call"), UNSUPPORTED,
                         ids=[f"{i}-{op}" for i, (op, _) in enumerate(UNSUPPORTED)])
def test_unsupported_operations_name_themselves(nginx, operation, call):
    path = SmartPath(f"http://user:pw@127.0.0.1:{nginx.port}/text.txt")
    with pytest.raises(UnsupportedError) as caught:
        call(path)
    error = caught.value
    assert isinstance(error, OSError)
    assert isinstance(error, NotImplementedError)
    assert isinstance(error, MegfileError)
    assert operation in str(error)
    assert "pw@" not in str(error)
    assert "text.txt" in str(error)
    # nothing was written
    assert SmartPath(f"{nginx.url}/text.txt").read_bytes() == CONTENT


WRITES = [
    ("wb", lambda: smart_open(WRITE_URL, "w")),
    ("wb", lambda: smart_open(WRITE_URL, "wb")),
    ("ab", lambda: smart_open(WRITE_URL, "ab")),
    ("ab", lambda: smart_open(WRITE_URL, "a")),
    ("xb", lambda: smart_open(WRITE_URL, "x")),
    ("rb+", lambda: smart_open(WRITE_URL, "r+")),
    ("wb+", lambda: smart_open(WRITE_URL, "w+")),
    ("wb", lambda: SmartPath(WRITE_URL).open("w")),
    ("wb", lambda: SmartPath(WRITE_URL).open("wb")),
    ("ab", lambda: SmartPath(WRITE_URL).open("ab")),
    ("wb", lambda: smart_open(WRITE_URL.replace("http:", "https:"), "wb")),
    ("wb", lambda: SmartPath(WRITE_URL).write_bytes(b"x")),
    ("wb", lambda: SmartPath(WRITE_URL).write_text("x")),
    ("wb", lambda: smart_save_content(WRITE_URL, b"x")),
    ("wb", lambda: smart_touch(WRITE_URL)),
    ("wb", lambda: smart_copy(__file__, WRITE_URL)),
]
WRITE_URL = "http://user:pw@127.0.0.1:9/never/sent.txt"  # no request is made


@pytest.mark.parametrize(("mode", "call"), WRITES,
                         ids=[f"{i}-{mode}" for i, (mode, _) in enumerate(WRITES)])
def test_writes_raise_value_error_as_megfile(mode, call):
    """megfile 5.0.18 raises ``ValueError("unacceptable mode: 'wb'")`` (the binary
    form of the mode) for every write to an http(s) URL; ours is that ValueError and
    an UnsupportedError at once."""
    with pytest.raises(ValueError, match=f"^unacceptable mode: '{re.escape(mode)}'") as caught:
        call()
    assert isinstance(caught.value, UnsupportedError)
    assert isinstance(caught.value, NotImplementedError)
    assert "pw@" not in str(caught.value)
    assert pickle.loads(pickle.dumps(caught.value)).args == caught.value.args
