"""``smart_open(url, "wb", limited_seekable=True)``: a multipart writer that can go
back to the head or the tail of what it wrote, for formats that patch a header (or
a trailer) once the body is written.

The first ``head_block_size`` bytes (default: one writer block; at least S3's 5 MiB
part minimum, since they become part 1) and at least the last ``tail_block_size``
bytes (default: one block) stay in memory; everything between is uploaded as parts
2, 3, ... while writing, in parallel, through core's
:class:`~megfile_core.io.writer.PartWriter`. ``seek``/``tell`` work anywhere in the
head or in the tail (and past the end, which writes zeros); a seek elsewhere raises
:class:`io.UnsupportedOperation` (an ``OSError``) naming the positions that are
allowed, and so does a write that would run from the head into the uploaded part.

At ``close()`` the head is uploaded as part 1 and the upload completed; a file that
never outgrew head + tail is one ``PutObject`` instead. Failures and an exception in
a ``with`` block abort the upload (nothing is published, no upload is left behind);
with ``atomic=True`` so does a writer dropped without ``close()``.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from megfile_core.io.writer import PartWriter

if TYPE_CHECKING:
    from types import TracebackType

    from _typeshed import ReadableBuffer

    from megfile_s3.writers import Multipart

__all__ = ["LimitedSeekableWriter"]


class LimitedSeekableWriter(io.BufferedIOBase):
    """See the module doc; ``upload`` is the S3 side (:class:`Multipart`)."""

    def __init__(
        self,
        upload: Multipart,
        *,
        block_size: int,
        head_block_size: int | None = None,
        tail_block_size: int | None = None,
        max_buffer_size: int | None = None,
        max_workers: int | None = None,
        atomic: bool = False,
    ) -> None:
        from megfile_s3.writers import MIN_PART_SIZE, part_size_function

        super().__init__()
        self._open = False  # close() of a half-built writer must do nothing
        if head_block_size is not None and head_block_size < 0:
            raise ValueError(f"head_block_size must be >= 0, got {head_block_size}")
        if tail_block_size is not None and tail_block_size < 0:
            raise ValueError(f"tail_block_size must be >= 0, got {tail_block_size}")
        self._upload = upload
        self._url = upload.url
        self._atomic = atomic
        self._block = max(block_size, MIN_PART_SIZE)
        self._head_size = max(head_block_size or self._block, MIN_PART_SIZE)
        self._tail_size = self._block if tail_block_size is None else tail_block_size
        part_size = part_size_function(self._block)
        head_size = self._head_size
        self._head = bytearray()
        self._tail = bytearray()  # bytes [tail_start, size)
        self._fed = 0  # bytes after the head handed to the part writer
        self._size = 0
        self._pos = 0
        self._head_result: dict[str, Any] | None = None
        self._body: PartWriter[dict[str, Any]] = PartWriter(
            lambda number, offset, data: upload.upload_part(number + 1, offset + head_size, data),
            name=self._url,
            complete=self._complete,
            abort=upload.abort,
            block_size=self._block,
            part_size=lambda number: part_size(number + 1),
            max_buffer_size=max_buffer_size,
            max_workers=max_workers,
            atomic=atomic,  # dropped without close(): it aborts, without waiting
        )
        self._open = True

    # -- file API -------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._url

    @property
    def mode(self) -> str:
        return "wb"

    @property
    def atomic(self) -> bool:
        return self._atomic

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self._url!r} mode='wb'>"

    def _check_open(self) -> None:
        if self.closed or not self._open:
            raise ValueError(f"I/O operation on closed file {self._url!r}")

    def readable(self) -> bool:
        self._check_open()
        return False

    def writable(self) -> bool:
        self._check_open()
        return True

    def seekable(self) -> bool:
        self._check_open()
        return True

    def tell(self) -> int:
        self._check_open()
        return self._pos

    @property
    def _tail_start(self) -> int:
        """Where the bytes still in memory after the head begin."""
        return self._head_size + self._fed if self._size > self._head_size else self._size

    def _reachable(self, position: int) -> bool:
        return position < len(self._head) or position >= self._tail_start

    def _refuse(self, what: str) -> io.UnsupportedOperation:
        return io.UnsupportedOperation(
            f"{self._url}: {what}: a limited-seekable S3 writer keeps only "
            f"the head [0, {len(self._head)}) and the tail [{self._tail_start}, "
            f"{self._size}] in memory (head_block_size={self._head_size}, "
            f"tail_block_size={self._tail_size}); the bytes between are uploaded already"
        )

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        self._check_open()
        offset = offset.__index__()
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._pos + offset
        elif whence == io.SEEK_END:
            target = self._size + offset
        else:
            raise ValueError(f"invalid whence ({whence!r}, should be 0, 1 or 2)")
        if target < 0:
            raise ValueError(f"negative seek position {target} in {self._url!r}")
        if not self._reachable(target):
            raise self._refuse(f"cannot seek to {target}")
        self._pos = target
        return target

    def truncate(self, size: int | None = None, /) -> int:
        raise io.UnsupportedOperation(f"{self._url}: an S3 writer cannot truncate")

    def write(self, buffer: ReadableBuffer, /) -> int:
        self._check_open()
        with memoryview(buffer) as raw, raw.cast("B") as data:
            count = data.nbytes
            pos, size = self._pos, self._size
            stop = min(pos + count, size)
            if pos < stop:  # overwrites: check all of them before changing anything
                if not (self._reachable(pos) and self._reachable(stop - 1)) or (
                    pos < len(self._head) and stop > len(self._head) and self._fed
                ):
                    raise self._refuse(f"cannot write bytes [{pos}, {stop})")
                self._overwrite(pos, data[: stop - pos])
            if pos > size:
                self._append(bytes(pos - size))  # a hole reads as zeros
            if pos + count > size:
                self._append(data[max(size - pos, 0) :])
            self._pos = pos + count
            return count

    def flush(self) -> None:
        if self.closed or not self._open:
            return
        self._body.flush()

    def close(self) -> None:
        """Upload what is in memory (the head as part 1) and complete; idempotent."""
        if not self._open:
            if not self.closed:
                super().close()
            return
        self._open = False
        try:
            if not self._fed and self._size <= self._head_size + self._tail_size:
                self._body.abort()  # nothing was uploaded: one PutObject instead
                self._upload.put_single(bytes(self._head + self._tail))
            else:
                self._body.write(self._tail)
                self._tail = bytearray()
                self._body.close()  # calls _complete
        except BaseException:
            self._body.abort()
            raise
        finally:
            self._head = self._tail = bytearray()
            super().close()

    def abort(self) -> bool:
        """Abort the upload and close; True if this call aborted it."""
        if not self._open:
            return False
        self._open = False
        try:
            self._body.abort()
        finally:
            self._head = self._tail = bytearray()
            super().close()
        return True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
            return
        try:
            self.abort()
        except Exception as abort_error:  # the with block's error is the one to see
            add_note = getattr(exc, "add_note", None)
            if add_note is not None:
                add_note(f"aborting {self._url!r} also failed: {abort_error!r}")

    def __del__(self) -> None:
        try:
            if getattr(self, "_open", False):
                if self._atomic:  # the part writer's finalizer aborts the upload
                    self._open = False
                    super().close()
                else:
                    self.close()
        except BaseException:
            pass  # a finalizer must never raise

    # -- internals --------------------------------------------------------------------
    def _overwrite(self, pos: int, data: memoryview) -> None:
        head = len(self._head)
        if pos < head:
            take = min(head - pos, data.nbytes)
            self._head[pos : pos + take] = data[:take]
            pos += take
            data = data[take:]
        if data.nbytes:
            start = pos - self._tail_start
            self._tail[start : start + data.nbytes] = data

    def _append(self, data: memoryview | bytes) -> None:
        view = memoryview(data)
        room = self._head_size - len(self._head)
        if room > 0:
            self._head += view[:room]
            view = view[room:]
        self._tail += view
        self._size += len(data)
        excess = len(self._tail) - self._tail_size
        if excess >= self._block:
            try:
                with memoryview(self._tail) as tail:
                    self._body.write(tail[:excess])
            except BaseException:
                self.abort()
                raise
            del self._tail[:excess]
            self._fed += excess

    def _complete(self, parts: list[dict[str, Any]]) -> None:
        """Called by the part writer once every body part is uploaded."""
        head = memoryview(self._head)
        try:
            first = self._upload.upload_part(1, 0, head)
        finally:
            head.release()
        self._upload.complete([first, *parts])
