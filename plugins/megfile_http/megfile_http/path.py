"""``HttpPath`` and ``HttpsPath``: read-only files behind http:// and https:// URLs."""

from __future__ import annotations

import copy as _copy
from typing import IO, Any, TypeVar

import requests

from megfile_core.pathlike import COMMON_OPEN_OPTIONS
from megfile_core.readonly import ReadOnlyPath
from megfile_core.types import StatResult
from megfile_http.client import HttpClient, ResponseInfo, release
from megfile_http.errors import HttpUnacceptableModeError
from megfile_http.readers import READER_OPTIONS, HttpStreamReader, open_reader, read_body
from megfile_http.session import REQUEST_OPTIONS, get_http_session, merge_request_kwargs

__all__ = ["HttpPath", "HttpStat", "HttpsPath"]

Self = TypeVar("Self", bound="HttpPath")


class HttpStat(dict[str, Any]):
    """``StatResult.extra`` of an HTTP path: the response headers (case-insensitive
    lookups through ``headers``) plus what was learnt from them.

    ``size_known`` is False when neither ``Content-Length`` (HEAD) nor
    ``Content-Range`` (a one-byte ranged GET) told the size; ``StatResult.size`` is
    then 0. ``method`` is ``"HEAD"`` or ``"GET"`` (HEAD refused, or no length).
    """

    @property
    def headers(self) -> requests.structures.CaseInsensitiveDict[str]:
        value: requests.structures.CaseInsensitiveDict[str] = self["headers"]
        return value

    @property
    def size_known(self) -> bool:
        return bool(self["size_known"])

    def __repr__(self) -> str:
        # headers stay out: a Set-Cookie value is a credential
        fields = ", ".join(f"{k}={v!r}" for k, v in self.items() if k != "headers")
        return f"HttpStat({fields})"


