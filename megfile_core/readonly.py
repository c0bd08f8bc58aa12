"""``ReadOnlyPath``: the base of a backend that can only read files (HTTP ...).

A read-only backend implements ``stat`` and ``_open("rb")`` (and ``_load_content``
where it can fetch a range); everything that would list, write, move or remove
is refused here, at once and without a request, by :meth:`ReadOnlyPath._refuse`
(an :class:`~megfile_core.errors.UnsupportedError`: an ``io.UnsupportedOperation``
and a ``NotImplementedError``). A write is refused through :meth:`_refuse_write`,
which names the mode, so a backend can answer a write the way its users expect.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any, BinaryIO, TypeVar

from megfile_core.errors import UnsupportedError
from megfile_core.pathlike import BasePath, ContextIterator
from megfile_core.types import FileEntry

__all__ = ["ReadOnlyPath"]

Self = TypeVar("Self", bound="ReadOnlyPath")


class ReadOnlyPath(BasePath):
    """A path whose backend reads files and nothing else; see the module docstring."""

    def _refuse(self, operation: str) -> Exception:
        """The error for ``operation``, which this backend cannot do."""
        return UnsupportedError(operation, self)

    def _refuse_write(self, mode: str, operation: str) -> Exception:
        """The error for a write (``mode`` in binary form: ``wb``, ``ab``, ``rb+``)."""
        return self._refuse(operation)

    def _open(self, mode: str, **options: Any) -> IO[bytes]:
        if mode != "rb":
            raise self._refuse_write(mode, f"open({mode!r})")
        return self._open_reader(**options)

    def _open_reader(self, **options: Any) -> IO[bytes]:
        """Open for reading in binary; what a read-only backend implements."""
        raise self._refuse("open('rb')")

    # -- listing -------------------------------------------------------------------
    def is_dir(self, followlinks: bool = False) -> bool:
        return False  # no directories: no request is sent

    def is_symlink(self) -> bool:
        return False

    def scandir(self) -> ContextIterator:
        raise self._refuse("scandir")

    def listdir(self) -> list[str]:
        raise self._refuse("listdir")

    def iterdir(self: Self) -> Iterator[Self]:
        raise self._refuse("iterdir")

    def _scan_tree(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        raise self._refuse("scan")

    # -- changes -------------------------------------------------------------------
    def write_bytes(self, data: bytes) -> int:
        raise self._refuse_write("wb", "write")

    def write_text(
        self,
        data: str,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> int:
        raise self._refuse_write("wb", "write")

    def save(self, file_object: BinaryIO) -> None:
        raise self._refuse_write("wb", "write")

    def touch(self, exist_ok: bool = True) -> None:
        raise self._refuse_write("wb", "touch")

    def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        raise self._refuse("mkdir")

    def makedirs(self, exist_ok: bool = False) -> None:
        raise self._refuse("makedirs")

    def unlink(self, missing_ok: bool = False) -> None:
        raise self._refuse("unlink")

    def remove(self, missing_ok: bool = False, followlinks: bool = False) -> None:
        raise self._refuse("remove")

    def rmdir(self) -> None:
        raise self._refuse("rmdir")

    def rename(self: Self, dst_path: Any, overwrite: bool = True) -> Self:
        raise self._refuse("rename")

    def replace(self: Self, dst_path: Any, overwrite: bool = True) -> Self:
        raise self._refuse("replace")

    def move(self: Self, dst_path: Any, overwrite: bool = True) -> Self:
        raise self._refuse("move")

    def utime(self, atime: float, mtime: float) -> None:
        raise self._refuse("utime")

    def chmod(self, mode: int, *, follow_symlinks: bool = True) -> None:
        raise self._refuse("chmod")

    def symlink(self, dst_path: Any) -> None:
        raise self._refuse("symlink")
