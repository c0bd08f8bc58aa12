"""What protects uploaded bodies (``AWS_S3_UPLOAD_CHECKSUM``, megfile_s3.integrity),
seen on the requests sent to moto, and parts of a large ``bytes`` write handed to
botocore without a copy."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from megfile_core import smart
from megfile_s3.writers import part_size_function

MiB = 1 << 20
#: the part size a 5 MiB block_size gives (megfile_s3.writers.part_size_function)
PART = part_size_function(5 * MiB)(1)


class Sent:
    """Headers and bodies of the requests megfile's client sends, by operation."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.bodies: list[tuple[str, Any]] = []

    def before_call(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        # the body as botocore got it, before anything reads it
        self.bodies.append((model.name, params.get("body")))

    def before_send(self, request: Any, **kwargs: Any) -> None:
        operation = kwargs.get("event_name", "").rpartition(".")[2]
        headers = {
            k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()
        }
        self.requests.append((operation, headers, request.body))

    def of(self, operation: str) -> list[dict[str, str]]:
        return [headers for name, headers, _ in self.requests if name == operation]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sent]:
    import megfile_s3.client

    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "process_local")
    megfile_s3.client.clear_cache()
    client = megfile_s3.client.get_client(None)
    record = Sent()
    client.meta.events.register("before-send.s3", record.before_send)
    client.meta.events.register_last("before-call.s3", record.before_call)
    yield record
    megfile_s3.client.clear_cache()


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def _write(url: str, data: bytes) -> None:
    with smart.smart_open(url, "wb", block_size=5 * MiB) as handle:
        handle.write(data)


def test_parts_and_puts_carry_a_crc32_and_go_unsigned(bucket: str, s3: Any, sent: Sent) -> None:
    data = os.urandom(12 * MiB)
    _write(f"s3://{bucket}/big.bin", data)
    _write(f"s3://{bucket}/small.bin", b"small")
    parts = sent.of("UploadPart")
    assert sorted(p["x-amz-checksum-crc32"] for p in parts) == sorted(
        _crc32(data[i : i + PART]) for i in range(0, len(data), PART)
    )
    (put,) = sent.of("PutObject")
    assert put["x-amz-checksum-crc32"] == _crc32(b"small")
    for headers in [*parts, put]:
        assert headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
        assert "content-md5" not in headers
    # the small XML body of the completion carries an MD5 instead of a signature
    (complete,) = [(h, b) for n, h, b in sent.requests if n == "CompleteMultipartUpload"]
    assert complete[0]["content-md5"] == _md5(complete[1])
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == data


def test_md5_mode_sends_content_md5_everywhere(
    bucket: str, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    import megfile_s3.client

    monkeypatch.setenv("AWS_S3_UPLOAD_CHECKSUM", "MD5")
    megfile_s3.client.clear_cache()
    megfile_s3.client.get_client(None).meta.events.register("before-send.s3", sent.before_send)
    data = os.urandom(6 * MiB)
    _write(f"s3://{bucket}/m.bin", data)
    parts = sent.of("UploadPart")
    assert sorted(p["content-md5"] for p in parts) == sorted([_md5(data[:PART]), _md5(data[PART:])])
    assert all("x-amz-checksum-crc32" not in p for p in parts)
    assert all(p["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD" for p in parts)
    assert smart.smart_load_content(f"s3://{bucket}/m.bin") == data


def test_sha256_mode_signs_the_payload(
    bucket: str, sent: Sent, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import megfile_s3.client

    config = tmp_path / "aws" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[default]\ns3 =\n    upload_checksum = sha256\n")
    megfile_s3.client.clear_cache()
    megfile_s3.client.get_client(None).meta.events.register("before-send.s3", sent.before_send)
    _write(f"s3://{bucket}/s.bin", b"signed")
    (put,) = sent.of("PutObject")
    assert put["x-amz-content-sha256"] == hashlib.sha256(b"signed").hexdigest()
    assert "x-amz-checksum-crc32" not in put and "content-md5" not in put


def test_an_unknown_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from megfile_s3 import config

    monkeypatch.setenv("PROD__AWS_S3_UPLOAD_CHECKSUM", "sha1")
    monkeypatch.setenv("PROD__AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    with pytest.raises(ValueError, match="PROD__AWS_S3_UPLOAD_CHECKSUM"):
        config.resolve("prod")


def _shares_memory(body: Any, source: bytes) -> bool:
    """Whether ``body`` (what botocore was given) reads from ``source`` itself."""
    view = getattr(body, "view", None)  # megfile_s3.integrity.PartBody
    if view is None and isinstance(body, io.BytesIO):
        view = memoryview(body.getvalue())
    return isinstance(view, memoryview) and view.obj is source


def test_parts_of_a_large_bytes_write_are_not_copied(bucket: str, s3: Any, sent: Sent) -> None:
    """One ``write`` of three parts: each part a view of the caller's object."""
    data = os.urandom(3 * PART)
    _write(f"s3://{bucket}/view.bin", data)
    bodies = [body for name, body in sent.bodies if name == "UploadPart"]
    assert len(bodies) == 3
    assert all(_shares_memory(body, data) for body in bodies)
    assert s3.get_object(Bucket=bucket, Key="view.bin")["Body"].read() == data
    parts = sent.of("UploadPart")
    assert sorted(p["x-amz-checksum-crc32"] for p in parts) == sorted(
        _crc32(data[i : i + PART]) for i in range(0, len(data), PART)
    )


def test_a_part_refused_for_its_digest_aborts_the_upload(bucket: str, s3: Any, inject: Any) -> None:
    """A store that finds a body changed on the way answers BadDigest: the write
    fails and the multipart upload is aborted (moto checks no digest: injected)."""
    inject("UploadPart", 400, "BadDigest", message="The CRC32 you specified did not match")
    with pytest.raises(Exception, match="BadDigest|did not match"):
        _write(f"s3://{bucket}/bad.bin", os.urandom(11 * MiB))
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_a_checksum_the_caller_asks_botocore_for_is_left_alone(
    bucket: str, sent: Sent, s3: Any
) -> None:
    import megfile_s3.client

    client = megfile_s3.client.get_client(None)
    client.put_object(Bucket=bucket, Key="own.bin", Body=b"own", ChecksumAlgorithm="SHA256")
    (put,) = sent.of("PutObject")
    expected = base64.b64encode(hashlib.sha256(b"own").digest()).decode()
    assert put["x-amz-checksum-sha256"] == expected
    assert "x-amz-checksum-crc32" not in put
    assert s3.get_object(Bucket=bucket, Key="own.bin")["Body"].read() == b"own"
