"""``TextFile``: text over a binary file that can be aborted."""

from __future__ import annotations

import io
from typing import Any

__all__ = ["TextFile"]


class TextFile(io.TextIOWrapper):
    """Text over a binary file that can ``abort()``: a ``with`` block that raises
    aborts the write instead of publishing it, and an atomic writer dropped
    unclosed is aborted too (a plain ``TextIOWrapper`` would close, i.e. commit)."""

    def abort(self) -> bool:
        abort = getattr(self.buffer, "abort", None)
        if abort is None or self.closed:
            return False
        result = bool(abort())
        try:
            super().close()  # the buffer is closed: nothing is flushed anywhere
        except (ValueError, OSError):
            pass
        return result

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and getattr(self.buffer, "abort", None) is not None:
            self.abort()
            return
        super().__exit__(exc_type, exc, tb)

    def __del__(self) -> None:
        try:
            if not self.closed and getattr(self.buffer, "atomic", False):
                self.abort()
                return
        except Exception:
            return
        super().__del__()
