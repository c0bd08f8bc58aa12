"""The streams of :mod:`megfile_core.io.compression`: a decompressing reader and a
compressing writer over a backend's binary file.

* :class:`DecodingReader` is a raw reader (wrapped in ``io.BufferedReader`` by
  ``open``): the codec reads the stored bytes through a :class:`Source` as the
  caller reads. Bad data becomes :class:`DecompressionError` naming the path and
  the codec; the backend's own errors pass through unchanged. Seeking forward
  decompresses and discards; seeking backward starts again from the first stored
  byte, which needs a seekable backend file (else ``io.UnsupportedOperation``);
  ``SEEK_END`` is refused, the decompressed size being unknown until the end.
* :class:`EncodingWriter` compresses into the backend's writer through a
  :class:`Sink`. ``close()`` writes the codec's trailer, then closes (publishes)
  the backend file. Over a backend file that can abort (``atomic=True`` files,
  object-store uploads) the writer is an :class:`AbortableEncodingWriter`:
  ``abort()``, or an exception leaving a ``with`` block, aborts the backend file
  so nothing is published, and an unclosed writer over an atomic file is aborted
  when collected. Over other files an exception closes it normally, as it does a
  plain file. A failed write or trailer aborts (or closes) the backend file too.
  ``flush()`` adds no sync point to the compressed stream: data reaches the
  backend as the codec emits it, and all of it at ``close()``.
"""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING, Any, Protocol

from megfile_core.io.compression import Codec, DecompressionError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

__all__ = [
    "AbortableEncodingWriter",
    "Decoder",
    "DecodingReader",
    "Encoder",
    "EncodingWriter",
    "Sink",
    "Source",
    "encoding_writer",
]

_SKIP_CHUNK = 1 << 20


class Decoder(Protocol):
    def readinto(self, buffer: WriteableBuffer, /) -> int: ...
    def close(self) -> None: ...


class Encoder(Protocol):
    def write(self, data: ReadableBuffer, /) -> int: ...
    def close(self) -> None: ...


class Source:
    """The backend's reader as a codec sees it: ``read`` only, remembering the last
    error it raised so that it is not mistaken for bad data."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            return self.raw.read(size)
        except BaseException as exc:
            self.error = exc
            raise

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False  # the codec never seeks: DecodingReader restarts it instead

    @property
    def closed(self) -> bool:
        return bool(self.raw.closed)


class Sink:
    """The backend's writer as a codec sees it; after an abort it swallows the
    codec's trailer instead of writing to a file that is gone."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.discard = False

    def write(self, data: ReadableBuffer) -> int:
        with memoryview(data) as view:
            if self.discard:
                return view.nbytes
            self.raw.write(view)
            return view.nbytes

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        """Nothing: the backend file is flushed when it is closed."""

    @property
    def closed(self) -> bool:
        return False


class DecodingReader(io.RawIOBase):
    """Decompressed bytes of ``raw`` (module doc)."""

    def __init__(self, raw: IO[bytes], codec: Codec, name: str) -> None:
        super().__init__()
        self._raw = raw
        self._codec = codec
        self._name = name
        self._source = Source(raw)
        self._decoder: Decoder | None = None
        self._pos = 0
        self._errors = codec.data_errors()

    @property
    def name(self) -> str:
        return self._name

    @property
    def mode(self) -> str:
        return "rb"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self._name!r} compression={self._codec.name!r}>"

    def readable(self) -> bool:
        self._check_closed()
        return True

    def seekable(self) -> bool:
        self._check_closed()
        return bool(self._raw.seekable())

    def tell(self) -> int:
        """Position in the decompressed bytes."""
        self._check_closed()
        return self._pos

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        self._check_closed()
        if self._decoder is None:
            self._decoder = self._codec.decoder(self._source)
        try:
            count = self._decoder.readinto(buffer)
        except self._errors as exc:
            if exc is self._source.error:
                raise
            raise DecompressionError(
                f"cannot decompress {self._name} as {self._codec.name}: {exc or type(exc).__name__}"
                " (the data is corrupt, truncated or not in that format); open it with "
                "compression=None to read the stored bytes"
            ) from exc
        self._pos += count
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        self._check_closed()
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._pos + offset
        elif whence == io.SEEK_END:
            raise io.UnsupportedOperation(
                f"cannot seek from the end of {self._name} while decompressing it: its "
                "decompressed size is unknown until it has been read"
            )
        else:
            raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        if target < self._pos:
            self._restart()
        self._skip(target - self._pos)
        return self._pos

    def _restart(self) -> None:
        if not self._raw.seekable():
            raise io.UnsupportedOperation(
                f"cannot seek backwards in {self._name} while decompressing it: the "
                "stored stream is not seekable; open it again to start over"
            )
        self._raw.seek(0)
        if self._decoder is not None:
            self._decoder.close()
        self._decoder = None
        self._pos = 0

    def _skip(self, count: int) -> None:
        scratch = bytearray(min(count, _SKIP_CHUNK))
        with memoryview(scratch) as view:
            while count > 0:
                done = self.readinto(view[: min(count, len(scratch))])
                if not done:
                    break
                count -= done

    def _check_closed(self) -> None:
        if self.closed:
            raise ValueError(f"I/O operation on closed file {self._name!r}")

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._decoder is not None:
                self._decoder.close()
        finally:
            try:
                self._raw.close()
            finally:
                super().close()


