"""S3 semantics: prefixes as directories, listings, removal, copies, links, presign."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from typing import Any

import pytest

import megfile_s3.path
from megfile_core import SmartPath, smart
from megfile_core.errors import FileChangedError, UnsupportedError
from megfile_s3 import s3_generate_presigned_url
from megfile_s3.errors import (
    S3BucketNotFoundError,
    S3FileNotFoundError,
    S3IsADirectoryError,
    S3NotADirectoryError,
    S3NotALinkError,
)
from megfile_s3.path import S3Path
from megfile_s3.transfer import copy_object

MiB = 1 << 20


def _put(s3: Any, bucket: str, *keys: str) -> None:
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())


def test_urls_and_parts() -> None:
    path = S3Path("s3+prod://bkt/a/b c/ü#?%+.txt")
    assert (path.bucket, path.key, path.profile) == ("bkt", "a/b c/ü#?%+.txt", "prod")
    assert str(path.parent) == "s3+prod://bkt/a/b c"
    assert S3Path("s3://bkt/prefix/").key == "prefix/"
    assert S3Path("s3://").bucket == ""


def test_root_lists_buckets(bucket: str) -> None:
    assert bucket in smart.smart_listdir("s3://")
    assert smart.smart_isdir("s3://")
    assert smart.smart_isdir(f"s3://{bucket}")
    assert not smart.smart_exists("s3://no-such-bucket-here")


def test_prefix_and_marker_directories(bucket: str, s3: Any) -> None:
    _put(s3, bucket, "p/a.txt", "p/sub/b.txt")
    s3.put_object(Bucket=bucket, Key="p/empty/", Body=b"")
    assert smart.smart_stat(f"s3://{bucket}/p").is_dir()
    assert smart.smart_stat(f"s3://{bucket}/p/").is_dir()
    assert smart.smart_isdir(f"s3://{bucket}/p/empty")
    assert smart.smart_listdir(f"s3://{bucket}/p") == ["a.txt", "empty", "sub"]
    assert smart.smart_listdir(f"s3://{bucket}/p/empty") == []
    tree = dict(SmartPath(f"s3://{bucket}/p").pathlike._scan_tree())
    assert sorted(tree) == ["a.txt", "empty", "sub", "sub/b.txt"]
    assert tree["empty"].is_dir()
    assert tree["sub"].is_dir()
    assert tree["a.txt"].is_file()
    with pytest.raises(S3NotADirectoryError):
        smart.smart_listdir(f"s3://{bucket}/p/a.txt")
    with pytest.raises(S3FileNotFoundError):
        smart.smart_listdir(f"s3://{bucket}/nothing")
    assert smart.smart_getsize(f"s3://{bucket}/p") == len("p/a.txt") + len("p/sub/b.txt")


def test_listing_pages(bucket: str, s3: Any, calls: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(megfile_s3.path, "LIST_MAX_KEYS", 2)
    keys = [f"d/f{i}.txt" for i in range(5)] + [f"d/s{i}/x" for i in range(3)]
    _put(s3, bucket, *keys)
    calls.reset()
    assert smart.smart_listdir(f"s3://{bucket}/d") == sorted(
        [f"f{i}.txt" for i in range(5)] + [f"s{i}" for i in range(3)]
    )
    assert calls["ListObjectsV2"] == 4  # 8 entries, 2 per page
    assert all(p.get("Delimiter") == "/" for n, p in calls.params if n == "ListObjectsV2")
    calls.reset()
    monkeypatch.setenv("MEGFILE_LIST_MAX_WORKERS", "1")  # serial: sharding is tested below
    assert len(list(smart.smart_scan(f"s3://{bucket}/d"))) == 8
    lists = [p for n, p in calls.params if n == "ListObjectsV2"]
    # one stat (HEAD miss + one probe) then one paginated listing without delimiter
    assert [p.get("Delimiter") for p in lists[1:]] == [None] * 4
    assert calls["ListObjectsV2"] == 5


@pytest.mark.parametrize(
    "keys",
    [
        [f"flat/k{i:05d}" for i in range(600)],
        [f"tree/d{i:03d}/f{j:02d}.bin" for i in range(30) for j in range(20)],
        [f"mixed/{w}{i}" for w in ("a", "a/", "a0", "b b", "z~", "Z") for i in range(90)],
    ],
    ids=["flat", "tree", "mixed"],
)
def test_sharded_listing_is_the_serial_listing(
    bucket: str, s3: Any, calls: Any, monkeypatch: pytest.MonkeyPatch, keys: list[str]
) -> None:
    """A long listing runs several ListObjectsV2 at once over disjoint key ranges,
    and yields exactly what one serial listing yields, in the same order."""
    _put(s3, bucket, *keys)
    monkeypatch.setattr(megfile_s3.path, "LIST_MAX_KEYS", 25)
    top = keys[0].split("/")[0]
    monkeypatch.setenv("MEGFILE_LIST_MAX_WORKERS", "1")
    calls.reset()
    serial = list(smart.smart_scan(f"s3://{bucket}/{top}"))
    serial_requests = calls["ListObjectsV2"]
    monkeypatch.setenv("MEGFILE_LIST_MAX_WORKERS", "8")
    calls.reset()
    sharded = list(smart.smart_scan(f"s3://{bucket}/{top}"))
    assert sharded == serial
    assert sharded == sorted(f"s3://{bucket}/{k}" for k in keys)
    starts = {p.get("StartAfter") for n, p in calls.params if n == "ListObjectsV2"}
    # a serial listing starts each page after a key it saw; a split starts a new
    # range at a key between two (no object's key)
    assert starts - set(keys) - {None}
    assert calls["ListObjectsV2"] <= 2 * serial_requests  # a few empty probes at most
    # the tree listing itself streams in key order (sync walks two trees at once)
    streamed = [r for r, _ in SmartPath(f"s3://{bucket}/{top}")._scan_files_sorted()]
    assert streamed == sorted(k[len(top) + 1 :] for k in keys)


@pytest.mark.parametrize("top", ["s3://{bucket}", "s3://{bucket}/w", "s3://{bucket}/w/"])
def test_the_files_of_a_tree_listing_are_the_tree_listing_without_directories(
    bucket: str, s3: Any, top: str
) -> None:
    """S3's files-only tree listing (used by scan and sync: no directories derived)
    gives exactly the files of the full tree listing: markers, empty names and
    doubled slashes included."""
    _put(s3, bucket, "w/a", "w/d/", "w/d/e/f", "w/d//g", "w//h", "w/z~/1", "top.txt")
    path = SmartPath(top.format(bucket=bucket))
    files = [(r, tuple(e)) for r, e in path._scan_tree_files()]
    expected = [(r, tuple(e)) for r, e in path._scan_tree() if not e.is_dir()]
    assert files == expected and len(files) >= 5


def test_recursive_glob_is_one_listing_per_brace_prefix(bucket: str, s3: Any, calls: Any) -> None:
    _put(s3, bucket, "g/a/1.txt", "g/a/x/2.txt", "g/b/3.txt", "g/c/4.txt", "g/c/5.log")
    calls.reset()
    found = smart.smart_glob(f"s3://{bucket}/g/{{a,c}}/**/*.txt")
    assert found == [
        f"s3://{bucket}/g/a/1.txt",
        f"s3://{bucket}/g/a/x/2.txt",
        f"s3://{bucket}/g/c/4.txt",
    ]
    prefixes = sorted(
        p["Prefix"] for n, p in calls.params if n == "ListObjectsV2" and "Delimiter" not in p
    )
    assert prefixes == ["g/a/", "g/c/"]
    assert calls["HeadObject"] == 0
    # the whole literal prefix is listed, not just its directories
    _put(s3, bucket, "g/xa/1.txt", "g/xb/y/2.txt", "g/xc.txt", "g/v1/z/3.txt", "g/v2/4.txt")
    calls.reset()
    assert smart.smart_glob(f"s3://{bucket}/g/x*/**/*.txt") == [
        f"s3://{bucket}/g/xa/1.txt",
        f"s3://{bucket}/g/xb/y/2.txt",
    ]
    # as megfile on S3: a trailing ** gives what lies below, not the prefix itself
    assert sorted(smart.smart_glob(f"s3://{bucket}/g/v[12]/**")) == [
        f"s3://{bucket}/g/{rest}" for rest in ("v1/z", "v1/z/3.txt", "v2/4.txt")
    ]
    prefixes = [p["Prefix"] for n, p in calls.params if n == "ListObjectsV2"]
    assert prefixes == ["g/x", "g/v"]
    calls.reset()  # a walk (no **) lists one level, from the same literal prefix
    assert smart.smart_glob(f"s3://{bucket}/g/x*/*.txt") == [f"s3://{bucket}/g/xa/1.txt"]
    assert smart.smart_glob(f"s3://{bucket}/g/{{xc,xb}}*") == [
        f"s3://{bucket}/g/xb",
        f"s3://{bucket}/g/xc.txt",
    ]
    assert sorted(smart.smart_glob(f"s3://{bucket}/g/nothing*/*")) == []
    listed = [(p["Prefix"], p.get("Delimiter")) for n, p in calls.params if n == "ListObjectsV2"]
    assert listed == [
        ("g/x", "/"),
        ("g/xa/", "/"),
        ("g/xb/", "/"),
        ("g/x", "/"),
        ("g/nothing", "/"),
    ]


def test_remove_batches_and_refuses_roots(
    bucket: str, s3: Any, calls: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(megfile_s3.path, "DELETE_BATCH", 3)
    _put(s3, bucket, *[f"r/{i}" for i in range(7)], "r/deep/x", "keep")
    s3.put_object(Bucket=bucket, Key="r/", Body=b"")
    calls.reset()
    smart.smart_remove(f"s3://{bucket}/r")
    assert calls["DeleteObjects"] == 3  # 9 keys, 3 per call
    assert s3.list_objects_v2(Bucket=bucket)["Contents"][0]["Key"] == "keep"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    for root in ("s3://", f"s3://{bucket}", f"s3://{bucket}/"):
        with pytest.raises(UnsupportedError):
            smart.smart_remove(root)
    with pytest.raises(FileNotFoundError):
        smart.smart_remove(f"s3://{bucket}/r")
    smart.smart_remove(f"s3://{bucket}/r", missing_ok=True)


def test_unlink_and_rmdir(bucket: str, s3: Any) -> None:
    _put(s3, bucket, "u/f")
    with pytest.raises(S3IsADirectoryError):
        smart.smart_unlink(f"s3://{bucket}/u")
    s3.put_object(Bucket=bucket, Key="m/", Body=b"")
    with pytest.raises(OSError, match="not empty"):
        SmartPath(f"s3://{bucket}/u").rmdir()
    SmartPath(f"s3://{bucket}/m").rmdir()
    assert not smart.smart_exists(f"s3://{bucket}/m")


def test_mkdir_semantics(bucket: str, s3: Any) -> None:
    with pytest.raises(S3BucketNotFoundError, match="no such bucket"):
        smart.smart_makedirs("s3://no-such-bucket-xyz/a")
    smart.smart_makedirs(f"s3://{bucket}/new/dir")  # nothing to do: no marker
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    _put(s3, bucket, "f", "d/x")
    with pytest.raises(FileExistsError):
        smart.smart_makedirs(f"s3://{bucket}/f", exist_ok=True)
    with pytest.raises(FileExistsError):
        smart.smart_makedirs(f"s3://{bucket}/d")
    smart.smart_makedirs(f"s3://{bucket}/d", exist_ok=True)


def test_rename_directory(bucket: str, s3: Any) -> None:
    _put(s3, bucket, "src/a", "src/b/c")
    s3.put_object(Bucket=bucket, Key="src/empty/", Body=b"")
    smart.smart_move(f"s3://{bucket}/src", f"s3://{bucket}/dst")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["dst/a", "dst/b/c", "dst/empty/"]  # the empty directory moves too
    assert smart.smart_load_text(f"s3://{bucket}/dst/b/c") == "src/b/c"
    assert smart.smart_isdir(f"s3://{bucket}/dst/empty")


def test_copy_is_server_side_and_multipart_above_threshold(
    bucket: str, s3: Any, calls: Any
) -> None:
    data = os.urandom(12 * MiB)
    s3.put_object(
        Bucket=bucket, Key="big", Body=data, ContentType="image/png", Metadata={"owner": "me"}
    )
    calls.reset()
    smart.smart_copy(f"s3://{bucket}/big", f"s3://{bucket}/copy1")
    assert calls["CopyObject"] == 1
    assert calls["GetObject"] == 0
    calls.reset()
    seen: list[int] = []
    copy_object(
        S3Path(f"s3://{bucket}/big"),
        S3Path(f"s3://{bucket}/copy2"),
        callback=seen.append,
        threshold=5 * MiB,
        part_size=5 * MiB,
    )
    assert calls["UploadPartCopy"] == 2  # 5 MiB + 7 MiB (the short tail joins)
    assert calls["GetObject"] == 0
    assert calls["UploadPart"] == 0
    assert sum(seen) == len(data)
    assert s3.get_object(Bucket=bucket, Key="copy2")["Body"].read() == data
    copied = s3.head_object(Bucket=bucket, Key="copy2")  # headers kept, as CopyObject does
    assert (copied["ContentType"], copied["Metadata"]) == ("image/png", {"owner": "me"})


def test_multipart_copy_parts_come_from_one_version(bucket: str, s3: Any, calls: Any) -> None:
    etag = s3.put_object(Bucket=bucket, Key="moving", Body=os.urandom(12 * MiB))["ETag"]
    calls.reset()
    copy_object(
        S3Path(f"s3://{bucket}/moving"),
        S3Path(f"s3://{bucket}/whole"),
        threshold=5 * MiB,
        part_size=5 * MiB,
    )
    conditions = [
        params.get("CopySourceIfMatch") for name, params in calls.params if name == "UploadPartCopy"
    ]
    assert conditions == [etag, etag]  # moto does not check it; S3 does


def test_multipart_copy_of_a_replaced_source_fails_cleanly(
    bucket: str, s3: Any, inject: Any
) -> None:
    s3.put_object(Bucket=bucket, Key="moving", Body=os.urandom(12 * MiB))
    # S3's answer to the condition
    inject("UploadPartCopy", 412, "PreconditionFailed", condition="x-amz-copy-source-If-Match")
    with pytest.raises(FileChangedError):
        copy_object(
            S3Path(f"s3://{bucket}/moving"),
            S3Path(f"s3://{bucket}/mixed"),
            threshold=5 * MiB,
            part_size=5 * MiB,
        )
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="mixed")
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_copy_fast_paths_come_from_the_hook(bucket: str, calls: Any, tmp_path: Any) -> None:
    from megfile_core.registry import get_registry
    from megfile_s3 import transfer

    registry = get_registry()
    assert registry.get_copy_func("file", "s3") is transfer.upload
    assert registry.get_copy_func("s3", "file") is transfer.download
    assert registry.get_copy_func("s3", "s3") is transfer.copy
    data = os.urandom(20 * MiB)
    local = tmp_path / "up.bin"
    local.write_bytes(data)
    calls.reset()
    smart.smart_copy(str(local), f"s3://{bucket}/up.bin")
    assert calls["UploadPart"] >= 2  # a parallel multipart upload
    assert calls["PutObject"] == 0
    calls.reset()
    smart.smart_copy(f"s3://{bucket}/up.bin", str(tmp_path / "down.bin"))
    assert (tmp_path / "down.bin").read_bytes() == data
    assert calls["HeadObject"] == 0  # the first ranged GET tells size and ETag
    assert calls["GetObject"] >= 2  # parts in parallel
    calls.reset()
    smart.smart_copy(f"s3://{bucket}/up.bin", f"s3://{bucket}/same.bin")
    assert (calls["CopyObject"], calls["GetObject"]) == (1, 0)


def test_concat_uses_part_copies(bucket: str, s3: Any, calls: Any) -> None:
    pieces = [os.urandom(6 * MiB), b"small-1", b"small-2" * 100, os.urandom(12 * MiB), b"end"]
    for index, piece in enumerate(pieces):
        s3.put_object(Bucket=bucket, Key=f"c/{index}", Body=piece)
    calls.reset()
    smart.smart_concat(
        [f"s3://{bucket}/c/{i}" for i in range(len(pieces))], f"s3://{bucket}/joined"
    )
    assert s3.get_object(Bucket=bucket, Key="joined")["Body"].read() == b"".join(pieces)
    # 6 MiB copied; the small pieces plus the head of the 12 MiB one make a part;
    # the rest of it is copied; "end" is the short last part
    assert calls["UploadPartCopy"] == 2
    assert calls["UploadPart"] == 2
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    smart.smart_concat([f"s3://{bucket}/c/1", f"s3://{bucket}/c/4"], f"s3://{bucket}/tiny")
    assert smart.smart_load_content(f"s3://{bucket}/tiny") == b"small-1end"


def test_concat_across_profiles_streams(
    bucket: str, moto_server: Any, monkeypatch: pytest.MonkeyPatch, calls: Any
) -> None:
    for name, value in moto_server.env("other").items():
        monkeypatch.setenv(name, value)
    big, small = os.urandom(6 * MiB), b"tail"
    smart.smart_save_content(f"s3+other://{bucket}/o/big", big)
    smart.smart_save_content(f"s3://{bucket}/o/small", small)
    calls.reset()
    smart.smart_concat(
        [f"s3+other://{bucket}/o/big", f"s3://{bucket}/o/small"], f"s3://{bucket}/o/joined"
    )
    # a part copy would read the other profile's object with this profile's client
    assert calls["UploadPartCopy"] == 0
    assert smart.smart_load_content(f"s3://{bucket}/o/joined") == big + small
    with pytest.raises(ValueError, match="same profile"):  # the classmethod refuses
        S3Path.concat([S3Path(f"s3+other://{bucket}/o/big")], S3Path(f"s3://{bucket}/o/x"))


def test_md5_from_etag_or_recalculated(bucket: str, s3: Any, calls: Any) -> None:
    data = os.urandom(1000)
    s3.put_object(Bucket=bucket, Key="m", Body=data)
    calls.reset()
    assert smart.smart_getmd5(f"s3://{bucket}/m") == hashlib.md5(data).hexdigest()
    assert calls["GetObject"] == 0
    assert smart.smart_getmd5(f"s3://{bucket}/m", recalculate=True) == hashlib.md5(data).hexdigest()
    assert calls["GetObject"] == 1
    big = os.urandom(11 * MiB)
    with smart.smart_open(f"s3://{bucket}/mp", "wb", block_size=5 * MiB) as handle:
        handle.write(big)
    assert smart.smart_getmd5(f"s3://{bucket}/mp") == hashlib.md5(big).hexdigest()


def test_symlinks(bucket: str, s3: Any) -> None:
    smart.smart_save_text(f"s3://{bucket}/t.txt", "target")
    smart.smart_symlink(f"s3://{bucket}/t.txt", f"s3://{bucket}/l1")
    smart.smart_symlink(f"s3://{bucket}/l1", f"s3://{bucket}/l2")  # points at t.txt
    head = s3.head_object(Bucket=bucket, Key="l2")
    assert head["Metadata"]["symlink_to"] == f"s3://{bucket}/t.txt"
    assert str(smart.smart_readlink(f"s3://{bucket}/l2")) == f"s3://{bucket}/t.txt"
    assert smart.smart_stat(f"s3://{bucket}/l1").size == len("target")
    assert smart.smart_lstat(f"s3://{bucket}/l1").is_symlink()
    assert smart.smart_load_content(f"s3://{bucket}/l1", 1, 3) == b"ar"
    with pytest.raises(S3NotALinkError):
        smart.smart_readlink(f"s3://{bucket}/t.txt")
    with pytest.raises(OSError, match="not a link") as raised:
        smart.smart_readlink(f"s3://{bucket}/t.txt")
    assert raised.value.errno == 22


def test_presigned_url(bucket: str) -> None:
    url = f"s3://{bucket}/dir/ü name.txt"
    smart.smart_save_text(url, "presigned")
    signed = s3_generate_presigned_url(url, expires_in=60)
    assert "Signature" in signed or "X-Amz-Signature" in signed
    with urllib.request.urlopen(signed, timeout=10) as response:
        assert response.read() == b"presigned"


def test_sync_to_s3_skips_on_second_run(bucket: str, tmp_path: Any) -> None:
    source = tmp_path / "src"
    (source / "d").mkdir(parents=True)
    (source / "d" / "f.txt").write_text("x")
    (source / "g.txt").write_text("y")
    with pytest.raises(UnsupportedError):
        SmartPath(f"s3://{bucket}/x").utime(0, 0)
    first = smart.smart_sync(str(source), f"s3://{bucket}/up")
    assert first.copied == 2
    second = smart.smart_sync(str(source), f"s3://{bucket}/up")
    assert (second.copied, second.skipped) == (0, 2)
    back = tmp_path / "back"
    smart.smart_sync(f"s3://{bucket}/up", str(back))
    mtime = smart.smart_stat(f"s3://{bucket}/up/g.txt").mtime
    assert abs(os.stat(back / "g.txt").st_mtime - mtime) < 1e-3
    assert smart.smart_sync(f"s3://{bucket}/up", str(back)).copied == 0


def test_copy_and_move_across_profiles_stream(
    bucket: str, moto_server: Any, monkeypatch: pytest.MonkeyPatch, calls: Any
) -> None:
    for name, value in moto_server.env("other").items():
        monkeypatch.setenv(name, value)
    data = os.urandom(100_000)
    smart.smart_save_content(f"s3://{bucket}/x.bin", data)
    calls.reset()
    smart.smart_copy(f"s3://{bucket}/x.bin", f"s3+other://{bucket}/y.bin")
    assert calls["CopyObject"] == 0  # two profiles may be two stores: bytes stream
    assert calls["GetObject"] == 1
    assert smart.smart_load_content(f"s3+other://{bucket}/y.bin") == data
    smart.smart_move(f"s3+other://{bucket}/y.bin", f"s3://{bucket}/z.bin")
    assert smart.smart_load_content(f"s3://{bucket}/z.bin") == data
    assert not smart.smart_exists(f"s3+other://{bucket}/y.bin")


def test_trailing_slash_and_bucket_root(bucket: str, s3: Any) -> None:
    assert smart.smart_listdir(f"s3://{bucket}/") == []
    _put(s3, bucket, "d/f")
    assert smart.smart_exists(f"s3://{bucket}/d/")
    assert smart.smart_isdir(f"s3://{bucket}/d/")
    assert not smart.smart_isfile(f"s3://{bucket}/d/")
    assert smart.smart_listdir(f"s3://{bucket}/d/") == ["f"]
    with pytest.raises(IsADirectoryError):
        smart.smart_open(f"s3://{bucket}/d/", "wb")
    with pytest.raises(S3BucketNotFoundError):
        smart.smart_listdir("s3://no-such-bucket-zzz/")
    with pytest.raises(S3BucketNotFoundError):
        smart.smart_save_content("s3://no-such-bucket-zzz/k", b"x")


def test_odd_keys_through_multipart_copy_and_rename(bucket: str) -> None:
    odd = "odd dir/a b#?%+ü"
    blob = os.urandom(12 * MiB)
    src = f"s3://{bucket}/{odd}/big.bin"
    with smart.smart_open(src, "wb", block_size=5 * MiB) as handle:  # multipart
        handle.write(blob)
    copy_object(
        S3Path(src),
        S3Path(f"s3://{bucket}/{odd}/copy #2.bin"),
        threshold=5 * MiB,
        part_size=5 * MiB,
    )  # UploadPartCopy
    smart.smart_copy(src, f"s3://{bucket}/{odd}/copy %3.bin")  # CopyObject
    smart.smart_move(f"s3://{bucket}/{odd}", f"s3://{bucket}/moved ?+")
    names = sorted(smart.smart_listdir(f"s3://{bucket}/moved ?+"))
    assert names == ["big.bin", "copy #2.bin", "copy %3.bin"]
    for name in names:
        assert smart.smart_load_content(f"s3://{bucket}/moved ?+/{name}") == blob
    assert not smart.smart_exists(f"s3://{bucket}/{odd}")


def test_access_read_and_write_as_megfile(bucket: str, s3: Any, inject: Any) -> None:
    """megfile 5.0.18: True/True for an existing key, prefix or bucket; False/False
    for a missing key or bucket; a WRITE check leaves no multipart upload behind."""
    from megfile_core import Access

    _put(s3, bucket, "k.txt", "dir/f")
    for path in (
        f"s3://{bucket}/k.txt",
        f"s3://{bucket}/dir",
        f"s3://{bucket}/dir/",
        f"s3://{bucket}",
        f"s3://{bucket}/",
    ):
        for mode in (Access.READ, Access.WRITE):
            assert smart.smart_access(path, mode) is True, (path, mode)
            assert SmartPath(path).access(mode) is True, (path, mode)
    for path in (f"s3://{bucket}/missing", "s3://no-such-bucket-zzz/k.txt"):
        for mode in (Access.READ, Access.WRITE):
            assert smart.smart_access(path, mode) is False, (path, mode)
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")
    with pytest.raises(UnsupportedError, match="no available bucket"):
        smart.smart_access("s3://", Access.READ)
    with pytest.raises(TypeError):
        smart.smart_access(f"s3://{bucket}/k.txt", "w")
    # S3 refusing (403) is False, as in megfile
    inject("CreateMultipartUpload", 403, "AccessDenied")
    assert smart.smart_access(f"s3://{bucket}/k.txt", Access.WRITE) is False
    inject("HeadObject", 403, "AccessDenied", times=2)
    assert smart.smart_access(f"s3://{bucket}/k.txt", Access.READ) is False


def test_smart_readlink_returns_a_smart_path_as_megfile(bucket: str) -> None:
    smart.smart_save_text(f"s3://{bucket}/t.txt", "target")
    smart.smart_symlink(f"s3://{bucket}/t.txt", f"s3://{bucket}/l1")
    target = smart.smart_readlink(f"s3://{bucket}/l1")
    assert isinstance(target, SmartPath)
    assert str(target) == f"s3://{bucket}/t.txt"
    assert target.read_text() == "target"
    assert target == SmartPath(f"s3://{bucket}/l1").readlink()
