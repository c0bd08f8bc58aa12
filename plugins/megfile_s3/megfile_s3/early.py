"""A process's first GET, sent while its S3 client is being built.

Why: the first open of an object in a process waits for two things in turn: the
client (botocore's models: ~50 ms of CPU, see :mod:`megfile_s3.models`) and the
reader's first GET (its round trip and its 2 MiB body: 60-70 ms at 20 ms and
400 Mbit/s). The GET does not need the client when the settings already say
everything it needs. :func:`start` then sends it on a thread of its own, from the
settings alone, and the caller builds the client meanwhile;
:meth:`EarlyGet.answer` hands the answer over only when the built client would
have sent the very same request (:mod:`megfile_s3.lean` would have):

* the bucket's URL prefix, ``Host``, signing region and service that botocore
  gives the client (:mod:`megfile_s3.lean` learns them from a presigned URL);
* the client's credentials;
* the client's lean GETs going over :mod:`megfile_s3.wire` to that URL (no
  proxy, no client certificate), with the same TLS verification.

Anything else, or any failure of the early request (no connection, a timeout,
an error status), and its answer is dropped: the reader sends its first GET as
it always did, through the retries and error mapping of the normal path. A
wrong guess costs one request, once per process.

When it is tried (else :func:`start` returns None and sends nothing): no boto3
session exists yet for the settings (later clients cost ~5 ms, nothing to win);
the settings give an endpoint URL (``http`` or ``https``), an access key and a
secret key; SigV4; no redirects followed; path-style addressing (what botocore
uses for a custom endpoint unless ``virtual`` is asked for); ``MEGFILE_S3_WIRE``
on; no proxy variable applies to the endpoint; a plain bucket name. The region
signed is ``AWS_DEFAULT_REGION``, or ``us-east-1`` as botocore signs for a
custom endpoint without one.
"""

from __future__ import annotations

import http.client
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.utils import get_environ_proxies

from megfile_core import config as core_config
from megfile_s3 import client as s3_client
from megfile_s3 import config as s3_config
from megfile_s3 import lean
from megfile_s3.config import S3Settings
from megfile_s3.errors import S3ConfigError
from megfile_s3.wire import Wire, WireResponse

__all__ = ["MIN_SAMPLE", "EarlyGet", "guess", "read_arrivals", "start"]


class _Timeouts:
    __slots__ = ("connect_timeout", "read_timeout")

    def __init__(self, connect: float, read: float) -> None:
        self.connect_timeout = connect
        self.read_timeout = read


class _NoProxies:
    @staticmethod
    def proxy_url_for(url: str) -> None:
        return None


class _Direct:
    """What :class:`~megfile_s3.wire.Wire` reads of a botocore HTTP session, as the
    client of ``settings`` will have it (its botocore options)."""

    def __init__(self, settings: S3Settings) -> None:
        options = s3_client.botocore_config(settings)
        self._timeout = _Timeouts(options.connect_timeout, options.read_timeout)
        self._max_pool_connections = options.max_pool_connections
        self._socket_options = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
        if options.tcp_keepalive:
            self._socket_options.append((socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1))
        self._proxy_config = _NoProxies()
        self._cert_file = None
        self._verify = settings.verify


class EarlyGet:
    """A GET under way on its own thread; :meth:`answer` waits for it."""

    def __init__(
        self,
        target: lean.Target,
        credentials: tuple[str, str, str | None],
        direct: _Direct,
        bucket: str,
        key: str,
        first: int,
        last: int,
    ) -> None:
        self.target = target
        self.credentials = credentials
        self.bucket = bucket
        self.first = first
        self.last = last
        self._direct = direct
        self._wire = Wire(direct)
        self._request = lean.sign(
            target,
            credentials,
            lambda day: lean.signing_key(credentials[1], day, target),
            key,
            first,
            last,
        )
        self._result: lean.LeanAnswer | None = None
        self._dropped = False
        # sent from this thread: a thread of its own would wait for the GIL while
        # the client is built (tens of ms); only the answer is read over there
        try:
            receive = self._wire.start(self._request)
        except Exception:  # the normal path sends it again, and says why it fails
            receive = None
        self._thread = threading.Thread(
            target=self._run, args=(receive,), name="megfile-s3-early", daemon=True
        )
        self._thread.start()

    def _run(self, receive: Callable[[], WireResponse] | None) -> None:
        answer: lean.LeanAnswer | int | None = None
        if receive is not None:
            try:
                answer = lean.read_answer(receive(), self.first, self.last, read_arrivals)
            except Exception:  # the normal path sends it again, and says why it fails
                answer = None
        if isinstance(answer, lean.LeanAnswer) and not self._dropped:
            self._result = answer
        else:
            self._wire.close()

    def answer(self, client: Any, first: int, last: int) -> lean.LeanAnswer | None:
        """The answer, when ``client`` would have sent this very request for bytes
        ``first``-``last`` (module doc; waits for it then); else None at once, and
        nothing of it is kept. The request failing counts as one attempt more of
        the normal path's, which follows."""
        if not self._sent_as(client, first, last):
            self.close()
            return None
        self._thread.join()
        result, self._result = self._result, None
        if result is None:
            return None
        state = lean.state_of(client)
        if state is not None and state.wire is not None:
            state.wire.adopt(self._wire)  # its connection serves the reader's next GETs
        return result

    def _sent_as(self, client: Any, first: int, last: int) -> bool:
        if (first, last) != (self.first, self.last):
            return False
        state = lean.state_of(client)
        if state is None or state.wire is None:
            return False
        target = state.target(self.bucket)
        session = state.session
        return (
            target is not None
            and _same_target(target, self.target)
            and state.wire.usable(self._request.url)
            and session._verify == self._direct._verify
            and session._cert_file is None
            and _same_credentials(state.credentials.get_frozen_credentials(), self.credentials)
        )

    def close(self) -> None:
        """Drop it: the answer is not kept, the connection is closed (by the thread,
        when the request is still under way)."""
        self._dropped = True
        self._result = None
        if not self._thread.is_alive():
            self._wire.close()


