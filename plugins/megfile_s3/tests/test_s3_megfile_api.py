"""megfile's S3 functions called as megfile users call them (keyword names, the
``s3_*_open`` openers, ``smart_open(s3_open_func=...)``), and syncs with S3 on a
process pool or with unsafe keys, against the moto server."""

from __future__ import annotations

import os
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import megfile_core
from megfile_core import smart_load_content, smart_open, smart_save_content, smart_sync
from megfile_core.s3_path import (
    get_s3_client,
    s3_buffered_open,
    s3_cached_open,
    s3_concat,
    s3_copy,
    s3_download,
    s3_generate_presigned_url,
    s3_load_content,
    s3_memory_open,
    s3_open,
    s3_pipe_open,
    s3_prefetch_open,
    s3_share_cache_open,
    s3_upload,
)
from megfile_core.sync import SyncUnsafeEntriesError


def test_transfers_by_megfile_keywords(bucket: str, tmp_path: Path) -> None:
    local = tmp_path / "a.bin"
    blob = os.urandom(200_000)
    local.write_bytes(blob)
    url = f"s3://{bucket}/d/a.bin"
    s3_upload(src_url=str(local), dst_url=url)
    s3_copy(src_url=url, dst_url=f"s3://{bucket}/d/b.bin", overwrite=True)
    s3_download(src_url=f"s3://{bucket}/d/b.bin", dst_url=str(tmp_path / "b.bin"))
    assert (tmp_path / "b.bin").read_bytes() == blob
    assert s3_load_content(s3_url=url, start=10, stop=20) == blob[10:20]


def test_concat_takes_block_size_and_max_workers(bucket: str) -> None:
    for name, data in (("a", b"1" * 10), ("b", b"2" * 5)):
        smart_save_content(f"s3://{bucket}/{name}", data)
    sources = [f"s3://{bucket}/a", f"s3://{bucket}/b"]
    s3_concat(sources, f"s3://{bucket}/ab", block_size=0, max_workers=2)
    s3_concat(src_paths=sources, dst_path=f"s3://{bucket}/ab2", block_size=1024)
    assert smart_load_content(f"s3://{bucket}/ab") == b"1" * 10 + b"2" * 5
    assert smart_load_content(f"s3://{bucket}/ab2") == b"1" * 10 + b"2" * 5


def test_presigned_url_by_keyword_with_a_botocore_config(bucket: str) -> None:
    import botocore.config

    smart_save_content(f"s3://{bucket}/p.txt", b"presigned body")
    url = s3_generate_presigned_url(
        s3_url=f"s3://{bucket}/p.txt",
        expires_in=60,
        profile_name=None,
        config=botocore.config.Config(signature_version="s3v4"),
    )
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"presigned body"
    assert get_s3_client() is get_s3_client()  # the cached client of s3://
    own = get_s3_client(config=botocore.config.Config(read_timeout=7))
    assert own is not get_s3_client() and own.meta.config.read_timeout == 7
    assert own.head_object(Bucket=bucket, Key="p.txt")["ContentLength"] == 14


def test_profile_name_replaces_the_urls_profile(bucket: str, monkeypatch: Any) -> None:
    smart_save_content(f"s3://{bucket}/p.txt", b"x")
    from megfile_s3.errors import S3ConfigError

    with pytest.raises(S3ConfigError, match="no-such-profile-here"):
        s3_generate_presigned_url(f"s3://{bucket}/p.txt", profile_name="no-such-profile-here")


@pytest.mark.parametrize(
    "opener",
    [s3_open, s3_buffered_open, s3_memory_open, s3_cached_open, s3_pipe_open],
)
def test_openers_write_and_read(bucket: str, opener: Any) -> None:
    url = f"s3://{bucket}/{opener.__name__}.txt"
    with opener(url, "w") as writer:
        writer.write("héllo\n")
    with opener(s3_url=url, mode="rb") as reader:
        assert reader.read() == "héllo\n".encode()
    with opener(url, "r", encoding="utf-8") as reader:
        assert reader.read() == "héllo\n"


@pytest.mark.parametrize("opener", [s3_prefetch_open, s3_share_cache_open])
def test_read_only_openers(bucket: str, opener: Any) -> None:
    blob = os.urandom(3 * 2**20 + 7)
    url = f"s3://{bucket}/big.bin"
    smart_save_content(url, blob)
    with opener(url, block_size=2**20, max_workers=2) as reader:
        assert reader.read() == blob
    with pytest.raises(ValueError, match="use s3_open"):
        opener(url, "wb")


