"""Request options, sessions and redirects, checked by what the servers received."""

from __future__ import annotations

import base64
import threading

import pytest
from httpservers import FaultServer, free_port

from megfile_core import SmartPath, smart_open, smart_stat
from megfile_http.path import HttpPath
from megfile_http.session import get_http_session

SECRET_HEADERS = {
    "Authorization": "Bearer tok-123",
    "Proxy-Authorization": "Basic cHJveHk6cHc=",
    "Cookie": "sid=abc",
}


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_headers_and_cookies_from_open_options(fault_server):
    url = fault_server.add("/f", b"data")
    with smart_open(url, "rb", headers={"X-Trace": "t1"}, cookies={"c1": "v1"}) as handle:
        assert handle.read() == b"data"
    _, _, headers = fault_server.requests("GET")[0]
    assert headers["X-Trace"] == "t1"
    assert headers["Cookie"] == "c1=v1"


def test_path_request_kwargs(fault_server):
    url = fault_server.add("/f", b"data", auth=_basic("ann", "pw"))
    with pytest.raises(PermissionError):
        HttpPath(url).read_bytes()
    path = HttpPath(url, auth=("ann", "pw"), headers={"X-A": "1"})
    assert path.read_bytes() == b"data"
    assert path.stat().size == 4
    # megfile style: mutate the attribute
    other = HttpPath(url)
    other.request_kwargs["headers"] = {"Authorization": _basic("ann", "pw")}
    assert other.read_bytes() == b"data"
    # derived paths keep the options
    assert path.parent.joinpath("f").request_kwargs["auth"] == ("ann", "pw")
    # open options add to the path's
    with path.open("rb", headers={"X-B": "2"}) as handle:
        handle.read()
    _, _, last = fault_server.requests("GET")[-1]
    assert last["X-A"] == "1"
    assert last["X-B"] == "2"


def test_unknown_request_kwarg_is_rejected():
    with pytest.raises(TypeError, match="stream"):
        HttpPath("http://h/f", stream=True)


def test_credentials_in_url_are_used(fault_server):
    fault_server.add("/f", b"secret data", auth=_basic("u", "p w"))
    url = f"http://u:p%20w@127.0.0.1:{fault_server.port}/f"
    assert SmartPath(url).read_bytes() == b"secret data"


def _redirect_pair(fault_server: FaultServer, target: FaultServer, name: str) -> str:
    final = target.add("/final", b"payload")
    return fault_server.add(name, redirect=final)


def test_cross_host_redirect_drops_credentials(fault_server):
    with FaultServer() as other:
        url = _redirect_pair(fault_server, other, "/r")
        with smart_open(
            url, "rb", headers=SECRET_HEADERS, cookies={"jar": "1"}, auth=("user", "pw")
        ) as handle:
            assert handle.read() == b"payload"
        assert HttpPath(url, headers=SECRET_HEADERS, cookies={"jar": "1"}).stat().size == 7
        first = fault_server.requests()
        second = other.requests()
    assert first
    assert second
    for _, _, headers in first:
        assert "Authorization" in headers  # the origin gets them ...
    with_cookie = [h for _, _, h in first if "Cookie" in h]
    assert with_cookie
    assert "Proxy-Authorization" in with_cookie[0]
    for _, _, headers in second:  # ... the other host never does
        assert "Authorization" not in headers
        assert "Cookie" not in headers
        assert "Proxy-Authorization" not in headers


def test_redirect_to_other_port_drops_credentials(fault_server):
    """127.0.0.1 vs localhost: another host name on the same machine."""
    final = fault_server.add("/final", b"payload")
    url = fault_server.add("/r", redirect=final.replace("127.0.0.1", "localhost"))
    with smart_open(url, "rb", headers=SECRET_HEADERS, cookies={"jar": "1"}) as handle:
        assert handle.read() == b"payload"
    finals = [h for _, p, h in fault_server.requests("GET") if p == "/final"]
    assert finals
    for headers in finals:
        assert not set(SECRET_HEADERS) & set(headers)


def test_same_origin_redirect_keeps_credentials(fault_server):
    final = fault_server.add("/final", b"payload", auth="Bearer tok-123")
    url = fault_server.add("/r", redirect=final)
    with smart_open(url, "rb", headers={"Authorization": "Bearer tok-123"}) as handle:
        assert handle.read() == b"payload"
    finals = [h for _, p, h in fault_server.requests("GET") if p == "/final"]
    assert finals[0]["Authorization"] == "Bearer tok-123"


def test_server_cookies_are_not_kept_between_requests(fault_server):
    url = fault_server.add("/f", b"data", extra_headers={"Set-Cookie": "login=yes; Path=/"})
    SmartPath(url).read_bytes()
    SmartPath(url).read_bytes()
    assert all("Cookie" not in h for _, _, h in fault_server.requests())


def test_proxies_option(fault_server):
    with FaultServer() as proxy:
        target = f"http://127.0.0.1:{free_port()}/via-proxy"
        proxy.add(target, b"proxied")
        with smart_open(target, "rb", proxies={"http": proxy.url("")}) as handle:
            assert handle.read() == b"proxied"
        assert proxy.requests()[0][1] == target


def test_trust_env_honoured(fault_server, monkeypatch):
    monkeypatch.setenv("MEGFILE_HTTP_MAX_RETRY_TIMES", "1")
    with FaultServer() as proxy:
        url = fault_server.add("/f", b"direct")
        proxy.add(url, b"from env proxy")
        monkeypatch.setenv("HTTP_PROXY", proxy.url(""))
        monkeypatch.setenv("http_proxy", proxy.url(""))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        assert SmartPath(url).read_bytes() == b"from env proxy"
        assert HttpPath(url, trust_env=False).read_bytes() == b"direct"
        with smart_open(url, "rb", trust_env=False) as handle:
            assert handle.read() == b"direct"


def test_timeout_option(fault_server, monkeypatch):
    monkeypatch.setenv("MEGFILE_HTTP_MAX_RETRY_TIMES", "1")
    url = fault_server.add("/f", b"data", ranges=False, faults=["stall"])
    with pytest.raises(TimeoutError, match="timeout"):
        smart_open(url, "rb", timeout=(2, 0.3)).read()


def test_sessions_are_per_thread_and_pooled(monkeypatch):
    monkeypatch.setenv("MEGFILE_MAX_WORKERS", "32")
    mine = get_http_session()
    assert get_http_session() is mine
    assert get_http_session(trust_env=False) is not mine
    others = []
    thread = threading.Thread(target=lambda: others.append(get_http_session()))
    thread.start()
    thread.join()
    assert others[0] is not mine
    adapter = others[0].get_adapter("http://x/")
    assert adapter._pool_maxsize >= 32


def test_parallel_reads_in_threads(nginx):
    from http_testdata import BIG

    results: list[bool] = []

    def work(offset: int) -> None:
        with smart_open(
            f"{nginx.url}/big.bin", "rb", block_size=256 << 10, max_buffer_size=1 << 20
        ) as handle:
            handle.seek(offset)
            results.append(handle.read(300_000) == BIG[offset : offset + 300_000])

    threads = [threading.Thread(target=work, args=(i * 250_000,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 8


def test_stat_via_smartpath_uses_path_kwargs(fault_server):
    url = fault_server.add("/f", b"abc", auth="Bearer t")
    assert HttpPath(url, headers={"Authorization": "Bearer t"}).stat().size == 3
    with pytest.raises(PermissionError):
        smart_stat(url)
