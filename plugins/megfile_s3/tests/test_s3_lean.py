"""Lean GETs (``megfile_s3.lean``): the open probe and whole-object loads in one
request each, signed like botocore, with every other answer left to get_object."""

from __future__ import annotations

import base64
import datetime
import hashlib
import logging
import os
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.httpsession import URLLib3Session

from megfile_core import smart
from megfile_s3 import lean
from megfile_s3.client import clear_cache, get_client
from megfile_s3.presigned import PresignedRanges
from megfile_s3.readers import PROBE_SIZE
from megfile_s3.wire import Wire

MiB = 1 << 20
KEYS = ["plain.bin", "dir/a b#?%+ü~.bin", "dir/%2F..%2F&x=1.bin", "d//x/./y"]


class Sent:
    """Every request botocore's HTTP session or the lean requests' connections
    (``megfile_s3.wire``) sent (the benchmark counts there too)."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    def lean(self) -> list[Any]:
        return [r for r in self.requests if r.headers.get("User-Agent") == lean.USER_AGENT]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sent]:
    record = Sent()
    real = URLLib3Session.send

    def send(self: URLLib3Session, request: Any) -> Any:
        record.requests.append(request)
        return real(self, request)

    monkeypatch.setattr(URLLib3Session, "send", send)
    real_wire = Wire.send

    def wire_send(self: Wire, request: Any) -> Any:
        record.requests.append(request)
        return real_wire(self, request)

    monkeypatch.setattr(Wire, "send", wire_send)
    return record


def _assert_signed_as_botocore(
    request: Any,
    reference: AWSRequest,
    moment: datetime.datetime,
    token: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``reference`` signed by botocore at ``moment`` carries the same signature."""
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: moment)
    signer = S3SigV4Auth(
        Credentials("AKIAEXAMPLEEXAMPLE00", "secret/key+value", token), "s3", "us-east-1"
    )
    signer.add_auth(reference)
    for name in ("Authorization", "X-Amz-Date", "X-Amz-Content-SHA256"):
        assert request.headers[name] == reference.headers[name], name


@pytest.mark.parametrize("token", [None, "session-token/with+odd=chars"])
@pytest.mark.parametrize("key", KEYS)
def test_the_signature_is_the_one_botocore_computes(
    key: str, token: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret/key+value")
    if token:
        monkeypatch.setenv("AWS_SESSION_TOKEN", token)
    client = get_client()
    moment = datetime.datetime(2026, 5, 17, 23, 59, 58)
    for first, last in ((None, None), (0, PROBE_SIZE - 1), (7, None)):
        request = lean.signed_request(client, "bucket", key, first, last, moment.timetuple())
        assert request is not None
        headers = {
            name: value
            for name, value in request.headers.items()
            if name in ("Host", "Range", "User-Agent")
        }
        reference = AWSRequest("GET", request.url, headers=headers)
        _assert_signed_as_botocore(request, reference, moment, token, monkeypatch)
        assert request.headers.get("X-Amz-Security-Token") == token


@pytest.mark.parametrize("key", KEYS)
def test_the_url_is_the_one_botocore_builds(key: str, bucket: str) -> None:
    client = get_client()
    request = lean.signed_request(client, bucket, key)
    assert request is not None
    presigned = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key})
    assert request.url == presigned.partition("?")[0]
    assert "?" not in request.url  # the signature travels in a header only


def test_whole_objects_and_ranges_match_get_object(bucket: str, s3: Any) -> None:
    blob = os.urandom(PROBE_SIZE + MiB)
    s3.put_object(Bucket=bucket, Key="k.bin", Body=blob, Metadata={"Color": "blue", "n": "1"})
    reference = s3.get_object(Bucket=bucket, Key="k.bin")
    assert reference["Body"].read() == blob
    client = get_client()
    whole = lean.get(client, bucket, "k.bin")
    assert isinstance(whole, lean.LeanAnswer)
    assert (whole.data, whole.size) == (blob, len(blob))
    assert whole.response() == {
        "ETag": reference["ETag"],
        "LastModified": reference["LastModified"],
        "Metadata": reference["Metadata"],
    }
    probe = lean.get(client, bucket, "k.bin", 0, PROBE_SIZE - 1)  # larger than the probe
    assert isinstance(probe, lean.LeanAnswer)
    assert (probe.data, probe.size, probe.etag) == (blob[:PROBE_SIZE], len(blob), whole.etag)
    tail = lean.get(client, bucket, "k.bin", len(blob) - 10, None)
    assert isinstance(tail, lean.LeanAnswer) and tail.data == blob[-10:]


