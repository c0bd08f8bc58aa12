"""``PathPrimitives``: what a backend implements (``stat``, ``scandir``, ``_open``,
``mkdir``, ``unlink``, ``rename``, ``rmdir``) and the optional capabilities
(``symlink``, ``readlink``, ``utime``, ``chmod`` ...); each raises
:class:`~megfile_core.errors.UnsupportedError` until a backend offers it."""

from __future__ import annotations

from typing import IO, Any, TypeVar

from megfile_core.errors import UnsupportedError
from megfile_core.path_algebra import PathAlgebra
from megfile_core.types import ContextIterator, StatResult

__all__ = ["PathPrimitives"]

Self = TypeVar("Self", bound="PathPrimitives")


class PathPrimitives(PathAlgebra):
    """The primitives and optional capabilities; see the module docstring."""

    # -- primitives (a backend implements these) ---------------------------------
    def stat(self, follow_symlinks: bool = True) -> StatResult:
        raise UnsupportedError("stat", self)

    def scandir(self) -> ContextIterator:
        """Entries of this directory; ``FileEntry.path`` is ``str(self / name)``."""
        raise UnsupportedError("scandir", self)

    def _open(self, mode: str, **options: Any) -> IO[bytes]:
        """Open in a binary ``mode`` from ``parse_mode`` (``rb``, ``wb``, ``ab+`` ...)."""
        raise UnsupportedError(f"open({mode!r})", self)

    def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        raise UnsupportedError("mkdir", self)

    def unlink(self, missing_ok: bool = False) -> None:
        raise UnsupportedError("unlink", self)

    def rename(self: Self, dst_path: Any, overwrite: bool = True) -> Self:
        raise UnsupportedError("rename", self)

    def rmdir(self) -> None:
        raise UnsupportedError("rmdir", self)

    # -- optional capabilities ---------------------------------------------------
    def symlink(self, dst_path: Any) -> None:
        """Create a link at ``dst_path`` that points to this path."""
        raise UnsupportedError("symlink", self)

    def symlink_to(self, target: Any, target_is_directory: bool = False) -> None:
        """Make this path a link that points to ``target``."""
        self.from_path(target).symlink(self)

    def readlink(self: Self) -> Self:
        raise UnsupportedError("readlink", self)

    def hardlink_to(self, target: Any) -> None:
        raise UnsupportedError("hardlink_to", self)

    def utime(self, atime: float, mtime: float) -> None:
        raise UnsupportedError("utime", self)

    def chmod(self, mode: int, *, follow_symlinks: bool = True) -> None:
        raise UnsupportedError("chmod", self)

    def lchmod(self, mode: int) -> None:
        self.chmod(mode, follow_symlinks=False)

    def owner(self) -> str:
        raise UnsupportedError("owner", self)

    def group(self) -> str:
        raise UnsupportedError("group", self)

    def expanduser(self: Self) -> Self:
        return self

    @classmethod
    def cwd(cls) -> str:
        raise UnsupportedError("cwd", cls.protocol)

    @classmethod
    def home(cls) -> str:
        raise UnsupportedError("home", cls.protocol)

    def is_mount(self) -> bool:
        return False

    def is_socket(self) -> bool:
        return False

    def is_fifo(self) -> bool:
        return False

    def is_block_device(self) -> bool:
        return False

    def is_char_device(self) -> bool:
        return False
