"""Upload bodies: parts given to botocore without a copy, and sent in one piece.

* botocore takes a ``bytes``, ``bytearray`` or a file as a Body, never a
  ``memoryview``; :class:`PartBody` is a read-only file over a view, so a part
  that is a slice of a larger ``bytes`` write is not copied first.
* botocore turns a ``bytes`` Body into an ``io.BytesIO``, and urllib3 sends any
  file in 16 KiB reads, each a copy and a ``sendall``: 32,768 of them per
  512 MiB. :func:`install` makes a PUT whose body is in memory go as one
  ``sendall`` of a view of it (about a quarter of the CPU time on loopback). The
  file botocore was given is left unread, so a request botocore sends again (a
  region redirect) builds its body from that file as before.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["PartBody", "body_view", "install"]


class PartBody:
    """A read-only, seekable file over a ``memoryview``: a part of a larger buffer
    given to botocore without copying it into a ``bytes`` first (botocore takes
    ``bytes``, ``bytearray`` or a file, never a view). ``read`` copies only the
    chunk asked for, as ``io.BytesIO`` would; :func:`body_view` sees the view."""

    __slots__ = ("_position", "view")

    def __init__(self, view: memoryview) -> None:
        self.view = view.cast("B") if view.format != "B" or view.ndim != 1 else view
        self._position = 0

    def __len__(self) -> int:
        return self.view.nbytes - self._position

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.view.nbytes}
        position = base[whence] + offset
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._position = position
        return position

    def read(self, size: int | None = -1) -> bytes:
        start = min(self._position, self.view.nbytes)
        end = self.view.nbytes if size is None or size < 0 else min(start + size, self.view.nbytes)
        self._position = max(end, start)
        return bytes(self.view[start:end])


def body_view(body: Any) -> memoryview | None:
    """The bytes ``body`` will send from its current position, without copying
    them where the object allows it; None for a body that cannot be read twice."""
    if body is None:
        return memoryview(b"")
    if isinstance(body, (bytes, bytearray)):
        return memoryview(body)
    if isinstance(body, PartBody):
        return body.view[body.tell() :]
    if isinstance(body, io.BytesIO):
        # getvalue() hands back the bytes a BytesIO was made from (botocore wraps a
        # bytes Body so); getbuffer() would copy them
        return memoryview(body.getvalue())[body.tell() :]
    return None


def _keep_stream() -> None:
    """``reset_stream`` of a request sent from a view: the file it came from was
    never read, so there is nothing to rewind."""


def send_whole(request: Any, **_: Any) -> None:
    """``before-send`` handler: send an in-memory PUT body as one view."""
    body = request.body
    if request.method != "PUT" or not isinstance(body, (PartBody, io.BytesIO)):
        return
    view = body_view(body)
    if view is None or not view.nbytes:
        return
    request.body = view
    request.reset_stream = _keep_stream


def install(client: Any) -> None:
    client.meta.events.register_last("before-send.s3", send_whole)
