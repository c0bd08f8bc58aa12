"""Upload bodies go to the socket as one view of the bytes in memory
(megfile_s3.bodies), and a request botocore sends again still carries them whole."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from megfile_core import smart

MiB = 1 << 20


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import megfile_s3.client
    import megfile_s3.lean

    # these are botocore's requests: a small object's lean PUT (megfile_s3.lean) is
    # turned off, so that it goes through put_object as well
    monkeypatch.setattr(megfile_s3.lean, "put", lambda *args: False)
    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "process_local")
    megfile_s3.client.clear_cache()
    yield megfile_s3.client.get_client(None)
    megfile_s3.client.clear_cache()


@pytest.fixture
def sent_bodies(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """(method, body) of every request handed to urllib3."""
    from botocore.httpsession import URLLib3Session

    seen: list[tuple[str, Any]] = []
    send = URLLib3Session.send

    def recording_send(self: Any, request: Any) -> Any:
        seen.append((request.method, request.body))
        return send(self, request)

    monkeypatch.setattr(URLLib3Session, "send", recording_send)
    return seen


def test_put_bodies_are_sent_as_one_view(
    bucket: str, s3: Any, client: Any, sent_bodies: list[tuple[str, Any]]
) -> None:
    data = os.urandom(16 * MiB)
    with smart.smart_open(f"s3://{bucket}/one.bin", "wb", block_size=8 * MiB) as handle:
        handle.write(data[: 8 * MiB])  # a bytes part: botocore would make it a BytesIO
        handle.write(data[8 * MiB :])
    smart.smart_save_content(f"s3://{bucket}/small.bin", b"small")
    puts = [body for method, body in sent_bodies if method == "PUT"]
    assert len(puts) == 3
    assert all(isinstance(body, memoryview) for body in puts), [type(b) for b in puts]
    assert s3.get_object(Bucket=bucket, Key="one.bin")["Body"].read() == data
    assert s3.get_object(Bucket=bucket, Key="small.bin")["Body"].read() == b"small"


def test_a_request_botocore_sends_again_is_whole(bucket: str, s3: Any, client: Any) -> None:
    """botocore re-sends a request itself after a region redirect: it rewinds the
    request's body first, which a view cannot do; the file it came from was never
    read, so the second request carries the whole part again."""
    again = {"UploadPart": 1, "PutObject": 1}

    def resend_once(attempts: int, operation: Any, **_: Any) -> int | None:
        if again.get(operation.name) and attempts == 1:
            again[operation.name] -= 1
            return 0  # retry at once, as the redirector does
        return None

    client.meta.events.register("needs-retry.s3", resend_once)
    try:
        data = os.urandom(12 * MiB)
        with smart.smart_open(f"s3://{bucket}/again.bin", "wb", block_size=5 * MiB) as handle:
            handle.write(data)
        smart.smart_save_content(f"s3://{bucket}/again-small.bin", b"small")
    finally:
        client.meta.events.unregister("needs-retry.s3", resend_once)
    assert again == {"UploadPart": 0, "PutObject": 0}
    assert s3.get_object(Bucket=bucket, Key="again.bin")["Body"].read() == data
    assert s3.get_object(Bucket=bucket, Key="again-small.bin")["Body"].read() == b"small"
