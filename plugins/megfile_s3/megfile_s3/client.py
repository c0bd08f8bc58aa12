"""boto3 clients: one per (profile, settings) per thread (or per process), every API
call retried by one wrapper.

* Settings are resolved on each :func:`get_client` call, so a changed environment or
  credentials file gives a new client; the settings are part of the cache key.
* ``MEGFILE_S3_CLIENT_CACHE_MODE=process_local`` shares one client between threads
  (botocore clients are thread-safe); the default keeps one per thread.
* After ``os.fork`` the child drops every cached client (their connection pools
  belong to the parent) and builds new ones on first use.
* Retries: botocore's own retries are off (``total_max_attempts=1``); the client's
  ``_make_api_call`` is wrapped so that every operation is retried by core's
  :class:`~megfile_core.retry.RetryPolicy` on throttling and transient errors, up to
  ``MEGFILE_S3_MAX_RETRY_TIMES`` attempts. Code that retries a larger unit (a ranged
  GET *and* reading its body) runs it inside :func:`retry_call`; nested calls then
  go through once, so attempts never multiply.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from megfile_core import config as core_config
from megfile_core.retry import RetryPolicy
from megfile_s3 import config as s3_config
from megfile_s3.deferred import client_for
from megfile_s3.errors import S3ConfigError, is_retryable

if TYPE_CHECKING:
    import boto3
    import botocore.config

    from megfile_s3.config import S3Settings

__all__ = [
    "S3Client",
    "botocore_config",
    "build_client",
    "clear_cache",
    "get_client",
    "retry_call",
    "retry_policy",
    "session_ready",
]

T = TypeVar("T")
S3Client = Any  # botocore generates the class at run time

_local = threading.local()
_process_lock = threading.Lock()
_process_cache: dict[tuple[Any, ...], S3Client] = {}
_depth = threading.local()
_build_lock = threading.Lock()
_sessions: dict[tuple[str | None, bool], boto3.session.Session] = {}
#: bumped by clear_cache (a thread's remembered client is then not used)
_generation = [0]
#: the sleep used between attempts (tests make it instant)
sleep: Callable[[float], None] | None = None


def _clear_after_fork() -> None:
    global _local, _process_lock, _depth, _build_lock
    _local = threading.local()
    _depth = threading.local()
    _process_lock = threading.Lock()
    _build_lock = threading.Lock()
    _process_cache.clear()
    _sessions.clear()


def clear_cache() -> None:
    """Forget every cached client (this thread's and the process-wide ones)."""
    _generation[0] += 1  # other threads' remembered clients are stale too
    _local.__dict__.clear()
    with _process_lock:
        _process_cache.clear()
    with _build_lock:
        _sessions.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_clear_after_fork)


def retry_policy() -> RetryPolicy:
    """The policy every S3 call uses (read now: ``MEGFILE_S3_MAX_RETRY_TIMES``)."""
    kwargs: dict[str, Any] = {}
    if sleep is not None:
        kwargs["sleep"] = sleep
    return RetryPolicy(s3_config.max_retry_times(), should_retry=is_retryable, **kwargs)