class EncodingWriter(io.BufferedIOBase):
    """Compresses what is written into ``raw`` (module doc)."""

    def __init__(self, raw: IO[bytes], codec: Codec, name: str) -> None:
        super().__init__()
        self._raw = raw
        self._codec = codec
        self._name = name
        self._sink = Sink(raw)
        try:
            self._encoder = codec.encoder(self._sink)
        except BaseException:
            getattr(raw, "abort", raw.close)()
            raise
        self._written = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def mode(self) -> str:
        return "wb"

    @property
    def atomic(self) -> bool:
        return bool(getattr(self._raw, "atomic", False))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self._name!r} compression={self._codec.name!r}>"

    def _check_closed(self) -> None:
        if self.closed:
            raise ValueError(f"I/O operation on closed file {self._name!r}")

    def readable(self) -> bool:
        self._check_closed()
        return False

    def seekable(self) -> bool:
        self._check_closed()
        return False

    def writable(self) -> bool:
        self._check_closed()
        return True

    def tell(self) -> int:
        """Uncompressed bytes written so far."""
        self._check_closed()
        return self._written

    def write(self, data: ReadableBuffer, /) -> int:
        self._check_closed()
        with memoryview(data) as view:
            count = view.nbytes
            try:
                self._encoder.write(view)
            except BaseException:
                self._fail()
                raise
        self._written += count
        return count

    def flush(self) -> None:
        self._check_closed()

    def close(self) -> None:
        """Write the codec's trailer, then close (publish) the backend file."""
        if self.closed:
            return
        try:
            self._encoder.close()
        except BaseException:
            self._fail()
            raise
        try:
            self._raw.close()
        finally:
            super().close()

    def _fail(self) -> None:
        """After an error: abort the backend file if it can, else close it as is."""
        if self.closed:
            return
        self._sink.discard = True  # the codec's trailer goes nowhere
        try:
            self._encoder.close()
        except Exception:
            pass
        try:
            abort = getattr(self._raw, "abort", None)
            if abort is not None:
                abort()
            else:
                self._raw.close()
        finally:
            super().close()


class AbortableEncodingWriter(EncodingWriter):
    """An :class:`EncodingWriter` over a backend file that can abort: ``abort()``
    and a ``with`` block left by an exception publish nothing (module doc). Only
    such writers have ``abort``, so a text wrapper over a plain file closes it
    normally, with its pending text, as a plain text file does."""

    def abort(self) -> bool:
        """Drop everything written: the backend file publishes nothing."""
        if self.closed:
            return False
        self._fail()
        return True

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.abort()
            return
        self.close()

    def __del__(self) -> None:
        try:
            if not self.closed and self.atomic:
                self.abort()
                return
        except Exception:
            return
        super().__del__()


def encoding_writer(raw: IO[bytes], codec: Codec, name: str) -> EncodingWriter:
    """The writer class that fits ``raw``: abortable when ``raw`` can abort."""
    kind = EncodingWriter if getattr(raw, "abort", None) is None else AbortableEncodingWriter
    return kind(raw, codec, name)
