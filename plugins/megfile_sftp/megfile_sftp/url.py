"""Parsing ``sftp://[user[:password]@]host[:port]//abs/path`` and ``sftp://host/rel``.

The netloc is kept as written (``str()`` of a path gives back the URL the user wrote,
as megfile does); :func:`mask` and :attr:`SftpUrl.safe_netloc` give the form with the
password replaced by ``***`` for messages, logs and ``repr``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["SftpUrl", "mask", "parse_netloc", "split_url"]

_PASSWORD = re.compile(r"(sftp(?:\+[^:/]*)?://[^:/@]*:)([^/]*)(@)")


def mask(text: str) -> str:
    """``text`` with every ``sftp://user:password@`` password replaced by ``***``."""
    return _PASSWORD.sub(r"\1***\3", text)


@dataclass(frozen=True)
class SftpUrl:
    """The connection part of an sftp URL (values decoded)."""

    netloc: str  # as written
    host: str
    port: int | None
    username: str | None
    password: str | None

    @property
    def safe_netloc(self) -> str:
        if self.password is None:
            return self.netloc
        user, _, _ = self.netloc.rpartition("@")[0].partition(":")
        return f"{user}:***@{self.netloc.rpartition('@')[2]}"


def parse_netloc(netloc: str) -> SftpUrl:
    """``user:pa%40ss@[::1]:2222`` -> its parts; ``ValueError`` when malformed."""
    userinfo, at, hostport = netloc.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    port: int | None = None
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise ValueError(f"unclosed '[' in the sftp host {mask(hostport)!r}")
        host, rest = hostport[1:end], hostport[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"bad sftp host {hostport!r}: expected [ipv6]:port")
            port_text = rest[1:]
        else:
            port_text = ""
    else:
        host, colon, port_text = hostport.partition(":")
        if ":" in port_text:
            raise ValueError(f"bad sftp host {hostport!r}: write IPv6 hosts as [addr]:port")
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"bad port {port_text!r} in sftp URL host {hostport!r}")
        port = int(port_text)
    return SftpUrl(netloc, unquote(host), port, username, password)


def split_url(rest: str) -> tuple[str, str]:
    """The part after ``sftp://`` -> ``(netloc, remote path)``.

    ``host//abs/path`` -> ``("host", "/abs/path")``; ``host/rel`` -> ``("host",
    "rel")``; ``host`` or ``host/`` -> ``("host", "")`` (the login directory).
    """
    netloc, slash, path = rest.partition("/")
    if not slash:
        return netloc, ""
    return netloc, path
