"""Reading and writing: prefetch reader over ranged GETs, multipart writer, modes."""

from __future__ import annotations

import io
import os
import threading
import time
from typing import Any

import pytest

from megfile_core import smart
from megfile_core.errors import FileChangedError, MaxRetriesExceededError
from megfile_s3.errors import S3FileExistsError
from megfile_s3.writers import MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, part_size_function

MiB = 1 << 20


def _uploads(s3: Any, bucket: str) -> list[Any]:
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


# -- reading -------------------------------------------------------------------------
def test_open_is_one_ranged_get_without_head(bucket: str, calls: Any) -> None:
    url = f"s3://{bucket}/small.bin"
    smart.smart_save_content(url, b"0123456789")
    calls.reset()
    with smart.smart_open(url, "rb") as handle:
        assert handle.read() == b"0123456789"
    assert calls["HeadObject"] == 0
    assert calls["GetObject"] == 1
    _name, params = calls.params[-1]
    assert params["Range"].startswith("bytes=0-")


def test_sequential_read_fetches_no_byte_twice(bucket: str, calls: Any) -> None:
    url = f"s3://{bucket}/once.bin"
    blob = os.urandom(10 * MiB + 5)
    smart.smart_save_content(url, blob)
    calls.reset()
    with smart.smart_open(url, "rb", block_size=4 * MiB) as handle:
        assert handle.read(3 * MiB) + handle.read() == blob
    fetched = 0
    for name, params in calls.params:
        if name == "GetObject":
            first, _, last = params["Range"].removeprefix("bytes=").partition("-")
            fetched += min(int(last), len(blob) - 1) - int(first) + 1
    assert fetched == len(blob)  # the open probe's 2 MiB are not fetched again


def test_lazy_open_sends_head_and_no_data(bucket: str, calls: Any) -> None:
    url = f"s3://{bucket}/lazy.bin"
    smart.smart_save_content(url, b"x" * 100)
    calls.reset()
    handle = smart.smart_open(url, "rb", lazy=True)
    assert (calls["HeadObject"], calls["GetObject"]) == (1, 0)
    handle.seek(50)
    assert handle.read(10) == b"x" * 10
    handle.close()


