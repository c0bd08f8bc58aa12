"""Resumable uploads of large local files (``megfile cp --resume``,
``smart_sync(..., resume=True)``).

A file larger than one part goes up as a multipart upload whose UploadId is kept
in a state file (:mod:`megfile_s3.resume_state`) before the first part is sent. A
run that is killed (or fails) leaves the upload open and the state in place; the
next resumable upload of the same file to the same URL:

* aborts the old upload and starts afresh when the source changed (size,
  ``mtime_ns``) or the part size did;
* else asks the server which parts it holds (``ListParts``) and keeps a part only
  when its size is the expected one and its ETag is the MD5 of that byte range of
  the local file, computed here: nothing is trusted blindly;
* sends the other parts, checks that the source did not change meanwhile, and
  completes the upload; the object appears only then.

An upload the server no longer knows (completed, aborted, expired) starts afresh.
State older than ``MEGFILE_RESUME_MAX_AGE`` (default ``7d``) or whose source file
is gone is removed, and its upload aborted, by the next resumable upload (at most
once every ten minutes per process).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from megfile_core import config as core_config
from megfile_core.io.pool import bounded_map
from megfile_core.url import mask_url
from megfile_s3.resume_state import StateFile, UploadInProgressError, UploadState, new_state
from megfile_s3.writers import MAX_PARTS, MIN_PART_SIZE, Multipart

if TYPE_CHECKING:
    from megfile_s3.path import S3Path

__all__ = ["clean_stale_states", "part_size_for", "upload_resumable"]

_log = logging.getLogger(__name__)
_MIB = 1 << 20
_CLEAN_EVERY = 600.0
_cleaned = {"at": float("-inf")}
_clean_lock = threading.Lock()


def part_size_for(size: int) -> int:
    """``MEGFILE_WRITER_BLOCK_SIZE`` (at least S3's 5 MiB), raised to whole MiB
    when 10,000 such parts could not hold ``size``."""
    part = max(core_config.writer_block_size(), MIN_PART_SIZE)
    needed = -(-size // MAX_PARTS)
    if needed > part:
        part = -(-needed // _MIB) * _MIB
    return part


def _part_range(number: int, size: int, part_size: int) -> tuple[int, int]:
    start = (number - 1) * part_size
    return start, min(start + part_size, size)


def _read_range(fd: int, start: int, stop: int) -> bytearray:
    buffer = bytearray(stop - start)
    view = memoryview(buffer)
    done = 0
    while done < len(buffer):
        count = os.preadv(fd, [view[done:]], start + done)
        if count == 0:
            raise OSError(f"the file got shorter while it was uploaded (at byte {start + done})")
        done += count
    return buffer


def _listed_parts(dst: S3Path, upload_id: str) -> list[dict[str, Any]] | None:
    """Every part the server holds for ``upload_id``; None when it knows no such
    upload."""
    from megfile_s3.errors import error_code

    client = dst._client
    parts: list[dict[str, Any]] = []
    params: dict[str, Any] = {"Bucket": dst.bucket, "Key": dst.key, "UploadId": upload_id}
    while True:
        try:
            with dst._errors(client):
                page = client.list_parts(**params)
        except FileNotFoundError as error:
            if error_code(error.__cause__ or error) == "NoSuchUpload":
                return None
            raise
        parts.extend(page.get("Parts") or [])
        marker = page.get("NextPartNumberMarker")
        if not page.get("IsTruncated") or not marker or marker == params.get("PartNumberMarker"):
            return parts
        params["PartNumberMarker"] = marker


def _verified_parts(
    dst: S3Path, state: UploadState, fd: int, size: int
) -> dict[int, dict[str, Any]] | None:
    """The listed parts that hold exactly the local bytes, by number; None when the
    upload is gone."""
    listed = _listed_parts(dst, state.upload_id)
    if listed is None:
        return None
    count = -(-size // state.part_size)
    kept: dict[int, dict[str, Any]] = {}
    for part in listed:
        number = int(part.get("PartNumber", 0))
        if not 1 <= number <= count:
            continue
        start, stop = _part_range(number, size, state.part_size)
        etag = str(part.get("ETag") or "").strip('"').lower()
        if int(part.get("Size", -1)) != stop - start:
            continue
        digest = hashlib.md5(_read_range(fd, start, stop), usedforsecurity=False).hexdigest()
        if etag == digest:
            kept[number] = {"PartNumber": number, "ETag": part["ETag"]}
    return kept


def _abort(dst: S3Path, upload_id: str) -> None:
    upload = Multipart(dst._client, dst.bucket, dst.key, dst._url)
    upload.upload_id = upload_id
    upload.abort()  # an upload already gone is no error


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_size, stat.st_mtime_ns


def upload_resumable(
    local: str,
    dst: S3Path,
    callback: Callable[[int], None] | None = None,
    *,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    """Upload the local file ``local`` to ``dst``, resuming the multipart upload an
    interrupted run of this function left (see the module's doc). A file of one
    part goes up whole (one atomic ``PutObject``: nothing to resume)."""
    from megfile_core.io.copy import upload_from

    if local.startswith("file://"):
        local = local[len("file://") :]
    source = os.path.realpath(local)
    if os.path.isdir(source):
        raise IsADirectoryError(f"is a directory: {local} (use sync to copy trees)")
    dst._need_key()
    if not overwrite and dst.exists():
        return
    size = os.stat(source).st_size
    part_size = part_size_for(size)
    if size <= part_size:
        upload_from(local, dst, callback, followlinks=followlinks, overwrite=overwrite)
        return
    clean_stale_states()
    with StateFile.for_upload(source, dst._url) as state_file, open(source, "rb") as reader:
        _Resumable(dst, state_file, reader.fileno(), source, part_size, callback).run()


class _Resumable:
    """One resumable upload, with its state file locked and its source open."""

    def __init__(
        self,
        dst: S3Path,
        state_file: StateFile,
        fd: int,
        source: str,
        part_size: int,
        callback: Callable[[int], None] | None,
    ) -> None:
        self.dst, self.state_file, self.fd, self.source = dst, state_file, fd, source
        self.part_size, self.callback = part_size, callback
        self.stat = os.fstat(fd)
        self.size = self.stat.st_size
        self.upload = Multipart(dst._client, dst.bucket, dst.key, dst._url)

    def _resume_from(self, state: UploadState | None) -> dict[int, dict[str, Any]]:
        """The parts kept from an earlier run (the upload id set), else {}."""
        if state is None:
            return {}
        display = mask_url(self.dst._url)
        if state.url != self.dst._url or not state.same_source(
            self.size, self.stat.st_mtime_ns, self.part_size
        ):
            _log.info(
                "resume: %s changed since its upload to %s began: restarting", self.source, display
            )
            _abort(self.dst, state.upload_id)
            return {}
        kept = _verified_parts(self.dst, state, self.fd, self.size)
        if kept is None:
            _log.info("resume: the upload to %s is gone from the server: restarting", display)
            return {}
        self.upload.upload_id = state.upload_id
        _log.info("resume: %d part(s) of %s already uploaded", len(kept), display)
        return kept

    def run(self) -> None:
        kept = self._resume_from(self.state_file.read())
        if self.upload.upload_id is None:
            try:
                upload_id = self.upload.ensure_upload()
            except BaseException:
                self.state_file.remove()  # nothing was started: nothing to resume
                raise
            self.state_file.write(
                new_state(self.source, self.stat, self.part_size, self.dst, upload_id)
            )
        count = -(-self.size // self.part_size)
        missing = [n for n in range(1, count + 1) if n not in kept]
        parts = dict(kept)
        budget = max(core_config.writer_max_buffer_size() // self.part_size, 1)
        workers = max(min(core_config.max_workers(), budget, len(missing)), 1)
        try:
            bounded_map(
                self._send,
                missing,
                workers,
                on_result=lambda part: parts.__setitem__(int(part["PartNumber"]), part),
                name="megfile-s3-resume",
            )
        except Exception:
            _log.warning(
                "resume: the upload of %s to %s stopped with %d of %d part(s) sent; run "
                "the same copy with resume again to send only the rest",
                self.source,
                mask_url(self.dst._url),
                len(parts),
                count,
            )
            raise
        if _identity(os.stat(self.source)) != _identity(self.stat):
            self.upload.abort()
            self.state_file.remove()
            raise OSError(
                f"{self.source} changed while it was uploaded to "
                f"{mask_url(self.dst._url)}; the upload was aborted: run the copy again"
            )
        try:
            self.upload.complete([parts[n] for n in range(1, count + 1)])
        except BaseException:
            self.upload.abort()  # its parts are refused: resuming could not help
            self.state_file.remove()
            raise
        self.state_file.remove()

    def _send(self, number: int) -> dict[str, Any]:
        start, stop = _part_range(number, self.size, self.part_size)
        data = _read_range(self.fd, start, stop)
        part = self.upload.upload_part(number, start, memoryview(data))
        if self.callback is not None:
            self.callback(stop - start)
        return part


def clean_stale_states(max_age: float | None = None, *, force: bool = False) -> list[str]:
    """Remove the state of uploads older than ``max_age`` seconds (default
    ``MEGFILE_RESUME_MAX_AGE``, 7 days) or whose source file is gone, aborting their
    uploads; state in use by a running upload is left alone. Runs at most once
    every ten minutes per process unless ``force``. Returns the state files removed."""
    from megfile_s3.resume_state import state_files

    with _clean_lock:
        now = time.monotonic()
        if not force and now - _cleaned["at"] < _CLEAN_EVERY:
            return []
        _cleaned["at"] = now
    age = _max_age() if max_age is None else max_age
    removed = []
    for path in state_files():
        try:
            with StateFile.lock(path) as state_file:
                if _remove_if_stale(state_file, age):
                    removed.append(path)
        except (UploadInProgressError, FileNotFoundError):
            continue
    return removed


def _max_age() -> float:
    from megfile_s3.uploads import parse_duration

    text = os.environ.get("MEGFILE_RESUME_MAX_AGE") or "7d"
    try:
        return parse_duration(text).total_seconds()
    except ValueError as error:
        raise ValueError(f"MEGFILE_RESUME_MAX_AGE: {error}") from None


def _remove_if_stale(state_file: StateFile, max_age: float) -> bool:
    state = state_file.read()
    if state is None:  # unreadable (a write cut short): nothing to resume from
        state_file.remove()
        return True
    if time.time() - state.created < max_age and os.path.exists(state.source):
        return False
    from megfile_s3.path import S3Path

    try:
        _abort(S3Path(state.url), state.upload_id)
    except Exception as error:  # unreachable store, no credentials: say so, forget it
        _log.warning(
            "resume: could not abort the stale upload %s of %s (%s); remove it with "
            "`megfile s3 abort-uploads`",
            state.upload_id,
            mask_url(state.url),
            error,
        )
    state_file.remove()
    _log.info("resume: removed the stale upload state of %s", mask_url(state.url))
    return True
