"""The helpers of ``megfile.utils`` that user code calls on file objects and sizes
(``from megfile.utils import get_content_size``), written for megfile_core."""

from __future__ import annotations

import hashlib
import inspect
import io
import os
from collections.abc import Callable
from typing import IO, Any

__all__ = [
    "calculate_md5",
    "copyfileobj",
    "get_binary_mode",
    "get_content_size",
    "get_human_size",
    "get_mode",
    "get_name",
    "is_readable",
    "is_seekable",
    "is_writable",
    "necessary_params",
]

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")


def get_human_size(size_bytes: float) -> str:
    """``1536`` -> ``"1.5 KB"`` (powers of 1024, two decimals at most)."""
    size, index = float(size_bytes), 0
    while abs(size) >= 1024 and index < len(_UNITS) - 1:
        size /= 1024
        index += 1
    if index == 0:
        return f"{int(size_bytes)} B"
    return f"{round(size, 2)} {_UNITS[index]}"


def get_binary_mode(mode: str) -> str:
    """The binary form of an ``open`` mode: ``"r"`` -> ``"rb"``, ``"a+t"`` -> ``"ab+"``."""
    kind = next((c for c in mode if c in "rwax"), "r")
    return kind + "b" + ("+" if "+" in mode else "")


def is_readable(fileobj: Any) -> bool:
    readable = getattr(fileobj, "readable", None)
    return bool(readable()) if callable(readable) else hasattr(fileobj, "read")


def is_writable(fileobj: Any) -> bool:
    writable = getattr(fileobj, "writable", None)
    return bool(writable()) if callable(writable) else hasattr(fileobj, "write")


def is_seekable(fileobj: Any) -> bool:
    seekable = getattr(fileobj, "seekable", None)
    return bool(seekable()) if callable(seekable) else hasattr(fileobj, "seek")


def get_content_size(fileobj: IO[Any], *, intrusive: bool = False) -> int:
    """The size of ``fileobj``'s whole content. The position is restored unless
    ``intrusive`` (then it is left at the end)."""
    fileno = getattr(fileobj, "fileno", None)
    if callable(fileno):
        try:
            return os.fstat(fileno()).st_size
        except (OSError, io.UnsupportedOperation):
            pass
    position = fileobj.tell()
    size = fileobj.seek(0, os.SEEK_END)
    if not intrusive:
        fileobj.seek(position)
    return size


def get_name(fileobj: Any, default: Any = None) -> Any:
    """``fileobj.name``, else ``default``, else a description of the object."""
    name = getattr(fileobj, "name", None)
    if name is not None:
        return name
    return default if default is not None else repr(fileobj)


def get_mode(fileobj: Any, default: str = "r") -> str:
    mode = getattr(fileobj, "mode", None)
    return mode if isinstance(mode, str) else default


def calculate_md5(file_object: IO[bytes]) -> str:
    """The hex MD5 of what is left to read in ``file_object``."""
    digest = hashlib.md5()  # a content checksum, not security
    for chunk in iter(lambda: file_object.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def copyfileobj(
    fsrc: IO[Any],
    fdst: IO[Any],
    callback: Callable[[int], None] | None = None,
    length: int = 16 * 1024,
) -> None:
    """Copy ``fsrc`` to ``fdst`` in ``length`` pieces; ``callback(n)`` after each."""
    while True:
        chunk = fsrc.read(length)
        if not chunk:
            return
        fdst.write(chunk)
        if callback is not None:
            callback(len(chunk))


def necessary_params(func: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    """The ``kwargs`` that ``func`` accepts by name (all, if it takes ``**``)."""
    params = inspect.signature(func).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return kwargs
    names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return {key: value for key, value in kwargs.items() if key in names}
