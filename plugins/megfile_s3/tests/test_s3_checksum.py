"""``sync --checksum`` with S3 on either side (moto): the ETag stands for the MD5
only when it is one (a single PUT, no SSE-KMS); otherwise the content is hashed."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Calls

import megfile_core
from megfile_core.types import StatResult
from megfile_s3.etag import is_md5, plain_md5

MIB = 1 << 20


def _old(path: Path) -> None:
    """An mtime a day back: size+mtime alone would call the object current."""
    day_ago = time.time() - 86400
    os.utime(path, (day_ago, day_ago))


def test_local_to_s3_uses_the_etag_of_a_single_put(
    tmp_path: Path, s3: Any, bucket: str, calls: Calls
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a").write_bytes(b"first")
    (src / "b").write_bytes(b"same")
    url = f"s3://{bucket}/t"
    assert megfile_core.smart_sync(str(src), url).copied == 2
    (src / "a").write_bytes(b"FIRST")  # same size, other bytes, older than the object
    _old(src / "a")
    assert megfile_core.smart_sync(str(src), url).skipped == 2
    calls.reset()
    checked = megfile_core.smart_sync(str(src), url, checksum=True)
    assert (checked.copied, checked.skipped) == (1, 1)
    assert calls["GetObject"] == 0  # the ETags told the MD5s
    # a listing does not tell the encryption: one HEAD per compared object
    assert {p["Key"] for name, p in calls.params if name == "HeadObject"} == {"t/a", "t/b"}
    assert s3.get_object(Bucket=bucket, Key="t/a")["Body"].read() == b"FIRST"


def test_a_multipart_object_is_hashed(
    tmp_path: Path, s3: Any, bucket: str, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEGFILE_WRITER_BLOCK_SIZE", "5Mi")
    data = os.urandom(12 * MIB)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "big").write_bytes(data)
    url = f"s3://{bucket}/t"
    megfile_core.smart_sync(str(tmp_path / "src"), url)
    assert "-" in s3.head_object(Bucket=bucket, Key="t/big")["ETag"]
    _old(tmp_path / "src" / "big")
    calls.reset()
    same = megfile_core.smart_sync(str(tmp_path / "src"), url, checksum=True)
    assert (same.copied, same.skipped) == (0, 1)
    assert calls["GetObject"] >= 1 and calls["HeadObject"] == 0  # hashed, no HEAD needed
    changed = bytearray(data)
    changed[7 * MIB] ^= 1
    (tmp_path / "src" / "big").write_bytes(bytes(changed))
    _old(tmp_path / "src" / "big")
    assert megfile_core.smart_sync(str(tmp_path / "src"), url, checksum=True).copied == 1
    assert s3.get_object(Bucket=bucket, Key="t/big")["Body"].read() == bytes(changed)


def test_an_sse_kms_etag_is_not_trusted(tmp_path: Path, s3: Any, bucket: str, calls: Calls) -> None:
    s3.put_object(Bucket=bucket, Key="t/k", Body=b"kms bytes", ServerSideEncryption="aws:kms")
    local = tmp_path / "dst"
    local.mkdir()
    (local / "k").write_bytes(b"kms bytes")
    _old(local / "k")
    calls.reset()
    result = megfile_core.smart_sync(f"s3://{bucket}/t", str(local), checksum=True)
    assert (result.copied, result.skipped) == (0, 1)
    assert calls["GetObject"] >= 1  # the content was read and hashed
    assert (local / "k").stat().st_mtime < time.time() - 3600  # untouched


def test_s3_to_local_recopies_what_differs(tmp_path: Path, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="t/x", Body=b"remote")
    s3.put_object(Bucket=bucket, Key="t/y", Body=b"equal")
    local = tmp_path / "dst"
    local.mkdir()
    for name, data in (("x", b"local!"), ("y", b"equal")):
        (local / name).write_bytes(data)
        future = time.time() + 3600  # newer than the objects: size+mtime skip both
        os.utime(local / name, (future, future))
    assert megfile_core.smart_sync(f"s3://{bucket}/t", str(local)).skipped == 2
    result = megfile_core.smart_sync(f"s3://{bucket}/t", str(local), checksum=True)
    assert (result.copied, result.skipped) == (1, 1)
    assert (local / "x").read_bytes() == b"remote"


def test_plain_md5_reads_head_answers_and_listing_items(bucket: str, s3: Any) -> None:
    s3.put_object(Bucket=bucket, Key="p", Body=b"plain")
    path = megfile_core.SmartPath(f"s3://{bucket}/p").pathlike
    digest = hashlib.md5(b"plain").hexdigest()
    assert plain_md5(path) == digest
    multipart = StatResult(5, extra={"Key": "p", "Size": 5, "ETag": '"abc-2"'})
    assert plain_md5(path, multipart) is None
    head = {"ContentLength": 5, "ETag": f'"{digest}"'}
    assert plain_md5(path, StatResult(5, extra=head)) == digest
    kms = {**head, "ServerSideEncryption": "aws:kms"}
    assert plain_md5(path, StatResult(5, extra=kms)) is None
    sse_c = {**head, "SSECustomerAlgorithm": "AES256"}
    assert plain_md5(path, StatResult(5, extra=sse_c)) is None
    link = {**head, "Metadata": {"symlink_to": "s3://b/x"}}
    assert plain_md5(path, StatResult(5, extra=link)) is None
    assert is_md5(digest) and not is_md5("abc-2") and not is_md5("g" * 32)


def test_a_dry_run_to_s3_changes_nothing(tmp_path: Path, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="t/a", Body=b"AAAA")
    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "a").write_bytes(b"BBBB")
    (tmp_path / "src" / "sub" / "b").write_bytes(b"new")
    _old(tmp_path / "src" / "a")
    before = s3.list_objects_v2(Bucket=bucket)["Contents"]
    result = megfile_core.smart_sync(
        str(tmp_path / "src"), f"s3://{bucket}/t", dry_run=True, checksum=True
    )
    assert sorted(target for _, target in result.planned) == [
        f"s3://{bucket}/t/a",
        f"s3://{bucket}/t/sub/b",
    ]
    assert s3.list_objects_v2(Bucket=bucket)["Contents"] == before
    assert _pending_uploads(s3, bucket) == 0


def _pending_uploads(s3: Any, bucket: str) -> int:
    return len(s3.list_multipart_uploads(Bucket=bucket).get("Uploads") or [])
