"""Environment settings of the SFTP plugin, read when used (never frozen at import)."""

from __future__ import annotations

import os

from megfile_core.config import env_int, max_retry_times

__all__ = [
    "CONNECT_TIMEOUT",
    "KEEPALIVE_INTERVAL",
    "credentials",
    "host_key_policy",
    "max_unauth_connections",
    "retry_times",
]

#: connect, banner and authentication timeout in seconds (megfile uses 5)
CONNECT_TIMEOUT = 5.0
#: seconds between SSH keepalive packets on an idle transport
KEEPALIVE_INTERVAL = 15
KEY_TYPES = ("RSA", "DSA", "ECDSA", "ED25519")
POLICIES = ("reject", "warning", "auto")


def credentials() -> dict[str, str | None]:
    """``SFTP_USERNAME``, ``SFTP_PASSWORD``, ``SFTP_PRIVATE_KEY_PATH``,
    ``SFTP_PRIVATE_KEY_TYPE`` and ``SFTP_PRIVATE_KEY_PASSWORD`` (``None`` when unset)."""
    key_type = os.environ.get("SFTP_PRIVATE_KEY_TYPE") or None
    if key_type is not None and key_type.upper() not in KEY_TYPES:
        raise ValueError(f"SFTP_PRIVATE_KEY_TYPE={key_type!r} is not one of {', '.join(KEY_TYPES)}")
    return {
        "username": os.environ.get("SFTP_USERNAME") or None,
        "password": os.environ.get("SFTP_PASSWORD") or None,
        "key_path": os.environ.get("SFTP_PRIVATE_KEY_PATH") or None,
        "key_type": key_type.upper() if key_type else None,
        "key_password": os.environ.get("SFTP_PRIVATE_KEY_PASSWORD") or None,
    }


def host_key_policy() -> str:
    """``MEGFILE_SFTP_HOST_KEY_POLICY``: ``reject`` (default), ``warning`` or ``auto``."""
    value = (os.environ.get("MEGFILE_SFTP_HOST_KEY_POLICY") or "reject").strip().lower()
    if value not in POLICIES:
        raise ValueError(
            f"MEGFILE_SFTP_HOST_KEY_POLICY={value!r} must be one of {', '.join(POLICIES)}"
        )
    return value


def max_unauth_connections() -> int:
    """``SFTP_MAX_UNAUTH_CONN`` (10): SSH handshakes in flight per host and process."""
    return max(1, env_int("SFTP_MAX_UNAUTH_CONN", 10))


def retry_times() -> int:
    """``MEGFILE_SFTP_MAX_RETRY_TIMES``, else ``MEGFILE_MAX_RETRY_TIMES`` (10)."""
    return max(1, max_retry_times("sftp"))
