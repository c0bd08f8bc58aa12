"""Progress for ``cp``/``mv``/``sync`` and ``smart_sync_with_progress``: click's
progress bar fed by the sync engine.

The bar counts bytes; its label shows files done, bytes and the rate, and click adds
the percentage and the ETA. While the source is still being listed the total grows,
so the label says ``listing``; once the listing is complete the ETA is real.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

import click

__all__ = ["CliProgress", "human_size"]


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if abs(size) < 1024 or unit == "PB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} PB"


class CliProgress:
    """A thread-safe progress bar on stderr.

    :param force: draw even when stderr is not a terminal (``-g``).
    :param delay: stay silent until this many seconds have passed (the default
        progress of a long ``cp -r``/``sync`` on a terminal).
    :param verbose: also print one line per copied file.
    """

    def __init__(
        self,
        *,
        force: bool = False,
        delay: float = 0.0,
        verbose: bool = False,
        stream: TextIO | None = None,
    ) -> None:
        self.stream: TextIO = stream or sys.stderr
        self.verbose = verbose
        self.started = time.monotonic()
        self.delay = delay
        self.files = 0
        self.skipped = 0
        self.queued_files = 0
        self.queued_bytes = 0
        self.done_bytes = 0
        self.listing = True
        self._lock = threading.Lock()
        self._bar: Any = None  # click's bar, made once it is time to show it
        self._terminal = self.stream.isatty()
        self._visible = force or self._terminal
        self._last_line = 0.0
        self._entered = False

    def _label(self, _item: Any = None) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        total = f"/{self.queued_files}" if not self.listing else f" (listing {self.queued_files})"
        return (
            f"{self.files}{total} files  {human_size(self.done_bytes)}  "
            f"{human_size(self.done_bytes / elapsed)}/s"
        )

    def _refresh(self, steps: int = 0) -> None:
        if not self._visible or time.monotonic() - self.started < self.delay:
            return
        total = max(self.queued_bytes, self.done_bytes, 1)
        if not self._terminal:  # -g into a pipe or a log: a plain line now and then
            now = time.monotonic()
            if now - self._last_line >= 1.0:
                self._last_line = now
                self._entered = True
                percent = min(100, int(100 * self.done_bytes / total))
                self.stream.write(f"{percent:3d}%  {self._label()}\n")
                self.stream.flush()
            return
        if self._bar is None:
            self._bar = click.progressbar(
                length=total,
                show_eta=True,
                show_percent=True,
                show_pos=False,
                item_show_func=self._label,
                file=self.stream,
                width=24,
            )
            self._bar.__enter__()
            self._entered = True
            steps = self.done_bytes
        self._bar.length = total
        self._bar.update(steps, "")

    # -- the SyncProgress protocol ----------------------------------------------
    def on_bytes(self, count: int) -> None:
        with self._lock:
            self.done_bytes += count
            self._refresh(count)

    def on_file(self, action: str, src: str, dst: str, size: int) -> None:
        with self._lock:
            if action == "queued":
                self.queued_files += 1
                self.queued_bytes += size
            elif action == "copied":
                self.files += 1
                if self.verbose:
                    self._println(f"copied {src} -> {dst}")
            elif action == "skipped":
                self.skipped += 1
                if self.verbose:
                    self._println(f"skipped {src} (current at {dst})")
            self._refresh()

    @property
    def shown(self) -> bool:
        return self._entered

    def on_listed(self) -> None:
        with self._lock:
            self.listing = False
            self._refresh()

    def _println(self, text: str) -> None:
        if self._bar is not None:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")

    def close(self) -> None:
        with self._lock:
            self.listing = False
            if self._bar is not None:
                self._bar.length = max(self.queued_bytes, self.done_bytes, 1)
                self._bar.render_progress()  # the final counts, then the newline
                self._bar.__exit__(None, None, None)
                self._bar = None
            elif self._entered and not self._terminal:
                self._last_line = 0.0
                self._refresh()
            self.stream.flush()

    def summary(self, dry_run: bool = False, planned: int = 0) -> str:
        elapsed = time.monotonic() - self.started
        if dry_run:
            return f"dry run: {planned} files would be copied, {self.skipped} skipped"
        rate = human_size(self.done_bytes / max(elapsed, 1e-6))
        return (
            f"{self.files} files copied, {self.skipped} skipped, "
            f"{human_size(self.done_bytes)} in {elapsed:.2f}s ({rate}/s)"
        )
