"""Resumable uploads (:mod:`megfile_s3.resume`): a child process uploading a large
file is killed with SIGKILL mid-way, then the upload is resumed here, on moto.

The child stalls (in its own process only) every ``UploadPart`` above a given part
number, so exactly those parts are missing when it is killed; the resuming process
counts the requests it sends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Calls

import megfile_core
from megfile_s3.resume import clean_stale_states, upload_resumable
from megfile_s3.resume_state import StateFile, UploadInProgressError, state_files

MIB = 1 << 20
MEGFILE = str(Path(sys.executable).with_name("megfile"))

_CHILD = textwrap.dedent(
    """
    import sys, time
    from urllib.parse import parse_qs, urlparse

    import megfile_core
    import megfile_s3.client

    keep = int(sys.argv[3])

    def stall(request, **kwargs):
        number = int(parse_qs(urlparse(request.url).query)["partNumber"][0])
        if number > keep:
            time.sleep(600)  # killed meanwhile

    client = megfile_s3.client.get_client(None)
    client.meta.events.register("before-send.s3.UploadPart", stall)
    megfile_core.smart_sync(sys.argv[1], sys.argv[2], resume=True)
    """
)


@pytest.fixture(autouse=True)
def resume_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """5 MiB parts, state under tmp_path, one client per process (hooks see all)."""
    state = tmp_path / "resume-state"
    monkeypatch.setenv("MEGFILE_RESUME_DIR", str(state))
    monkeypatch.setenv("MEGFILE_WRITER_BLOCK_SIZE", "5Mi")
    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "process_local")
    return state


def _source(tmp_path: Path, size: int, name: str = "big.bin") -> Path:
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return path


def _pending(s3: Any, bucket: str) -> list[dict[str, Any]]:
    return list(s3.list_multipart_uploads(Bucket=bucket).get("Uploads") or [])


def _listed_parts(s3: Any, bucket: str) -> int:
    uploads = _pending(s3, bucket)
    if not uploads:
        return 0
    upload = uploads[0]
    parts = s3.list_parts(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    return len(parts.get("Parts") or [])


def _interrupted(tmp_path: Path, s3: Any, bucket: str, src: Path, url: str, keep: int) -> str:
    """Run the upload in a child until ``keep`` parts are stored, SIGKILL it by its
    PID; returns the open upload's id."""
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), str(src), url, str(keep)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while _listed_parts(s3, bucket) < keep:
            assert child.poll() is None, child.stderr.read() if child.stderr else b""
            assert time.monotonic() < deadline, "the child stored no parts in time"
            time.sleep(0.05)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
        if child.stderr is not None:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    uploads = _pending(s3, bucket)
    assert len(uploads) == 1
    return str(uploads[0]["UploadId"])


def _distinct(calls: Calls, operation: str, field: str) -> set[Any]:
    """The values of ``field`` in the requests of ``operation`` sent (a request the
    client retried after a transient error counts once)."""
    return {params.get(field) for name, params in calls.params if name == operation}


