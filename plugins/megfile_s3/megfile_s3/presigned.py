"""Ranged GETs of one object without botocore's pipeline: the reader's hot path.

A ``get_object`` call runs botocore's whole pipeline every time: parameter
validation, endpoint rules, a dozen event hooks, signing, user-agent assembly and a
modeled parse of every response header (``Last-Modified`` through dateutil) --
about half a millisecond of CPU per request, more than the request itself costs a
server on the same host. A reader sends hundreds of GETs of one key that differ only
in their ``Range``. So each range is sent by :mod:`megfile_s3.lean`: signed in its
``Authorization`` header with the day's cached signing key, on the client's own
HTTP session (same pool, proxies, TLS verification and timeouts). (This module once
presigned the key's URL for that, hence its name; a presigned URL carries its
signature in the query, which urllib3 writes to its debug log with every request.
Lean requests carry none in their URL.)

Only an answer this module fully understands is used: a ``206`` or ``200`` whose
``Content-Range`` and length match the range asked (rclone answers ranges with
``200``), or a ``200`` without ``Content-Range`` that holds the whole object when
the range covers all of it. Anything else -- an error status, a redirect, another
``200``, no credentials to sign with -- returns ``None`` and the caller repeats the
request through ``get_object``, which raises the mapped error, follows redirects
and refreshes credentials exactly as before; after a redirect, a ``400`` or a
``403`` the bucket's ranges go to ``get_object`` directly (:func:`megfile_s3.lean.refused`).
Transport errors (resets, timeouts) propagate as the botocore exceptions the retry
policy already classifies.
"""

from __future__ import annotations

import http.client
from typing import Any

from megfile_s3 import lean

__all__ = [
    "PresignedRanges",
    "RangeAnswer",
    "exact_size",
    "read_exactly",
    "read_exactly_into",
    "total_size",
]

RangeAnswer = tuple[bytes, int, "str | None"]  # (data, total size, ETag)


class PresignedRanges:
    """``get(start, end)`` of ``s3://bucket/key`` over lean GETs, or ``None`` when
    the caller should use ``get_object`` instead (module doc)."""

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key

    def get(self, start: int, end: int) -> RangeAnswer | None:
        answer = self.get_into(start, end, None)
        if answer is None:
            return None
        data, size, etag, _waited = answer
        return bytes(data), size, etag  # bytes already without a buffer: no copy

    def get_into(
        self, start: int, end: int, buffer: memoryview | None
    ) -> tuple[bytes | memoryview, int, str | None, float | None] | None:
        """:meth:`get`, with the body read into ``buffer`` (when given) and ``data``
        the filled part of it; last, the seconds the answer's headers took (over
        :mod:`megfile_s3.wire`, else None)."""
        response = lean.send(self._client, self._bucket, self._key, start, end)
        if response is None:
            return None
        raw = response.raw
        headers = response.headers
        status = response.status_code
        size = exact_size(status, headers, start, end)
        if size is None:
            lean.refused(self._client, self._bucket, status)
            lean.discard(raw, headers)
            return None
        count = min(end + 1, size) - start
        waited = lean.waited_of(response)
        if buffer is not None and buffer.nbytes >= count:
            return read_exactly_into(raw, buffer[:count]), size, headers.get("etag"), waited
        return read_exactly(raw, count), size, headers.get("etag"), waited


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
