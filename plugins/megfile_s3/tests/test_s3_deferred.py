"""Clients built only when something needs botocore (megfile_s3.deferred), against
the moto server: lean requests from the settings alone, everything else through
the client built on first use, and the same answers either way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from test_s3_errors import CuttingProxy

import megfile_s3.client
from megfile_core import smart
from megfile_s3 import deferred, lean
from megfile_s3.config import resolve
from megfile_s3.deferred import DeferredClient, settings_target


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One client for the process (as at its start, none built yet); each build of
    a botocore client is noted."""
    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "process_local")
    megfile_s3.client.clear_cache()
    built: list[str] = []
    real = megfile_s3.client._build

    def build(settings: Any) -> Any:
        built.append(settings.endpoint_url)
        return real(settings)

    monkeypatch.setattr(megfile_s3.client, "_build", build)
    yield built
    megfile_s3.client.clear_cache()


def test_a_sync_of_small_objects_builds_no_client(
    builds: list[str], s3: Any, bucket: str, tmp_path: Path
) -> None:
    files = {f"d/{i:02d}.bin": os.urandom(100 + i) for i in range(30)}
    for key, data in files.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)
    result = smart.smart_sync(f"s3://{bucket}/d", str(tmp_path / "out"))
    assert result.copied == len(files)
    for key, data in files.items():
        assert (tmp_path / "out" / key[2:]).read_bytes() == data
    assert isinstance(megfile_s3.client.get_client(None), DeferredClient)
    assert builds == []  # the source's HEAD and listings, every GET: lean
    with smart.smart_open(f"s3://{bucket}/d/07.bin", "rb") as handle:
        assert handle.read() == files["d/07.bin"]
    assert smart.smart_isdir(f"s3://{bucket}/d") and not smart.smart_exists(f"s3://{bucket}/e")
    assert builds == []


def test_a_sync_imports_no_botocore(s3: Any, bucket: str, tmp_path: Path) -> None:
    """What the deferral is for: a process that syncs small objects from a store
    the settings describe never loads boto3 or botocore."""
    for index in range(5):  # an empty one too: its GET has no byte 0 to ask for
        s3.put_object(Bucket=bucket, Key=f"p/{index}", Body=b"x" * index)
    code = (
        "import json, sys\n"
        "from megfile_core import smart_sync\n"
        f"result = smart_sync('s3://{bucket}/p', sys.argv[1])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))\n"
        "print(json.dumps([result.copied, loaded]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    copied, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert copied == 5
    assert loaded == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0", "1", "2", "3", "4"]


def test_the_request_is_the_one_the_built_client_signs(bucket: str) -> None:
    """The settings give the very URL, headers and signature the built client's
    lean requests have (their target learnt from a URL botocore presigns)."""
    settings = resolve(None)
    target = settings_target(settings, bucket)
    assert target is not None
    client = megfile_s3.client.get_client(None)
    assert isinstance(client, DeferredClient)
    when = time.gmtime(1_700_000_000)
    key = "a dir/k+é~.bin"
    ours = lean.signed_request(client, bucket, key, 0, 99, when)
    theirs = lean.signed_request(deferred.built(client), bucket, key, 0, 99, when)
    assert ours is not None and theirs is not None
    assert ours.url == theirs.url
    assert dict(ours.headers) == dict(theirs.headers)  # Authorization included


def test_the_region_is_the_profiles_when_the_variable_is_unset(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[default]\nregion = eu-west-1\n")
    megfile_s3.client.clear_cache()
    target = settings_target(resolve(None), bucket)
    assert target is not None and target.region == "eu-west-1"
    client = megfile_s3.client.get_client(None)
    real = lean.state_of(deferred.built(client))
    assert real is not None and real.target(bucket).region == "eu-west-1"  # type: ignore[union-attr]
    config.write_text("[default]\n")
    assert settings_target(resolve(None), bucket).region == "us-east-1"  # type: ignore[union-attr]


def test_handlers_of_the_built_client_see_the_lean_requests(
    builds: list[str], s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    seen: list[str] = []

    def before_send(request: Any, **kwargs: Any) -> None:
        seen.append(request.method)

    client = megfile_s3.client.get_client(None)
    client.meta.events.register("before-send.s3", before_send)  # builds it
    assert len(builds) == 1
    assert smart.smart_load_content(f"s3://{bucket}/k") == b"data"
    assert seen == ["GET"]  # one lean GET, seen as any request of the client
    assert len(builds) == 1


def test_a_reset_lean_request_is_sent_again(
    builds: list[str], s3: Any, bucket: str, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"data" * 100)
    host, port = moto_server.endpoint.rpartition("/")[2].split(":")
    proxy = CuttingProxy((host, int(port)), cuts=1, mode="reset")
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.port}")
        assert smart.smart_load_content(f"s3://{bucket}/k") == b"data" * 100
    finally:
        proxy.close()
    assert proxy.connections >= 2  # the first one was reset: the request went again


def test_a_missing_object_raises_as_before(builds: list[str], bucket: str) -> None:
    with pytest.raises(FileNotFoundError):
        smart.smart_load_content(f"s3://{bucket}/missing.bin")
    with pytest.raises(FileNotFoundError):
        smart.smart_stat(f"s3://{bucket}/missing.bin")
    with pytest.raises(FileNotFoundError):
        smart.smart_stat("s3://no-such-bucket-deferred/k")


def test_an_existing_object_is_stated_by_the_client(
    builds: list[str], s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"12345", Metadata={"colour": "blue"})
    stat = smart.smart_stat(f"s3://{bucket}/k")
    assert stat.size == 5 and stat.extra["Metadata"] == {"colour": "blue"}
    assert len(builds) == 1  # a HEAD answered 200: botocore's head_object says the rest


@pytest.mark.parametrize(
    "change",
    [
        {"AWS_S3_ADDRESSING_STYLE": "virtual"},
        {"HTTP_PROXY": "http://127.0.0.1:9"},
        {"https_proxy": "http://127.0.0.1:9"},
        {"MEGFILE_S3_WIRE": "0"},
        {"AWS_S3_REDIRECT": "1"},
        {"AWS_REGION": "eu-west-1"},
    ],
)
def test_not_deferred_when_the_settings_do_not_tell(
    monkeypatch: pytest.MonkeyPatch, change: dict[str, str]
) -> None:
    for name, value in change.items():
        monkeypatch.setenv(name, value)
    megfile_s3.client.clear_cache()
    client = megfile_s3.client.get_client(None)
    assert not isinstance(client, DeferredClient)
    assert deferred.is_built(client)


def test_odd_buckets_are_not_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = resolve(None)
    assert settings_target(settings, "plain-bucket.name") is not None
    for bucket in ("arn:aws:s3:us-east-1:123:accesspoint/x", "b--x-s3", "with space", ""):
        assert settings_target(settings, bucket) is None
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert settings_target(resolve(None), "plain-bucket") is None  # AWS's own endpoints


def test_get_s3_client_gives_a_botocore_client() -> None:
    from megfile_s3 import get_s3_client

    megfile_s3.client.clear_cache()
    client = get_s3_client()
    assert not isinstance(client, DeferredClient)
    assert type(client).__name__ == "S3" and callable(client.list_objects_v2)
    assert "DeferredClient" in repr(megfile_s3.client.get_client(None))
