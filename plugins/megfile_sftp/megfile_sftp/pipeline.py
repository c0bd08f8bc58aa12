"""Many SFTP requests in flight on one channel: the source of SFTP speed.

paramiko's ``SFTPFile.read``/``write`` wait for each 32 KiB answer before sending
the next request (about 6 / 1 MB/s here). These functions queue up to ``DEPTH``
requests of the size the server allows (``limits@openssh.com``; 255 KiB on OpenSSH)
and collect the answers as they come, through paramiko's asynchronous request API.
A reader's blocks and a writer's parts run on several threads at once, each on its
own connection, so several channels are busy too.
"""

from __future__ import annotations

import errno
from collections import deque
from typing import Any

import paramiko
from paramiko.sftp import (
    CMD_ATTRS,
    CMD_CLOSE,
    CMD_DATA,
    CMD_FSTAT,
    CMD_HANDLE,
    CMD_OPEN,
    CMD_READ,
    CMD_STATUS,
    CMD_WRITE,
    SFTP_EOF,
    SFTP_FLAG_READ,
    SFTP_FLAG_WRITE,
    SFTP_NO_SUCH_FILE,
    SFTP_OK,
    SFTP_PERMISSION_DENIED,
    int64,
)

from megfile_sftp.client import Connection

__all__ = ["DEPTH", "read_at", "write_at"]

#: requests in flight per transfer
DEPTH = 32


class _Replies:
    """Receives the answers paramiko routes to us by request number."""

    def __init__(self) -> None:
        self.replies: dict[int, tuple[int, paramiko.Message]] = {}

    def _async_response(self, kind: int, msg: paramiko.Message, num: int) -> None:
        self.replies[num] = (kind, msg)


def status_error(msg: paramiko.Message, code: int | None = None) -> OSError:
    code = msg.get_int() if code is None else code
    text = msg.get_text()
    if code == SFTP_NO_SUCH_FILE:
        return OSError(errno.ENOENT, text)
    if code == SFTP_PERMISSION_DENIED:
        return OSError(errno.EACCES, text)
    return OSError(f"SFTP status {code}: {text}")


def _open_handle(conn: Connection, path: str, flags: int) -> bytes:
    sftp = conn.sftp
    kind, msg = sftp._request(CMD_OPEN, path, flags, paramiko.SFTPAttributes())
    if kind != CMD_HANDLE or msg is None:
        raise OSError(f"unexpected answer {kind} to open({path!r})")
    handle: bytes = msg.get_binary()
    return handle


def _close_handle(conn: Connection, handle: bytes) -> None:
    conn.sftp._request(CMD_CLOSE, handle)


def _pump(conn: Connection, box: _Replies) -> None:
    """Wait for at least one more answer (any answer routed to ``box``)."""
    before = len(box.replies)
    while len(box.replies) == before:
        conn.sftp._read_response()


class _RangeRead:
    """The reads of ``[start, start + length)`` in flight: what is left to ask, what
    is asked, what came back, and where the file ended."""

    def __init__(self, start: int, length: int, step: int) -> None:
        self.start = start
        self.todo: deque[tuple[int, int]] = deque(
            (offset, min(step, start + length - offset))
            for offset in range(start, start + length, step)
        )
        self.pending: dict[int, tuple[int, int]] = {}
        self.pieces: dict[int, bytes] = {}
        self.eof_at = start + length

    def send(self, conn: Connection, box: _Replies, handle: bytes) -> None:
        """Ask for more pieces, up to ``DEPTH`` in flight."""
        while self.todo and len(self.pending) < DEPTH:
            offset, size = self.todo.popleft()
            if offset < self.eof_at:
                num = conn.sftp._async_request(box, CMD_READ, handle, int64(offset), size)
                self.pending[num] = (offset, size)

    def take(self, num: int, kind: int, msg: Any) -> None:
        """One answer to a read: data (a short piece asks again for the rest), or
        EOF, or an error."""
        offset, size = self.pending.pop(num)
        if kind == CMD_DATA:
            data = msg.get_string()
            if data:
                self.pieces[offset] = data
            if 0 < len(data) < size:
                self.todo.appendleft((offset + len(data), size - len(data)))
            elif not data:
                self.eof_at = min(self.eof_at, offset)
        elif kind == CMD_STATUS:
            code = msg.get_int()
            if code != SFTP_EOF:
                raise status_error(msg, code)
            self.eof_at = min(self.eof_at, offset)
        else:
            raise OSError(f"unexpected SFTP answer {kind} to a read")

    def result(self) -> bytes:
        """The bytes from ``start`` up to the first gap or the end of the file."""
        out = bytearray()
        position = self.start
        for offset in sorted(self.pieces):
            if offset != position or offset >= self.eof_at:
                break
            out += self.pieces[offset]
            position += len(self.pieces[offset])
        return bytes(out)


def read_at(conn: Connection, path: str, start: int, length: int) -> tuple[bytes, Any]:
    """Bytes ``[start, start + length)`` of ``path`` (fewer at EOF) and its attributes
    (an ``FSTAT`` sent along with the reads, telling size and mtime)."""
    handle = _open_handle(conn, path, SFTP_FLAG_READ)
    try:
        box = _Replies()
        stat_num = conn.sftp._async_request(box, CMD_FSTAT, handle)
        reads = _RangeRead(start, length, conn.read_size)
        attrs: Any = None
        waiting_stat = True
        while reads.todo or reads.pending or waiting_stat:
            reads.send(conn, box, handle)
            if not reads.pending and not waiting_stat:
                break
            _pump(conn, box)
            for num in list(box.replies):
                kind, msg = box.replies.pop(num)
                if num != stat_num:
                    reads.take(num, kind, msg)
                    continue
                waiting_stat = False
                if kind != CMD_ATTRS:
                    raise status_error(msg)
                attrs = paramiko.SFTPAttributes._from_msg(msg)
    finally:
        try:
            _close_handle(conn, handle)
        except OSError:
            pass
    return reads.result(), attrs


def write_at(
    conn: Connection, path: str, offset: int, data: memoryview | bytes, handle: bytes | None = None
) -> None:
    """Write ``data`` at ``offset`` of the existing file ``path`` (several requests
    in flight; raises the first error status)."""
    sftp = conn.sftp
    own = handle is None
    if handle is None:
        handle = _open_handle(conn, path, SFTP_FLAG_WRITE)
    view = memoryview(data).cast("B")
    try:
        box = _Replies()
        step = conn.write_size
        position = 0
        pending: set[int] = set()
        first_error: OSError | None = None
        while position < view.nbytes or pending:
            while position < view.nbytes and len(pending) < DEPTH and first_error is None:
                chunk = bytes(view[position : position + step])
                num = sftp._async_request(box, CMD_WRITE, handle, int64(offset + position), chunk)
                pending.add(num)
                position += len(chunk)
            if first_error is not None and not pending:
                break
            _pump(conn, box)
            for num in list(box.replies):
                kind, msg = box.replies.pop(num)
                pending.discard(num)
                if kind != CMD_STATUS:
                    first_error = first_error or OSError(f"unexpected SFTP answer {kind}")
                    continue
                code = msg.get_int()
                if code != SFTP_OK and first_error is None:
                    first_error = status_error(msg, code)
        if first_error is not None:
            raise first_error
    finally:
        if own:
            try:
                _close_handle(conn, handle)
            except OSError:
                pass
