"""One URL's requests: sending with retries, reading bodies, response metadata.

:class:`HttpClient` turns every failure into an :class:`~megfile_http.errors.HttpError`
with a masked URL, retries the retryable ones (connection errors, timeouts, truncated
bodies, 429/500/502/503/504) and reads ranged bodies straight into the caller's
buffer, resuming a truncated range from the first byte it did not get.
"""

from __future__ import annotations

import email.utils
import http.client
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3.exceptions

from megfile_core.errors import FileChangedError
from megfile_core.url import mask_url
from megfile_http.errors import (
    HttpBodyIncompleteError,
    HttpError,
    HttpStatusError,
    status_error,
)
from megfile_http.session import get_http_session, retry_policy, split_request_kwargs

__all__ = [
    "HttpClient",
    "HttpConnectionError",
    "HttpTimeoutError",
    "ResponseInfo",
    "translate_error",
]

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_UNSATISFIED_RANGE = re.compile(r"^\s*bytes\s+\*/(\d+)\s*$", re.IGNORECASE)
_READ_CHUNK = 1 << 20


class HttpConnectionError(HttpError, ConnectionError):
    """The connection failed or broke (retried)."""


class HttpTimeoutError(HttpError, TimeoutError):
    """The server did not answer in time (retried)."""


def translate_error(error: BaseException, method: str, url: str) -> BaseException:
    """A requests/urllib3 exception as an ``HttpError`` with a masked message."""
    if isinstance(error, (HttpError, FileChangedError)):
        return error
    text = f"{method} {mask_url(url)}: {type(error).__name__}: {mask_url(str(error))}"
    if isinstance(error, requests.exceptions.SSLError):
        return HttpConnectionError(f"{text}; check the certificate or pass verify=")
    if isinstance(
        error, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)
    ):
        return HttpTimeoutError(f"{text}; raise timeout= if the server is slow")
    if isinstance(
        error,
        (
            requests.exceptions.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            urllib3.exceptions.ProtocolError,
            urllib3.exceptions.NewConnectionError,
            ConnectionError,
            http.client.HTTPException,
        ),
    ):
        return HttpConnectionError(text)
    if isinstance(
        error,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ),
    ):
        return ValueError(f"invalid URL: {text}")
    if isinstance(error, (requests.exceptions.RequestException, urllib3.exceptions.HTTPError)):
        return HttpStatusError(text)
    return error


def parse_http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


