"""The megfile command line reads http:// URLs through the installed plugin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from http_testdata import BIG, TEXT

MEGFILE = str(Path(sys.executable).with_name("megfile"))


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([MEGFILE, *args], capture_output=True, timeout=60, check=False)


def test_cli_cat(nginx):
    result = _run("cat", f"{nginx.url}/text.txt")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8") == TEXT


def test_cli_cp_to_local(nginx, tmp_path):
    target = tmp_path / "copy.bin"
    result = _run("cp", f"{nginx.url}/big.bin", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == BIG


def test_cli_missing_url_fails_cleanly(nginx):
    result = _run("cat", f"{nginx.url}/nope.txt")
    assert result.returncode != 0
    assert b"nope.txt" in result.stderr
    assert b"Traceback" not in result.stderr


def test_cli_stat(nginx):
    result = _run("stat", f"{nginx.url}/small.bin")
    assert result.returncode == 0, result.stderr
    assert b"size=10," in result.stdout
    assert b"headers" not in result.stdout
