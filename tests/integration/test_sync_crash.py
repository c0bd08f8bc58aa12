"""A sync killed with SIGKILL mid-way, then run again: nothing partial is ever
visible under a final name, the rerun copies only what is missing, and in the end
source and destination are byte-for-byte equal (local <-> moto S3, local -> local).

The child process syncs with one copy at a time and stalls (in the child only)
inside the copy of one large file, after its first block was written; the test
waits for that, checks that earlier files arrived, and kills the child by its PID.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import megfile_core
from megfile_core.builtin.atomic import is_temp_basename

MIB = 1 << 20
BIG = "m_big.bin"  # listed after the a* files, before the z* files

_CHILD = textwrap.dedent(
    """
    import pathlib, sys, time

    import megfile_core

    src, dst, marker, resume = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"

    def callback(path, count):
        if path.endswith("/m_big.bin"):
            pathlib.Path(marker).write_text("stalled")
            time.sleep(600)  # killed meanwhile

    megfile_core.smart_sync(src, dst, callback=callback, max_workers=1, resume=resume)
    """
)


def _source_files() -> dict[str, bytes]:
    files = {f"a{i:02d}.bin": os.urandom(20_000 + i) for i in range(8)}
    files.update({f"sub/z{i:02d}.bin": os.urandom(30_000 + i) for i in range(8)})
    files[BIG] = os.urandom(12 * MIB)  # several 5 MiB parts; 8 MiB blocks
    return files


def _visible(root: str) -> dict[str, bytes]:
    """Files under their final names (our temp names left out) -> content."""
    found = {}
    for entry in megfile_core.smart_scan_stat(root):
        relative = entry.path[len(root.rstrip("/")) + 1 :]
        if not is_temp_basename(relative.rpartition("/")[2]):
            found[relative] = megfile_core.smart_load_content(entry.path)
    return found


def _kill_mid_sync(tmp_path: Path, src: str, dst: str, resume: bool) -> None:
    script, marker = tmp_path / "child.py", tmp_path / "stalled"
    script.write_text(_CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), src, dst, str(marker), "1" if resume else "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, child.stderr.read() if child.stderr else b""
            assert time.monotonic() < deadline, "the child sync did not get to the big file"
            time.sleep(0.05)
        while not _visible(dst):  # some files arrived before the big one
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
        if child.stderr is not None:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL


def _pending(url: str) -> int:
    """Multipart uploads open in the bucket of ``url``."""
    path = megfile_core.SmartPath(url).pathlike
    answer = path._client.list_multipart_uploads(Bucket=path.bucket)
    return len(answer.get("Uploads") or [])


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEGFILE_WRITER_BLOCK_SIZE", "5Mi")
    monkeypatch.setenv("MEGFILE_RESUME_DIR", str(tmp_path / "resume-state"))


@pytest.mark.parametrize(
    "direction", ["local-to-s3", "local-to-s3-resume", "s3-to-local", "local-to-local"]
)
def test_a_killed_sync_then_a_rerun_copies_only_what_is_missing(
    direction: str,
    tmp_path: Path,
    env: None,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = _source_files()
    local_src = tmp_path / "src"
    for relative, data in files.items():
        (local_src / relative).parent.mkdir(parents=True, exist_ok=True)
        (local_src / relative).write_bytes(data)
    if direction.startswith("local-to-s3"):
        src, dst = str(local_src), request.getfixturevalue("s3_root")
    elif direction == "s3-to-local":
        src, dst = request.getfixturevalue("s3_root"), str(tmp_path / "dst")
        megfile_core.smart_sync(str(local_src), src)
    else:
        src, dst = str(local_src), str(tmp_path / "dst")
    resume = direction.endswith("resume")

    _kill_mid_sync(tmp_path, src, dst, resume)

    arrived = _visible(dst)
    assert BIG not in arrived  # the copy in flight is not visible under its name
    assert 0 < len(arrived) < len(files)
    for relative, data in arrived.items():
        assert data == files[relative], relative  # whatever is visible is whole

    if resume:  # the killed upload is open, its state kept
        assert _pending(dst) == 1
    result = megfile_core.smart_sync(src, dst, resume=resume)
    assert (result.copied, result.skipped) == (len(files) - len(arrived), len(arrived))
    assert _visible(dst) == files
    again = megfile_core.smart_sync(src, dst, resume=resume)
    assert (again.copied, again.skipped) == (0, len(files))
    if resume:  # the resumed upload was completed, not left open
        assert _pending(dst) == 0
    if direction.endswith("to-local"):  # the killed copy's temp file, once stale, goes
        monkeypatch.setenv("MEGFILE_SYNC_STALE_TEMP_SECONDS", "0")
        assert len(megfile_core.smart_sync(src, dst).removed_temps) == 1
        on_disk = sorted(str(p.relative_to(dst)) for p in Path(dst).rglob("*") if p.is_file())
        assert on_disk == sorted(files)