#: bytes an early body's rate is taken over at least (else it gives none)
MIN_SAMPLE = 1 << 20


def read_arrivals(raw: WireResponse, count: int) -> tuple[bytes, float | None]:
    """``count`` body bytes of ``raw``, read one socket read at a time, and the
    seconds that say one connection's rate for all of them (a
    :data:`lean.BodyReader`).

    The early thread reads while the caller builds the client and gets the
    interpreter late: bytes that arrived meanwhile wait in the kernel and come in
    one read, so the time of a read says nothing of when its bytes arrived. A
    whole-body timing made a capped connection (~48 MiB/s) look like 65-740 MiB/s,
    and the reader then fetched whole blocks (a third slower). Each read takes what
    has arrived, so from the end of the first read to the end of the last the bytes
    came at the connection's pace (a late last read only makes it look slower).
    None when fewer than :data:`MIN_SAMPLE` bytes came after the first read (a
    fast connection delivers the body at once): the reader then measures its
    blocks itself."""
    buffer = bytearray(count)
    view = memoryview(buffer)
    got = raw.readinto1(view) if count else 0
    began = time.monotonic()
    first = got
    while got < count:
        more = raw.readinto1(view[got:])
        if not more:
            raw.close()
            raise http.client.IncompleteRead(bytes(view[:got]), count - got)
        got += more
    seconds = time.monotonic() - began
    sampled = count - first
    if sampled < MIN_SAMPLE or seconds <= 0:
        return bytes(buffer), None
    return bytes(buffer), seconds * count / sampled


def _same_target(one: lean.Target, other: lean.Target) -> bool:
    return (one.prefix, one.host, one.region, one.service) == (
        other.prefix,
        other.host,
        other.region,
        other.service,
    )


def _same_credentials(frozen: Any, credentials: tuple[str, str, str | None]) -> bool:
    return (frozen.access_key, frozen.secret_key, frozen.token or None) == credentials


def _plain_bucket(bucket: str) -> bool:
    return (
        bool(bucket)
        and ":" not in bucket
        and not bucket.endswith("--x-s3")
        and (bucket.replace("-", "").replace(".", "").replace("_", "").isalnum())
    )


def start(profile: str | None, bucket: str, key: str, first: int, last: int) -> EarlyGet | None:
    """Send the GET of bytes ``first``-``last`` of ``s3://bucket/key`` (of
    ``s3+profile://``) now, its answer read on a thread, when it can be sent
    without the client and the client is yet to be built (module doc); else None,
    nothing sent."""
    try:
        settings = s3_config.resolve(profile)
    except S3ConfigError:
        return None  # the client's build says what is wrong
    if s3_client.session_ready(settings):
        return None
    guessed = guess(settings, bucket)
    if guessed is None:
        return None
    target, credentials = guessed
    return EarlyGet(target, credentials, _Direct(settings), bucket, key, first, last)


def guess(
    settings: S3Settings, bucket: str
) -> tuple[lean.Target, tuple[str, str, str | None]] | None:
    """Where a client of ``settings`` would send the lean GETs of ``bucket``, and
    with which credentials, as far as the settings tell without the client; None
    when they do not tell (module doc)."""
    endpoint = settings.endpoint_url
    access, secret = settings.access_key, settings.secret_key
    if (
        not endpoint
        or not endpoint.startswith(("http://", "https://"))
        or "?" in endpoint
        or "#" in endpoint
        or not access
        or not secret
        or settings.signature_version not in (None, "s3v4")
        or settings.redirect
        or settings.addressing_style not in (None, "auto", "path")
        or not core_config.env_bool("MEGFILE_S3_WIRE", True)
        or not _plain_bucket(bucket)
        or get_environ_proxies(endpoint)
    ):
        return None
    target = lean.Target(
        f"{endpoint.rstrip('/')}/{bucket}/",
        lean.host_of(endpoint),
        os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        "s3",
    )
    return target, (access, secret, settings.session_token or None)
