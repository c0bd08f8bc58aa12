"""Both trees of a sync, listed side by side in the order of their relative paths.

The source streams from ``BasePath._scan_files_sorted`` (or a listing the caller
gives); :class:`Destination` answers what the destination holds at each relative
path by moving its own sorted listing along, so neither tree is ever held whole;
and the temp files a killed copy left behind, seen on the way, are removed by
:func:`remove_stale_temps` once the copies are done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator

from megfile_core import config
from megfile_core.builtin.atomic import is_temp_basename
from megfile_core.smart_path import SmartPath
from megfile_core.types import FileEntry, StatResult

__all__ = ["Destination", "remove_stale_temps", "source_entries"]

_log = logging.getLogger("megfile_core.sync")


class Destination:
    """What the destination holds, looked up in the order the source is listed.

    Both trees stream in the order of their relative paths
    (``BasePath._scan_files_sorted``): a lookup moves the destination listing up to
    the name asked for, so memory does not grow with the number of files. A lookup
    out of order (a source listing given by the caller, or names that normalise
    differently) asks the destination directly. Temp files of ours that the listing
    passes are kept for :func:`remove_stale_temps`."""

    def __init__(self, dst: SmartPath, followlinks: bool) -> None:
        self.dst = dst
        self.listing: Iterator[tuple[str, FileEntry]] = iter(())
        try:
            if dst.is_dir():
                self.listing = dst._scan_files_sorted(followlinks)
        except OSError:
            pass
        self.current: tuple[str, FileEntry] | None = None
        self.last = ""
        self.temps: list[tuple[str, StatResult]] = []

    def _advance(self) -> None:
        self.current = next(self.listing, None)
        if self.current is not None and is_temp_basename(self.current[0].rpartition("/")[2]):
            self.temps.append((self.current[0], self.current[1].stat))

    def lookup(self, relative: str, target: SmartPath) -> StatResult | None:
        if relative < self.last:  # out of order: ask the store
            try:
                return target.stat()
            except (FileNotFoundError, NotADirectoryError):
                return None
        self.last = relative
        if self.current is None:
            self._advance()
        while self.current is not None and self.current[0] < relative:
            self._advance()
        if self.current is not None and self.current[0] == relative:
            return self.current[1].stat
        return None

    def drain(self) -> list[tuple[str, StatResult]]:
        """The temp files of ours in the whole destination listing."""
        for relative, entry in self.listing:
            if is_temp_basename(relative.rpartition("/")[2]):
                self.temps.append((relative, entry.stat))
        return self.temps


def source_entries(
    src: SmartPath,
    followlinks: bool,
    given: Iterable[FileEntry] | None,
    refuse: Callable[[str, str], None],
) -> Iterator[tuple[str, FileEntry]]:
    root = str(src).rstrip("/")
    if given is not None:
        for entry in given:
            path = entry.path
            if not path.startswith(root + "/"):
                refuse(path, f"src_file_stats entry {path!r} is not under {root!r}")
                continue
            yield path[len(root) + 1 :], entry
        return
    yield from src._scan_files_sorted(followlinks)


def remove_stale_temps(
    dst: SmartPath, destination: Destination, source_temps: set[str]
) -> list[str]:
    """Remove the temp files of ours in the destination listing that a killed copy
    left: untouched for ``MEGFILE_SYNC_STALE_TEMP_SECONDS`` (a live writer touches
    its temp file as it writes) and none that the source itself holds. Returns the
    relative paths removed."""
    cutoff = time.time() - config.env_int("MEGFILE_SYNC_STALE_TEMP_SECONDS", 600)
    removed: list[str] = []
    for relative, stat in destination.drain():
        if (
            not is_temp_basename(relative.rpartition("/")[2])
            or relative in source_temps
            or stat.mtime > cutoff
        ):
            continue
        try:
            dst.joinpath(relative).unlink(missing_ok=True)
        except OSError as error:
            _log.warning("sync: could not remove stale temp file %s: %s", relative, error)
            continue
        removed.append(relative)
        _log.info("sync: removed a stale temp file %s", relative)
    return removed
