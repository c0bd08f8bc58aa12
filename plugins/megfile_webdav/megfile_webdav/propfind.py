"""PROPFIND: the request body and the ``multistatus`` answer as ``StatResult``s."""

from __future__ import annotations

import email.utils
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

from megfile_core.types import StatResult

__all__ = ["BODY", "Resource", "parse_multistatus"]

_DAV = "{DAV:}"
#: the properties asked for (a server sends only these, not every dead property)
BODY = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<d:propfind xmlns:d="DAV:"><d:prop>'
    b"<d:resourcetype/><d:getcontentlength/><d:getlastmodified/>"
    b"<d:creationdate/><d:getetag/>"
    b"</d:prop></d:propfind>"
)


@dataclass(frozen=True)
class Resource:
    """One ``<response>``: its decoded path (no trailing ``/``) and its stat."""

    path: str
    stat: StatResult

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]


def _time(text: str | None) -> float:
    if not text:
        return 0.0
    text = text.strip()
    try:
        return email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _props(response: ET.Element) -> ET.Element | None:
    """The ``<prop>`` of the propstat whose status is 200 (others list misses)."""
    for propstat in response.iter(f"{_DAV}propstat"):
        status = propstat.findtext(f"{_DAV}status") or ""
        if " 200" in status:
            return propstat.find(f"{_DAV}prop")
    return None


def _resource(response: ET.Element) -> Resource | None:
    href = response.findtext(f"{_DAV}href")
    prop = _props(response)
    if href is None or prop is None:
        return None
    path = unquote(urlsplit(href.strip()).path)
    path = "/" + path.strip("/") if path.strip("/") else "/"
    kind = prop.find(f"{_DAV}resourcetype")
    is_dir = kind is not None and kind.find(f"{_DAV}collection") is not None
    length = (prop.findtext(f"{_DAV}getcontentlength") or "").strip()
    size = int(length) if length.isdigit() and not is_dir else 0
    mtime = _time(prop.findtext(f"{_DAV}getlastmodified"))
    ctime = _time(prop.findtext(f"{_DAV}creationdate")) or mtime
    etag = (prop.findtext(f"{_DAV}getetag") or "").strip() or None
    extra = {"etag": etag, "href": href.strip()}
    return Resource(path, StatResult(size, ctime, mtime or ctime, is_dir, False, extra))


def parse_multistatus(body: bytes) -> list[Resource]:
    """Every resource of a ``207 Multi-Status`` body, in the server's order."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise OSError(f"the server's PROPFIND answer is not XML: {error}") from None
    found = (_resource(response) for response in root.iter(f"{_DAV}response"))
    return [resource for resource in found if resource is not None]
