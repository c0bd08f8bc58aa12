"""Multipart uploads left behind: list them under a prefix and abort the stale ones.

A writer aborts its upload on any failure, but a process that is killed (SIGKILL,
OOM, a lost machine) cannot; its parts stay stored, and billed, until someone
aborts the upload. ``megfile s3 abort-uploads s3://bucket/prefix --older-than 24h``
does that for uploads started more than the given time ago.

The prefix is S3's: a plain key prefix, so ``s3://b/tmp`` also matches
``tmp2/...``; end it with ``/`` to stay inside one directory. An age of ``0``
selects every upload, whatever the clocks say.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "PendingUpload",
    "abort_uploads",
    "describe",
    "format_age",
    "list_uploads",
    "parse_duration",
    "select_stale",
]

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", re.IGNORECASE)
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> dt.timedelta:
    """``30m``, ``24h``, ``7d``, ``2w``, ``90s`` or plain seconds (``3600``)."""
    parts = _DURATION.fullmatch(text or "")
    if parts is None:
        raise ValueError(
            f"{text!r} is not a duration: use a number with a unit s, m, h, d or w (30m, 24h, 7d)"
        )
    number, unit = float(parts.group(1)), parts.group(2).lower()
    return dt.timedelta(seconds=number * _SECONDS[unit])


@dataclass(frozen=True)
class PendingUpload:
    """One multipart upload in progress."""

    bucket: str
    key: str
    upload_id: str
    initiated: dt.datetime

    def age(self, now: dt.datetime) -> dt.timedelta:
        return now - self.initiated


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def select_stale(
    uploads: Iterable[PendingUpload], older_than: dt.timedelta, now: dt.datetime | None = None
) -> list[PendingUpload]:
    """The uploads started at least ``older_than`` before ``now`` (default: now, UTC);
    a zero age selects all of them."""
    if older_than < dt.timedelta(0):
        raise ValueError(f"the age threshold must not be negative, got {older_than}")
    now = _aware(now or dt.datetime.now(dt.timezone.utc))
    if not older_than:
        return list(uploads)
    return [u for u in uploads if now - _aware(u.initiated) >= older_than]


def list_uploads(url: str) -> Iterator[PendingUpload]:
    """Every multipart upload in progress whose key starts with the key of ``url``
    (``s3://bucket/prefix`` or ``s3+PROFILE://...``), across result pages."""
    from megfile_s3.errors import S3Error
    from megfile_s3.path import S3Path

    path = S3Path(url)
    if not path.bucket:
        raise ValueError(f"{url}: name a bucket (s3://bucket/prefix)")
    client = path._client
    params: dict[str, str] = {"Bucket": path.bucket, "Prefix": path.key}
    while True:
        with path._errors(client):
            page = client.list_multipart_uploads(**params)
        for item in page.get("Uploads") or []:
            yield PendingUpload(
                path.bucket, item["Key"], item["UploadId"], _aware(item["Initiated"])
            )
        key_marker = page.get("NextKeyMarker")
        id_marker = page.get("NextUploadIdMarker")
        if not page.get("IsTruncated") or not (key_marker or id_marker):
            return
        if (key_marker, id_marker) == (params.get("KeyMarker"), params.get("UploadIdMarker")):
            raise S3Error(
                f"{url}: the server repeats the same page of the upload "
                "listing (NextKeyMarker / NextUploadIdMarker do not advance)"
            )
        params["KeyMarker"] = key_marker or ""
        params["UploadIdMarker"] = id_marker or ""


def abort_uploads(
    url: str,
    older_than: dt.timedelta,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    report: Callable[[PendingUpload], None] | None = None,
) -> list[PendingUpload]:
    """Abort the uploads under ``url`` older than ``older_than``; returns them (with
    ``dry_run`` nothing is aborted). ``report(upload)`` is called after each abort
    (for each upload chosen, with ``dry_run``). An upload that vanished meanwhile
    (completed or aborted by someone else) is not an error."""
    from megfile_s3.errors import error_code
    from megfile_s3.path import S3Path

    stale = select_stale(list_uploads(url), older_than, now)
    if dry_run or not stale:
        for upload in stale:
            if report is not None:
                report(upload)
        return stale
    path = S3Path(url)
    client = path._client
    for upload in stale:
        target = path._derive(f"{upload.bucket}/{upload.key}")
        try:
            with target._errors(client):
                client.abort_multipart_upload(
                    Bucket=upload.bucket, Key=upload.key, UploadId=upload.upload_id
                )
        except FileNotFoundError as error:
            if error_code(error.__cause__ or error) != "NoSuchUpload":
                raise
        if report is not None:
            report(upload)
    return stale


def format_age(age: dt.timedelta) -> str:
    """``5d 3h``, ``7d``, ``2h 5m``, ``42s``."""
    seconds = max(int(age.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    for big, big_unit, small, small_unit in (
        (days, "d", hours, "h"),
        (hours, "h", minutes, "m"),
        (minutes, "m", secs, "s"),
    ):
        if big:
            return f"{big}{big_unit} {small}{small_unit}" if small else f"{big}{big_unit}"
    return f"{secs}s"


def describe(upload: PendingUpload, now: dt.datetime, scheme: str = "s3") -> str:
    """``URL<TAB>upload id<TAB>initiated (UTC, ISO 8601)<TAB>age``."""
    initiated = upload.initiated.astimezone(dt.timezone.utc).isoformat()
    return (
        f"{scheme}://{upload.bucket}/{upload.key}\t{upload.upload_id}\t{initiated}\t"
        f"{format_age(upload.age(now))}"
    )
