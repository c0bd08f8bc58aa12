"""Requests to one WebDAV server: a pooled ``requests`` session per thread, the
credentials, TLS verification, timeouts and retries.

Credentials: the user and password written in the URL, else a bearer token
(``Authorization: Bearer <token>``) from ``WEBDAV_TOKEN_COMMAND`` (a command whose
output is the token: run once, and again when the server answers 401) or
``WEBDAV_TOKEN``, else ``WEBDAV_USERNAME`` and ``WEBDAV_PASSWORD`` (HTTP basic auth),
the order megfile uses. TLS verification is on; ``WEBDAV_CA_BUNDLE``
names a CA file or directory, ``WEBDAV_VERIFY_SSL=0`` turns verification off.
``WEBDAV_TIMEOUT`` (seconds, default 30) bounds connecting and each read.
Connection errors and 5xx answers are retried ``MEGFILE_WEBDAV_MAX_RETRY_TIMES``
times in all (default ``MEGFILE_MAX_RETRY_TIMES``, 10).
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from megfile_core import config
from megfile_core.errors import MaxRetriesExceededError
from megfile_core.retry import RetryPolicy
from megfile_webdav.errors import (
    WebdavServerError,
    WebdavTLSError,
    status_error,
)
from megfile_webdav.url import Server

__all__ = ["Client", "Response", "close_sessions", "verify_setting"]

_log = logging.getLogger("megfile_webdav")
_local = threading.local()
_POOL = 32
#: WEBDAV_TOKEN_COMMAND -> (token, when it was run)
_command_tokens: dict[str, tuple[str, float]] = {}
_token_lock = threading.Lock()
_REFRESH_AFTER = 5.0  # seconds before a 401 may run the token command again

Response = requests.Response
Body = bytes | memoryview | Iterable[bytes] | None


def _session() -> requests.Session:
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.trust_env = True
        adapter = HTTPAdapter(pool_connections=8, pool_maxsize=_POOL, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        _local.session = session
    return session


def close_sessions() -> None:
    """Close this thread's session (tests; a process exit does it anyway)."""
    session = getattr(_local, "session", None)
    if session is not None:
        session.close()
        _local.session = None


def verify_setting() -> bool | str:
    """``requests``' ``verify``: a CA bundle path, or whether to verify at all."""
    bundle = os.environ.get("WEBDAV_CA_BUNDLE", "").strip()
    if not config.env_bool("WEBDAV_VERIFY_SSL", True):
        return False
    return bundle or True


def _timeout() -> float:
    raw = os.environ.get("WEBDAV_TIMEOUT", "").strip()
    try:
        value = float(raw) if raw else 30.0
    except ValueError:
        raise ValueError(f"WEBDAV_TIMEOUT={raw!r} must be a number of seconds") from None
    if value <= 0:
        raise ValueError(f"WEBDAV_TIMEOUT={raw!r} must be greater than 0")
    return value


def _retryable(error: BaseException) -> bool:
    if isinstance(error, requests.exceptions.SSLError):
        return False
    return isinstance(
        error,
        (
            WebdavServerError,
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ),
    )


