"""Metadata from HEAD (ranged GET fallback), error mapping and masking."""

from __future__ import annotations

import pytest
from http_testdata import BIG

from megfile_core import (
    SmartPath,
    smart_exists,
    smart_getmtime,
    smart_getsize,
    smart_isdir,
    smart_isfile,
    smart_open,
    smart_stat,
)
from megfile_core.errors import MaxRetriesExceededError, MegfileError
from megfile_core.url import mask_url
from megfile_http.errors import HttpStatusError
from megfile_http.path import HttpPath, HttpsPath


def test_stat_from_head(nginx):
    url = f"{nginx.url}/big.bin"
    stat = smart_stat(url)
    assert stat.size == len(BIG)
    assert stat.mtime == 1_600_000_000
    assert stat.is_file()
    assert not stat.is_dir()
    assert not stat.is_symlink()
    assert stat.extra["method"] == "HEAD"
    assert stat.extra.size_known
    assert stat.extra["etag"]
    assert stat.extra.headers["content-length"] == str(len(BIG))
    assert smart_getsize(url) == len(BIG)
    assert smart_getmtime(url) == 1_600_000_000
    assert smart_exists(url)
    assert smart_isfile(url)
    assert not smart_isdir(url)


def test_stat_sends_head_only(fault_server):
    url = fault_server.add("/f", b"x" * 5000)
    assert smart_getsize(url) == 5000
    assert [m for m, _, _ in fault_server.requests()] == ["HEAD"]
    assert smart_getmtime(url) == 1_700_000_000


def test_head_refused_falls_back_to_one_byte_get(fault_server):
    url = fault_server.add("/f", b"y" * 12345, head=False)
    stat = smart_stat(url)
    assert stat.size == 12345
    assert stat.extra["method"] == "GET"
    assert stat.mtime == 1_700_000_000
    methods = [(m, h.get("Range")) for m, _, h in fault_server.requests()]
    assert methods == [("HEAD", None), ("GET", "bytes=0-0")]


def test_head_refused_and_no_ranges_uses_content_length(fault_server):
    url = fault_server.add("/f", b"z" * 777, head=False, ranges=False)
    assert smart_getsize(url) == 777


def test_no_content_length_asks_for_a_range(fault_server):
    url = fault_server.add("/f", b"q" * 4321, length=False)
    stat = smart_stat(url)
    assert stat.size == 4321
    assert stat.extra.size_known
    assert stat.extra["method"] == "GET"


def test_unknown_size_is_zero_and_flagged(fault_server):
    url = fault_server.add("/f", b"q" * 4321, length=False, ranges=False)
    stat = smart_stat(url)
    assert stat.size == 0
    assert stat.extra.size_known is False
    # the file is still readable to its end
    assert SmartPath(url).read_bytes() == b"q" * 4321


def test_no_last_modified_is_mtime_zero(fault_server):
    url = fault_server.add("/f", b"abc", etag=False)
    assert smart_getmtime(url) == 0.0


def test_missing_file(nginx):
    url = f"{nginx.url}/missing.bin"
    assert not smart_exists(url)
    assert not smart_isfile(url)
    with pytest.raises(FileNotFoundError) as caught:
        smart_stat(url)
    assert url in str(caught.value)
    assert isinstance(caught.value, MegfileError)
    with pytest.raises(FileNotFoundError):
        SmartPath(url).read_bytes()


@pytest.mark.parametrize("status", [401, 403])
def test_permission_errors(fault_server, status):
    url = fault_server.add("/f", b"", status=status)
    with pytest.raises(PermissionError, match=f"HTTP {status}") as caught:
        smart_stat(url)
    assert url in str(caught.value)
    with pytest.raises(PermissionError):
        smart_open(url, "rb")
    with pytest.raises(PermissionError):
        smart_exists(url)


def test_other_status_is_oserror_not_retried(fault_server):
    url = fault_server.add("/f", b"", status=418)
    with pytest.raises(HttpStatusError, match="418") as caught:
        smart_stat(url)
    assert caught.value.status == 418
    assert isinstance(caught.value, OSError)
    assert len(fault_server.requests()) == 1


def test_credentials_masked_in_errors(fault_server):
    fault_server.add("/f", b"", status=403)
    url = f"http://alice:s3cr3t@127.0.0.1:{fault_server.port}/f?token=abc123&x=1"
    with pytest.raises(PermissionError) as caught:
        smart_stat(url)
    text = str(caught.value)
    assert "s3cr3t" not in text
    assert "abc123" not in text
    assert f"http://alice:***@127.0.0.1:{fault_server.port}/f?token=***&x=1" in text
    with pytest.raises(PermissionError) as caught:
        smart_open(url, "rb")
    assert "s3cr3t" not in str(caught.value)
    assert "s3cr3t" not in repr(HttpPath(url)._client().name)


def test_connection_refused_is_masked_oserror(monkeypatch):
    monkeypatch.setenv("MEGFILE_HTTP_MAX_RETRY_TIMES", "2")
    from httpservers import free_port

    url = f"http://bob:hunter2@127.0.0.1:{free_port()}/f"
    with pytest.raises(MaxRetriesExceededError) as caught:
        smart_stat(url)
    assert isinstance(caught.value, OSError)
    assert isinstance(caught.value.error, ConnectionError)
    assert "hunter2" not in str(caught.value)
    assert "bob:***@" in str(caught.value)


def test_mask_url_cases():
    assert mask_url("https://u:p@h:1/a?b=c") == "https://u:***@h:1/a?b=c"
    assert mask_url("https://u@h/a") == "https://u@h/a"
    assert mask_url("https://h/a?X-Amz-Signature=zz&y=2") == "https://h/a?X-Amz-Signature=***&y=2"
    assert mask_url("http://h/plain") == "http://h/plain"
    assert (
        mask_url("failed: http://u:pw@h/x and https://v:pw2@g/")
        == "failed: http://u:***@h/x and https://v:***@g/"
    )


def test_is_dir_sends_nothing(fault_server):
    url = fault_server.add("/f", b"abc")
    assert SmartPath(url).is_dir() is False
    assert fault_server.requests() == []


def test_https_class_and_url(nginx):
    path = SmartPath("https://example.invalid/a/b.txt")
    assert isinstance(path.pathlike, HttpsPath)
    assert path.pathlike.url == "https://example.invalid/a/b.txt"
    assert isinstance(SmartPath(f"{nginx.url}/x").pathlike, HttpPath)
    assert not isinstance(SmartPath(f"{nginx.url}/x").pathlike, HttpsPath)
    assert str(SmartPath("http://h/a/b").parent) == "http://h/a"
    assert SmartPath("http://h/a/b.tar.gz").suffixes == [".tar", ".gz"]
