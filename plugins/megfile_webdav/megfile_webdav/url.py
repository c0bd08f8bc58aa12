"""The server part of ``webdav://[user[:password]@]host[:port]/path`` URLs.

Everything after the first ``/`` following the host is the remote path exactly as
written (a ``#``, ``?`` or ``%`` in it is part of a name); it is percent-encoded
only when a request URL is built. The user and password are percent-decoded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from megfile_core.url import mask_url

__all__ = ["Server", "parse_netloc", "quote_path", "split_rest"]

_HINT = " (percent-encode '/', '?', '#' and '@' in a user or password)"


@dataclass(frozen=True)
class Server:
    """One WebDAV server and the credentials written in its URL."""

    host: str
    port: int | None
    username: str | None
    password: str | None = field(repr=False)
    secure: bool = False

    @property
    def base_url(self) -> str:
        """``http(s)://host[:port]`` (no credentials: they travel in headers)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port else ""
        return f"{'https' if self.secure else 'http'}://{host}{port}"

    def url(self, remote: str) -> str:
        """The request URL of the remote path ``remote`` (``/a b`` -> ``/a%20b``)."""
        return self.base_url + quote_path(remote)


def quote_path(remote: str) -> str:
    return quote(remote if remote.startswith("/") else "/" + remote, safe="/")


def split_rest(rest: str) -> tuple[str, str]:
    """The part after ``webdav://`` -> ``(netloc, remote path without its "/")``."""
    netloc, _, path = rest.partition("/")
    return netloc, path


def parse_netloc(netloc: str, secure: bool) -> Server:
    """``user:pa%40ss@[::1]:8080`` -> a :class:`Server`; ``ValueError`` when malformed
    (the message never shows the password)."""
    safe = mask_url(f"webdav://{netloc}/")
    userinfo, at, hostport = netloc.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    port_text = ""
    if hostport.startswith("["):
        host, bracket, rest = hostport[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"bad IPv6 host in {safe}: write [address]:port" + _HINT)
        port_text = rest[1:]
    else:
        host, _, port_text = hostport.partition(":")
        if ":" in port_text:
            raise ValueError(f"bad host in {safe}: write IPv6 hosts as [address]:port" + _HINT)
    if not host:
        raise ValueError(f"{safe} names no host: write webdav://host[:port]/path")
    port: int | None = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"bad port in {safe}: a number from 1 to 65535" + _HINT)
        port = int(port_text)
    return Server(unquote(host), port, username, password, secure)