def test_open_probes_at_most_a_block_and_streams_on_from_its_end(
    bucket: str, calls: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from megfile_s3 import readers

    url = f"s3://{bucket}/probed.bin"
    blob = os.urandom(5 * MiB + 123)
    smart.smart_save_content(url, blob)
    starts: list[int] = []
    real = readers.S3RangeStream

    def recording(*args: Any) -> Any:
        starts.append(args[-1])
        return real(*args)

    monkeypatch.setattr(readers, "S3RangeStream", recording)
    calls.reset()
    with smart.smart_open(url, "rb", block_size=MiB) as handle:  # probe: min(2 MiB, block)
        assert calls["GetObject"] == 1  # the probe, not a block and its read-ahead
        handle.seek(4 * MiB + 5)  # random access: a small fragment, not a block
        assert handle.read(4096) == blob[4 * MiB + 5 : 4 * MiB + 5 + 4096]
        assert calls["GetObject"] == 2 and handle._cached_bytes() <= 256 << 10
        handle.seek(100)  # inside the probe: no request
        assert handle.read(1000) == blob[100:1100]
        assert calls["GetObject"] == 2
    # moto's probe may come slow or fast: its timing is not what is tested here
    from megfile_core.io import prefetch

    monkeypatch.setattr(prefetch, "_MIN_RATE_SAMPLE", 1 << 62)
    with smart.smart_open(url, "rb", block_size=MiB, stream=True) as handle:
        assert handle.read() == blob
    # the second reader streamed on from the probe's end: its bytes came once (a
    # second stream, if the reader tests parallelism, starts at a later block)
    assert starts[0] == MiB and min(starts) == MiB
    starts.clear()
    with smart.smart_open(url, "rb", block_size=MiB) as handle:
        assert handle.read() == blob
    assert starts == []  # by default ranged GETs only


def test_lazy_prefetch_env_opens_many_handles_with_heads_only(
    bucket: str, calls: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"s3://{bucket}/many.bin"
    blob = os.urandom(300 << 10)
    smart.smart_save_content(url, blob)
    monkeypatch.setenv("MEGFILE_READER_LAZY_PREFETCH", "true")
    calls.reset()
    handles = [smart.smart_open(url, "rb") for _ in range(200)]
    try:
        assert (calls["HeadObject"], calls["GetObject"]) == (200, 0)
        assert sum(handle._cached_bytes() for handle in handles) == 0
        handles[7].seek(1000)
        assert handles[7].read(100) == blob[1000:1100]
        assert handles[199].read() == blob
        assert calls["HeadObject"] == 200
    finally:
        for handle in handles:
            handle.close()
    calls.reset()
    with smart.smart_open(url, "rb", lazy=False) as eager:  # the option wins
        assert (calls["HeadObject"], calls["GetObject"]) == (0, 1)
        assert eager.read(10) == blob[:10]
    calls.reset()
    with pytest.raises(FileNotFoundError):  # lazy from the env: a HEAD, no GET
        smart.smart_open(f"s3://{bucket}/missing.bin", "rb")
    assert (calls["HeadObject"], calls["GetObject"]) == (1, 0)


def test_empty_object(bucket: str, s3: Any) -> None:
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    url = f"s3://{bucket}/empty"
    with smart.smart_open(url, "rb") as handle:
        assert handle.read() == b""
        assert handle.read(10) == b""
    assert smart.smart_load_content(url) == b""
    assert smart.smart_load_content(url, 0, 5) == b""
    assert smart.smart_load_text(url) == ""


def test_etag_guard_when_object_is_replaced(bucket: str, s3: Any) -> None:
    url = f"s3://{bucket}/changing.bin"
    smart.smart_save_content(url, b"a" * (256 << 10))
    with smart.smart_open(
        url, "rb", block_size=64 << 10, max_buffer_size=128 << 10, block_forward=0
    ) as handle:
        assert handle.read(10) == b"a" * 10
        s3.put_object(Bucket=bucket, Key="changing.bin", Body=b"b" * (256 << 10))
        handle.seek(200 << 10)
        with pytest.raises(FileChangedError):
            handle.read(10)


def test_buffered_option_and_text(bucket: str) -> None:
    url = f"s3://{bucket}/lines.txt"
    smart.smart_save_text(url, "one\ntwo\nthree\n")
    with smart.smart_open(url, "rb", buffered=True) as handle:
        assert isinstance(handle, io.BufferedReader)
        assert handle.readline() == b"one\n"
        assert handle.read() == b"two\nthree\n"
    with smart.smart_open(url, "r") as text:
        assert text.readlines() == ["one\n", "two\n", "three\n"]


def test_parallel_blocks_read_back(bucket: str) -> None:
    url = f"s3://{bucket}/blocks.bin"
    data = os.urandom(3 * MiB + 123)
    smart.smart_save_content(url, data)
    with smart.smart_open(url, "rb", block_size=256 << 10, max_buffer_size=2 * MiB) as handle:
        assert handle.read() == data


def test_load_content_is_one_ranged_get(bucket: str, calls: Any) -> None:
    url = f"s3://{bucket}/range.bin"
    data = bytes(range(256)) * 10
    smart.smart_save_content(url, data)
    calls.reset()
    assert smart.smart_load_content(url, 100, 200) == data[100:200]
    assert smart.smart_load_content(url, 2500) == data[2500:]
    assert smart.smart_load_content(url, 3000, 4000) == b""  # past the end
    assert calls["GetObject"] == 3
    assert calls["HeadObject"] == 0


# -- writing -------------------------------------------------------------------------
def test_part_size_reaches_five_tib_within_10000_parts() -> None:
    part_size = part_size_function(8 * MiB)
    sizes = [part_size(n) for n in range(1, MAX_PARTS + 1)]
    assert sizes[0] == sizes[999] == 8 * MiB
    assert sizes[1000] == 16 * MiB
    assert max(sizes) <= MAX_PART_SIZE
    assert sum(sizes) >= 5 << 40
    assert MIN_PART_SIZE <= part_size_function(1)(1) < MIN_PART_SIZE + MiB  # S3's minimum
    for block in (1, 5 * MiB, 5 * MiB + 1, 6 * MiB):  # small blocks reach 5 TiB too
        small = part_size_function(block)
        assert sum(small(n) for n in range(1, MAX_PARTS + 1)) >= 5 << 40
    with pytest.raises(ValueError, match="10000 parts"):
        part_size(MAX_PARTS + 1)


def test_small_write_is_one_put(bucket: str, calls: Any) -> None:
    url = f"s3://{bucket}/one.bin"
    calls.reset()
    with smart.smart_open(url, "wb") as handle:
        handle.write(b"hello")
    assert calls["PutObject"] == 1
    assert calls["CreateMultipartUpload"] == 0
    assert smart.smart_load_content(url) == b"hello"


def test_multipart_write_part_count(bucket: str, calls: Any, s3: Any) -> None:
    url = f"s3://{bucket}/multi.bin"
    data = os.urandom(12 * MiB)
    calls.reset()
    with smart.smart_open(url, "wb", block_size=5 * MiB, max_buffer_size=10 * MiB) as handle:
        for start in range(0, len(data), MiB):
            handle.write(data[start : start + MiB])
    assert calls["CreateMultipartUpload"] == 1
    assert calls["UploadPart"] == 3
    assert calls["CompleteMultipartUpload"] == 1
    assert calls["PutObject"] == 0
    assert smart.smart_load_content(url) == data
    assert s3.head_object(Bucket=bucket, Key="multi.bin")["ETag"].endswith('-3"')
    assert _uploads(s3, bucket) == []


def test_failing_with_block_keeps_old_object_and_leaves_no_upload(bucket: str, s3: Any) -> None:
    url = f"s3://{bucket}/keep.bin"
    smart.smart_save_content(url, b"old")

    class Boom(Exception):
        pass

    def write_then_fail() -> None:
        with smart.smart_open(url, "wb", block_size=5 * MiB) as handle:
            handle.write(os.urandom(11 * MiB))  # two parts went up already
            deadline = time.monotonic() + 10
            while not _uploads(s3, bucket) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert _uploads(s3, bucket)  # the upload really exists at this point
            raise Boom

    with pytest.raises(Boom):
        write_then_fail()
    assert smart.smart_load_content(url) == b"old"
    assert _uploads(s3, bucket) == []


def test_refused_part_leaves_no_upload(
    bucket: str, s3: Any, inject: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEGFILE_S3_MAX_RETRY_TIMES", "2")
    url = f"s3://{bucket}/refused.bin"
    smart.smart_save_content(url, b"old")
    seen = inject("UploadPart", 503, "ServiceUnavailable", times=100)
    with pytest.raises(MaxRetriesExceededError):
        with smart.smart_open(url, "wb", block_size=5 * MiB) as handle:
            handle.write(os.urandom(16 * MiB))
    assert seen["UploadPart"] >= 2
    assert smart.smart_load_content(url) == b"old"
    assert _uploads(s3, bucket) == []


@pytest.mark.parametrize("mode", ["wb", "xb"])
def test_lost_answer_to_complete_is_not_an_error(
    bucket: str, s3: Any, mode: str, inject: Any
) -> None:
    """The server completes the upload but its answer is lost: the retry finds the
    upload gone (``NoSuchUpload``; with ``x``, a failed precondition: the object is
    there) and must see that the object is its own. moto answers a repeated
    complete with success, so the retry's answer is injected as other stores give it."""
    import botocore.exceptions

    import megfile_s3.client

    client = megfile_s3.client.get_client(None)  # the one ``inject`` instruments
    lost = [0]

    def lose_answer(**_: Any) -> None:
        if not lost[0]:
            lost[0] += 1
            if mode == "wb":
                inject("CompleteMultipartUpload", 404, "NoSuchUpload")
            else:
                inject("CompleteMultipartUpload", 412, "PreconditionFailed")
            raise botocore.exceptions.ConnectionClosedError(endpoint_url="http://lost")

    client.meta.events.register("after-call.s3.CompleteMultipartUpload", lose_answer)
    try:
        data = os.urandom(11 * MiB)
        url = f"s3://{bucket}/lost-{mode}.bin"
        with smart.smart_open(url, mode, block_size=5 * MiB) as handle:
            handle.write(data)
        assert lost[0] == 1
        assert smart.smart_load_content(url) == data
        assert _uploads(s3, bucket) == []
    finally:
        client.meta.events.unregister("after-call.s3.CompleteMultipartUpload", lose_answer)


def test_complete_refused_for_another_object_still_fails(bucket: str, s3: Any, inject: Any) -> None:
    """``NoSuchUpload`` when the key holds something else is an error as before."""
    s3.put_object(Bucket=bucket, Key="gone.bin", Body=b"someone else's")
    inject("CompleteMultipartUpload", 404, "NoSuchUpload")
    with pytest.raises(FileNotFoundError):
        with smart.smart_open(f"s3://{bucket}/gone.bin", "wb", block_size=5 * MiB) as handle:
            handle.write(os.urandom(11 * MiB))


def test_exclusive_mode_is_atomic_against_a_racing_writer(bucket: str, s3: Any) -> None:
    url = f"s3://{bucket}/race.bin"
    handle = smart.smart_open(url, "xb", block_size=5 * MiB)
    handle.write(os.urandom(6 * MiB))  # a multipart upload is under way
    s3.put_object(Bucket=bucket, Key="race.bin", Body=b"winner")
    with pytest.raises(FileExistsError) as raised:
        handle.close()
    assert isinstance(raised.value, S3FileExistsError)
    assert smart.smart_load_content(url) == b"winner"
    assert _uploads(s3, bucket) == []
    small = smart.smart_open(f"s3://{bucket}/race2.bin", "xb")
    small.write(b"mine")
    s3.put_object(Bucket=bucket, Key="race2.bin", Body=b"theirs")
    with pytest.raises(FileExistsError):
        small.close()
    assert smart.smart_load_content(f"s3://{bucket}/race2.bin") == b"theirs"


def test_dropped_edit_handle(bucket: str) -> None:
    import gc

    url = f"s3://{bucket}/dropped.txt"
    smart.smart_save_text(url, "old")
    handle = smart.smart_open(url, "ab", atomic=True)
    handle.write(b" partial")
    del handle
    gc.collect()
    assert smart.smart_load_text(url) == "old"  # atomic: nothing published
    handle = smart.smart_open(url, "ab")
    handle.write(b" more")
    del handle
    gc.collect()
    assert smart.smart_load_text(url) == "old more"  # an ordinary file: closed


def test_edit_modes(bucket: str) -> None:
    url = f"s3://{bucket}/edit.txt"
    with pytest.raises(FileNotFoundError):
        smart.smart_open(url, "r+")
    smart.smart_save_text(url, "hello world")
    with smart.smart_open(url, "r+") as handle:
        handle.seek(6)
        handle.write("WORLD")
        handle.seek(0)
        assert handle.read() == "hello WORLD"
    assert smart.smart_load_text(url) == "hello WORLD"
    with smart.smart_open(url, "a+") as handle:
        handle.write("!")
        handle.seek(0)
        assert handle.read() == "hello WORLD!"
    with smart.smart_open(url, "w+") as handle:
        handle.write("new")
    assert smart.smart_load_text(url) == "new"

    class Boom(Exception):
        pass

    def append_then_fail() -> None:
        with smart.smart_open(url, "a") as handle:
            handle.write(" partial")
            raise Boom

    with pytest.raises(Boom):
        append_then_fail()
    assert smart.smart_load_text(url) == "new"


def test_writers_in_threads(bucket: str) -> None:
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            url = f"s3://{bucket}/t/{index}.bin"
            smart.smart_save_content(url, bytes([index]) * 1000)
            assert smart.smart_load_content(url) == bytes([index]) * 1000
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(smart.smart_listdir(f"s3://{bucket}/t")) == 8
