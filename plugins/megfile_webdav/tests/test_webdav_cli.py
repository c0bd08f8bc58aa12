"""The megfile command line on webdav:// URLs, through the installed plugin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from davserver import PASSWORD

MEGFILE = str(Path(sys.executable).with_name("megfile"))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBDAV_")}
    return subprocess.run(
        [MEGFILE, *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_plugins_lists_webdav() -> None:
    result = _run("plugins")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    at = lines.index("webdav 0.1.0 (megfile-webdav)")
    assert lines[at + 1].split() == ["protocols:", "webdav,", "webdavs"]


def test_cp_ls_cat_sync(dav_root: str, tmp_path: Path) -> None:
    local = tmp_path / "src"
    (local / "d").mkdir(parents=True)
    (local / "a.txt").write_text("alpha\n")
    (local / "d" / "b.txt").write_text("beta\n")
    assert _run("cp", str(local / "a.txt"), f"{dav_root}/one/a.txt").returncode == 0
    cat = _run("cat", f"{dav_root}/one/a.txt")
    assert cat.returncode == 0, cat.stderr
    assert cat.stdout == "alpha\n"
    sync = _run("sync", str(local), f"{dav_root}/tree")
    assert sync.returncode == 0, sync.stderr
    listing = _run("ls", f"{dav_root}/tree")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.split() == ["a.txt", "d"]
    recursive = _run("ls", "-r", f"{dav_root}/tree")
    assert "d/b.txt" in recursive.stdout, recursive.stdout
    back = tmp_path / "back"
    assert _run("sync", f"{dav_root}/tree", str(back)).returncode == 0
    assert (back / "d" / "b.txt").read_text() == "beta\n"
    assert _run("cp", f"{dav_root}/tree/d/b.txt", str(tmp_path / "b.txt")).returncode == 0
    assert (tmp_path / "b.txt").read_text() == "beta\n"


def test_missing_url_fails_cleanly_without_the_password(dav_root: str) -> None:
    result = _run("cat", f"{dav_root}/nope.txt")
    assert result.returncode != 0
    assert "nope.txt" in result.stderr and "FileNotFoundError" in result.stderr
    assert "Traceback" not in result.stderr
    assert PASSWORD not in result.stderr and "p%40ss" not in result.stderr
