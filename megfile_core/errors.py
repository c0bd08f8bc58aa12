"""Error classes shared by core and every backend.

Callers catch the builtin families (``FileNotFoundError``, ``PermissionError``,
``ValueError`` ...) the same way on every protocol; ``MegfileError`` is mixed in so
that the CLI and callers who want to can tell our errors from foreign ones.
"""

from __future__ import annotations

import io
from typing import Any

from megfile_core.url import mask_url

__all__ = [
    "FileChangedError",
    "MaxRetriesExceededError",
    "MegfileError",
    "PluginError",
    "PluginLoadError",
    "ProtocolError",
    "ProtocolExistsError",
    "ProtocolNotFoundError",
    "UnknownError",
    "UnsafePathError",
    "UnsupportedError",
    "mask_url",
]


def __getattr__(name: str) -> Any:
    if name == "SameFileError":  # shutil's own class, imported only when asked for
        import shutil

        return shutil.SameFileError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _display(path: object) -> str:
    shown = getattr(path, "_display", None)
    return str(shown()) if callable(shown) else mask_url(str(path))


class MegfileError(Exception):
    """Base class of every error raised by megfile_core and its plugins."""


class ProtocolError(MegfileError, ValueError):
    """A URL names a protocol that cannot be used."""


class ProtocolNotFoundError(ProtocolError):
    """No installed plugin provides the protocol; the message says what to install."""


class ProtocolExistsError(ProtocolError):
    """Two plugins claim one protocol; the message names both and the way out."""


class PluginError(MegfileError):
    """A plugin is broken."""


class PluginLoadError(PluginError, ImportError):
    """A plugin entry point or its lazily named class failed to import."""


class UnsupportedError(MegfileError, io.UnsupportedOperation, NotImplementedError):
    """The backend of ``path`` cannot do ``operation`` (HTTP cannot write ...).

    The families a caller reaches for all catch it: ``io.UnsupportedOperation``
    (what a read-only file raises on ``write``; an ``OSError`` and a
    ``ValueError``, like megfile's error for writing over HTTP) and
    ``NotImplementedError``."""

    def __init__(self, operation: str, path: object = None) -> None:
        self.operation = operation
        self.path = path
        where = f" on {_display(path)}" if path is not None else ""
        super().__init__(f"{operation} is not supported{where}")

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.operation

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.operation, self.path))


class FileChangedError(MegfileError, OSError):
    """The object changed while a reader was reading it; bytes would be mixed."""


class UnsafePathError(MegfileError, ValueError):
    """A relative path would leave the directory it must stay under."""


class UnknownError(MegfileError, OSError):
    """A backend error no translator recognised; keeps the original as ``error``."""

    def __init__(self, error: BaseException, path: object = None, extra: str = "") -> None:
        self.error = error
        self.path = path
        self.extra = extra
        text = f"Unknown error on {_display(path)}: {type(error).__name__}: {error}"
        if extra:
            text += f" ({extra})"
        super().__init__(text)

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.error, self.path, self.extra))


class MaxRetriesExceededError(MegfileError, OSError):
    """An operation kept failing with retryable errors; ``error`` is the last one."""

    def __init__(self, error: BaseException, retries: int = 1) -> None:
        self.error = error
        self.retries = retries
        super().__init__(f"Max retries exceeded ({retries}): {type(error).__name__}: {error}")

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.error, self.retries))
