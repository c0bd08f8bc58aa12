"""S3 -> local sync of small objects in batches (``transfer.download_batch``), against
the moto server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import megfile_s3.transfer as transfer
from megfile_core import smart
from megfile_core.io.copy import BATCH_FILE_SIZE
from megfile_s3.wire import Wire


def _count_batch_sends(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    sent: list[str] = []
    start = Wire.start

    def counting(self: Wire, request: Any, reuse: bool = False) -> Any:
        if reuse:
            sent.append(request.url)
        return start(self, request, reuse)

    monkeypatch.setattr(Wire, "start", counting)
    return sent


def test_a_sync_of_small_objects_goes_in_batches(
    s3: Any, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"small/{i:03d}.bin": os.urandom(1000 + i) for i in range(90)}
    files["small/big.bin"] = os.urandom(BATCH_FILE_SIZE + 10)  # one by one
    files["small/empty"] = b""  # no byte 0: the batch leaves it to download
    for key, data in files.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)
    sent = _count_batch_sends(monkeypatch)
    result = smart.smart_sync(f"s3://{bucket}/small", str(tmp_path / "out"))
    assert result.copied == len(files)
    assert result.bytes == sum(len(data) for data in files.values())
    for key, data in files.items():
        local = tmp_path / "out" / key.removeprefix("small/")
        assert local.read_bytes() == data, key
        modified = s3.head_object(Bucket=bucket, Key=key)["LastModified"].timestamp()
        assert local.stat().st_mtime == pytest.approx(modified, abs=1)
    batched = {url.rsplit("/", 1)[1] for url in sent}
    assert {f"{i:03d}.bin" for i in range(90)} <= batched  # the small ones, in batches
    assert "big.bin" not in batched
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".temp")]
    again = smart.smart_sync(f"s3://{bucket}/small", str(tmp_path / "out"))
    assert (again.copied, again.skipped) == (0, len(files))


def test_a_batch_leaves_what_it_cannot_copy_to_download(
    bucket: str, s3: Any, tmp_path: Path
) -> None:
    s3.put_object(Bucket=bucket, Key="b/one", Body=b"1" * 100)
    s3.put_object(Bucket=bucket, Key="b/two", Body=b"2" * 200)
    s3.put_object(Bucket=bucket, Key="b/link", Body=b"", Metadata={"symlink_to": "b/one"})
    s3.put_object(Bucket=bucket, Key="b/large", Body=b"3" * (BATCH_FILE_SIZE + 1))
    pairs = [
        (f"s3://{bucket}/b/one", str(tmp_path / "one")),
        (f"s3://{bucket}/b/missing", str(tmp_path / "missing")),
        (f"s3://{bucket}/b/link", str(tmp_path / "link")),
        (f"s3://{bucket}/b/two", str(tmp_path / "sub" / "two")),  # its directory is made
        (f"s3://{bucket}/b/large", str(tmp_path / "large")),
        (f"s3://{bucket}/b/one", str(tmp_path / "a-dir")),  # a directory there: left
    ]
    (tmp_path / "a-dir").mkdir()
    done: list[tuple[int, int]] = []
    left = transfer.download_batch(pairs, done=lambda i, n: done.append((i, n)))
    assert sorted(done) == [(0, 100), (3, 200)]
    assert left == [1, 2, 4, 5]
    assert (tmp_path / "one").read_bytes() == b"1" * 100
    assert (tmp_path / "sub" / "two").read_bytes() == b"2" * 200
    assert not (tmp_path / "missing").exists() and not (tmp_path / "large").exists()
    # nothing else written: no temp file of the copy the directory refused
    assert sorted(os.listdir(tmp_path)) == ["a-dir", "one", "sub"]
    assert os.listdir(tmp_path / "a-dir") == []
    assert transfer.download_batch(pairs[:1], done=done.append, overwrite=False) == [0]


def test_a_sync_of_small_files_to_s3_goes_in_batches(
    s3: Any, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src"
    files = {f"d{i % 2}/{i:03d}.bin": os.urandom(500 + i) for i in range(90)}
    files["big.bin"] = os.urandom(BATCH_FILE_SIZE + 10)
    files["empty"] = b""
    for name, data in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(data)
    sent = _count_batch_sends(monkeypatch)
    result = smart.smart_sync(str(src), f"s3://{bucket}/up")
    assert result.copied == len(files)
    for name, data in files.items():
        assert s3.get_object(Bucket=bucket, Key=f"up/{name}")["Body"].read() == data, name
    batched = {url.split("/up/", 1)[1] for url in sent}
    assert set(files) - {"big.bin"} <= batched
    assert "big.bin" not in batched
    again = smart.smart_sync(str(src), f"s3://{bucket}/up")
    assert (again.copied, again.skipped) == (0, len(files))


def test_an_upload_batch_leaves_what_it_cannot_put(bucket: str, s3: Any, tmp_path: Path) -> None:
    (tmp_path / "one").write_bytes(b"1" * 10)
    (tmp_path / "large").write_bytes(b"2" * (BATCH_FILE_SIZE + 1))
    (tmp_path / "a-dir").mkdir()
    (tmp_path / "two").write_bytes(b"3" * 20)
    pairs = [
        (str(tmp_path / "one"), f"s3://{bucket}/u/one"),
        (str(tmp_path / "missing"), f"s3://{bucket}/u/missing"),
        (str(tmp_path / "large"), f"s3://{bucket}/u/large"),
        (str(tmp_path / "a-dir"), f"s3://{bucket}/u/a-dir"),
        (str(tmp_path / "two"), "s3://no-such-bucket-for-batches/u/two"),
        (f"file://{tmp_path / 'two'}", f"s3://{bucket}/u/two"),
    ]
    done: list[tuple[int, int]] = []
    left = transfer.upload_batch(pairs, done=lambda i, n: done.append((i, n)))
    assert sorted(done) == [(0, 10), (5, 20)]
    assert left == [1, 2, 3, 4]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="u/").get("Contents", [])
    assert sorted(item["Key"] for item in listed) == ["u/one", "u/two"]
    assert transfer.upload_batch(pairs[:1], done=done.append, overwrite=False) == [0]


def test_a_batch_looks_its_client_up_once(
    bucket: str, s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client lookup checks the settings files (two ``stat`` calls): a batch does
    it once per store, not once per object."""
    import megfile_s3.path as s3_path

    for index in range(20):
        s3.put_object(Bucket=bucket, Key=f"c/{index}", Body=b"x" * index)
        (tmp_path / f"up{index}").write_bytes(b"y" * index)
    lookups: list[str | None] = []
    get_client = s3_path.get_client

    def counted(profile: str | None = None) -> Any:
        lookups.append(profile)
        return get_client(profile)

    monkeypatch.setattr(s3_path, "get_client", counted)
    down = [(f"s3://{bucket}/c/{i}", str(tmp_path / f"down{i}")) for i in range(20)]
    assert transfer.download_batch(down, done=lambda i, n: None) == [0]  # 0: empty
    assert lookups == [None]
    up = [(str(tmp_path / f"up{i}"), f"s3://{bucket}/u/{i}") for i in range(20)]
    assert transfer.upload_batch(up, done=lambda i, n: None) == []
    assert lookups == [None, None]
    assert (tmp_path / "down7").read_bytes() == b"x" * 7
    assert s3.get_object(Bucket=bucket, Key="u/7")["Body"].read() == b"y" * 7
