"""Thread-local ``requests`` sessions, request options and the retry policy.

One :class:`SafeRedirectSession` per thread (and per ``trust_env`` setting) keeps
connections alive between requests; its adapter pool holds at least
``MEGFILE_MAX_WORKERS`` connections per host. Sessions never remember cookies a
server sets (one path's login must not ride along with another path's requests);
cookies a caller passes go with each request.

Redirects are followed. When a hop leaves the origin of the first request (another
host, port or scheme, except http→https on the default ports, as requests decides),
``Authorization``, ``Cookie`` and ``Proxy-Authorization`` are removed from that hop
and every later one.
"""

from __future__ import annotations

import http.cookiejar
import threading
from collections.abc import Mapping
from typing import Any

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from megfile_core import config
from megfile_core.retry import RetryPolicy
from megfile_http.errors import HttpBodyIncompleteError, HttpRetryableStatusError

__all__ = [
    "DEFAULT_TIMEOUT",
    "REQUEST_OPTIONS",
    "SafeRedirectSession",
    "get_http_session",
    "is_retryable",
    "merge_request_kwargs",
    "retry_policy",
]

#: (connect, read) seconds; ``timeout=`` overrides it per path or per open
DEFAULT_TIMEOUT: tuple[float, float] = (20.0, 120.0)

#: request keyword arguments accepted by ``HttpPath(...)`` and ``open(...)``
REQUEST_OPTIONS = frozenset(
    {
        "headers",
        "cookies",
        "auth",
        "timeout",
        "proxies",
        "verify",
        "cert",
        "params",
        "trust_env",
    }
)

_SENSITIVE = ("Authorization", "Cookie", "Proxy-Authorization")


class _NoStoreCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """Cookies set by a server are not kept in the shared session."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


class SafeRedirectSession(requests.Session):
    """A session that also drops ``Cookie`` and ``Proxy-Authorization`` (not only
    ``Authorization``) on a redirect that leaves the first request's origin."""

    def __init__(self) -> None:
        super().__init__()
        self._origin_url: str | None = None
        self.cookies.set_policy(_NoStoreCookiePolicy())

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self._origin_url = url.decode() if isinstance(url, bytes) else url
        try:
            return super().request(method, url, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            self._origin_url = None

    def rebuild_auth(
        self, prepared_request: requests.PreparedRequest, response: requests.Response
    ) -> None:
        super().rebuild_auth(prepared_request, response)
        origin = self._origin_url or response.request.url
        new_url = prepared_request.url
        if origin is None or new_url is None:  # pragma: no cover - requests always sets both
            return
        if self.should_strip_auth(origin, new_url) or self.should_strip_auth(
            str(response.request.url), new_url
        ):
            for name in _SENSITIVE:
                prepared_request.headers.pop(name, None)


_local = threading.local()


def get_http_session(trust_env: bool = True) -> SafeRedirectSession:
    """This thread's session (created on first use)."""
    sessions: dict[bool, SafeRedirectSession] | None = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    session = sessions.get(trust_env)
    if session is None:
        session = SafeRedirectSession()
        session.trust_env = trust_env
        pool = max(config.max_workers(), 10)
        adapter = HTTPAdapter(pool_connections=pool, pool_maxsize=pool, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        sessions[trust_env] = session
    return session


def merge_request_kwargs(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``extra``; ``headers``, ``cookies``, ``params`` and
    ``proxies`` are merged key by key, the rest replaced."""
    unknown = (set(base) | set(extra)) - REQUEST_OPTIONS
    if unknown:
        raise TypeError(
            f"unknown HTTP request option(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(REQUEST_OPTIONS))}"
        )
    merged = dict(base)
    for key, value in extra.items():
        if key in ("headers", "cookies", "params", "proxies") and value is not None:
            merged[key] = {**(merged.get(key) or {}), **value}
        else:
            merged[key] = value
    return merged


def split_request_kwargs(kwargs: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
    """``(trust_env, kwargs for Session.request)`` with the default timeout filled in."""
    call = {k: v for k, v in kwargs.items() if k != "trust_env" and v is not None}
    call.setdefault("timeout", DEFAULT_TIMEOUT)
    headers = call.get("headers")
    if headers is not None:
        call["headers"] = dict(headers)
    return bool(kwargs.get("trust_env", True)), call


_RETRYABLE: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,  # resets, refused, connect timeouts, proxy errors
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.ReadTimeoutError,
    urllib3.exceptions.IncompleteRead,
    urllib3.exceptions.NewConnectionError,
    ConnectionError,
    TimeoutError,
    HttpBodyIncompleteError,
    HttpRetryableStatusError,
)


def is_retryable(error: BaseException) -> bool:
    if isinstance(error, requests.exceptions.SSLError):
        return False  # a certificate problem does not heal by itself
    return isinstance(error, _RETRYABLE)


def retry_policy() -> RetryPolicy:
    """Attempts from ``MEGFILE_HTTP_MAX_RETRY_TIMES`` (else the global setting)."""
    return RetryPolicy(config.max_retry_times("http"), should_retry=is_retryable)
