"""Helpers shared by the command modules."""

from __future__ import annotations

import math
import time
from typing import Any

import megfile_core
from megfile_core.errors import UnsupportedError
from megfile_core.progress import human_size

__all__ = ["human_size", "is_dir", "listing_size", "long_line", "target_path"]

_SIZE_UNITS = ("B", "KB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")


def listing_size(size: float) -> str:
    """A size as megfile's ``ls -h`` and ``total(N):`` lines print it.

    Whole bytes below 1 KiB (``0 B``, ``1023 B``); above, the value in the unit
    ``floor(log(size, 1024))`` picks, rounded to two decimals and printed as Python
    prints that float: ``4.23 KB``, ``3.0 MB``, ``1024.0 KB`` (1 MiB - 1 byte rounds
    up but stays in KB). The unit is chosen with ``math.log`` as megfile does, so
    float error near a power of 1024 picks the same unit (``1.0 PB`` for
    1024**5 - 1). Units go up to ``YB``; a negative size is a ValueError.
    """
    if size < 0:
        raise ValueError(f"negative size: {size!r}")
    if size == 0:
        return "0 B"
    index = min(math.floor(math.log(size, 1024)), len(_SIZE_UNITS) - 1)
    if index <= 0:
        return f"{int(size)} B"
    return f"{round(size / 1024**index, 2)} {_SIZE_UNITS[index]}"


def long_line(path: str, stat: Any, human: bool) -> str:
    """megfile's ``ls -l`` line: size (12 wide, or human), local mtime, path."""
    size = f"{listing_size(stat.size):>10}" if human else f"{stat.size:12d}"
    mtime = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stat.mtime))
    return f"{size} {mtime} {path}"


def is_dir(path: str) -> bool:
    """``smart_isdir``, but a path whose backend cannot stat (``stdio://-``) is no
    directory, so ``cp`` treats it as a file (``megfile cp file stdio://1``)."""
    try:
        return megfile_core.smart_isdir(path)
    except UnsupportedError:
        return False


def target_path(src: str, dst: str, no_target_directory: bool) -> str:
    """``cp a dir/`` copies to ``dir/a``; ``-T`` takes DST literally."""
    if no_target_directory:
        return dst
    if dst.endswith("/") or is_dir(dst):
        return megfile_core.smart_path_join(dst, megfile_core.SmartPath(src).name)
    return dst