def test_memory_open_appends(bucket: str) -> None:
    url = f"s3://{bucket}/m.txt"
    smart_save_content(url, b"ab")
    with s3_memory_open(url, "ab") as writer:
        writer.write(b"cd")
    assert smart_load_content(url) == b"abcd"


def test_smart_open_calls_the_given_s3_open_func(bucket: str, tmp_path: Path) -> None:
    url = f"s3://{bucket}/f.txt"
    smart_save_content(url, b"content")
    calls: list[tuple[str, str, int]] = []

    def opener(path: str, mode: str, block_size: int = 0) -> Any:
        calls.append((path, mode, block_size))
        return s3_prefetch_open(path, mode, block_size=block_size)

    with smart_open(url, "rb", s3_open_func=opener, block_size=2**20) as reader:
        assert reader.read() == b"content"
    assert calls == [(url, "rb", 2**20)]
    # local paths do not go through it
    (tmp_path / "l").write_bytes(b"local")
    with smart_open(str(tmp_path / "l"), "rb", s3_open_func=opener) as reader:
        assert reader.read() == b"local"
    assert len(calls) == 1


def test_top_level_names_come_from_the_plugin() -> None:
    from megfile_s3 import api, opens
    from megfile_s3.path import S3Path

    assert megfile_core.S3Path is S3Path
    assert megfile_core.s3_prefetch_open is opens.s3_prefetch_open
    assert megfile_core.s3_copy is api.s3_copy
    assert {"S3Path", "s3_open", "s3_pipe_open"} <= set(megfile_core.__all__)


def test_sync_on_a_process_pool_both_ways(bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    for index in range(6):
        (src / f"d{index % 2}").mkdir(parents=True, exist_ok=True)
        (src / f"d{index % 2}" / f"f{index}").write_bytes(os.urandom(1000 + index))
    copied: list[str] = []
    with ProcessPoolExecutor(2) as pool:
        up = smart_sync(
            str(src),
            f"s3://{bucket}/t",
            executor=pool,
            callback_after_copy_file=lambda source, _dst: copied.append(source),
        )
        down = smart_sync(f"s3://{bucket}/t", str(tmp_path / "back"), executor=pool)
    assert up.copied == down.copied == 6 and len(copied) == 6
    assert up.bytes == sum(1000 + i for i in range(6))
    for index in range(6):
        name = f"d{index % 2}/f{index}"
        assert (tmp_path / "back" / name).read_bytes() == (src / name).read_bytes()


def test_sync_skips_a_key_that_would_escape_and_copies_the_rest(
    bucket: str, s3: Any, tmp_path: Path
) -> None:
    s3.put_object(Bucket=bucket, Key="t/good.txt", Body=b"good")
    s3.put_object(Bucket=bucket, Key="t/a/../../../evil.txt", Body=b"evil")
    s3.put_object(Bucket=bucket, Key="t/z.txt", Body=b"zz")
    dst = tmp_path / "inside" / "dst"
    with pytest.raises(SyncUnsafeEntriesError, match=r"1 source entry .*evil\.txt") as caught:
        smart_sync(f"s3://{bucket}/t", str(dst))
    assert caught.value.result.copied == 2
    assert (dst / "good.txt").read_bytes() == b"good"
    assert (dst / "z.txt").read_bytes() == b"zz"
    assert not list(tmp_path.rglob("evil.txt"))


def test_cli_sync_copies_the_safe_keys_and_exits_1_naming_the_unsafe_ones(
    bucket: str, s3: Any, tmp_path: Path
) -> None:
    import subprocess
    import sys

    s3.put_object(Bucket=bucket, Key="t/ok.txt", Body=b"ok")
    for index in range(7):
        s3.put_object(Bucket=bucket, Key=f"t/x/../../bad{index}.txt", Body=b"bad")
    megfile = str(Path(sys.executable).with_name("megfile"))
    done = subprocess.run(
        [megfile, "sync", f"s3://{bucket}/t", str(tmp_path / "dst")],
        capture_output=True,
        timeout=60,
        check=False,
    )
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert (tmp_path / "dst" / "ok.txt").read_bytes() == b"ok"
    assert "SyncUnsafeEntriesError" in err and "7 source entries" in err
    assert "bad0.txt" in err and "and 2 more" in err  # five named, the rest counted
    assert "bad6.txt" not in err.split("SyncUnsafeEntriesError")[1]
    assert not list(tmp_path.rglob("bad*.txt"))
