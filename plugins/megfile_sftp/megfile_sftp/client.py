"""SSH connections: one transport + SFTP client per thread and server, made lazily,
checked before use, replaced when stale, and every call retried on transient errors.

Credentials: values in the URL win over ``SFTP_USERNAME`` / ``SFTP_PASSWORD`` /
``SFTP_PRIVATE_KEY_PATH`` (+ ``_TYPE``, ``_PASSWORD``); paramiko then also offers the
SSH agent and ``~/.ssh/id_*``. Host keys: see :mod:`megfile_sftp.hostkeys`.

Unauthenticated handshakes per host are bounded by a process-local semaphore of
``SFTP_MAX_UNAUTH_CONN`` (10) slots, released in a ``finally`` whatever happens, so
a refused or failed connection never leaves a slot (or a half-open transport) behind.
megfile bounds them across processes with ``flock`` files in /tmp; those can be left
stale and they need a shared /tmp, so this plugin keeps the bound per process
(sshd's own ``MaxStartups`` throttling is then retried like any transient error).
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import socket
import struct
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import paramiko

from megfile_core.errors import MaxRetriesExceededError
from megfile_core.retry import RetryPolicy
from megfile_sftp import config
from megfile_sftp.errors import (
    SftpAuthenticationError,
    SftpConnectionError,
    is_transient,
    translate,
)
from megfile_sftp.hostkeys import HostKeyPolicy, load_known_hosts, translate_bad_host_key
from megfile_sftp.url import SftpUrl

__all__ = ["Connection", "Target", "call", "close_all", "get_connection"]

T = TypeVar("T")
_log = logging.getLogger("megfile_sftp")

#: SSH channel window and packet size we advertise (bigger packets: less Python work)
WINDOW_SIZE = 64 << 20
MAX_PACKET_SIZE = 256 << 10
#: the largest read/write we ask for when the server tells no limits (RFC 4254 safe)
DEFAULT_IO_SIZE = 32 << 10
#: never ask for more per request than this, even if the server allows more
MAX_IO_SIZE = 255 << 10
#: seconds an SFTP request may wait for its answer before the link counts as dead
REQUEST_TIMEOUT = 120.0
#: GCM needs no separate MAC: the fastest cipher paramiko speaks (then the defaults)
_FAST_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")


@dataclass(frozen=True)
class Target:
    """Who to connect to, as whom (the key of the connection cache)."""

    host: str
    port: int
    username: str
    password: str | None = field(default=None, repr=False)
    key_path: str | None = None
    key_type: str | None = None
    key_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: SftpUrl) -> Target:
        env = config.credentials()
        username = url.username or env["username"] or getpass.getuser()
        password = url.password if url.password is not None else env["password"]
        if not url.host:
            raise ValueError(f"sftp URL without a host: sftp://{url.safe_netloc}")
        return cls(
            url.host,
            url.port or 22,
            username,
            password,
            env["key_path"],
            env["key_type"],
            env["key_password"],
        )

    @property
    def display(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.username}@{host}:{self.port}"


class Connection:
    """An authenticated SSH client and its SFTP channel (used by one thread)."""

    def __init__(
        self, target: Target, client: paramiko.SSHClient, sftp: paramiko.SFTPClient
    ) -> None:
        self.target = target
        self.client = client
        self.sftp = sftp
        self.read_size = DEFAULT_IO_SIZE
        self.write_size = DEFAULT_IO_SIZE
        self.posix_rename: bool | None = None  # None: not tried yet
        self.can_exec: dict[str, bool] = {}

    @property
    def transport(self) -> paramiko.Transport:
        transport = self.client.get_transport()
        if transport is None:
            raise SftpConnectionError(f"connection to {self.target.display} is closed")
        return transport

    def alive(self) -> bool:
        transport = self.client.get_transport()
        channel = self.sftp.get_channel()
        return bool(
            transport is not None
            and transport.is_active()
            and channel is not None
            and not channel.closed
        )

    def close(self) -> None:
        try:
            self.sftp.close()
        except Exception:
            pass
        try:
            self.client.close()
        except Exception:
            pass


# -- the per-thread cache ------------------------------------------------------------
class _Local(threading.local):
    def __init__(self) -> None:
        self.connections: dict[Target, Connection] = {}


_local = _Local()
#: every live transport (a running thread, so it stays here until it ends)
_all: weakref.WeakSet[paramiko.Transport] = weakref.WeakSet()
_all_lock = threading.Lock()
_semaphores: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_semaphores_lock = threading.Lock()


def _after_fork_in_child() -> None:
    # The parent's SSH sessions must not be shared: the child makes its own.
    global _local, _all, _semaphores_lock, _all_lock
    _local = _Local()
    _all = weakref.WeakSet()
    _all_lock = threading.Lock()
    _semaphores.clear()
    _semaphores_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _semaphore(target: Target) -> threading.BoundedSemaphore:
    key = (target.host, target.port)
    with _semaphores_lock:
        semaphore = _semaphores.get(key)
        if semaphore is None:
            semaphore = _semaphores[key] = threading.BoundedSemaphore(
                config.max_unauth_connections()
            )
        return semaphore


def get_connection(target: Target) -> Connection:
    """This thread's live connection to ``target``, made or remade as needed."""
    connections = _local.connections
    connection = connections.get(target)
    if connection is not None:
        if connection.alive():
            return connection
        _log.debug("sftp connection to %s is stale; reconnecting", target.display)
        drop(target)
    connection = _connect(target)
    connections[target] = connection
    return connection


def drop(target: Target) -> None:
    """Close and forget this thread's connection to ``target`` (if any)."""
    connection = _local.connections.pop(target, None)
    if connection is not None:
        connection.close()


