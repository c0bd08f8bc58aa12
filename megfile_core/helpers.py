"""Old import path of :mod:`megfile_core.builtin.shortcuts` (0.1); use ``megfile_core``."""

from megfile_core.builtin.shortcuts import fs_copy, is_fs, is_stdio, stdio_open

__all__ = ["fs_copy", "is_fs", "is_stdio", "stdio_open"]
