"""A client built only when something needs botocore.

Why: importing boto3 and botocore and building the first client costs a process
~0.2 s of CPU (botocore's modules ~0.15 s, its models ~0.05 s; see
:mod:`megfile_s3.models`). A command that only lists and reads small objects
(``megfile sync s3://... DIR``, ``megfile cat``) needs none of it when the
settings say everything a lean request needs (:mod:`megfile_s3.lean`): its HEADs,
listings and GETs are signed and sent by our own code over
:mod:`megfile_s3.wire`. On a near store that start-up was a fifth of a sync of
2,000 small objects.

:func:`client_for` gives a :class:`DeferredClient` instead of a botocore client
when the settings give an ``http(s)`` endpoint URL, an access key and a secret
key, SigV4, no redirects, path-style addressing (what botocore uses for a custom
endpoint unless ``virtual`` is asked for), ``MEGFILE_S3_WIRE`` on and no proxy
variable. It carries a lean state made from the settings alone
(:class:`SettingsState`): a bucket's URL is the endpoint's plus the bucket, its
``Host`` the endpoint's, the signing region ``AWS_DEFAULT_REGION`` (else the
profile's ``region``, else ``us-east-1``, as botocore signs for a custom endpoint).
Any other use of the client (an API call, ``meta``, a request the wire cannot
send) builds the botocore client, once, and forwards to it; so does every answer
a lean request does not use (an error status, a failed connection): the API call
that follows raises the mapped error and retries as always. A ``400`` or ``403``
(a wrong region, say) turns the lean path off for that bucket, as it does for a
built client. Handlers registered on the built client's ``meta.events`` see the
lean requests sent after that, as they do for any client.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from megfile_core import config as core_config
from megfile_s3 import config as s3_config
from megfile_s3.config import S3Settings
from megfile_s3.lean import LeanState, Target, host_of
from megfile_s3.wire import Wire

__all__ = [
    "DeferredClient",
    "Direct",
    "SettingsState",
    "built",
    "client_for",
    "deferrable",
    "is_built",
    "settings_target",
]


class _Timeouts:
    __slots__ = ("connect_timeout", "read_timeout")

    def __init__(self, connect: float, read: float) -> None:
        self.connect_timeout = connect
        self.read_timeout = read


class _NoProxies:
    @staticmethod
    def proxy_url_for(url: str) -> None:
        return None


class Direct:
    """What :class:`~megfile_s3.wire.Wire` reads of a botocore HTTP session, as the
    client of ``settings`` will have it: its timeouts, pool size and socket options
    (:func:`megfile_s3.client.pool_options`), TLS verification, no proxy and no
    client certificate."""

    def __init__(self, settings: S3Settings) -> None:
        from megfile_s3.client import pool_options

        connect, read, pool, keepalive = pool_options(settings)
        self._timeout = _Timeouts(connect, read)
        self._max_pool_connections = pool
        self._socket_options = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
        if keepalive:
            self._socket_options.append((socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1))
        self._proxy_config = _NoProxies()
        self._cert_file = None
        self._verify = settings.verify


def _plain_bucket(bucket: str) -> bool:
    return (
        bool(bucket)
        and ":" not in bucket
        and not bucket.endswith("--x-s3")
        and (bucket.replace("-", "").replace(".", "").replace("_", "").isalnum())
    )


def _proxied() -> bool:
    """Whether a proxy variable is set (``*_proxy`` in either case, as urllib
    reads them, but ``no_proxy``): the wire is not used for a proxied URL, and
    telling which URLs bypass the proxy needs ``urllib.request``."""
    return any(
        value and name.lower().endswith("_proxy") and name.lower() != "no_proxy"
        for name, value in os.environ.items()
    )


def _region(settings: S3Settings) -> str:
    """The region a client of ``settings`` signs with (module doc)."""
    region = os.environ.get("AWS_DEFAULT_REGION")
    if region:
        return region
    if settings.session_profile is not None:
        section = s3_config.profile_section(settings.session_profile)
        if section.get("region"):
            return section["region"]
    return "us-east-1"


def deferrable(settings: S3Settings) -> bool:
    """Whether lean requests of ``settings`` need nothing of a client (module doc)."""
    endpoint = settings.endpoint_url
    return bool(
        endpoint
        and endpoint.startswith(("http://", "https://"))
        and "?" not in endpoint
        and "#" not in endpoint
        and settings.access_key
        and settings.secret_key
        and settings.signature_version in (None, "s3v4")
        and not settings.redirect
        and settings.addressing_style in (None, "auto", "path")
        and core_config.env_bool("MEGFILE_S3_WIRE", True)
        and not os.environ.get("AWS_REGION")  # which of the two botocore takes varies
        and not _proxied()
    )


def settings_target(settings: S3Settings, bucket: str, region: str | None = None) -> Target | None:
    """Where a client of ``settings`` sends the requests of ``bucket`` (path-style
    under the endpoint URL), or None when the settings do not tell (module doc)."""
    if not deferrable(settings) or not _plain_bucket(bucket):
        return None
    endpoint = settings.endpoint_url or ""
    return Target(
        f"{endpoint.rstrip('/')}/{bucket}/",
        host_of(endpoint),
        region or _region(settings),
        "s3",
    )


class _Frozen:
    """Credentials as botocore's ``get_frozen_credentials()`` gives them."""

    __slots__ = ("access_key", "secret_key", "token")

    def __init__(self, access_key: str, secret_key: str, token: str | None) -> None:
        self.access_key = access_key
        self.secret_key = secret_key
        self.token = token

    def get_frozen_credentials(self) -> _Frozen:
        return self


