"""One GET of a whole object (or of its first bytes) without botocore's pipeline.

Why: reading many small objects is bound by client CPU per request. A
``get_object`` call spends ~1.1 ms of CPU on a small object (one thread, rclone on
loopback): a dozen event hooks, endpoint rules, parameter validation, signing
(four HMACs to derive the day's key, every time), the modeled parse of every
response header (``Last-Modified`` through dateutil). The request itself, sent
and read by urllib3, is about a third of that. :func:`get` sends the same request
for a fraction of the rest:

* the object's URL is the bucket's URL prefix plus the key percent-encoded the way
  botocore encodes it (``percent_encode(key, safe="/~")``); the prefix, the
  signing region and the service name come from one URL botocore presigns per
  bucket and client (so endpoint rules, addressing style, a custom endpoint all
  stay botocore's), or from the settings for a client not built yet
  (:mod:`megfile_s3.deferred`, which loads no botocore);
* the request is signed with SigV4 in its ``Authorization`` header, with the
  day's signing key cached; the credentials are the client's (frozen per request,
  so refreshable credentials refresh as they do for ``get_object``). No signature
  ever goes into the URL, so no urllib3 log line, error message or ``repr`` of a
  URL carries one;
* ``before-send.s3.GetObject`` is emitted as botocore does, so what answers
  requests there (moto's in-process mock, the test suite's fault injection)
  answers these too; otherwise the request goes out over plain HTTP/1.1
  connections of its own (:mod:`megfile_s3.wire`: the session's TLS
  verification, timeouts and pool size, a fraction of urllib3's CPU), or on the
  client's own HTTP session when a proxy or a client certificate applies, when
  no connection can be made, or with ``MEGFILE_S3_WIRE=0``;
* only a ``200``/``206`` with the headers this module understands is used; the
  status of any other answer is returned and the caller repeats the request
  through ``get_object``, which raises the mapped error (missing key, access
  denied, ...), follows redirects and retries exactly as before. A redirect, a
  ``400`` (a region mismatch, a malformed authorization) or a ``403`` also turns
  the lean path off for that bucket on that client. Transport errors propagate as
  the botocore exceptions the retry policy already classifies.

Not used at all (:func:`get` returns None, nothing sent) when redirects are
followed (``AWS_S3_REDIRECT``: the endpoint is known to redirect, and only
``get_object`` follows), when the client does not sign with plain SigV4
(``signature_version`` other than ``s3v4``, anonymous clients, SigV4a, S3
Express), for buckets that are ARNs or whose presigned URL
looks any different from ``PREFIX/KEY?X-Amz-...`` with only ``host`` signed, and
for clients not built by :mod:`megfile_s3.client`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import http.client
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from megfile_core import config as core_config
from megfile_s3 import integrity
from megfile_s3 import presigned as _bodies  # a module: presigned imports this one
from megfile_s3.wire import ConnectFailed, Wire, WireResponse

__all__ = [
    "USER_AGENT",
    "LeanAnswer",
    "LeanRequest",
    "LeanState",
    "Target",
    "answer_of",
    "discard",
    "get",
    "head_status",
    "host_of",
    "percent_encode",
    "put",
    "put_answered",
    "put_request",
    "read_answer",
    "refused",
    "send",
    "sign",
    "signed_request",
    "signing_key",
    "start",
    "state_of",
    "transport_errors",
    "waited_of",
]

#: what lean requests tell the server they are (botocore's own say ``Boto3/...``)
USER_AGENT = "megfile-s3-lean/1"
#: SHA-256 of an empty body: what a GET's ``X-Amz-Content-SHA256`` says
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
#: a key presigned once per bucket to learn its URL prefix (never requested)
_PROBE_KEY = "megfile-lean-probe"
#: statuses after which a bucket goes to ``get_object`` only (on that client)
_GIVE_UP = frozenset({301, 302, 303, 307, 308, 400, 403})
#: the longest error body read to keep its connection (longer ones are dropped)
_ERROR_BODY_LIMIT = 64 << 10
_META = "x-amz-meta-"
#: the header a lean PUT carries for each ``upload_checksum`` but ``sha256``, and
#: how its value is computed (megfile_s3.integrity, as for botocore's requests)
_CHECK_HEADERS = {
    "md5": ("content-md5", integrity.md5_header),
    "crc32": ("x-amz-checksum-crc32", integrity.crc32_header),
}
#: how the signed headers are written (HTTP names are case-blind; botocore's way)
_DISPLAY = {
    "content-md5": "Content-MD5",
    "x-amz-content-sha256": "X-Amz-Content-SHA256",
    "x-amz-date": "X-Amz-Date",
    "x-amz-security-token": "X-Amz-Security-Token",
}


class LeanRequest:
    """A signed request, as botocore's HTTP session and ``before-send`` handlers
    read one (``method``, ``url``, ``headers``, ``body``, ``stream_output``,
    ``context``): made without importing botocore."""

    __slots__ = ("body", "context", "headers", "method", "stream_output", "url")

    def __init__(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.stream_output = True
        self.context = {"megfile_lean": True}

    def reset_stream(self) -> None:
        """Nothing to rewind: the body is bytes."""

    def __repr__(self) -> str:  # no header: the Authorization one is a signature
        return f"<LeanRequest {self.method} {self.url}>"


def percent_encode(text: str, safe: str) -> str:
    """``text`` UTF-8 encoded and percent-encoded but for ``safe`` (and letters,
    digits, ``_.-~``), as botocore encodes keys and query parameters."""
    return quote(text.encode("utf-8"), safe=safe)


def transport_errors() -> tuple[type[BaseException], ...]:
    """What a request on its way may raise: builtin and ``http.client`` errors,
    and botocore's own once botocore is loaded (a client's session sent it)."""
    loaded = sys.modules.get("botocore.exceptions")
    errors: tuple[type[BaseException], ...] = (OSError, http.client.HTTPException)
    return errors if loaded is None else (*errors, loaded.BotoCoreError)


class LeanAnswer:
    """An answer :func:`get` used: the body, the object's total size and what
    ``get_object`` would have returned as ``ETag``, ``LastModified``, ``Metadata``."""

    __slots__ = ("data", "etag", "last_modified", "metadata", "read_seconds", "size", "waited")

    def __init__(
        self,
        data: bytes,
        size: int,
        etag: str | None,
        last_modified: datetime | None,
        metadata: dict[str, str],
        read_seconds: float | None,
        waited: float | None = None,
    ) -> None:
        self.data = data
        self.size = size
        self.etag = etag
        self.last_modified = last_modified
        self.metadata = metadata
        #: seconds the body took once the headers were in (``len(data)`` over it is
        #: one connection's rate); None when that was not measured
        self.read_seconds = read_seconds
        #: seconds from sending to the headers (over :mod:`megfile_s3.wire`; else None)
        self.waited = waited

    def response(self) -> dict[str, Any]:
        """The fields of a ``get_object`` response this answer holds."""
        return {"ETag": self.etag, "LastModified": self.last_modified, "Metadata": self.metadata}


class Target:
    """Where and how the objects of one bucket are requested: the URL before the
    key (``prefix``), the ``Host`` header signed, the signing region and service."""

    __slots__ = ("host", "prefix", "prefix_path", "region", "service")

    def __init__(self, prefix: str, host: str, region: str, service: str) -> None:
        self.prefix = prefix  # scheme://netloc/path-before-the-key
        self.prefix_path = urlsplit(prefix).path
        self.host = host
        self.region = region
        self.service = service


class LeanState:
    """What a client's lean requests need: the bucket targets, the credentials
    (``get_frozen_credentials()``), the wire and the options it was made with
    (``options``: TLS verification, timeouts, pool size, as an HTTP session
    holds them), the ``before-send`` handlers (``events``, None when there are
    none) and the client's HTTP ``session`` for what the wire does not send; the
    day's signing key is cached. Subclasses say how a bucket's target is found."""

    wire: Wire | None
    options: Any
    credentials: Any

    def __init__(self) -> None:
        self.targets: dict[str, Target | None] = {}
        self.lock = threading.Lock()
        # (day, access key, secret key, region, service) -> signing key
        self.signing: tuple[tuple[str, str, str, str, str], bytes] | None = None

    @property
    def events(self) -> Any:
        raise NotImplementedError

    @property
    def session(self) -> Any:
        raise NotImplementedError

    def find_target(self, bucket: str) -> Target | None:
        raise NotImplementedError

    def target(self, bucket: str) -> Target | None:
        try:
            return self.targets[bucket]
        except KeyError:
            pass
        target = self.find_target(bucket)
        with self.lock:
            if len(self.targets) > 1024:  # many buckets: keep it bounded
                self.targets.clear()
            self.targets[bucket] = target
        return target

    def give_up(self, bucket: str) -> None:
        with self.lock:
            self.targets[bucket] = None

    def signing_key(self, day: str, access: str, secret: str, target: Target) -> bytes:
        scope = (day, access, secret, target.region, target.service)
        cached = self.signing
        if cached is not None and cached[0] == scope:
            return cached[1]
        key = signing_key(secret, day, target)
        self.signing = (scope, key)
        return key


class _Lean(LeanState):
    """The state of a botocore client: its session, handlers and credentials; a
    bucket's target from one URL the client presigns."""

    def __init__(self, client: Any) -> None:
        super().__init__()
        self.client = client
        self._session = client._endpoint.http_session
        self.options = self._session
        # the requests themselves: plain HTTP/1.1 connections (megfile_s3.wire), or
        # the session's urllib3 with MEGFILE_S3_WIRE=0
        self.wire = None
        if core_config.env_bool("MEGFILE_S3_WIRE", True):
            self.wire = Wire(self._session)
        self._events = client.meta.events
        self.credentials = client._request_signer._credentials

    @property
    def events(self) -> Any:
        return self._events

    @property
    def session(self) -> Any:
        return self._session

    def find_target(self, bucket: str) -> Target | None:
        return _derive_target(self.client, bucket)


