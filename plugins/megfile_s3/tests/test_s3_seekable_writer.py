"""``limited_seekable=True``: a multipart writer that can patch its head and tail."""

from __future__ import annotations

import gc
import io
import os
import time
from typing import Any

import pytest

from megfile_core import smart
from megfile_s3.writers import MIN_PART_SIZE, part_size_function

MiB = 1 << 20


def _uploads(s3: Any, bucket: str) -> list[Any]:
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def _wait_for(condition: Any) -> bool:
    """Parts upload on the pool: wait (at most 10 s) for ``condition()``."""
    deadline = time.monotonic() + 10
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return bool(condition())


def _parts(calls: Any) -> list[int]:
    return sorted(params["PartNumber"] for name, params in calls.params if name == "UploadPart")


def test_patch_header_after_the_body(bucket: str, s3: Any, calls: Any) -> None:
    url = f"s3://{bucket}/patched.bin"
    body = os.urandom(30 * MiB)
    header = b"HEADER-v2-000030"
    with smart.smart_open(url, "wb", limited_seekable=True, block_size=5 * MiB) as out:
        assert out.seekable()
        out.write(b"\0" * 16)
        for start in range(16, len(body), 3 * MiB):
            out.write(body[start : start + 3 * MiB])
        assert out.tell() == len(body)
        assert out.seek(0) == 0
        out.write(header)
        assert out.tell() == 16
        out.seek(-4, io.SEEK_END)  # and a trailer, in the tail
        out.write(b"TAIL")
        assert out.tell() == len(body)
        # body parts go up while writing; the head waits for close()
        assert _wait_for(lambda: calls["UploadPart"] >= 3)
        assert 1 not in _parts(calls)
    expected = header + body[16:-4] + b"TAIL"
    assert s3.get_object(Bucket=bucket, Key="patched.bin")["Body"].read() == expected
    assert _parts(calls) == list(range(1, 7))  # 6 parts of 5 MiB, the head is part 1
    assert calls["PutObject"] == 0
    assert _uploads(s3, bucket) == []


def test_seek_into_the_uploaded_middle_is_refused(bucket: str, s3: Any) -> None:
    url = f"s3://{bucket}/middle.bin"
    block = 5 * MiB
    data = os.urandom(4 * block)
    with smart.smart_open(url, "wb", limited_seekable=True, block_size=block) as out:
        out.write(data)
        with pytest.raises(
            io.UnsupportedOperation,
            match=r"cannot seek to 7340032.*head "
            r"\[0, 5242880\)",
        ) as caught:
            out.seek(7 * MiB)
        assert isinstance(caught.value, OSError)
        assert out.tell() == len(data)  # a refused seek does not move
        out.seek(block - 4)  # the end of the head: a write may not run into the body
        with pytest.raises(io.UnsupportedOperation, match="cannot write bytes"):
            out.write(b"12345678")
        out.write(b"1234")
        out.seek(len(data) - block)  # the start of the tail
        out.write(b"ABCD")
        out.seek(len(data) + 4)  # past the end: a hole of zeros
        out.write(b"!")
    expected = (
        data[: block - 4]
        + b"1234"
        + data[block : 3 * block]
        + b"ABCD"
        + data[3 * block + 4 :]
        + b"\0" * 4
        + b"!"
    )
    assert s3.get_object(Bucket=bucket, Key="middle.bin")["Body"].read() == expected


def test_small_file_is_one_put(bucket: str, s3: Any, calls: Any) -> None:
    url = f"s3://{bucket}/small.bin"
    with smart.smart_open(url, "wb", limited_seekable=True) as out:
        out.write(b"x" * 1000)
        out.seek(500)  # anywhere: everything is still in memory
        out.write(b"middle")
        out.seek(0)
        out.write(b"head")
    assert smart.smart_load_content(url) == b"head" + b"x" * 496 + b"middle" + b"x" * 494
    assert (calls["PutObject"], calls["CreateMultipartUpload"], calls["UploadPart"]) == (1, 0, 0)
    with smart.smart_open(f"s3://{bucket}/empty.bin", "wb", limited_seekable=True):
        pass
    assert smart.smart_load_content(f"s3://{bucket}/empty.bin") == b""
    # head + tail still in memory (default: one block each) is one PUT too
    calls.reset()
    tiny = os.urandom(MIN_PART_SIZE + 1000)
    with smart.smart_open(
        f"s3://{bucket}/two.bin", "wb", limited_seekable=True, block_size=MIN_PART_SIZE
    ) as out:
        out.write(tiny)
        out.seek(MIN_PART_SIZE + 10)
        out.write(b"T")
    assert (
        smart.smart_load_content(f"s3://{bucket}/two.bin")
        == tiny[: MIN_PART_SIZE + 10] + b"T" + tiny[MIN_PART_SIZE + 11 :]
    )
    assert (calls["PutObject"], calls["UploadPart"]) == (1, 0)


def test_failing_with_block_aborts(bucket: str, s3: Any) -> None:
    s3.put_object(Bucket=bucket, Key="keep.bin", Body=b"old")
    url = f"s3://{bucket}/keep.bin"
    with pytest.raises(RuntimeError, match="boom"):
        with smart.smart_open(url, "wb", limited_seekable=True, block_size=5 * MiB) as out:
            out.write(os.urandom(16 * MiB))
            assert _wait_for(lambda: _uploads(s3, bucket))  # parts are on the server
            raise RuntimeError("boom")
    assert smart.smart_load_content(url) == b"old"
    assert _uploads(s3, bucket) == []


def test_atomic_writer_dropped_without_close_aborts(bucket: str, s3: Any) -> None:
    url = f"s3://{bucket}/dropped.bin"
    out = smart.smart_open(url, "wb", limited_seekable=True, atomic=True, block_size=5 * MiB)
    out.write(os.urandom(16 * MiB))
    assert _wait_for(lambda: _uploads(s3, bucket))
    del out
    gc.collect()
    assert _wait_for(lambda: not _uploads(s3, bucket))
    assert not smart.smart_exists(url)


def test_refused_head_part_leaves_no_upload(bucket: str, s3: Any, inject: Any) -> None:
    url = f"s3://{bucket}/refused.bin"
    seen = inject("UploadPart", 403, "AccessDenied", times=0)
    out = smart.smart_open(url, "wb", limited_seekable=True, block_size=5 * MiB, tail_block_size=0)
    body_part = part_size_function(5 * MiB)(2)
    out.write(os.urandom(5 * MiB + body_part))  # the head, and one part that goes up now
    assert _wait_for(lambda: seen.get("UploadPart") == 1)
    inject("UploadPart", 403, "AccessDenied", times=1)  # the head, sent by close()
    with pytest.raises(PermissionError):
        out.close()
    assert seen["UploadPart"] == 2
    assert out.closed
    assert _uploads(s3, bucket) == []
    assert not smart.smart_exists(url)


def test_options_are_checked(bucket: str) -> None:
    with pytest.raises(TypeError, match="limited_seekable=True"):
        smart.smart_open(f"s3://{bucket}/x", "wb", head_block_size=MiB)
    with pytest.raises(TypeError, match="only for mode"):
        smart.smart_open(f"s3://{bucket}/x", "rb", limited_seekable=True, tail_block_size=MiB)
