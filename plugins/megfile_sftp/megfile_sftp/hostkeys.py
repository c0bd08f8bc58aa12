"""Host keys: known_hosts is trusted, an unknown key is rejected unless allowed,
a changed key is always an error.

``~/.ssh/known_hosts`` is loaded for every connection. For a host it does not
know, ``MEGFILE_SFTP_HOST_KEY_POLICY`` decides: ``reject`` (default: the error says
how to accept the key), ``warning`` (log a warning and connect) or ``auto`` (trust
on first use). Keys accepted by ``warning``/``auto`` are remembered for the rest of
the process, never written to a file; :func:`sftp_add_host_key` writes one to
known_hosts (after a yes/no prompt with ``prompt=True``). In the ``megfile`` command,
at a terminal, the unknown-key error offers :func:`confirm_host_key` (through core's
``megfile_cli_fix`` hook). A key that differs from the one on record raises
:class:`SftpHostKeyChangedError` under every policy, and is never offered.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import os
import threading

import paramiko

from megfile_sftp import config
from megfile_sftp.errors import SftpHostKeyChangedError, SftpUnknownHostKeyError

__all__ = [
    "HostKeyPolicy",
    "confirm_host_key",
    "fingerprint",
    "host_key_name",
    "load_known_hosts",
    "sftp_add_host_key",
]

_log = logging.getLogger("megfile_sftp")
_accepted: dict[tuple[str, str], paramiko.PKey] = {}  # process-wide, by (name, type)
_accepted_lock = threading.Lock()


def host_key_name(hostname: str, port: int) -> str:
    """The known_hosts name: ``host`` on port 22, else ``[host]:port``."""
    return hostname if port == 22 else f"[{hostname}]:{port}"


def fingerprint(key: paramiko.PKey) -> str:
    """``SHA256:...`` as ``ssh-keygen -l`` prints it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def known_hosts_path() -> str:
    return os.path.expanduser("~/.ssh/known_hosts")


def load_known_hosts(client: paramiko.SSHClient) -> None:
    path = known_hosts_path()
    if os.path.exists(path):
        client.load_system_host_keys(path)
    with _accepted_lock:
        accepted = list(_accepted.items())
    keys = client.get_host_keys()
    for (name, kind), key in accepted:
        keys.add(name, kind, key)


class HostKeyPolicy(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    """Applies ``MEGFILE_SFTP_HOST_KEY_POLICY`` to a host missing from known_hosts."""

    def __init__(self, port: int) -> None:
        self.port = port

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        policy = config.host_key_policy()
        name = hostname  # paramiko passes "[host]:port" for other ports
        host = name[1:].rpartition("]:")[0] if name.startswith("[") else name
        if policy == "reject":
            error = SftpUnknownHostKeyError(
                f"unknown host key for {name}: {key.get_name()} {fingerprint(key)}. "
                "Check the fingerprint with the server's owner, then accept it with "
                f"megfile_sftp.sftp_add_host_key({host!r}, port={self.port}) (writes "
                f"~/.ssh/known_hosts; prompt=True asks first) or `ssh-keyscan -p "
                f"{self.port} {host} >> ~/.ssh/known_hosts`, or set "
                "MEGFILE_SFTP_HOST_KEY_POLICY=auto (trust on first use) or =warning"
            )
            # the megfile CLI offers this at a terminal, then reruns the command
            error.megfile_cli_fix = functools.partial(confirm_host_key, host, self.port, key)
            raise error
        if policy == "warning":
            _log.warning(
                "sftp: accepting unknown host key for %s: %s %s",
                name,
                key.get_name(),
                fingerprint(key),
            )
        with _accepted_lock:
            _accepted[(name, key.get_name())] = key
        client.get_host_keys().add(name, key.get_name(), key)


def translate_bad_host_key(
    error: paramiko.BadHostKeyException, port: int
) -> SftpHostKeyChangedError:
    name = (
        host_key_name(error.hostname, port)
        if not error.hostname.startswith("[")
        else error.hostname
    )
    return SftpHostKeyChangedError(
        f"the host key of {name} CHANGED: the server offered {error.key.get_name()} "
        f"{fingerprint(error.key)}, known_hosts has {error.expected_key.get_name()} "
        f"{fingerprint(error.expected_key)}. Someone may be intercepting the "
        "connection, or the server was reinstalled. Never accepted automatically: "
        f"if the new key is right, remove the old one (`ssh-keygen -R '{name}'`) and "
        "add the new one (megfile_sftp.sftp_add_host_key)"
    )


def forget_accepted() -> None:
    """Forget the keys accepted in this process (tests)."""
    with _accepted_lock:
        _accepted.clear()


def confirm_host_key(hostname: str, port: int, key: paramiko.PKey) -> bool:
    """The CLI's fix for an unknown host key: show the key, ask (default no) and on
    yes add exactly this key to ``~/.ssh/known_hosts``. True when it was added."""
    import click  # a dependency of megfile-core; only the CLI gets here

    name = host_key_name(hostname, port)
    click.echo(
        f"The host key of {name} is not known.\n"
        f"  key type:    {key.get_name()}\n"
        f"  fingerprint: {fingerprint(key)}\n"
        "Compare the fingerprint with the one the server's owner gives you "
        "(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the server).",
        err=True,
    )
    if not click.confirm(
        f"Trust this key and add it to {known_hosts_path()}?", default=False, err=True
    ):
        return False
    sftp_add_host_key(hostname, port, key=key)
    return True


def sftp_add_host_key(
    hostname: str,
    port: int = 22,
    prompt: bool = False,
    host_key_path: str | None = None,
    *,
    key: paramiko.PKey | None = None,
) -> bool:
    """Fetch the host key of ``hostname:port`` and add it to known_hosts.

    :param prompt: ask ``yes``/``no`` on the terminal (showing the fingerprint) first.
    :param host_key_path: the known_hosts file (default ``~/.ssh/known_hosts``;
        created with mode 600, its directory with 700).
    :param key: add this key (one the user has seen) instead of fetching one.
    :return: True when a key was added; False when it was already there or declined.
    :raises SftpHostKeyChangedError: the file holds a different key for this host.
    """
    path = os.path.expanduser(host_key_path or known_hosts_path())
    keys = paramiko.HostKeys()
    if os.path.exists(path):
        keys.load(path)
    name = host_key_name(hostname, port)
    if key is None:
        key = _fetch_host_key(hostname, port)
    known = keys.lookup(name) or {}
    if key.get_name() in known:
        if known[key.get_name()] == key:
            return False
        raise translate_bad_host_key(
            paramiko.BadHostKeyException(name, key, known[key.get_name()]), port
        )
    if prompt:
        answer = input(
            f"The host key of {name} is {key.get_name()} {fingerprint(key)}.\n"
            "Add it to known hosts? [yes/no] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            return False
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    line = f"{name} {key.get_name()} {key.get_base64()}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as handle:
        handle.write(line)
    return True


def _fetch_host_key(hostname: str, port: int) -> paramiko.PKey:
    transport = paramiko.Transport((hostname, port))
    try:
        transport.banner_timeout = config.CONNECT_TIMEOUT
        transport.start_client(timeout=config.CONNECT_TIMEOUT)
        key: paramiko.PKey = transport.get_remote_server_key()
    finally:
        transport.close()
    return key