@dataclass
class ResponseInfo:
    """What the headers of one response tell about the file.

    ``size`` is the whole file's size when known (``Content-Range`` total of a 206,
    ``Content-Length`` of a 200 without content coding), else ``None``. ``version``
    is the ETag, else the Last-Modified value: the token a reader guards.
    """

    status: int
    url: str
    headers: Mapping[str, str] = field(repr=False)
    size: int | None = None
    range_start: int | None = None
    range_end: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    encoding: str | None = None
    accept_ranges: bool = False

    @property
    def version(self) -> str | None:
        return self.etag or self.last_modified

    @property
    def if_range(self) -> str | None:
        """A validator usable in ``If-Range`` (a strong ETag or a date)."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified

    @property
    def mtime(self) -> float | None:
        return parse_http_date(self.last_modified)

    @classmethod
    def of(cls, response: requests.Response) -> ResponseInfo:
        headers = response.headers
        encoding = headers.get("Content-Encoding", "").strip().lower() or None
        if encoding == "identity":
            encoding = None
        info = cls(
            status=response.status_code,
            url=response.url,
            headers=headers,
            etag=headers.get("ETag") or None,
            last_modified=headers.get("Last-Modified") or None,
            encoding=encoding,
            accept_ranges=headers.get("Accept-Ranges", "").strip().lower() == "bytes",
        )
        content_range = headers.get("Content-Range", "")
        if response.status_code == 206:
            match = _CONTENT_RANGE.match(content_range)
            if match:
                info.range_start, info.range_end = int(match[1]), int(match[2])
                if match[3] != "*":
                    info.size = int(match[3])
        elif response.status_code == 416:
            match = _UNSATISFIED_RANGE.match(content_range)
            if match:
                info.size = int(match[1])
        elif encoding is None:
            length = headers.get("Content-Length", "").strip()
            if length.isdigit():
                info.size = int(length)
        return info


def readinto_exactly(response: requests.Response, view: memoryview) -> int:
    """Read the (not content-coded) body into ``view``; returns the bytes read,
    fewer only when the connection ended early."""
    raw = response.raw
    fp = getattr(raw, "_fp", None)  # http.client's response: no extra copy
    readinto: Callable[[memoryview], int] = fp.readinto if fp is not None else raw.readinto
    got = 0
    total = view.nbytes
    while got < total:
        count = readinto(view[got:])
        if not count:
            break
        got += count
    return got


def read_bytes(response: requests.Response, count: int) -> bytes:
    """Up to ``count`` body bytes (fewer only when the connection ended early) as
    one ``bytes`` object received in place: no intermediate buffer, no copy."""
    raw = response.raw
    fp = getattr(raw, "_fp", None)  # http.client's response: reads into the result
    if fp is not None:
        data: bytes = fp.read(count)
        return data
    pieces = []
    got = 0
    while got < count:
        piece = raw.read(count - got)
        if not piece:
            break
        pieces.append(piece)
        got += len(piece)
    return b"".join(pieces)


class HttpClient:
    """Requests for one URL with one set of request options."""

    def __init__(self, url: str, request_kwargs: Mapping[str, Any]) -> None:
        self.url = url
        self.name = mask_url(url)
        self.trust_env, self.kwargs = split_request_kwargs(request_kwargs)
        self.policy = retry_policy()

    def send(
        self,
        method: str,
        headers: Mapping[str, str] | None = None,
        ok: Iterable[int] = (200, 206),
        stream: bool = True,
    ) -> requests.Response:
        """One request (no retry); a status outside ``ok`` raises its error."""
        kwargs = dict(self.kwargs)
        merged = dict(kwargs.pop("headers", None) or {})
        if headers:
            merged.update(headers)
        session = get_http_session(self.trust_env)
        try:
            response = session.request(
                method, self.url, headers=merged, stream=stream, allow_redirects=True, **kwargs
            )
        except Exception as error:
            raise translate_error(error, method, self.url) from error
        if response.status_code not in ok:
            response.close()
            raise status_error(response.status_code, response.reason or "", self.url, method)
        return response

    def request(
        self,
        method: str,
        headers: Mapping[str, str] | None = None,
        ok: Iterable[int] = (200, 206),
        stream: bool = True,
    ) -> requests.Response:
        """:meth:`send` with retries."""
        return self.policy.call(self.send, method, headers, tuple(ok), stream)

    def read_range_into(
        self,
        start: int,
        view: memoryview,
        size: int,
        version: str | None,
        if_range: str | None,
        sink: Callable[[int, memoryview], None] | None = None,
        length: int | None = None,
    ) -> None:
        """Fill ``view`` with the bytes from ``start`` (one closed range request per
        attempt), resuming after a truncated body from the first missing byte;
        raises FileChangedError when an answer is not from the version being read.

        With ``sink``, ``length`` bytes are read through ``view`` used as a scratch
        buffer, each filled piece going to ``sink(offset, piece)``.
        """
        total = view.nbytes if length is None else length
        got = 0
        end = start + total - 1

        def attempt() -> None:
            nonlocal got
            first = start + got
            response = self.open_range(first, end, size, version, if_range)
            try:
                if sink is None:
                    got += readinto_exactly(response, view[got:])
                else:
                    while got < total:
                        want = min(view.nbytes, total - got)
                        count = readinto_exactly(response, view[:want])
                        if count:
                            sink(start + got, view[:count])
                            got += count
                        if count < want:
                            break
                if got < total:
                    raise HttpBodyIncompleteError(
                        f"GET {self.name}: the body of bytes {first}-{end} ended after "
                        f"{start + got - first} bytes"
                    )
            except BaseException:
                response.close()
                raise
            release(response)

        try:
            self.policy.call(attempt)
        except Exception as error:
            raise translate_error(error, "GET", self.url) from error

    def open_range(
        self, first: int, end: int, size: int | None, version: str | None, if_range: str | None
    ) -> requests.Response:
        """A 206 response for bytes ``first..end`` of the version being read (one
        attempt; the body is not read yet)."""
        headers = {"Range": f"bytes={first}-{end}", "Accept-Encoding": "identity"}
        if if_range:
            headers["If-Range"] = if_range
        response = self.send("GET", headers)
        try:
            info = ResponseInfo.of(response)
            self.check_version(info, size, version)
            if (
                info.status != 206
                or info.range_start != first
                or info.range_end != end
                or info.encoding
            ):
                raise HttpStatusError(
                    f"GET {self.name}: asked for bytes {first}-{end}, got HTTP "
                    f"{info.status} Content-Range "
                    f"{response.headers.get('Content-Range')!r}; the server stopped "
                    "honouring ranges",
                    info.status,
                )
        except BaseException:
            response.close()
            raise
        return response

    def read_range_bytes(
        self, start: int, stop: int, size: int, version: str | None, if_range: str | None
    ) -> bytes:
        """Bytes ``[start, stop)`` as one ``bytes`` object received in place (no
        copy on the way to the reader); a body that breaks off is completed from
        the first missing byte by :meth:`read_range_into`."""
        total = stop - start
        data = b""
        try:
            response = self.policy.call(self.open_range, start, stop - 1, size, version, if_range)
        except Exception as error:
            raise translate_error(error, "GET", self.url) from error
        try:
            data = read_bytes(response, total)
        except Exception as error:
            response.close()
            translated = translate_error(error, "GET", self.url)
            if not self.policy.should_retry(translated):
                raise translated from error
        else:
            if len(data) == total:
                release(response)
            else:
                response.close()
        if len(data) < total:
            rest = bytearray(total - len(data))
            self.read_range_into(start + len(data), memoryview(rest), size, version, if_range)
            data += rest
        return data

    def check_version(self, info: ResponseInfo, size: int | None, version: str | None) -> None:
        """Raise FileChangedError when ``info`` is from another version of the file."""
        if info.status == 200 and version is not None:
            changed = info.version != version
        else:
            changed = version is not None and info.version is not None and info.version != version
        if info.status == 206 and size is not None and info.size is not None:
            changed = changed or info.size != size
        if changed:
            raise FileChangedError(
                f"{self.name} changed while it was being read: version {version!r} "
                f"(size {size}) when opened, now {info.version!r} (size {info.size}); "
                "open it again to read the new content"
            )


def release(response: requests.Response) -> None:
    """Give a fully read response's connection back to the pool."""
    response._content_consumed = True
    raw = response.raw
    releaser = getattr(raw, "release_conn", None)
    if releaser is not None:
        releaser()