def signing_key(secret: str, day: str, target: Target) -> bytes:
    """SigV4's key of ``day`` (``YYYYMMDD``) for the target's region and service."""
    key = _hmac(f"AWS4{secret}".encode(), day)
    for part in (target.region, target.service, "aws4_request"):
        key = _hmac(key, part)
    return key


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def host_of(url: str) -> str:
    """The ``Host`` header botocore signs for ``url``: lower-case, without a
    default port."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != {"http": 80, "https": 443}.get(parts.scheme):
        host = f"{host}:{port}"
    return host


def _derive_target(client: Any, bucket: str) -> Target | None:
    """The bucket's URL prefix and credential scope, from one URL botocore
    presigns; None when that URL is not plain SigV4 of ``PREFIX/KEY``."""
    if not bucket or ":" in bucket or bucket.endswith("--x-s3"):
        return None  # ARNs (access points, object lambda), S3 Express
    try:
        url = client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": _PROBE_KEY}, ExpiresIn=60
        )
    except Exception:  # no credentials, an odd signer: get_object decides
        return None
    base, _, query = url.partition("?")
    fields = dict(parse_qsl(query, keep_blank_values=True))
    expected = {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    }
    if (
        fields.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256"
        or fields.get("X-Amz-SignedHeaders") != "host"
        or not set(fields) <= expected
        or not base.endswith("/" + _PROBE_KEY)
    ):
        return None
    scope = fields.get("X-Amz-Credential", "").split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        return None
    return Target(base[: -len(_PROBE_KEY)], host_of(base), scope[2], scope[3])


def state_of(client: Any) -> LeanState | None:
    """The client's lean state (targets, credentials, wire), or None when lean
    requests do not apply to it (module doc). A client not built yet
    (:class:`megfile_s3.deferred.DeferredClient`) carries one made from the
    settings."""
    state: LeanState | bool | None = client.__dict__.get("_megfile_lean", False)
    if state is False:
        state = None
        try:
            settings = getattr(client, "_megfile_settings", None)
            if (
                settings is not None
                and not settings.redirect  # an endpoint said to redirect: every GET would
                and client.meta.config.signature_version == "s3v4"
                and client._request_signer._credentials is not None
            ):
                state = _Lean(client)
        except AttributeError:  # another botocore: get_object only
            state = None
        client.__dict__["_megfile_lean"] = state
    return state if isinstance(state, LeanState) else None


def signed_request(
    client: Any,
    bucket: str,
    key: str,
    first: int | None = None,
    last: int | None = None,
    when: time.struct_time | None = None,
    query: list[tuple[str, str]] | None = None,
    *,
    method: str = "GET",
    body: bytes | None = None,
    payload_hash: str = EMPTY_SHA256,
    signed: dict[str, str] | None = None,
) -> LeanRequest | None:
    """The signed GET of ``s3://bucket/key`` (``Range: bytes=first-last`` when
    ``first`` is given; ``when``: the signing time, now by default; ``query``: the
    URL's parameters, e.g. a bucket listing's with ``key=""``), or None when the
    lean path does not apply (module doc). A PUT passes ``method``, its ``body``,
    the ``payload_hash`` signed for it and further headers to sign (``signed``,
    lower-case names)."""
    state = state_of(client)
    if state is None:
        return None
    target = state.target(bucket)
    if target is None:
        return None
    frozen = state.credentials.get_frozen_credentials()
    access, secret = frozen.access_key, frozen.secret_key
    if not access or not secret:
        return None
    return sign(
        target,
        (access, secret, frozen.token),
        lambda day: state.signing_key(day, access, secret, target),
        key,
        first,
        last,
        when,
        query,
        method=method,
        body=body,
        payload_hash=payload_hash,
        signed=signed,
    )


def sign(
    target: Target,
    credentials: tuple[str, str, str | None],
    key_of_day: Callable[[str], bytes],
    key: str,
    first: int | None = None,
    last: int | None = None,
    when: time.struct_time | None = None,
    query: list[tuple[str, str]] | None = None,
    *,
    method: str = "GET",
    body: bytes | None = None,
    payload_hash: str = EMPTY_SHA256,
    signed: dict[str, str] | None = None,
) -> LeanRequest:
    """:func:`signed_request` for a known target: ``credentials`` are (access key,
    secret key, session token or None), ``key_of_day`` gives the signing key of a
    day (:func:`signing_key`, cached or not)."""
    access_key, _, token = credentials
    encoded = percent_encode(key, safe="/~")
    path = target.prefix_path + encoded
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime() if when is None else when)
    day = stamp[:8]
    headers = {"Host": target.host, "User-Agent": USER_AGENT}
    to_sign = dict(signed or {})  # lower-case name -> value
    to_sign["host"] = target.host
    if first is not None:
        headers["Range"] = to_sign["range"] = f"bytes={first}-{'' if last is None else last}"
    to_sign["x-amz-content-sha256"] = payload_hash
    to_sign["x-amz-date"] = stamp
    if token:
        to_sign["x-amz-security-token"] = token
    for name, value in to_sign.items():
        if name not in ("host", "range"):
            headers[_DISPLAY.get(name, name)] = value
    ordered = sorted(to_sign)
    canonical_headers = "".join(f"{n}:{' '.join(to_sign[n].split())}\n" for n in ordered)
    names = ";".join(ordered)
    # SigV4's canonical query: every name and value encoded (only A-Z a-z 0-9 - _ .
    # ~ left as they are), sorted; the URL carries the same text
    encoded_query = (
        "&".join(
            sorted(
                f"{percent_encode(n, safe='-_.~')}={percent_encode(v, safe='-_.~')}"
                for n, v in query
            )
        )
        if query
        else ""
    )
    canonical = f"{method}\n{path}\n{encoded_query}\n{canonical_headers}\n{names}\n{payload_hash}"
    scope = f"{day}/{target.region}/{target.service}/aws4_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    string_to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{digest}"
    signature = hmac.new(key_of_day(day), string_to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={names}, Signature={signature}"
    )
    if body is not None:
        headers["Content-Length"] = str(len(body))
    return LeanRequest(
        method,
        target.prefix + encoded + (f"?{encoded_query}" if encoded_query else ""),
        headers,
        body,
    )


def send(
    client: Any,
    bucket: str,
    key: str,
    first: int | None = None,
    last: int | None = None,
    *,
    query: list[tuple[str, str]] | None = None,
    operation: str = "GetObject",
) -> Any:
    """Send :func:`signed_request`; botocore's ``AWSResponse`` (status, headers, the
    urllib3 response as ``raw``, its body not read), or None when nothing was sent.
    ``before-send.s3.OPERATION`` handlers may answer instead of the network."""
    request = signed_request(client, bucket, key, first, last, query=query)
    if request is None:
        return None
    return _send(client, request, operation)


def _send(client: Any, request: LeanRequest, operation: str) -> Any:
    state = client.__dict__["_megfile_lean"]
    answer = _handled(state, request, operation)
    if answer is not None:
        return answer
    wire = state.wire
    if wire is not None and wire.usable(request.url):
        try:
            return wire.send(request)
        except ConnectFailed:
            pass  # nothing sent: the session tries, and its error says why
    return state.session.send(request)


def _handled(state: LeanState, request: LeanRequest, operation: str) -> Any:
    """The answer of a ``before-send.s3.OPERATION`` handler, if one answers."""
    events = state.events
    if events is None:  # no client built yet: no handler registered
        return None
    for _, answer in events.emit(f"before-send.s3.{operation}", request=request):
        if answer is not None:
            return answer
    return None


def start(client: Any, request: LeanRequest, operation: str) -> Callable[[], Any] | None:
    """Send ``request`` now over the client's wire (an idle connection when there
    is one) and return the function that reads its answer (a ``before-send``
    handler's answer is returned as it is); None when nothing was sent: the caller
    sends it the usual way (:func:`send`, ``get_object``, ``put_object``), whose
    error says what is wrong. Several requests under way from one thread."""
    state = state_of(client)
    if state is None:
        return None
    answer = _handled(state, request, operation)
    if answer is not None:
        return lambda: answer
    if state.wire is None or not state.wire.usable(request.url):
        return None
    try:
        return state.wire.start(request, reuse=True)
    except OSError:  # ConnectFailed too
        return None


def put_request(
    client: Any, bucket: str, key: str, data: bytes, when: time.struct_time | None = None
) -> LeanRequest | None:
    """The signed PUT of ``data`` as ``s3://bucket/key``, with the check of the
    client's ``upload_checksum`` (:mod:`megfile_s3.integrity`): a CRC32 or MD5
    header (signed) with an unsigned payload, or the payload's SHA-256 signed; None
    when the lean path does not apply."""
    settings = getattr(client, "_megfile_settings", None)
    if settings is None:
        return None
    mode = settings.upload_checksum
    signed: dict[str, str] = {}
    if mode == "sha256":
        payload_hash = hashlib.sha256(data).hexdigest()
    else:  # the check header (signed) covers the body, the payload is not signed
        payload_hash = "UNSIGNED-PAYLOAD"
        name, header_of = _CHECK_HEADERS[mode]  # the settings allow no other mode
        value = header_of(data)
        if value is None:
            return None
        signed[name] = value
    return signed_request(
        client,
        bucket,
        key,
        when=when,
        method="PUT",
        body=data,
        payload_hash=payload_hash,
        signed=signed,
    )


def put(client: Any, bucket: str, key: str, data: bytes) -> bool:
    """PUT :func:`put_request`: True when the store answered ``200``. False when
    nothing was sent, the answer was anything else, or the request failed on its
    way (a PUT of a whole object may be sent again): the caller then uses
    ``put_object``, which raises the mapped error and retries as before. Only
    plain PUTs: a conditional one (``If-None-Match``) sent twice could fail
    against its own first copy."""
    request = put_request(client, bucket, key, data)
    if request is None:
        return False
    try:
        response = _send(client, request, "PutObject")
    except transport_errors():
        return False  # put_object sends it again, with its retries
    return put_answered(client, bucket, response)


def put_answered(client: Any, bucket: str, response: Any) -> bool:
    """Whether a lean PUT's ``response`` says the object is stored (``200``); the
    answer is dropped either way, a refusal noted (:func:`refused`)."""
    status: int = response.status_code
    if status != 200:
        refused(client, bucket, status)
    try:
        discard(response.raw, response.headers)
    except Exception:  # stored or not, the status said which
        pass
    return status == 200


def refused(client: Any, bucket: str, status: int) -> None:
    """An answer of ``status`` was not used: after a redirect, a ``400`` or a ``403``
    the bucket goes to ``get_object`` only on this client."""
    state = state_of(client)
    if state is not None and status in _GIVE_UP:
        state.give_up(bucket)


def get(
    client: Any, bucket: str, key: str, first: int | None = None, last: int | None = None
) -> LeanAnswer | int | None:
    """GET ``s3://bucket/key`` (bytes ``first``-``last`` when given): a
    :class:`LeanAnswer`, or the HTTP status of an answer not used, or None when
    nothing was sent (module doc). The caller then uses ``get_object``."""
    response = send(client, bucket, key, first, last)
    if response is None:
        return None
    return answer_of(client, bucket, response, first, last)


def head_status(client: Any, bucket: str, key: str) -> int | None:
    """The status of a HEAD of ``s3://bucket/key`` sent leanly (there is no body to
    read), or None when nothing was sent or it failed on its way; a refusal is
    noted (:func:`refused`). The caller asks ``head_object`` for anything but the
    status it can use."""
    request = signed_request(client, bucket, key, method="HEAD")
    if request is None:
        return None
    try:
        response = _send(client, request, "HeadObject")
    except transport_errors():
        return None
    status: int = response.status_code
    if status not in (200, 404):
        refused(client, bucket, status)
    if not isinstance(response, WireResponse):  # (the wire's has no body and is done)
        discard(response.raw, response.headers)
    return status


def answer_of(
    client: Any, bucket: str, response: Any, first: int | None, last: int | None
) -> LeanAnswer | int:
    """:func:`read_answer` of a lean GET of ``bucket``; a status not used is noted
    (:func:`refused`)."""
    answer = read_answer(response, first, last)
    if not isinstance(answer, LeanAnswer):
        refused(client, bucket, answer)
    return answer


def read_answer(response: Any, first: int | None, last: int | None) -> LeanAnswer | int:
    """The answer to a GET of bytes ``first``-``last`` (the whole object when
    ``first`` is None), its body read at once and timed; or its status when it is
    not that answer (dropped then: :func:`discard`)."""
    status: int = response.status_code
    headers = response.headers
    if type(headers) is dict:  # a stand-in answer from a before-send handler
        headers = {name.lower(): value for name, value in headers.items()}
    raw = response.raw
    if first is None:
        size = _whole_size(status, headers)
    else:
        size = _bodies.exact_size(status, headers, first, (1 << 63) if last is None else last)
    if size is None:
        discard(raw, headers)
        return status
    start = first or 0
    count = size - start if last is None else min(last + 1, size) - start
    began = time.monotonic()
    data = _bodies.read_exactly(raw, max(count, 0))
    seconds = time.monotonic() - began
    metadata = {  # names first: a value lookup in botocore's headers is not cheap
        name[len(_META) :]: headers[name] for name in headers if name.lower().startswith(_META)
    }
    return LeanAnswer(
        data,
        size,
        headers.get("etag"),
        _http_date(headers.get("last-modified")),
        metadata,
        seconds,
        waited_of(response),
    )


def waited_of(response: Any) -> float | None:
    """Seconds ``response``'s headers took after its request was sent, when it came
    over :mod:`megfile_s3.wire` (which times that); else None."""
    return response.waited if isinstance(response, WireResponse) else None


def _whole_size(status: int, headers: Any) -> int | None:
    """The size of a ``200`` answer to a GET without ``Range``."""
    if status != 200 or headers.get("content-range"):
        return None
    length = headers.get("content-length")
    if length is None or not length.strip().isdigit():
        return None
    return int(length)


@functools.lru_cache(maxsize=64)
def _http_date(value: str | None) -> datetime | None:
    """``Last-Modified`` as a datetime. Remembered: objects written in one second
    share the text, and parsing it costs more than the rest of a small answer's
    headers."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def discard(raw: Any, headers: Any) -> None:
    """Drop an unused answer: a short error body is read so that its connection
    goes back to the pool, anything else closes the connection."""
    try:
        length = headers.get("content-length")
        if length is not None and length.strip().isdigit() and int(length) <= _ERROR_BODY_LIMIT:
            _bodies.read_exactly(raw, int(length))
            return
    except Exception:  # a broken error body: the connection is closed below
        pass
    close = getattr(raw, "close", None)
    if close is not None:
        close()