def test_empty_objects(bucket: str, s3: Any, sent: Sent) -> None:
    s3.put_object(Bucket=bucket, Key="empty", Body=b"", Metadata={"a": "b"})
    client = get_client()
    whole = lean.get(client, bucket, "empty")
    assert isinstance(whole, lean.LeanAnswer)
    assert (whole.data, whole.size, whole.metadata) == (b"", 0, {"a": "b"})
    assert lean.get(client, bucket, "empty", 0, PROBE_SIZE - 1) == 416
    sent.requests.clear()
    assert smart.smart_load_content(f"s3://{bucket}/empty") == b""
    assert len(sent.requests) == len(sent.lean()) == 1
    sent.requests.clear()
    with smart.smart_open(f"s3://{bucket}/empty", "rb") as handle:
        assert handle.read() == b""
    # the lean probe's 416, then the plain GET get_object sent before as well (after
    # its own ranged GET failed alike), now lean too: two requests, as before
    assert len(sent.requests) == 2 and len(sent.lean()) == 2


def test_one_lean_request_per_small_object(bucket: str, s3: Any, sent: Sent) -> None:
    blobs = {f"o{i}.bin": os.urandom(64 << 10) for i in range(10)}
    for key, blob in blobs.items():
        s3.put_object(Bucket=bucket, Key=key, Body=blob)
    sent.requests.clear()
    for key, blob in blobs.items():
        with smart.smart_open(f"s3://{bucket}/{key}", "rb") as handle:
            assert handle.read() == blob
        assert smart.smart_load_content(f"s3://{bucket}/{key}") == blob
    assert len(sent.requests) == len(sent.lean()) == 2 * len(blobs)
    assert {r.method for r in sent.requests} == {"GET"}


def _without_lean(patch: pytest.MonkeyPatch) -> None:
    patch.setattr(lean, "get", lambda *args, **kwargs: None)
    patch.setattr(lean, "send", lambda *args, **kwargs: None)


def test_a_missing_key_raises_what_get_object_raises(bucket: str, s3: Any, sent: Sent) -> None:
    url = f"s3://{bucket}/missing.bin"
    raised = []
    for use_lean in (True, False):
        with pytest.MonkeyPatch.context() as patch:
            if not use_lean:
                _without_lean(patch)
            sent.requests.clear()
            with pytest.raises(FileNotFoundError) as opening:
                smart.smart_open(url, "rb")
            with pytest.raises(FileNotFoundError) as loading:
                smart.smart_load_content(url)
        raised.append((type(opening.value), str(opening.value), str(loading.value)))
        assert len(sent.lean()) == (2 if use_lean else 0)  # the 404s: then get_object's
    assert raised[0] == raised[1]
    s3.put_object(Bucket=bucket, Key="there.bin", Body=b"x")
    sent.requests.clear()
    assert smart.smart_load_content(f"s3://{bucket}/there.bin") == b"x"
    assert len(sent.lean()) == 1  # a 404 does not turn the lean path off


