"""Stale multipart uploads: the age filter, and ``megfile s3 abort-uploads`` against
moto. moto reports one fixed ``Initiated`` time for every upload, so ages on the
server are tested with ``0s`` (everything) against a century (nothing), and with a
``now`` placed relative to the time the listing reports."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from megfile_s3.uploads import (
    PendingUpload,
    abort_uploads,
    format_age,
    list_uploads,
    parse_duration,
    select_stale,
)

MEGFILE = str(Path(sys.executable).with_name("megfile"))
NOW = dt.datetime(2025, 1, 10, 12, 0, tzinfo=dt.timezone.utc)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MEGFILE, *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )


def _open_uploads(s3: Any, bucket: str) -> list[str]:
    return sorted(u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30m", 1800),
        ("24h", 86400),
        ("7d", 7 * 86400),
        ("2w", 14 * 86400),
        ("90", 90),
        ("0s", 0),
        ("1.5h", 5400),
        (" 10M ", 600),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "abc", "-5m", "5y", "1h30m", "h"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_select_stale_with_fixed_times() -> None:
    def upload(name: str, hours: float) -> PendingUpload:
        return PendingUpload("b", name, f"id-{name}", NOW - dt.timedelta(hours=hours))

    uploads = [upload("fresh", 1), upload("day", 24), upload("older", 25), upload("week", 8 * 24)]
    naive = PendingUpload("b", "naive", "id", dt.datetime(2025, 1, 9, 11, 0))  # UTC
    names = lambda chosen: [u.key for u in chosen]  # noqa: E731
    assert names(select_stale(uploads, parse_duration("24h"), NOW)) == ["day", "older", "week"]
    assert names(select_stale(uploads, parse_duration("7d"), NOW)) == ["week"]
    assert names(select_stale(uploads, parse_duration("30m"), NOW)) == [
        "fresh",
        "day",
        "older",
        "week",
    ]
    assert names(select_stale(uploads, parse_duration("9d"), NOW)) == []
    assert names(select_stale(uploads, dt.timedelta(0), NOW)) == names(uploads)
    assert names(select_stale([naive], parse_duration("25h"), NOW)) == ["naive"]
    assert names(select_stale([naive], parse_duration("26h"), NOW)) == []
    assert uploads[2].age(NOW) == dt.timedelta(hours=25)
    assert [format_age(u.age(NOW)) for u in uploads] == ["1h", "1d", "1d 1h", "8d"]
    assert format_age(dt.timedelta(seconds=5430)) == "1h 30m"
    assert format_age(dt.timedelta(seconds=42)) == "42s"
    with pytest.raises(ValueError, match="negative"):
        select_stale(uploads, dt.timedelta(seconds=-1), NOW)


def test_abort_uploads_relative_to_the_reported_time(bucket: str, s3: Any) -> None:
    s3.create_multipart_upload(Bucket=bucket, Key="job/part.bin")
    url = f"s3://{bucket}/job/"
    [pending] = list_uploads(url)
    a_day_later = pending.initiated + dt.timedelta(days=1)
    assert abort_uploads(url, parse_duration("2d"), now=a_day_later) == []
    assert abort_uploads(url, parse_duration("12h"), now=a_day_later, dry_run=True) == [pending]
    assert _open_uploads(s3, bucket) == ["job/part.bin"]
    reported: list[PendingUpload] = []
    assert abort_uploads(url, parse_duration("12h"), now=a_day_later, report=reported.append) == [
        pending
    ]
    assert reported == [pending]
    assert _open_uploads(s3, bucket) == []
    with pytest.raises(ValueError, match="name a bucket"):
        list(list_uploads("s3://"))


def test_cli_abort_uploads(bucket: str, s3: Any) -> None:
    ids = {
        key: s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        for key in ("tmp/a.bin", "tmp/sub/b.bin", "tmp/c d.bin", "tmp2/x.bin", "keep/y.bin")
    }
    s3.put_object(Bucket=bucket, Key="tmp/done.bin", Body=b"complete objects stay")
    everything = sorted(ids)
    stale = ["tmp/a.bin", "tmp/c d.bin", "tmp/sub/b.bin"]
    url = f"s3://{bucket}/tmp/"

    young = _run("s3", "abort-uploads", url, "--older-than", "36500d")
    assert young.returncode == 0, young.stderr
    assert young.stdout == ""
    assert "aborted 0 uploads older than 36500d under" in young.stderr
    assert _open_uploads(s3, bucket) == everything

    dry = _run("s3", "abort-uploads", url, "--older-than", "0s", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    lines = [line.split("\t") for line in dry.stdout.splitlines()]
    assert sorted(line[0] for line in lines) == [f"s3://{bucket}/{k}" for k in stale]
    for line in lines:
        assert line[1] == ids[line[0].split("/", 3)[3]]
        assert dt.datetime.fromisoformat(line[2]).tzinfo is not None
    assert "would abort 3 uploads older than 0s" in dry.stderr
    assert _open_uploads(s3, bucket) == everything

    done = _run("s3", "abort-uploads", url, "--older-than", "0s")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3
    assert "aborted 3 uploads" in done.stderr
    assert _open_uploads(s3, bucket) == ["keep/y.bin", "tmp2/x.bin"]
    assert s3.get_object(Bucket=bucket, Key="tmp/done.bin")["Body"].read()

    bad = _run("s3", "abort-uploads", url, "--older-than", "soon")
    assert bad.returncode == 2
    assert "not a duration" in bad.stderr
    missing = _run("s3", "abort-uploads", f"s3://{bucket}-nope/x", "--older-than", "1h")
    assert missing.returncode == 1
    assert "no such bucket" in missing.stderr
