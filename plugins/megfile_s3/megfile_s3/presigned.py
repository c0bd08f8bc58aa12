"""Ranged GETs of one object over a presigned URL: the reader's hot path.

A ``get_object`` call runs botocore's whole pipeline every time: parameter
validation, endpoint rules, a dozen event hooks, signing, user-agent assembly and a
modeled parse of every response header (``Last-Modified`` through dateutil) --
about half a millisecond of CPU per request, more than the request itself costs a
server on the same host. A reader sends hundreds of GETs of one key that differ only
in their ``Range``. So it presigns the key's GET once (botocore does that part:
endpoint, addressing style, credentials, session token) and sends each range with
the client's own HTTP session (same pool, proxies, TLS verification and timeouts);
``Range`` is not part of a presigned signature.

Only an answer this module fully understands is used: a ``206`` or ``200`` whose
``Content-Range`` and length match the range asked (rclone answers ranges with
``200``), or a ``200`` without ``Content-Range`` that holds the whole object when
the range covers all of it. Anything else -- an error status, a redirect, another
``200``, expired credentials, no credentials to presign with -- returns ``None``
and the caller repeats the request through ``get_object``, which raises the mapped
error, follows redirects and refreshes credentials exactly as before. Transport
errors (resets, timeouts) propagate as the botocore exceptions the retry policy
already classifies.

After a redirect (``AWS_S3_REDIRECT`` endpoints) a reader stops trying: its
ranges go to ``get_object`` directly. The URL is re-signed after
:data:`REFRESH_SECONDS` (it is valid for :data:`EXPIRES_SECONDS`, the same 15
minutes a SigV4 ``Authorization`` header can be replayed), and at once after a
``403`` (credentials rotated under it). A presigned URL is a credential while it is
valid, so it never appears in an error: a transport error is raised again with the
URL cut at the ``?``.
"""

from __future__ import annotations

import http.client
import threading
import time
from typing import Any

import botocore.exceptions
from botocore.awsrequest import AWSPreparedRequest

__all__ = [
    "EXPIRES_SECONDS",
    "REFRESH_SECONDS",
    "PresignedRanges",
    "RangeAnswer",
    "exact_size",
    "read_exactly",
    "read_exactly_into",
    "total_size",
]

#: validity asked for each presigned URL
EXPIRES_SECONDS = 900
#: age after which a new URL is signed (well before expiry and clock skew)
REFRESH_SECONDS = 300

RangeAnswer = tuple[bytes, int, "str | None"]  # (data, total size, ETag)


class PresignedRanges:
    """``get(start, end)`` of ``s3://bucket/key`` over a presigned URL, or ``None``
    when the caller should use ``get_object`` instead (module doc)."""

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key
        self._lock = threading.Lock()
        self._url: str | None = None
        self._signed_at = 0.0
        self._broken = False  # presigning failed: get_object only from now on

    def _presigned(self) -> str | None:
        with self._lock:
            if self._broken:
                return None
            now = time.monotonic()
            if self._url is None or now - self._signed_at > REFRESH_SECONDS:
                try:
                    self._url = self._client.generate_presigned_url(
                        "get_object",
                        Params={"Bucket": self._bucket, "Key": self._key},
                        ExpiresIn=EXPIRES_SECONDS,
                    )
                except Exception:  # no credentials, an odd signer: the normal path
                    self._broken = True
                    return None
                self._signed_at = now
            return self._url

    def _expire(self) -> None:
        with self._lock:
            self._url = None

    def get(self, start: int, end: int) -> RangeAnswer | None:
        answer = self.get_into(start, end, None)
        if answer is None:
            return None
        data, size, etag = answer
        return bytes(data), size, etag  # bytes already without a buffer: no copy

    def get_into(
        self, start: int, end: int, buffer: memoryview | None
    ) -> tuple[bytes | memoryview, int, str | None] | None:
        """:meth:`get`, with the body read into ``buffer`` (when given) and ``data``
        the filled part of it."""
        url = self._presigned()
        if url is None:
            return None
        session = getattr(getattr(self._client, "_endpoint", None), "http_session", None)
        if session is None:  # pragma: no cover - botocore without the attribute
            self._broken = True
            return None
        request = AWSPreparedRequest(
            "GET", url, {"Range": f"bytes={start}-{end}"}, None, stream_output=True
        )
        try:
            response = session.send(request)
        except botocore.exceptions.BotoCoreError as error:
            raise _without_query(error, url) from None
        raw = response.raw
        headers = response.headers
        status = response.status_code
        size = exact_size(status, headers, start, end)
        if size is None:
            if status == 403:
                self._expire()
            elif 300 <= status < 400:  # a redirecting endpoint: every
                self._broken = True  # range would pay the detour twice
            raw.close()
            return None
        count = min(end + 1, size) - start
        if buffer is not None and buffer.nbytes >= count:
            return read_exactly_into(raw, buffer[:count]), size, headers.get("etag")
        return read_exactly(raw, count), size, headers.get("etag")


