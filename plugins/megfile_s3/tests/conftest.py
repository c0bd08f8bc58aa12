"""Fixtures of the S3 plugin's tests: one moto server per session, a fresh bucket per
test, and an environment that points ``s3://`` at moto and nowhere else."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from s3server import MotoS3


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoS3]:
    server = MotoS3.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def s3_env(moto_server: MotoS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> MotoS3:
    """Point ``s3://`` at moto; no real ~/.aws, no leftover AWS_* variables."""
    for name in list(os.environ):
        if (
            name.startswith(("AWS_", "OSS_"))
            or "__AWS_" in name
            or "__OSS_" in name
            or name.startswith("MEGFILE_S3_")
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws" / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws" / "config"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name, value in moto_server.env().items():
        monkeypatch.setenv(name, value)
    import megfile_s3.client

    monkeypatch.setattr(megfile_s3.client, "sleep", lambda seconds: None)
    return moto_server


@pytest.fixture
def bucket(moto_server: MotoS3) -> str:
    return moto_server.new_bucket()


@pytest.fixture
def s3(moto_server: MotoS3) -> Any:
    """A plain boto3 client for assertions."""
    return moto_server.client()


class Calls:
    """Counts the API calls megfile's (process-shared) S3 client makes; a ranged GET
    over a presigned URL (:mod:`megfile_s3.presigned`) counts as a ``GetObject``
    with its ``Range``, the presigning itself as ``presign``; so does a lean GET
    (:mod:`megfile_s3.lean`) whose answer was used, one whose answer was left to
    ``get_object`` counts as ``lean-unused``; a lean listing page used counts as a
    ``ListObjectsV2``, a lean PUT the store took as a ``PutObject``."""

    def __init__(self) -> None:
        from collections import Counter

        self.counts: Counter[str] = Counter()
        self.params: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, model: Any, params: dict[str, Any], context: Any = None, **_: Any) -> None:
        name = "presign" if (context or {}).get("is_presign_request") else model.name
        if name == "presign" and params.get("Key") == "megfile-lean-probe":
            name = "lean-presign"  # megfile_s3.lean learning a bucket's URL (no request)
        self.counts[name] += 1
        self.params.append((name, params))

    def __getitem__(self, name: str) -> int:
        return self.counts[name]

    def reset(self) -> None:
        self.counts.clear()
        self.params.clear()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    """Share one client per process (every thread's calls are seen) and count."""
    import megfile_s3.client

    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "process_local")
    megfile_s3.client.clear_cache()
    counter = Calls()
    client = megfile_s3.client.get_client(None)
    client.meta.events.register("before-parameter-build.s3", counter)
    from megfile_s3.presigned import PresignedRanges

    real_get = PresignedRanges.get_into  # get() goes through it too

    def counted_get(self: PresignedRanges, start: int, end: int, buffer: Any) -> Any:
        answer = real_get(self, start, end, buffer)
        if answer is not None:
            counter.counts["GetObject"] += 1
            counter.params.append(("GetObject", {"Range": f"bytes={start}-{end}"}))
        return answer

    monkeypatch.setattr(PresignedRanges, "get_into", counted_get)
    import megfile_s3.lean

    real_lean = megfile_s3.lean.get

    def counted_lean(
        client: Any, bucket: str, key: str, first: int | None = None, last: int | None = None
    ) -> Any:
        answer = real_lean(client, bucket, key, first, last)
        if isinstance(answer, megfile_s3.lean.LeanAnswer):
            params: dict[str, Any] = {"Bucket": bucket, "Key": key}
            if first is not None:
                params["Range"] = f"bytes={first}-{'' if last is None else last}"
            counter.counts["GetObject"] += 1
            counter.params.append(("GetObject", params))
        elif answer is not None:  # sent, its answer left to get_object
            counter.counts["lean-unused"] += 1
            counter.params.append(("lean-unused", {"Bucket": bucket, "Key": key}))
        return answer

    monkeypatch.setattr(megfile_s3.lean, "get", counted_lean)
    real_put = megfile_s3.lean.put

    def counted_put(client: Any, bucket: str, key: str, data: bytes) -> bool:
        stored = real_put(client, bucket, key, data)
        if stored:  # a lean PutObject the store took (else put_object is counted)
            counter.counts["PutObject"] += 1
            counter.params.append(("PutObject", {"Bucket": bucket, "Key": key, "Body": data}))
        return stored

    monkeypatch.setattr(megfile_s3.lean, "put", counted_put)
    import megfile_s3.path

    real_page = megfile_s3.path.lean_page

    def counted_page(
        client: Any,
        bucket: str,
        prefix: str,
        after: str | None,
        max_keys: int,
        stop: str | None = None,
    ) -> Any:
        page = real_page(client, bucket, prefix, after, max_keys, stop)
        if page is not None:  # a lean ListObjectsV2 whose page was used
            params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": max_keys}
            if after is not None:
                params["StartAfter"] = after
            counter.counts["ListObjectsV2"] += 1
            counter.params.append(("ListObjectsV2", params))
        return page

    monkeypatch.setattr(megfile_s3.path, "lean_page", counted_page)
    yield counter
    client.meta.events.unregister("before-parameter-build.s3", counter)
    megfile_s3.client.clear_cache()


class FakeResponse:
    """What a ``before-send`` handler returns instead of sending the request."""

    def __init__(
        self, status: int, code: str, message: str = "injected", condition: str = ""
    ) -> None:
        self.status = status
        extra = f"<Condition>{condition}</Condition>" if condition else ""
        self.body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}</Message>{extra}</Error>"
        ).encode()

    def response(self, url: str) -> Any:
        from botocore.awsrequest import AWSResponse

        body = self.body

        class Raw:
            def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
                yield body

        return AWSResponse(url, self.status, {"Content-Type": "application/xml"}, Raw())


@pytest.fixture
def inject(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``inject("PutObject", 503, "SlowDown", times=1)``: the next ``times`` requests
    of that operation get this error answer; the real server sees the rest. Returns a
    dict counting the requests of each operation that went on to the network."""
    import megfile_s3.client

    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "process_local")
    megfile_s3.client.clear_cache()
    client = megfile_s3.client.get_client(None)
    plans: dict[str, list[Any]] = {}
    seen: dict[str, int] = {}

    def before_send(request: Any, **kwargs: Any) -> Any:
        operation = request.context.get("operation_name") or ""
        event = kwargs.get("event_name", "")
        operation = operation or event.rpartition(".")[2]
        seen[operation] = seen.get(operation, 0) + 1
        plan = plans.get(operation)
        if plan:
            fake, left = plan
            if left > 0:
                plan[1] -= 1
                return fake.response(request.url)
        return None

    def add(
        operation: str,
        status: int,
        code: str,
        times: int = 1,
        message: str = "x",
        condition: str = "",
    ) -> dict[str, int]:
        plans[operation] = [FakeResponse(status, code, message, condition), times]
        return seen

    client.meta.events.register("before-send.s3", before_send)
    yield add
    client.meta.events.unregister("before-send.s3", before_send)
    megfile_s3.client.clear_cache()