def test_a_403_is_a_permission_error_and_turns_the_bucket_lean_off(
    bucket: str, s3: Any, inject: Any
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    seen = inject("GetObject", 403, "AccessDenied", times=2)  # the lean GET, get_object
    with pytest.raises(PermissionError):
        smart.smart_load_content(f"s3://{bucket}/k")
    assert seen["GetObject"] == 2
    assert lean.signed_request(get_client(), bucket, "k") is None
    assert smart.smart_load_content(f"s3://{bucket}/k") == b"data"
    assert seen["GetObject"] == 3  # one get_object, no lean GET before it


def test_a_transient_answer_to_the_lean_get_is_left_to_get_object(
    bucket: str, s3: Any, inject: Any
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    seen = inject("GetObject", 503, "SlowDown", times=1)
    with smart.smart_open(f"s3://{bucket}/k", "rb") as handle:
        assert handle.read() == b"data"
    assert seen["GetObject"] == 2  # the lean GET's 503, then get_object
    assert lean.signed_request(get_client(), bucket, "k") is not None  # still lean


def test_other_signers_never_go_lean(
    bucket: str, s3: Any, sent: Sent, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "aws" / "config"
    config.parent.mkdir(exist_ok=True)
    config.write_text("[default]\ns3 =\n    signature_version = s3\n")
    clear_cache()
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    assert lean.signed_request(get_client(), bucket, "k") is None
    sent.requests.clear()
    assert smart.smart_load_content(f"s3://{bucket}/k") == b"data"
    with smart.smart_open(f"s3://{bucket}/k", "rb") as handle:
        assert handle.read() == b"data"
    assert len(sent.requests) == 2 and not sent.lean()


def test_no_signature_reaches_a_log_line_an_error_or_a_repr(
    bucket: str, sent: Sent, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"s3://{bucket}/big.bin"
    blob = os.urandom(3 * MiB)
    smart.smart_save_content(url, blob)
    smart.smart_load_content(f"s3://{bucket}/big.bin", 0, 1)  # the bucket's target, known
    sent.requests.clear()
    with caplog.at_level(logging.DEBUG):
        with smart.smart_open(url, "rb", block_size=MiB) as handle:
            assert handle.read() == blob
            shown = repr(handle) + str(handle)
        assert smart.smart_load_content(url) == blob
    # (botocore's own requests are left out: at DEBUG it logs their signatures itself,
    # and its GetObject after the lean GET's 404 is signed alike in the same second)
    with pytest.raises(FileNotFoundError) as missing:
        smart.smart_load_content(f"s3://{bucket}/missing")
    signed = sent.lean()
    assert len(signed) >= 1 + 2 + 1 + 1  # the probe, two blocks, the load, the 404
    signatures = [r.headers["Authorization"].rpartition("Signature=")[2] for r in signed]
    text = caplog.text + shown + str(missing.value) + repr(missing.value)
    assert "X-Amz-Signature" not in text
    leaked = [line for line in text.splitlines() if any(s in line for s in signatures)]
    assert not leaked
    assert all("?" not in r.url for r in signed)


def test_the_signing_key_follows_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    client = get_client()
    moment = datetime.datetime(2026, 5, 17, 23, 59, 59)
    day = moment.timetuple()
    next_day = (moment + datetime.timedelta(seconds=2)).timetuple()
    first = lean.signed_request(client, "bucket", "k", when=day)
    second = lean.signed_request(client, "bucket", "k", when=next_day)
    assert first is not None and second is not None
    assert "/20260517/" in first.headers["Authorization"]
    assert "/20260518/" in second.headers["Authorization"]


# -- lean PUTs ---------------------------------------------------------------


@pytest.mark.parametrize("mode", ["crc32", "md5", "sha256"])
@pytest.mark.parametrize("token", [None, "session-token/with+odd=chars"])
def test_a_put_is_signed_as_botocore_signs_it(
    mode: str, token: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.config import Config

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret/key+value")
    monkeypatch.setenv("AWS_S3_UPLOAD_CHECKSUM", mode)
    if token:
        monkeypatch.setenv("AWS_SESSION_TOKEN", token)
    clear_cache()
    client = get_client()
    moment = datetime.datetime(2026, 5, 17, 23, 59, 58)
    body = b"some bytes \x00\xff" * 300
    request = lean.put_request(client, "bucket", "dir/a b#?.bin", body, moment.timetuple())
    assert request is not None and request.method == "PUT" and request.body == body
    checks = {"crc32": "x-amz-checksum-crc32", "md5": "Content-MD5", "sha256": None}
    check = checks[mode]
    assert all(request.headers.get(name) is None for name in checks.values() if name != check)
    headers = {
        name: value
        for name, value in request.headers.items()
        if name in ("Host", "User-Agent", check)
    }
    reference = AWSRequest("PUT", request.url, headers=headers, data=body)
    reference.context["client_config"] = Config(s3={"payload_signing_enabled": mode == "sha256"})
    _assert_signed_as_botocore(request, reference, moment, token, monkeypatch)
    assert request.headers["Content-Length"] == str(len(body))
    if mode == "crc32":  # what the store checks the body against
        expected = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
        assert request.headers["x-amz-checksum-crc32"] == expected
    elif mode == "md5":
        expected = base64.b64encode(hashlib.md5(body).digest()).decode()
        assert request.headers["Content-MD5"] == expected
    else:
        assert request.headers["X-Amz-Content-SHA256"] == hashlib.sha256(body).hexdigest()
    clear_cache()


@pytest.mark.parametrize("mode", ["crc32", "md5", "sha256"])
def test_small_writes_are_one_lean_put_each_in_every_mode(
    mode: str, bucket: str, s3: Any, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_S3_UPLOAD_CHECKSUM", mode)
    clear_cache()
    blobs = {f"p{i}.bin": os.urandom(1000 * i) for i in range(4)}  # an empty one too
    sent.requests.clear()
    for key, blob in blobs.items():
        smart.smart_save_content(f"s3://{bucket}/{key}", blob)
    with smart.smart_open(f"s3://{bucket}/opened.bin", "wb") as handle:
        handle.write(b"written")
    blobs["opened.bin"] = b"written"
    assert len(sent.requests) == len(sent.lean()) == len(blobs)
    assert {r.method for r in sent.requests} == {"PUT"}
    for key, blob in blobs.items():
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == blob
    clear_cache()


def test_a_put_the_store_refuses_is_left_to_put_object(bucket: str, s3: Any, inject: Any) -> None:
    """A 400 (here BadDigest: a body changed on the way) to the lean PUT: put_object
    sends it again and raises or stores; a 400 also turns the bucket's lean path
    off on that client, as for GETs."""
    seen = inject("PutObject", 400, "BadDigest", times=1)
    smart.smart_save_content(f"s3://{bucket}/k.bin", b"the real bytes")
    assert s3.get_object(Bucket=bucket, Key="k.bin")["Body"].read() == b"the real bytes"
    assert seen["PutObject"] == 2  # refused, then put_object
    assert lean.put_request(get_client(), bucket, "k.bin", b"") is None
    smart.smart_save_content(f"s3://{bucket}/k2.bin", b"more")
    assert seen["PutObject"] == 3  # put_object only


def test_a_transient_answer_or_a_broken_connection_is_left_to_put_object(
    bucket: str, s3: Any, inject: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = inject("PutObject", 503, "SlowDown", times=1)
    smart.smart_save_content(f"s3://{bucket}/a.bin", b"aaa")
    assert seen["PutObject"] == 2  # the lean PUT's 503, then put_object's
    assert s3.get_object(Bucket=bucket, Key="a.bin")["Body"].read() == b"aaa"
    assert lean.put_request(get_client(), bucket, "b.bin", b"b") is not None  # still lean

    def reset(self: Wire, request: Any) -> Any:
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(Wire, "send", reset)
    smart.smart_save_content(f"s3://{bucket}/b.bin", b"bbb")
    assert s3.get_object(Bucket=bucket, Key="b.bin")["Body"].read() == b"bbb"


def test_an_exclusive_write_never_goes_lean(bucket: str, s3: Any, sent: Sent) -> None:
    url = f"s3://{bucket}/x.bin"
    sent.requests.clear()
    with smart.smart_open(url, "xb") as handle:
        handle.write(b"first")
    # a HEAD (is it there?), then put_object with If-None-Match; the HEAD is lean (a
    # client not built yet asks so: megfile_s3.deferred), the PUT never
    assert [r.method for r in sent.requests] == ["HEAD", "PUT"]
    assert [r.method for r in sent.lean()] == ["HEAD"]
    with pytest.raises(FileExistsError), smart.smart_open(url, "xb") as handle:
        handle.write(b"second")
    assert s3.get_object(Bucket=bucket, Key="x.bin")["Body"].read() == b"first"


def test_answers_over_the_wire_tell_the_reader_how_long_they_waited(bucket: str, s3: Any) -> None:
    """Ranged answers report their wait for the headers (``RangeResult.waited``),
    and so do the probe's bytes served from memory: the reader judges one
    connection's rate net of the round trip (``megfile_core.io.window``)."""
    blob = os.urandom(PROBE_SIZE + 3 * MiB)
    s3.put_object(Bucket=bucket, Key="w.bin", Body=blob)
    with smart.smart_open(f"s3://{bucket}/w.bin", "rb") as reader:
        assert reader.read() == blob
        latency = reader._pace.latency  # type: ignore[attr-defined]
        assert latency is not None and 0 < latency < 5
    answer = PresignedRanges(get_client(), bucket, "w.bin").get_into(MiB, 2 * MiB - 1, None)
    assert answer is not None and answer[0] == blob[MiB : 2 * MiB]
    assert answer[3] is not None and 0 < answer[3] < 5
