"""``megfile config s3`` and the ``megfile`` command line on s3:// URLs (subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from s3server import MotoS3

from megfile_core import smart
from megfile_s3.cli import write_profile
from megfile_s3.config import resolve

MEGFILE = str(Path(sys.executable).with_name("megfile"))


def _run(
    *args: str, env: dict[str, str] | None = None, input: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    full = dict(os.environ)
    full.update(env or {})
    return subprocess.run(
        [MEGFILE, *args], capture_output=True, env=full, input=input, timeout=60, check=False
    )


def test_config_s3_writes_token_and_nested_block(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "creds"
    target.write_text("# keep me\n[other]\naws_access_key_id = O\naws_secret_access_key = S\n")
    done = _run(
        "config",
        "s3",
        "AKIAPROFILE0001",
        "sk-1",
        "-p",
        str(target),
        "-n",
        "dev",
        "-e",
        "http://127.0.0.1:1234",
        "-st",
        "session-tok",
        "-as",
        "path",
        "-sv",
        "s3v4",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Your oss config has been saved into {target}\n".encode()
    text = target.read_text()
    assert "# keep me" in text
    assert "[other]" in text
    assert "aws_session_token = session-tok" in text
    assert (
        "s3 =\n    endpoint_url = http://127.0.0.1:1234\n    addressing_style = path\n"
        "    signature_version = s3v4" in text
    )
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(target))
    settings = resolve("dev")
    assert (
        settings.access_key,
        settings.session_token,
        settings.endpoint_url,
        settings.addressing_style,
        settings.signature_version,
    ) == ("AKIAPROFILE0001", "session-tok", "http://127.0.0.1:1234", "path", "s3v4")
    assert resolve("other").access_key == "O"
    refused = _run("config", "s3", "K2", "S2", "-p", str(target), "-n", "dev", "--no-cover")
    assert refused.returncode != 0
    assert b"already exists" in refused.stderr
    assert resolve("dev").access_key == "AKIAPROFILE0001"
    _, replaced = write_profile(str(target), "dev", "K3", "S3")
    assert replaced
    assert resolve("dev").access_key == "K3"
    assert resolve("dev").session_token is None
    assert target.read_text().count("[dev]") == 1


def test_cli_ls_cat_cp_on_s3(bucket: str, tmp_path: Any, moto_server: MotoS3) -> None:
    smart.smart_save_text(f"s3://{bucket}/dir/a.txt", "alpha\n")
    smart.smart_save_text(f"s3://{bucket}/dir/sub/b.txt", "beta\n")
    listed = _run("ls", f"s3://{bucket}/dir/")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == [b"sub/", b"a.txt"]  # as megfile: prefixes first
    cat = _run("cat", f"s3://{bucket}/dir/a.txt")
    assert (cat.returncode, cat.stdout) == (0, b"alpha\n")
    local = tmp_path / "down.txt"
    copied = _run("cp", f"s3://{bucket}/dir/sub/b.txt", str(local))
    assert copied.returncode == 0, copied.stderr
    assert local.read_text() == "beta\n"
    up = _run("cp", str(local), f"s3://{bucket}/up/b.txt")
    assert up.returncode == 0, up.stderr
    assert smart.smart_load_text(f"s3://{bucket}/up/b.txt") == "beta\n"
    missing = _run("cat", f"s3://{bucket}/nope")
    assert missing.returncode != 0
    assert b"nope" in missing.stderr
    profile = _run("ls", f"s3+typo://{bucket}/")
    assert profile.returncode != 0
    assert b"TYPO__AWS_ACCESS_KEY_ID" in profile.stderr


def _line(size: str, mtime: float, name: str) -> str:
    return f"{size} {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(mtime))} {name}"


def test_cli_ls_lines_as_megfile(bucket: str, s3: Any) -> None:
    """Line for line what megfile 5.0.18 prints for the same bucket on moto: prefixes
    (``name/``) before keys, a link's target, megfile's sizes; no slash in -r."""
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x" * 4333)
    s3.put_object(Bucket=bucket, Key="dir/b.txt", Body=b"y" * 10)
    s3.put_object(Bucket=bucket, Key="dir/sub/c.txt", Body=b"z" * 2000000)
    s3.put_object(Bucket=bucket, Key="empty/", Body=b"")
    smart.smart_symlink(f"s3://{bucket}/a.txt", f"s3://{bucket}/link")
    a_time = smart.smart_stat(f"s3://{bucket}/a.txt").mtime
    link_time = smart.smart_lstat(f"s3://{bucket}/link").mtime
    b_time = smart.smart_stat(f"s3://{bucket}/dir/b.txt").mtime
    c_time = smart.smart_stat(f"s3://{bucket}/dir/sub/c.txt").mtime
    url = f"s3://{bucket}"

    def lines(*args: str) -> list[str]:
        done = _run(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout.decode().splitlines()

    assert lines("ls", url) == ["dir/", "empty/", "a.txt", "link"]
    assert lines("ls", "-f", url + "/") == [
        f"{url}/dir/",
        f"{url}/empty/",
        f"{url}/a.txt",
        f"{url}/link",
    ]
    assert lines("ls", "-l", url) == [
        _line("           0", 0, "dir/"),
        _line("           0", 0, "empty/"),
        _line("        4333", a_time, "a.txt"),
        _line("           0", link_time, f"link -> {url}/a.txt"),
        "total(4): 4.23 KB",
    ]
    assert lines("ls", "-l", "-h", url + "/dir/") == [
        _line("       0 B", 0, "sub/"),
        _line("      10 B", b_time, "b.txt"),
        "total(2): 10 B",
    ]
    assert lines("ll", "-f", url + "/dir") == [
        _line("       0 B", 0, f"{url}/dir/sub/"),
        _line("      10 B", b_time, f"{url}/dir/b.txt"),
        "total(2): 10 B",
    ]
    assert lines("ls", "-l", "-r", url + "/dir") == [
        _line("          10", b_time, "b.txt"),
        _line("     2000000", c_time, "sub/c.txt"),
        "total(2): 1.91 MB",
    ]
    assert lines("ls", "-l", url + "/link") == [
        _line("        4333", a_time, f"link -> {url}/a.txt"),
        "total(1): 4.23 KB",
    ]
    assert lines("ls", url + "/dir/b.txt") == ["b.txt"]
    assert lines("ls", "-f", url + "/dir/b.txt") == ["b.txt"]
    assert lines("ls", "s3://") == sorted(lines("ls", "s3://"))
    assert bucket in lines("ls", "s3://")


def test_cli_rm_of_a_prefix_without_r_exits_1(bucket: str, s3: Any) -> None:
    s3.put_object(Bucket=bucket, Key="dir/b.txt", Body=b"y")
    for path in (f"s3://{bucket}/dir", f"s3://{bucket}/dir/", f"s3://{bucket}"):
        done = _run("rm", path)
        assert done.returncode == 1, path
        assert done.stderr.startswith(b"[S3IsADirectoryError] "), done.stderr
    assert smart.smart_exists(f"s3://{bucket}/dir/b.txt")
    assert _run("rm", "-r", f"s3://{bucket}/dir").returncode == 0
    assert not smart.smart_exists(f"s3://{bucket}/dir/b.txt")


def test_config_s3_confirms_as_megfile(tmp_path: Any) -> None:
    target = tmp_path / "aws" / "credentials"
    new = _run("config", "s3", "K1", "S1", "-p", str(target))
    assert (new.returncode, new.stdout) == (
        0,
        f"Your oss config has been saved into {target}\n".encode(),
    )
    other = _run("config", "s3", "K2", "S2", "-p", str(target), "-n", "dev")
    assert other.stdout == f"Your oss config has been saved into {target}\n".encode()
    updated = _run("config", "s3", "K3", "S3", "-p", str(target), "-n", "dev")
    assert (updated.returncode, updated.stdout) == (
        0,
        f"The dev config has been updated.\nYour oss config has been saved into "
        f"{target}\n".encode(),
    )
