"""Parsing ``sftp://[user[:password]@]host[:port]//abs/path`` and ``sftp://host/rel``.

The netloc is kept as written (``str()`` of a path gives back the URL the user wrote,
as megfile does); core's :func:`megfile_core.url.mask_url` and
:attr:`SftpUrl.safe_netloc` give the form with the password replaced by ``***`` for
messages, logs and ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from megfile_core.url import mask_url

__all__ = ["SftpUrl", "parse_netloc", "split_url"]


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
        return _masked_netloc(self.netloc)


def _masked_netloc(netloc: str) -> str:
    """``user:password@host`` -> ``user:***@host``."""
    return mask_url(f"sftp://{netloc}")[len("sftp://") :]


#: what is wrong may be a password cut at a raw '/': messages never echo the text
_ENCODE_HINT = " (percent-encode '/', '?', '#' and '@' in a user or password)"


def parse_netloc(netloc: str) -> SftpUrl:
    """``user:pa%40ss@[::1]:2222`` -> its parts; ``ValueError`` when malformed."""
    userinfo, at, hostport = netloc.rpartition("@")
    username = password = None
    for char, code in (("?", "%3F"), ("#", "%23")):
        if char in userinfo:
            # a URL's query / fragment starts there: other tools (and any masking
            # that follows RFC 3986) would cut the password in two and show half
            raise ValueError(
                f"the user or password of sftp://{_masked_netloc(netloc)} "
                f"holds a raw {char!r}: percent-encode it as {code}"
            )
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    port: int | None = None
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise ValueError("unclosed '[' in the sftp URL host" + _ENCODE_HINT)
        host, rest = hostport[1:end], hostport[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ValueError("bad sftp URL host: expected [ipv6]:port" + _ENCODE_HINT)
            port_text = rest[1:]
        else:
            port_text = ""
    else:
        host, colon, port_text = hostport.partition(":")
        if ":" in port_text:
            raise ValueError("bad sftp URL host: write IPv6 hosts as [addr]:port" + _ENCODE_HINT)
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(
                f"bad port in the sftp URL of host {host!r}: a number "
                "from 1 to 65535" + _ENCODE_HINT
            )
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