class SettingsState(LeanState):
    """The lean state of a :class:`DeferredClient`: everything from the settings;
    the handlers and the HTTP session are those of the built client (none before
    it is built; asking for the session builds it)."""

    def __init__(self, owner: DeferredClient, settings: S3Settings) -> None:
        super().__init__()
        self._owner = owner
        self._settings = settings
        self._region = _region(settings)
        self.options = Direct(settings)
        self.wire = Wire(self.options)
        self.credentials = _Frozen(
            settings.access_key or "", settings.secret_key or "", settings.session_token or None
        )

    @property
    def events(self) -> Any:
        real = self._owner.__dict__.get("_megfile_real")
        return None if real is None else real.meta.events

    @property
    def session(self) -> Any:
        return self._owner.megfile_built()._endpoint.http_session

    def find_target(self, bucket: str) -> Target | None:
        return settings_target(self._settings, bucket, self._region)


class DeferredClient:
    """Stands in for the botocore client of ``settings`` (module doc): lean
    requests use its :class:`SettingsState`; any other attribute builds the client
    (``build(settings)``, once) and is the built client's."""

    def __init__(self, settings: S3Settings, build: Callable[[S3Settings], Any]) -> None:
        self._megfile_settings = settings
        self._megfile_build = build
        self._megfile_real: Any = None
        self._megfile_lock = threading.Lock()
        self._megfile_lean = SettingsState(self, settings)

    def megfile_built(self) -> Any:
        """The botocore client, built now if it was not yet."""
        real = self._megfile_real
        if real is None:
            with self._megfile_lock:
                real = self._megfile_real
                if real is None:
                    real = self._megfile_real = self._megfile_build(self._megfile_settings)
        return real

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_megfile_"):  # not set yet (a copy being made)
            raise AttributeError(name)
        return getattr(self.megfile_built(), name)

    def __repr__(self) -> str:
        state = "built" if self._megfile_real is not None else "not built yet"
        return f"<DeferredClient of {self._megfile_settings.endpoint_text} ({state})>"


def client_for(settings: S3Settings, build: Callable[[S3Settings], Any]) -> Any:
    """A :class:`DeferredClient` of ``settings`` when they allow one, else the
    client ``build(settings)`` makes now."""
    if deferrable(settings):
        return DeferredClient(settings, build)
    return build(settings)


def is_built(client: Any) -> bool:
    """Whether ``client`` is a botocore client, or a deferred one already built."""
    return not isinstance(client, DeferredClient) or client._megfile_real is not None


def built(client: Any) -> Any:
    """The botocore client behind ``client`` (built now when deferred)."""
    return client.megfile_built() if isinstance(client, DeferredClient) else client
