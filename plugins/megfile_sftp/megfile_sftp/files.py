"""A binary file over paramiko's ``SFTPFile`` for the modes the part writer and the
prefetch reader do not serve (``ab``, ``rb+``, ``wb+``, ``ab+``, ``xb+``), and its
atomic variant (a temp file published on ``close``, discarded on ``abort``).

Writes are pipelined: up to ``DEPTH`` write requests are in flight, their answers
collected as they come. paramiko's own pipelining (``set_pipelined``) drops the
answers, so a failed write (a full disk) would go unnoticed; here the first failure
is raised by the next ``write``, ``flush`` or ``close``, and ``flush`` returns only
once the server has answered every write.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import paramiko
    from _typeshed import ReadableBuffer, WriteableBuffer

__all__ = ["AtomicSftpFile", "SftpFile", "add_note"]

#: write requests in flight per file
DEPTH = 32


def add_note(error: BaseException, note: str) -> None:
    """``error.add_note(note)`` (Python 3.11+), quietly nothing before."""
    method = getattr(error, "add_note", None)
    if method is not None:
        method(note)


class _WriteAcks:
    """Collects the answers to our write requests (paramiko routes each answer to
    the object given with its request, whoever reads it off the channel)."""

    def __init__(self) -> None:
        self.pending: set[int] = set()
        self.error: OSError | None = None

    def _async_response(self, kind: int, msg: paramiko.Message, num: int) -> None:
        from paramiko.sftp import CMD_STATUS, SFTP_OK

        from megfile_sftp.pipeline import status_error

        self.pending.discard(num)
        if self.error is not None:
            return
        if kind != CMD_STATUS:
            self.error = OSError(f"unexpected SFTP answer {kind} to a write")
            return
        code = msg.get_int()
        if code != SFTP_OK:
            self.error = status_error(msg, code)


class SftpFile(io.BufferedIOBase):
    def __init__(
        self, handle: paramiko.SFTPFile, mode: str, name: str, write_size: int | None = None
    ) -> None:
        super().__init__()
        self._handle = handle
        self._mode = mode
        self._name = name
        self._acks = _WriteAcks()
        self._write_size = write_size or handle.MAX_REQUEST_SIZE
        handle._write = self._send_write  # paramiko's buffered file calls it

    def _send_write(self, data: memoryview | bytes) -> int:
        from paramiko.sftp import CMD_WRITE, int64

        handle = self._handle
        chunk = bytes(data[: self._write_size])
        num = handle.sftp._async_request(
            self._acks, CMD_WRITE, handle.handle, int64(handle._realpos), chunk
        )
        self._acks.pending.add(num)
        self._wait_acks(DEPTH - 1)
        return len(chunk)

    def _wait_acks(self, most: int = 0) -> None:
        """Read answers until at most ``most`` writes are unanswered; raise the first
        failed write."""
        acks = self._acks
        while len(acks.pending) > most and acks.error is None:
            self._handle.sftp._read_response()
        if acks.error is not None:
            from megfile_sftp.errors import translate

            raise translate(acks.error, self._name)

    @property
    def name(self) -> str:
        return self._name

    @property
    def mode(self) -> str:
        return self._mode

    def __repr__(self) -> str:
        return f"<SftpFile {self._name!r} mode={self._mode!r}>"

    def readable(self) -> bool:
        return "r" in self._mode or "+" in self._mode

    def writable(self) -> bool:
        return self._mode[0] in "wax" or "+" in self._mode

    def seekable(self) -> bool:
        return True

    def _check(self, readable: bool | None = None) -> None:
        if self.closed:
            raise ValueError(f"I/O operation on closed file {self._name!r}")
        if readable is True and not self.readable():
            raise io.UnsupportedOperation(f"{self._name} is not open for reading")
        if readable is False and not self.writable():
            raise io.UnsupportedOperation(f"{self._name} is not open for writing")

    def read(self, size: int | None = -1, /) -> bytes:
        self._check(True)
        if size is None or size < 0:
            data: bytes = self._handle.read()
        else:
            data = self._handle.read(size)
        return data

    def read1(self, size: int = -1, /) -> bytes:
        return self.read(size)

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(view.nbytes)
        view[: len(data)] = data
        return len(data)

    def write(self, buffer: ReadableBuffer, /) -> int:
        self._check(False)
        data = bytes(buffer)
        self._handle.write(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        self._check()
        self._handle.seek(offset, whence)
        return int(self._handle.tell())

    def tell(self) -> int:
        self._check()
        return int(self._handle.tell())

    def truncate(self, size: int | None = None, /) -> int:
        self._check(False)
        self._handle.flush()
        if size is None:
            size = self.tell()
        self._handle.truncate(size)
        return size

    def flush(self) -> None:
        """Send what is buffered and wait for the answers to every write (so the
        bytes are on the server, and a failed write raises here)."""
        if not self.closed:
            self._handle.flush()
            self._wait_acks()

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._finish()
        finally:
            io.BufferedIOBase.close(self)

    def _finish(self) -> None:
        """Flush (raising a failed write) and close the remote handle either way."""
        try:
            self._handle.flush()
            self._wait_acks()
        finally:
            self._handle.close()

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AtomicSftpFile(SftpFile):
    """An :class:`SftpFile` on a temp file: ``close()`` flushes it and calls
    ``publish`` (rename into place); an error there, an exception inside ``with``,
    ``abort()`` or garbage collection without ``close()`` call ``discard`` instead."""

    atomic = True

    def __init__(
        self,
        handle: paramiko.SFTPFile,
        mode: str,
        name: str,
        write_size: int | None = None,
        *,
        publish: Callable[[], None],
        discard: Callable[[], None],
    ) -> None:
        super().__init__(handle, mode, name, write_size)
        self._publish = publish
        self._discard = discard

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._finish()  # waits for every write; raises the first failure
            self._publish()
        except BaseException as error:
            self._discard_noting(error)
            raise
        finally:
            io.BufferedIOBase.close(self)

    def abort(self) -> bool:
        """Drop the edits: the target stays as it was. True if this call did it."""
        if self.closed:
            return False
        try:
            try:
                self._handle.close()
            except Exception:
                pass  # its writes go to the temp file, which goes away now
            self._discard()
        finally:
            io.BufferedIOBase.close(self)
        return True

    def _discard_noting(self, error: BaseException) -> None:
        try:
            self._discard()
        except Exception as cleanup:
            add_note(error, f"removing the temp file of {self._name} also failed: {cleanup!r}")

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
            return
        if self.closed:
            return
        try:
            self._handle.close()
        except Exception:
            pass
        finally:
            io.BufferedIOBase.close(self)
        self._discard_noting(exc)

    def __del__(self) -> None:
        try:
            if not self.closed:
                self.abort()
        except Exception:
            pass  # a finalizer must never raise
