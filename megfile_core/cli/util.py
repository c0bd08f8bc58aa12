"""Helpers shared by the command modules."""

from __future__ import annotations

import time
from typing import Any

from megfile_core.progress import human_size

__all__ = ["has_magic", "human_size", "is_dir", "long_line", "target_path"]


def has_magic(path: str) -> bool:
    return any(c in path for c in "*?[{")


def long_line(path: str, stat: Any, human: bool) -> str:
    """megfile's ``ls -l`` line: size (12 wide, or human), local mtime, path."""
    size = f"{human_size(stat.size):>10}" if human else f"{stat.size:12d}"
    mtime = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stat.mtime))
    return f"{size} {mtime} {path}"


def is_dir(path: str) -> bool:
    """``smart_isdir``, but a path whose backend cannot stat (``stdio://-``) is no
    directory, so ``cp`` treats it as a file (``megfile cp file stdio://1``)."""
    from megfile_core.errors import UnsupportedError
    from megfile_core.smart import smart_isdir

    try:
        return smart_isdir(path)
    except UnsupportedError:
        return False


def target_path(src: str, dst: str, no_target_directory: bool) -> str:
    """``cp a dir/`` copies to ``dir/a``; ``-T`` takes DST literally."""
    from megfile_core.smart import smart_path_join
    from megfile_core.smart_path import SmartPath

    if no_target_directory:
        return dst
    if dst.endswith("/") or is_dir(dst):
        return smart_path_join(dst, SmartPath(src).name)
    return dst