def _object(s3: Any, bucket: str, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def _absent(s3: Any, bucket: str, key: str) -> bool:
    return "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=key)


def test_a_killed_upload_resumes_sending_only_the_missing_parts(
    tmp_path: Path, s3: Any, bucket: str, calls: Calls, resume_env: Path
) -> None:
    src = _source(tmp_path, 40 * MIB)  # 8 parts of 5 MiB
    url = f"s3://{bucket}/big.bin"
    upload_id = _interrupted(tmp_path, s3, bucket, src, url, keep=3)
    assert _absent(s3, bucket, "big.bin")  # nothing visible before completion
    [state] = state_files()
    assert json.loads(Path(state).read_text())["upload_id"] == upload_id

    calls.reset()
    result = megfile_core.smart_sync(str(src), url, resume=True)
    assert result.copied == 1
    assert _distinct(calls, "UploadPart", "PartNumber") == {4, 5, 6, 7, 8}
    assert calls["CreateMultipartUpload"] == 0
    assert _distinct(calls, "CompleteMultipartUpload", "UploadId") == {upload_id}
    assert _object(s3, bucket, "big.bin") == src.read_bytes()
    assert state_files() == []
    assert _pending(s3, bucket) == []


def test_a_stored_part_whose_bytes_differ_is_sent_again(
    tmp_path: Path, s3: Any, bucket: str, calls: Calls
) -> None:
    src = _source(tmp_path, 20 * MIB)  # 4 parts
    url = f"s3://{bucket}/d/big.bin"
    upload_id = _interrupted(tmp_path, s3, bucket, src, url, keep=2)
    # part 2 replaced by bytes of the same size: its ETag no longer matches the file
    s3.upload_part(
        Bucket=bucket, Key="d/big.bin", UploadId=upload_id, PartNumber=2, Body=os.urandom(5 * MIB)
    )
    calls.reset()
    upload_resumable(str(src), megfile_core.SmartPath(url).pathlike)
    assert _distinct(calls, "UploadPart", "PartNumber") == {2, 3, 4}
    assert _distinct(calls, "UploadPart", "UploadId") == {upload_id}
    assert _object(s3, bucket, "d/big.bin") == src.read_bytes()


def test_a_changed_source_aborts_the_old_upload_and_starts_afresh(
    tmp_path: Path, s3: Any, bucket: str, calls: Calls
) -> None:
    src = _source(tmp_path, 20 * MIB)
    url = f"s3://{bucket}/big.bin"
    old_id = _interrupted(tmp_path, s3, bucket, src, url, keep=2)
    src.write_bytes(os.urandom(20 * MIB))  # same size, new content and mtime
    stat = src.stat()
    os.utime(src, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    calls.reset()
    megfile_core.smart_sync(str(src), url, resume=True)
    assert _distinct(calls, "AbortMultipartUpload", "UploadId") == {old_id}
    assert calls["CreateMultipartUpload"] >= 1  # one left: none is pending below
    assert _distinct(calls, "UploadPart", "PartNumber") == {1, 2, 3, 4}
    assert calls["ListParts"] == 0  # the old parts are not even looked at
    assert old_id not in {u["UploadId"] for u in _pending(s3, bucket)}
    assert _pending(s3, bucket) == []
    assert _object(s3, bucket, "big.bin") == src.read_bytes()
    assert state_files() == []


def test_an_upload_gone_from_the_server_starts_afresh(
    tmp_path: Path, s3: Any, bucket: str, calls: Calls
) -> None:
    src = _source(tmp_path, 15 * MIB)
    url = f"s3://{bucket}/big.bin"
    upload_id = _interrupted(tmp_path, s3, bucket, src, url, keep=1)
    s3.abort_multipart_upload(Bucket=bucket, Key="big.bin", UploadId=upload_id)
    calls.reset()
    megfile_core.smart_sync(str(src), url, resume=True)
    assert _distinct(calls, "ListParts", "UploadId") == {upload_id}
    assert calls["CreateMultipartUpload"] >= 1  # none is pending below
    assert _distinct(calls, "UploadPart", "PartNumber") == {1, 2, 3}
    assert upload_id not in _distinct(calls, "UploadPart", "UploadId")
    assert _pending(s3, bucket) == []
    assert _object(s3, bucket, "big.bin") == src.read_bytes()
    assert state_files() == []


def test_stale_state_is_removed_and_its_upload_aborted(
    tmp_path: Path, s3: Any, bucket: str
) -> None:
    old = _source(tmp_path, 10 * MIB, "old.bin")
    _interrupted(tmp_path, s3, bucket, old, f"s3://{bucket}/old.bin", keep=1)
    [old_state] = state_files()
    record = json.loads(Path(old_state).read_text())
    record["created"] -= 8 * 86400  # older than the default 7 days
    Path(old_state).write_text(json.dumps(record))
    s3_fresh = s3.create_multipart_upload(Bucket=bucket, Key="fresh.bin")["UploadId"]
    fresh_state = Path(old_state).with_name("0" * 40 + ".json")
    fresh_state.write_text(
        json.dumps({**record, "created": time.time(), "key": "fresh.bin", "upload_id": s3_fresh})
    )

    assert clean_stale_states(force=True) == [old_state]
    assert not Path(old_state).exists()
    assert fresh_state.exists()
    assert {u["UploadId"] for u in _pending(s3, bucket)} == {s3_fresh}

    old.unlink()  # the source of the fresh state is gone: nothing can resume it
    with StateFile.lock(str(fresh_state)):  # in use by a running upload: left alone
        assert clean_stale_states(force=True) == []
    assert clean_stale_states(force=True) == [str(fresh_state)]
    assert _pending(s3, bucket) == []


def test_the_age_limit_is_configurable(
    tmp_path: Path, s3: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _source(tmp_path, 10 * MIB)
    _interrupted(tmp_path, s3, bucket, src, f"s3://{bucket}/big.bin", keep=1)
    assert clean_stale_states(force=True) == []
    monkeypatch.setenv("MEGFILE_RESUME_MAX_AGE", "0s")
    assert len(clean_stale_states(force=True)) == 1
    assert _pending(s3, bucket) == []
    monkeypatch.setenv("MEGFILE_RESUME_MAX_AGE", "soon")
    with pytest.raises(ValueError, match="MEGFILE_RESUME_MAX_AGE"):
        clean_stale_states(force=True)


def test_one_upload_at_a_time_per_source_and_destination(tmp_path: Path, bucket: str) -> None:
    src = _source(tmp_path, 6 * MIB)
    url = f"s3://{bucket}/big.bin"
    with (
        StateFile.for_upload(str(src.resolve()), url),
        pytest.raises(UploadInProgressError, match="another process"),
    ):
        upload_resumable(str(src), megfile_core.SmartPath(url).pathlike)
    assert isinstance(UploadInProgressError("x"), OSError)


def test_a_file_of_one_part_is_one_put_and_keeps_no_state(
    tmp_path: Path, s3: Any, bucket: str, calls: Calls
) -> None:
    src = _source(tmp_path, 5 * MIB)
    calls.reset()
    megfile_core.smart_sync(str(src), f"s3://{bucket}/one.bin", resume=True)
    assert calls["PutObject"] == 1 and calls["CreateMultipartUpload"] == 0
    assert _object(s3, bucket, "one.bin") == src.read_bytes()
    assert state_files() == []


@pytest.mark.parametrize("command", ["cp", "sync"])
def test_resume_on_the_command_line(tmp_path: Path, s3: Any, bucket: str, command: str) -> None:
    (tmp_path / "d").mkdir()
    src = _source(tmp_path / "d", 20 * MIB)
    url = f"s3://{bucket}/d2/big.bin"
    _interrupted(tmp_path, s3, bucket, src, url, keep=3)
    args = [str(src), url] if command == "cp" else [str(tmp_path / "d"), f"s3://{bucket}/d2"]
    done = subprocess.run(
        [MEGFILE, "--log-level", "INFO", command, "--resume", *args],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"3 part(s) of" in done.stderr and b"already uploaded" in done.stderr
    assert _object(s3, bucket, "d2/big.bin") == src.read_bytes()
    assert state_files() == [] and _pending(s3, bucket) == []


def test_an_upload_that_could_not_start_leaves_no_state(tmp_path: Path) -> None:
    src = _source(tmp_path, 6 * MIB)
    missing = megfile_core.SmartPath("s3://no-such-bucket-for-resume/big.bin").pathlike
    with pytest.raises(FileNotFoundError, match="no-such-bucket-for-resume"):
        upload_resumable(str(src), missing)
    assert state_files() == []
