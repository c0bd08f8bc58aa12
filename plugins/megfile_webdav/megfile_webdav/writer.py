"""Writing a file: core's :class:`~megfile_core.io.writer.PartWriter` feeding one PUT.

A file smaller than one writer part is one ``PUT`` with a ``Content-Length`` (and
retried like any request). A larger one is one ``PUT`` whose chunked body is the
writer's parts, handed over in order to the thread that sends it: memory stays at a
few parts whatever the size. ``atomic=True`` writes to ``.name.<hex>.temp`` beside
the target and ``MOVE``s it into place on close; an error or ``abort()`` deletes
the temp file, so a failed write publishes nothing. The temp file's PUT is ended
properly before that ``DELETE``: a PUT cut short leaves the server's handler still
running, and it may create the file after the ``DELETE`` has come and gone.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from megfile_core.builtin.atomic import temp_basename
from megfile_core.io.writer import PartWriter
from megfile_webdav.client import call_quietly

if TYPE_CHECKING:
    from megfile_webdav.path import WebdavPath

__all__ = ["StreamedPut", "open_writer"]

WRITER_OPTIONS = ("block_size", "max_buffer_size")
#: the body goes out in chunks of this size: cheroot (WsgiDAV's server) reads large
#: chunks slowly (64 MiB loopback PUT: 8 MiB chunks 16 MiB/s, 1 MiB 39, 256 KiB 123,
#: 128 KiB 165, a Content-Length body 110)
SEND_CHUNK = 128 << 10
_END = object()
_STOP = object()


class _Stopped(Exception):
    """Raised inside the body iterator to cut an aborted upload short."""


class StreamedPut:
    """One PUT sent on its own thread, its body the chunks given to :meth:`feed`."""

    def __init__(self, send: Callable[[Iterator[Any]], None]) -> None:
        self._send = send
        self._chunks: queue.Queue[Any] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()

    def _body(self) -> Iterator[Any]:
        while True:
            chunk = self._chunks.get()
            if chunk is _END:
                return
            if chunk is _STOP:
                raise _Stopped
            for start in range(0, len(chunk), SEND_CHUNK):
                yield chunk[start : start + SEND_CHUNK]

    def _run(self) -> None:
        try:
            self._send(self._body())
        except BaseException as error:  # handed to the writer's thread
            self._error = error
        finally:
            self._done.set()

    def _put(self, item: Any) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="megfile-webdav-put")
            self._thread.daemon = True
            self._thread.start()
        while not self._done.is_set():
            try:
                self._chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error
        raise OSError("the WebDAV upload ended before its body was complete")

    def feed(self, data: memoryview) -> None:
        self._put(data)

    def finish(self) -> None:
        self._put(_END)
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            self._raise()

    def end_quietly(self) -> None:
        """End the body where it is and wait for the server's answer, ignoring errors."""
        if self._thread is None:
            return
        try:
            self.finish()
        except Exception:  # the caller is cleaning up after an error already
            pass

    def stop(self) -> None:
        if self._thread is None or self._done.is_set():
            return
        while True:
            try:
                self._chunks.put_nowait(_STOP)
                break
            except queue.Full:
                try:
                    self._chunks.get_nowait()  # drop a part nobody will send
                except queue.Empty:
                    pass
        self._thread.join(timeout=60)


def open_writer(
    path: WebdavPath, mode: str, atomic: bool, options: dict[str, Any]
) -> PartWriter[int]:
    """``wb`` / ``xb`` (``ab`` starts as a copy of the file); see the module doc."""
    exclusive = mode[0] == "x"
    target = path.with_name(temp_basename(path.name)) if atomic else path
    state: dict[str, Any] = {"stream": None}

    def put_headers() -> dict[str, str]:
        return {"If-None-Match": "*"} if exclusive and not atomic else {}

    def publish() -> None:
        if atomic:
            target.move_on_server(path, overwrite=not exclusive)

    def put_single(data: bytes) -> None:
        target.put_bytes(data, put_headers())
        publish()

    def send(body: Iterator[Any]) -> None:
        target.put_stream(body, put_headers())

    def upload_part(number: int, offset: int, data: memoryview) -> int:
        stream: StreamedPut | None = state["stream"]
        if stream is None:
            target.ensure_parent()
            stream = state["stream"] = StreamedPut(send)
        stream.feed(data)
        return number

    def complete(_parts: list[int]) -> None:
        stream: StreamedPut | None = state["stream"]
        if stream is None:
            put_single(b"")
            return
        stream.finish()
        publish()

    def abort() -> None:
        stream: StreamedPut | None = state["stream"]
        if atomic:
            if stream is not None:
                stream.end_quietly()  # the temp's PUT is over before it is deleted
            call_quietly(lambda: target.unlink(missing_ok=True))
        elif stream is not None:
            stream.stop()

    writer_options = {k: options[k] for k in WRITER_OPTIONS if k in options}
    return PartWriter(
        upload_part,
        name=path.display_name,
        complete=complete,
        abort=abort,
        put_single=put_single,
        max_workers=1,  # parts reach the one PUT in order
        atomic=atomic,
        **writer_options,
    )
