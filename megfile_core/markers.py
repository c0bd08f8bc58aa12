"""Old import path of :mod:`megfile_core.impl_marker` (0.1); use ``megfile_core.hookimpl``."""

from megfile_core.impl_marker import PROJECT, hookimpl

__all__ = ["PROJECT", "hookimpl"]