class HttpPath(ReadOnlyPath):
    """A file behind an ``http://`` (or ``https://``) URL; read-only.

    Request options (``headers``, ``cookies``, ``auth``, ``timeout``, ``proxies``,
    ``verify``, ``cert``, ``params``, ``trust_env``) come from the constructor's
    keyword arguments or the ``request_kwargs`` dict, and can be added per call as
    ``open()`` options: ``HttpPath(url, headers={"X-Token": t}).open("rb")``.
    """

    protocol = "http"
    open_options = REQUEST_OPTIONS | {"stream", "direct"}

    def __init__(self, path: Any = "", *other_paths: Any, **request_kwargs: Any) -> None:
        super().__init__(path, *other_paths)
        #: keyword arguments for every request of this path (megfile's name)
        self.request_kwargs: dict[str, Any] = merge_request_kwargs({}, request_kwargs)

    def _accepts(self, base: str) -> bool:
        return base in ("http", "https")

    def _derive(self: Self, path: str) -> Self:
        new = super()._derive(path)
        new.request_kwargs = _copy.deepcopy(self.request_kwargs)
        return new

    @property
    def url(self) -> str:
        """The URL requested (a ``+variant`` in the scheme is dropped)."""
        base = self.root_scheme.partition("+")[0]
        return f"{base}://{self._path}"

    @property
    def session(self) -> requests.Session:
        """This thread's pooled session for this path's ``trust_env`` setting."""
        return get_http_session(bool(self.request_kwargs.get("trust_env", True)))

    def _client(self, extra: dict[str, Any] | None = None) -> HttpClient:
        kwargs = merge_request_kwargs(self.request_kwargs, extra) if extra else self.request_kwargs
        return HttpClient(self.url, kwargs)

    # -- reading ---------------------------------------------------------------
    def _open_reader(self, **options: Any) -> IO[bytes]:
        request = {k: options.pop(k) for k in list(options) if k in REQUEST_OPTIONS}
        unknown = set(options) - COMMON_OPEN_OPTIONS - {"stream", "direct"}
        if unknown:
            raise TypeError(
                f"open() of {self._client().name} got unknown option(s) "
                f"{', '.join(sorted(unknown))}; HTTP takes "
                f"{', '.join(sorted((*READER_OPTIONS, 'stream', 'direct', *REQUEST_OPTIONS)))}"
            )
        reader = {k: options[k] for k in (*READER_OPTIONS, "stream", "direct") if k in options}
        return open_reader(self._client(request), **reader)

    def _load_content(self, start: int | None, stop: int | None) -> bytes:
        """One ranged GET for ``[start, stop)`` (a server without ranges: streamed)."""
        begin = start or 0
        if stop is not None and stop <= begin:
            return b""
        client = self._client()
        last = "" if stop is None else str(stop - 1)
        response = client.request("GET", {"Range": f"bytes={begin}-{last}"}, ok=(200, 206, 416))
        info = ResponseInfo.of(response)
        if info.status == 416:
            response.close()
            # past the end, unless the ranges are of a coded (gzip) representation
            check = client.request("GET", {"Range": "bytes=0-0"}, ok=(200, 206, 416))
            coded = ResponseInfo.of(check).encoding is not None
            check.close()
            if not coded:
                return b""
            response = client.request("GET", ok=(200,))
            info = ResponseInfo.of(response)
        elif (
            info.status == 206
            and info.range_start == begin
            and info.encoding is None
            and info.range_end is not None
            and info.size is not None
        ):
            return bytes(read_body(client, response, info, begin, info.range_end + 1))
        elif info.status == 206:
            response.close()
            response = client.request("GET", ok=(200,))
            info = ResponseInfo.of(response)
        with HttpStreamReader(client, response, info) as stream:
            stream.seek(begin)
            return stream.read() if stop is None else stream.read(stop - begin)

    def _content_size(self) -> int | None:
        stat = self.stat()
        extra: HttpStat = stat.extra
        if not extra.size_known or extra.headers.get("Content-Encoding"):
            return None  # the decoded length is known only once it is read
        return stat.size

    # -- metadata --------------------------------------------------------------
    def stat(self, follow_symlinks: bool = True) -> StatResult:
        """Size and mtime from a HEAD request.

        When the server refuses HEAD (405/501) or sends no ``Content-Length``, a GET
        of ``Range: bytes=0-0`` tells the size through ``Content-Range``. If nothing
        tells the size, ``size`` is 0 and ``extra.size_known`` is False. A missing
        ``Last-Modified`` gives ``mtime`` 0.0. Content-coded (gzip) responses report
        the coded length, as the server sends it.
        """
        client = self._client()
        response = client.request("HEAD", ok=(200, 405, 501), stream=False)
        info = ResponseInfo.of(response)
        method = "HEAD"
        response.close()
        if info.status in (405, 501) or info.size is None:
            method = "GET"
            response = client.request("GET", {"Range": "bytes=0-0"}, ok=(200, 206, 416))
            ranged = ResponseInfo.of(response)
            if ranged.status == 206 and len(response.content) <= 1:
                release(response)
            else:
                response.close()
            if ranged.status == 416 and ranged.size is None:
                ranged.size = 0
            if ranged.size is not None or info.status in (405, 501):
                info = ranged
        mtime = info.mtime or 0.0
        extra = HttpStat(
            headers=info.headers,
            size_known=info.size is not None,
            etag=info.etag,
            last_modified=info.last_modified,
            accept_ranges=info.accept_ranges or info.status == 206,
            url=client.name,
            method=method,
        )
        return StatResult(
            size=info.size or 0, ctime=mtime, mtime=mtime, isdir=False, islnk=False, extra=extra
        )

    # -- what HTTP cannot do: ReadOnlyPath refuses it ----------------------------
    def _refuse_write(self, mode: str, operation: str) -> Exception:
        """What megfile raises for a write: a ValueError naming the binary mode."""
        return HttpUnacceptableModeError(mode, operation, self)


class HttpsPath(HttpPath):
    """A file behind an ``https://`` URL."""

    protocol = "https"
