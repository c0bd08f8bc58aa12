"""Small URL helpers every layer uses: the scheme of a URL, and URLs safe to print.

This module imports nothing from the rest of ``megfile_core`` (and nothing heavy), so
any module may import it at the top without creating an import cycle.
"""

from __future__ import annotations

import re

__all__ = ["mask_url", "split_scheme", "valid_protocol"]

_SCHEME_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz")
_SCHEME_REST = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")


def valid_protocol(name: str) -> bool:
    """Whether ``name`` may be registered as a protocol (``+`` is for variants)."""
    return bool(name) and name[0] in _SCHEME_FIRST and set(name) <= _SCHEME_REST


def split_scheme(url: str) -> tuple[str, str]:
    """``"s3+p://b/k"`` -> ``("s3+p", "b/k")``; no scheme -> ``("", url)``."""
    index = url.find("://")
    if index <= 0:
        return "", url
    scheme = url[:index]
    lowered = scheme.lower()
    if lowered[0] not in _SCHEME_FIRST or not set(lowered) <= (_SCHEME_REST | {"+"}):
        return "", url
    return lowered, url[index + 3 :]


# Patterns as text: ``re`` compiles (and caches) them on the first masked URL, so
# importing this module compiles nothing.
#: a scheme anywhere in a text (a message may name several URLs)
_SCHEME = r"[A-Za-z][A-Za-z0-9+.-]*://"
#: where a URL written inside a message ends
_URL_END = r"[\s'\"<>]"
#: where the authority (``user:password@host:port``) of a well-formed URL ends
_AUTHORITY_END = r"[/?#\s'\"<>]"
#: query parameters whose values are credentials (presigned URLs, API tokens)
_SECRET_PARAM = (
    r"(?i)(?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|sig|"
    r"token|access_token|api_key|apikey|key|secret|password|passwd|auth)"
)


def _end(pattern: str, text: str, start: int) -> int:
    found = re.compile(pattern).search(text, start)
    return found.start() if found else len(text)


def _password_span(text: str, start: int, url_end: int) -> tuple[int, int] | None:
    """The password of the URL whose authority begins at ``start``, if it has one.

    The password runs from the first ``:`` of the user information to the last
    ``@`` of the authority, so a raw ``@`` or ``:`` in it is hidden too. A raw ``/``
    (or ``?``, ``#``) in a password ends the authority early: when the text between
    that ``:`` and the ``/`` is not a port number and an ``@`` follows, everything
    up to that ``@`` counts as the password (``u:pa/ss@host`` -> ``u:***@host``).
    A password of digits cut by a raw ``/`` reads as a port and is not recognised.
    """
    end = min(_end(_AUTHORITY_END, text, start), url_end)
    at = text.rfind("@", start, end)
    if at != -1:
        colon = text.find(":", start, at)
        return (colon + 1, at) if colon != -1 else None
    colon = text.find(":", start, end)
    if colon == -1 or text[colon + 1 : end].isdigit() or not text[colon + 1 : end]:
        return None
    first_at = text.find("@", end, url_end)
    if first_at == -1:
        return None
    host_end = min(_end(_AUTHORITY_END, text, first_at), url_end)
    return colon + 1, text.rfind("@", first_at, host_end)


def _secret_values(text: str, start: int, url_end: int) -> list[tuple[int, int]]:
    """The spans of secret query values of the URL ending at ``url_end``."""
    query = text.find("?", start, url_end)
    if query == -1:
        return []
    stop = text.find("#", query, url_end)
    stop = url_end if stop == -1 else stop
    spans = []
    pos = query + 1
    while pos < stop:
        amp = text.find("&", pos, stop)
        amp = stop if amp == -1 else amp
        equals = text.find("=", pos, amp)
        has_value = equals != -1 and equals + 1 < amp
        if has_value and re.compile(_SECRET_PARAM).fullmatch(text, pos, equals):
            spans.append((equals + 1, amp))
        pos = amp + 1
    return spans


def mask_url(text: str) -> str:
    """``text`` with every URL password and secret query value replaced by ``***``.

    ``text`` may be one URL or a message naming several; a local path and text
    without a ``scheme://`` come back unchanged. ``https://u:p@h/a?sig=x&y=1`` ->
    ``https://u:***@h/a?sig=***&y=1``.
    """
    if "://" not in text:
        return text
    spans: list[tuple[int, int]] = []
    for match in re.finditer(_SCHEME, text):
        start = match.end()
        url_end = _end(_URL_END, text, start)
        password = _password_span(text, start, url_end)
        if password is not None:
            spans.append(password)
        spans.extend(_secret_values(text, start, url_end))
    pieces = []
    pos = 0
    for begin, end in sorted(spans):
        if begin < pos:  # inside a span already masked
            continue
        pieces.append(text[pos:begin] + "***")
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)