def read_exactly(raw: Any, count: int) -> bytes:
    """``count`` body bytes of urllib3 response ``raw`` as one ``bytes``, read in
    place by http.client when reachable; the connection goes back to the pool
    after a full read and is closed otherwise. A body cut short raises
    ``IncompleteRead``, a transient error the retry policy sees."""
    fp = getattr(raw, "_fp", None)
    try:
        data: bytes = fp.read(count) if fp is not None else raw.read(count)
    except BaseException:
        raw.close()
        raise
    if len(data) != count:
        raw.close()
        raise http.client.IncompleteRead(data, count - len(data))
    _release(raw)
    return data


def exact_size(status: int, headers: Any, start: int, end: int) -> int | None:
    """The object's total size when an answer to ``Range: bytes=start-end`` carries
    exactly those bytes (clamped at the end of the object), else None.

    A ``206`` or a ``200`` (rclone answers ranges with ``200``) qualifies when its
    ``Content-Range`` names the range asked and ``Content-Length`` its length; a
    ``200`` without ``Content-Range`` (a server that ignored ``Range``) only when it
    sent the whole object and the range covers all of it: ``start`` 0 and at most
    ``end + 1`` bytes."""
    if status not in (200, 206):
        return None
    length = headers.get("content-length")
    if length is None or not length.strip().isdigit():
        return None
    count = int(length)
    content_range = headers.get("content-range")
    if not content_range:
        if status == 200 and start == 0 and count <= end + 1:
            return count
        return None
    unit, _, rest = content_range.strip().partition(" ")
    first, _, last_total = rest.partition("-")
    last, _, total = last_total.partition("/")
    if unit.lower() != "bytes" or not (first.isdigit() and last.isdigit() and total.isdigit()):
        return None
    size = int(total)
    if int(first) != start or int(last) != min(end, size - 1) or count != int(last) - start + 1:
        return None
    return size


def read_exactly_into(raw: Any, buffer: memoryview) -> memoryview:
    """:func:`read_exactly` into ``buffer`` (all of it), which is returned."""
    fp = getattr(raw, "_fp", None)
    reader = fp if fp is not None and hasattr(fp, "readinto") else raw
    got = 0
    want = buffer.nbytes
    try:
        while got < want:
            count = reader.readinto(buffer[got:])
            if not count:
                break
            got += count
    except BaseException:
        raw.close()
        raise
    if got != want:
        raw.close()
        raise http.client.IncompleteRead(bytes(buffer[:got]), want - got)
    _release(raw)
    return buffer


def _release(raw: Any) -> None:
    """Give a fully read urllib3 response's connection back to its pool (a
    stand-in body from a ``before-send`` handler has no connection)."""
    release = getattr(raw, "release_conn", None)
    if release is not None:
        release()


def total_size(content_range: str | None) -> int | None:
    """The total size in a ``Content-Range`` of ``bytes a-b/total`` (None when absent
    or ``*``)."""
    if not content_range:
        return None
    total = content_range.rpartition("/")[2].strip()
    return int(total) if total.isdigit() else None


def _without_query(
    error: botocore.exceptions.BotoCoreError, url: str
) -> botocore.exceptions.BotoCoreError:
    """The same error (type and fields, so retries classify it alike) naming the
    URL without its signed query."""
    kwargs = dict(getattr(error, "kwargs", {}))
    bare = url.partition("?")[0]
    for name, value in kwargs.items():
        if isinstance(value, str) and "?" in value:
            kwargs[name] = value.partition("?")[0]
    try:
        clean = type(error)(**kwargs)
    except Exception:  # an exception type that wants other arguments
        clean = botocore.exceptions.HTTPClientError(error=f"request to {bare} failed")
    if url in str(clean):  # pragma: no cover - belt and braces
        clean = botocore.exceptions.HTTPClientError(error=f"request to {bare} failed")
    return clean
