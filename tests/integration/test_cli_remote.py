"""The real ``megfile`` console script on sftp:// and http:// URLs."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

MEGFILE = str(Path(sys.executable).with_name("megfile"))


@pytest.fixture
def cli(sftp_root):
    def run(*args: str, input: bytes = b"", extra: dict[str, str] | None = None):
        env = dict(os.environ, **(extra or {}))
        return subprocess.run(
            [MEGFILE, *args], input=input, capture_output=True, env=env, timeout=60, check=False
        )

    return run


def test_cli_on_sftp(cli, sftp_root, tmp_path):
    src = tmp_path / "src"
    (src / "d").mkdir(parents=True)
    (src / "a.txt").write_text("hello\n")
    (src / "d" / "b.txt").write_text("world\n")
    result = cli("cp", "-r", str(src), sftp_root + "/tree")
    assert result.returncode == 0, result.stderr
    assert cli("ls", sftp_root + "/tree").stdout.decode().split() == ["a.txt", "d"]
    assert cli("cat", sftp_root + "/tree/d/b.txt").stdout == b"world\n"
    listed = cli("ls", "-l", "-r", sftp_root + "/tree").stdout.decode().splitlines()
    assert listed[-1] == "total(2): 12 B"
    synced = cli("sync", sftp_root + "/tree", str(tmp_path / "back"))
    assert synced.returncode == 0 and b"2 files copied" in synced.stderr
    again = cli("sync", sftp_root + "/tree", str(tmp_path / "back"))
    assert b"0 files copied, 2 skipped" in again.stderr
    assert cli("to", sftp_root + "/piped.txt", input=b"via stdin").returncode == 0
    assert cli("cat", sftp_root + "/piped.txt").stdout == b"via stdin"
    assert (
        cli("md5sum", sftp_root + "/piped.txt").stdout.decode().strip()
        == hashlib.md5(b"via stdin").hexdigest()
    )
    assert cli("rm", "-r", sftp_root + "/tree").returncode == 0
    missing = cli("ls", sftp_root + "/tree")
    assert missing.returncode == 1
    assert missing.stderr.startswith(b"[") and b"NotFound" in missing.stderr.split(b"]")[0]


def test_cli_completes_sftp_paths(cli, sftp_root):
    cli("mkdir", sftp_root + "/compl/alpha")
    cli("touch", sftp_root + "/compl/alpine.txt")
    words = f"megfile ls {sftp_root}/compl/al"
    result = cli(
        extra={"_MEGFILE_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": "2"}
    )
    found = sorted(line.split(",", 1)[1] for line in result.stdout.decode().splitlines())
    assert found == [f"{sftp_root}/compl/alpha/", f"{sftp_root}/compl/alpine.txt"]


def test_cli_on_http(cli, http_files, tmp_path):
    base, directory = http_files
    (directory / "page.txt").write_bytes(b"line1\nline2\nline3\n")
    assert cli("cat", f"{base}/page.txt").stdout == b"line1\nline2\nline3\n"
    assert cli("head", "-n", "1", f"{base}/page.txt").stdout == b"line1\n"
    assert cli("tail", "-n", "1", f"{base}/page.txt").stdout == b"line3\n"
    assert cli("size", f"{base}/page.txt").stdout.strip() == b"18"
    assert cli("cp", f"{base}/page.txt", str(tmp_path) + "/").returncode == 0
    assert (tmp_path / "page.txt").read_bytes() == b"line1\nline2\nline3\n"
    refused = cli("rm", f"{base}/page.txt")
    assert refused.returncode == 1 and b"[UnsupportedError]" in refused.stderr
    missing = cli("cat", f"{base}/nope.txt")
    assert missing.returncode == 1 and missing.stderr.startswith(b"[")


def test_cli_on_s3(s3_root, tmp_path):
    env = dict(os.environ)

    def run(*args: str, extra: dict[str, str] | None = None):
        return subprocess.run(
            [MEGFILE, *args],
            capture_output=True,
            timeout=60,
            env={**env, **(extra or {})},
            check=False,
        )

    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "one.txt").write_text("1")
    (src / "sub" / "two.txt").write_text("22")
    assert run("sync", str(src), s3_root + "/tree").returncode == 0
    assert run("ls", s3_root + "/tree").stdout.decode().split() == ["sub/", "one.txt"]
    assert run("ls", "-r", s3_root + "/tree").stdout.decode().split() == ["one.txt", "sub/two.txt"]
    assert (
        run("cat", s3_root.replace("s3://", "s3+backup://") + "/tree/sub/two.txt").stdout == b"22"
    )
    bucket = s3_root.split("/")[2]
    words = f"megfile ls s3://{bucket[:8]}"
    completed = run(
        extra={"_MEGFILE_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": "2"}
    )
    found = [line.split(",", 1)[1] for line in completed.stdout.decode().splitlines()]
    assert f"s3://{bucket}/" in found
    keys = run(
        extra={
            "_MEGFILE_COMPLETE": "bash_complete",
            "COMP_WORDS": f"megfile cat {s3_root}/tree/o",
            "COMP_CWORD": "2",
        }
    )
    assert [line.split(",", 1)[1] for line in keys.stdout.decode().splitlines()] == [
        f"{s3_root}/tree/one.txt"
    ]
    assert run("rm", "-r", s3_root + "/tree").returncode == 0
    assert run("ls", s3_root + "/tree").returncode == 1