def close_all() -> None:
    """Close every connection of every thread of this process."""
    _local.connections.clear()
    with _all_lock:
        transports = list(_all)
    for transport in transports:
        try:
            transport.close()
        except Exception:
            pass


def _load_key(target: Target) -> paramiko.PKey | None:
    if not target.key_path:
        return None
    classes: dict[str, Any] = {
        "RSA": paramiko.RSAKey,
        "ECDSA": paramiko.ECDSAKey,
        "ED25519": paramiko.Ed25519Key,
    }
    if hasattr(paramiko, "DSSKey"):
        classes["DSA"] = paramiko.DSSKey
    path = os.path.expanduser(target.key_path)
    if not os.path.exists(path):
        raise SftpAuthenticationError(f"SFTP_PRIVATE_KEY_PATH={target.key_path!r} does not exist")
    if target.key_type:
        key: paramiko.PKey = classes[target.key_type].from_private_key_file(
            path, password=target.key_password
        )
        return key
    try:  # paramiko >= 3.2 tells the type itself
        return paramiko.PKey.from_path(
            path, passphrase=(target.key_password.encode() if target.key_password else None)
        )
    except (AttributeError, paramiko.SSHException, ValueError):
        return paramiko.RSAKey.from_private_key_file(path, password=target.key_password)


def _transport_factory(sock: socket.socket, **kwargs: Any) -> paramiko.Transport:
    transport = paramiko.Transport(
        sock, default_window_size=WINDOW_SIZE, default_max_packet_size=MAX_PACKET_SIZE, **kwargs
    )
    options = transport.get_security_options()
    ciphers = tuple(options.ciphers)
    fast = tuple(c for c in _FAST_CIPHERS if c in ciphers)
    options.ciphers = fast + tuple(c for c in ciphers if c not in fast)
    return transport


def _connect(target: Target) -> Connection:
    client = paramiko.SSHClient()
    load_known_hosts(client)
    client.set_missing_host_key_policy(HostKeyPolicy(target.port))
    semaphore = _semaphore(target)
    try:
        with semaphore:  # bounds the handshakes; released whatever happens
            client.connect(
                target.host,
                target.port,
                username=target.username,
                password=target.password,
                pkey=_load_key(target),
                timeout=config.CONNECT_TIMEOUT,
                banner_timeout=config.CONNECT_TIMEOUT,
                auth_timeout=config.CONNECT_TIMEOUT,
                channel_timeout=config.CONNECT_TIMEOUT,
                transport_factory=_transport_factory,
            )
        transport = client.get_transport()
        assert transport is not None
        transport.set_keepalive(config.KEEPALIVE_INTERVAL)
        sftp = paramiko.SFTPClient.from_transport(
            transport, window_size=WINDOW_SIZE, max_packet_size=MAX_PACKET_SIZE
        )
        if sftp is None:
            raise SftpConnectionError(f"{target.display} refused the sftp subsystem")
        channel = sftp.get_channel()
        if channel is not None:
            channel.settimeout(REQUEST_TIMEOUT)
    except paramiko.BadHostKeyException as error:
        client.close()
        raise translate_bad_host_key(error, target.port) from None
    except paramiko.AuthenticationException as error:
        client.close()
        how = "a password" if target.password else "no password"
        raise SftpAuthenticationError(
            f"authentication failed for {target.display} ({how}; key file: "
            f"{target.key_path or 'none'}; agent and ~/.ssh/id_* tried): {error}. Put "
            "the user and password in the URL (sftp://user:password@host//path, "
            "percent-encoded) or set SFTP_USERNAME / SFTP_PASSWORD / "
            "SFTP_PRIVATE_KEY_PATH"
        ) from None
    except BaseException:
        client.close()
        raise
    connection = Connection(target, client, sftp)
    _read_limits(connection)
    with _all_lock:
        _all.add(transport)
    return connection


def _read_limits(connection: Connection) -> None:
    """Ask OpenSSH's ``limits@openssh.com`` for the largest read and write."""
    from paramiko.sftp import CMD_EXTENDED, CMD_EXTENDED_REPLY

    try:
        kind, msg = connection.sftp._request(CMD_EXTENDED, "limits@openssh.com")
    except (OSError, paramiko.SSHException, EOFError):
        return
    if kind != CMD_EXTENDED_REPLY or msg is None:
        return
    try:
        _packet, read_len, write_len = (msg.get_int64() for _ in range(3))
    except (struct.error, IndexError):
        return
    if read_len:
        connection.read_size = max(DEFAULT_IO_SIZE, min(MAX_IO_SIZE, read_len))
    if write_len:
        connection.write_size = max(DEFAULT_IO_SIZE, min(MAX_IO_SIZE, write_len))


def _policy(target: Target) -> RetryPolicy:
    return RetryPolicy(
        config.retry_times(),
        should_retry=is_transient,
        on_retry=lambda _error, _attempt: drop(target),
    )


def call(target: Target, func: Callable[[Connection], T], path: object) -> T:
    """``func(connection)`` with retries on a fresh connection; errors translated
    (missing file -> ``FileNotFoundError`` ..., password masked in every message)."""

    def attempt() -> T:
        return func(get_connection(target))

    try:
        return _policy(target).call(attempt)
    except MaxRetriesExceededError as error:
        final = translate(error.error, path)
        raise final from error.error
    except Exception as error:
        final = translate(error, path)
        if final is error:
            raise
        raise final from error


def credential_digest(target: Target) -> str:
    """A short digest that tells two credentials apart without showing either."""
    text = f"{target.password}\0{target.key_path}\0{target.key_password}"
    return hashlib.sha256(text.encode()).hexdigest()[:8]