def retry_call(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``func`` under the retry policy; S3 calls inside it are not retried again."""
    depth = getattr(_depth, "value", 0)
    if depth:
        return func(*args, **kwargs)

    def attempt() -> T:
        _depth.value = 1
        try:
            return func(*args, **kwargs)
        finally:
            _depth.value = 0

    return retry_policy().call(attempt)


def _wrap_api_call(client: S3Client) -> None:
    original = client._make_api_call

    def make_api_call(operation: str, params: dict[str, Any]) -> Any:
        # Every attempt gets its own copy of the parameters and the body from its
        # start: botocore turns a ``bytes`` Body into a stream *in the dict it is
        # given*, so a retry with the same dict would send what the failed attempt
        # left unread (often nothing: an empty object, written as a success).
        body: Any = params.get("Body")
        start = body.tell() if hasattr(body, "seek") and hasattr(body, "tell") else None

        def attempt() -> Any:
            if start is not None:
                body.seek(start)
            return original(operation, dict(params))

        return retry_call(attempt)

    make_api_call.__name__ = "make_api_call"
    client._make_api_call = make_api_call


def _add_content_md5(params: dict[str, Any], **_: Any) -> None:
    """DeleteObjects needs Content-MD5 on S3-compatible stores that predate the
    flexible checksums botocore >= 1.36 would send instead (they are off here)."""
    body = params.get("body")
    if isinstance(body, bytes) and "Content-MD5" not in params["headers"]:
        digest = hashlib.md5(body).digest()
        params["headers"]["Content-MD5"] = base64.b64encode(digest).decode()


def _no_expect_continue(params: dict[str, Any], **_: Any) -> None:
    """Send bodies at once: botocore asks for ``Expect: 100-continue`` on every
    PutObject / UploadPart, which waits a whole round trip for the server's go
    before the first body byte (a 4 KiB file took 2 round trips, an 8 MiB part at
    20 ms + 400 Mbit/s ~10% longer). It only saves uploading a body the server
    would refuse (bad credentials, a redirect), which then fails either way."""
    params.get("headers", {}).pop("Expect", None)


def pool_options(settings: S3Settings) -> tuple[float, float, int, bool]:
    """(connect timeout, read timeout, most idle connections, TCP keepalive) of a
    client of ``settings``: what :mod:`megfile_s3.wire` reads of its session."""
    return 5.0, 60.0, max(core_config.max_workers() * 2, 10), True


def botocore_config(settings: S3Settings) -> botocore.config.Config:
    import botocore.config

    connect, read, pool, keepalive = pool_options(settings)
    options: dict[str, Any] = {
        "connect_timeout": connect,
        "read_timeout": read,
        "max_pool_connections": pool,
        "retries": {"total_max_attempts": 1, "mode": "standard"},
        "tcp_keepalive": keepalive,
    }
    s3: dict[str, Any] = {}
    if settings.addressing_style:
        s3["addressing_style"] = settings.addressing_style
    # bodies carry a CRC32 or an MD5 instead of a signed SHA-256 unless asked
    # (megfile_s3.integrity); botocore would sign them all on plain http
    s3["payload_signing_enabled"] = settings.upload_checksum == "sha256"
    if s3:
        options["s3"] = s3
    # SigV4 unless configured otherwise: what botocore signs calls with anyway, but
    # without it the presigned URL megfile_s3.lean learns a bucket's URL from (and
    # generate_presigned_url) would use legacy SigV2
    options["signature_version"] = settings.signature_version or "s3v4"
    try:
        return botocore.config.Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            **options,
        )
    except TypeError:  # botocore < 1.36 has neither option (and no checksum default)
        return botocore.config.Config(**options)


def _session(profile: str | None, own_keys: bool = False) -> boto3.session.Session:
    """The process's boto3 session of ``profile``: it keeps the service models it
    loaded, so a new thread's client costs ~5 ms instead of ~80 ms of JSON parsing.
    ``own_keys``: the caller passes complete credentials (from the variables).
    Callers hold ``_build_lock`` (sessions are not thread-safe)."""
    import boto3
    import botocore.exceptions
    import botocore.session

    from megfile_s3 import models

    key = _session_key(profile, own_keys)
    hide = key[1]
    session = _sessions.get(key)
    if session is None:
        try:
            # hide: the settings found no section named by AWS_PROFILE and the
            # variables give the keys: botocore must not fail on that name
            core = botocore.session.Session(
                session_vars={"profile": (None, None, None, None)} if hide else None
            )
            if profile is not None:
                core.set_config_variable("profile", profile)
            core.register_component(
                "data_loader", models.loader(core.get_config_variable("data_path"))
            )
            session = boto3.session.Session(botocore_session=core)
        except botocore.exceptions.ProfileNotFound as error:
            raise S3ConfigError(str(error)) from None
        _sessions[key] = session
    return session


def session_ready(settings: S3Settings) -> bool:
    """Whether the process has the boto3 session a client of ``settings`` is built
    from (then a client costs ~5 ms; the first one ~50 ms)."""
    own_keys = bool(settings.access_key and settings.secret_key)
    return _session_key(settings.session_profile, own_keys) in _sessions


def _session_key(profile: str | None, own_keys: bool) -> tuple[str | None, bool]:
    """(profile, hide): hide when AWS_PROFILE must not reach botocore (below)."""
    return profile, profile is None and own_keys and bool(os.environ.get("AWS_PROFILE"))


def _build(settings: S3Settings) -> S3Client:
    with _build_lock:
        return _build_locked(settings)


def build_client(profile: str | None, config: Any) -> S3Client:
    """A new (uncached) client of ``profile`` whose botocore options are the
    profile's with ``config`` (a ``botocore.config.Config``) merged on top."""
    settings = s3_config.resolve(profile)
    with _build_lock:
        return _build_locked(settings, config)


def _build_locked(settings: S3Settings, extra: Any = None) -> S3Client:
    try:
        session = _session(
            settings.session_profile, bool(settings.access_key and settings.secret_key)
        )
    except S3ConfigError as error:
        raise S3ConfigError(f"{error}: {settings.hint()}") from None
    client = session.client(
        "s3",
        endpoint_url=settings.endpoint_url,
        verify=settings.verify,
        config=botocore_config(settings)
        if extra is None
        else botocore_config(settings).merge(extra),
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        aws_session_token=settings.session_token,
        region_name=session.region_name or None,
    )
    client.meta.events.register("before-call.s3.DeleteObjects", _add_content_md5)
    client.meta.events.register_last("before-call.s3", _no_expect_continue)
    from megfile_s3 import bodies, integrity

    integrity.install(client, settings.upload_checksum)
    bodies.install(client)
    from megfile_s3.fast_listing import install as install_fast_listing
    from megfile_s3.redirects import install as install_redirects

    install_fast_listing(client)

    install_redirects(client, follow=settings.redirect)
    _wrap_api_call(client)
    client._megfile_settings = settings
    return client


def _key(settings: S3Settings) -> tuple[Any, ...]:
    return (
        settings.profile,
        settings.access_key,
        settings.secret_key,
        settings.session_token,
        settings.endpoint_url,
        settings.addressing_style,
        settings.signature_version,
        settings.verify,
        settings.redirect,
        settings.upload_checksum,
        settings.session_profile,
        core_config.max_workers(),
    )


def get_client(profile: str | None = None) -> S3Client:
    """The cached client of ``s3://`` (``None``) or ``s3+profile://``.

    Each thread remembers the client it got last, with the settings object and the
    environment version (:func:`megfile_core.config.environ_version`) it was for:
    while neither changed (``resolve`` returns the same object then), that client
    is returned without building the cache key again."""
    settings = s3_config.resolve(profile)
    version = (core_config.environ_version(), _generation[0])
    last = _local.__dict__.get("last")
    if last is not None and last[0] is settings and last[1] == version:
        client: S3Client = last[2]
        return client
    client = _get_client(settings)
    _local.last = (settings, version, client)
    return client


def _get_client(settings: S3Settings) -> S3Client:
    key = _key(settings)
    if s3_config.cache_mode() == "process_local":
        with _process_lock:
            client = _process_cache.get(key)
            if client is None:
                client = _process_cache[key] = client_for(settings, _build)
        return client
    cache: dict[tuple[Any, ...], S3Client] = _local.__dict__.setdefault("clients", {})
    client = cache.get(key)
    if client is None:
        if len(cache) > 16:  # settings churn (tests, rotating tokens): keep it bounded
            cache.clear()
        client = cache[key] = client_for(settings, _build)
    return client


def settings_of(client: S3Client) -> S3Settings:
    settings: S3Settings = client._megfile_settings
    return settings
