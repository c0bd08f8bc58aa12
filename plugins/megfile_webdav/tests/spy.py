"""Records the requests sent (method, decoded path) while passing them on unchanged
to the real server: what a test asserts about the protocol it spoke."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests


@contextmanager
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    sent: list[tuple[str, str]] = []
    original = requests.Session.request

    def request(self: requests.Session, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        sent.append((method, unquote(urlsplit(url).path)))
        return original(self, method, url, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(requests.Session, "request", request)
        yield sent
