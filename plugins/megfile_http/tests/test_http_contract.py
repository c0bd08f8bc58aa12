"""core's read-only contract for every http(s) file, whatever the server offers,
and megfile's answer to a write (a ValueError naming the mode)."""

from __future__ import annotations

import pickle
import re
from collections.abc import Iterator

import pytest
from http_testdata import TEXT
from httpservers import FaultServer

from megfile_core import (
    SmartPath,
    smart_copy,
    smart_open,
    smart_save_content,
    smart_touch,
)
from megfile_core.errors import MegfileError, UnsupportedError
from megfile_core.testing.contract import ReadOnlyContract

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


class TestHttpReadOnlyContract(ReadOnlyContract):
    """core's read-only contract, on nginx and on servers without ranges, HEAD,
    a length, or with gzip."""

    @pytest.fixture(params=list(KINDS))
    def readable(self, request, nginx, servers) -> tuple[str, bytes]:
        if request.param == "nginx":
            return f"{nginx.url}/text.txt", CONTENT
        return servers.url(f"/{request.param}/text.txt"), CONTENT

    def size_known(self, url: str) -> bool:
        return "gzip" not in url and "no-length" not in url


def test_unsupported_operations_hide_the_password(nginx):
    path = SmartPath(f"http://user:pw@127.0.0.1:{nginx.port}/text.txt")
    for operation, call in ReadOnlyContract.REFUSED:
        with pytest.raises(UnsupportedError) as caught:
            call(path)
        error = caught.value
        assert isinstance(error, OSError)
        assert isinstance(error, NotImplementedError)
        assert isinstance(error, MegfileError)
        assert operation in str(error)
        assert "pw@" not in str(error)
        assert "text.txt" in str(error)
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


@pytest.mark.parametrize(
    ("mode", "call"), WRITES, ids=[f"{i}-{mode}" for i, (mode, _) in enumerate(WRITES)]
)
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