class Client:
    """Requests to ``server`` on behalf of one path (``name`` is its masked URL)."""

    def __init__(self, server: Server, name: str) -> None:
        self.server = server
        self.name = name

    def _auth_headers(self) -> tuple[tuple[str, str] | None, dict[str, str]]:
        token = command_token() if self.server.username is None else None
        if token is None and self.server.username is None:
            token = os.environ.get("WEBDAV_TOKEN", "").strip() or None
        if token:
            return None, {"Authorization": f"Bearer {token}"}
        user = self.server.username or os.environ.get("WEBDAV_USERNAME") or None
        password = self.server.password
        if password is None:
            password = os.environ.get("WEBDAV_PASSWORD", "")
        return ((user, password) if user else None), {}

    def request(
        self,
        method: str,
        remote: str,
        *,
        headers: dict[str, str] | None = None,
        body: Body = None,
        ok: Iterable[int] = (200,),
        stream: bool = False,
        retry: bool = True,
    ) -> Response:
        """Send ``method`` to the remote path ``remote``; an answer outside ``ok``
        becomes an ``OSError`` (see :mod:`megfile_webdav.errors`). A body that is not
        ``bytes`` (a stream) is never retried."""
        accepted = frozenset(ok)
        url = self.server.url(remote)

        def send() -> Response:
            return self.send(method, url, headers=headers, body=body, ok=accepted, stream=stream)

        retried = retry and (body is None or isinstance(body, (bytes, memoryview)))
        attempts = config.max_retry_times("webdav") if retried else 1
        policy = RetryPolicy(max(attempts, 1), should_retry=_retryable)
        try:
            try:
                return policy.call(send)
            except PermissionError:
                if not (retried and self.server.username is None and refresh_command_token()):
                    raise
                return policy.call(send)  # once more with the command's new token
        except MaxRetriesExceededError as error:
            raise self._translate(error.error, method) from error
        except requests.exceptions.RequestException as error:
            raise self._translate(error, method) from error

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None,
        body: Body,
        ok: frozenset[int],
        stream: bool,
    ) -> Response:
        """One request, no retry; an answer outside ``ok`` raises (and is closed)."""
        auth, extra = self._auth_headers()
        timeout = _timeout()
        _log.debug("webdav %s %s", method, self.name)
        response = _session().request(
            method,
            url,
            headers={**extra, **(headers or {})},
            data=body,
            auth=auth,
            verify=verify_setting(),
            timeout=(timeout, timeout),
            stream=stream,
            allow_redirects=False,
        )
        if response.status_code not in ok:
            response.close()
            raise status_error(response.status_code, response.reason or "", method, self.name)
        return response

    def _translate(self, error: BaseException, method: str) -> OSError:
        if isinstance(error, requests.exceptions.SSLError):
            return WebdavTLSError(self.name, self.server.base_url)
        if isinstance(error, requests.exceptions.Timeout):
            return TimeoutError(
                f"{method} {self.name}: no answer from {self.server.base_url} within "
                f"{_timeout():g} s (raise WEBDAV_TIMEOUT for slow servers)"
            )
        if isinstance(error, requests.exceptions.ConnectionError):
            return ConnectionError(
                f"{method} {self.name}: cannot reach {self.server.base_url}; check the "
                f"host and port and that the server runs ({type(error).__name__})"
            )
        if isinstance(error, requests.exceptions.RequestException):
            return OSError(f"{method} {self.name} failed: {type(error).__name__}")
        if isinstance(error, OSError):
            return error
        return OSError(f"{method} {self.name} failed: {type(error).__name__}")


def command_token() -> str | None:
    """The token ``WEBDAV_TOKEN_COMMAND`` prints (run on first use), or None."""
    command = os.environ.get("WEBDAV_TOKEN_COMMAND", "").strip()
    if not command:
        return None
    with _token_lock:
        known = _command_tokens.get(command)
        if known is None:
            known = _command_tokens[command] = (_run_token_command(command), time.monotonic())
    return known[0]


def refresh_command_token() -> bool:
    """Run ``WEBDAV_TOKEN_COMMAND`` again after a 401 (not more than every 5 s);
    whether there is a new token to try."""
    command = os.environ.get("WEBDAV_TOKEN_COMMAND", "").strip()
    if not command:
        return False
    with _token_lock:
        known = _command_tokens.get(command)
        if known is not None and time.monotonic() - known[1] < _REFRESH_AFTER:
            return False
        _command_tokens[command] = (_run_token_command(command), time.monotonic())
    return True


def _run_token_command(command: str) -> str:
    try:
        done = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise PermissionError(
            f"WEBDAV_TOKEN_COMMAND could not run ({type(error).__name__}): check the command"
        ) from None
    token = done.stdout.strip()
    if done.returncode != 0 or not token:
        raise PermissionError(
            f"WEBDAV_TOKEN_COMMAND exited with {done.returncode} and "
            f"{'no' if not token else 'a'} token on its output: check the command"
        )
    return token


def call_quietly(func: Callable[[], Any]) -> None:
    """Run a clean-up call whose failure must not hide the error being raised."""
    try:
        func()
    except Exception as error:  # best-effort clean-up
        _log.debug("webdav clean-up failed: %s", type(error).__name__)
