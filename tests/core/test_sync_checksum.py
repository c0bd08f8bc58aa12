"""``sync(checksum=True)`` / ``megfile sync --checksum`` and ``--dry-run`` on local
trees: a file is current when its content matches, whatever the mtimes say."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from megfile_core.checksum import same_content, streamed_md5
from megfile_core.smart_path import SmartPath
from megfile_core.sync import sync

MEGFILE = str(Path(sys.executable).with_name("megfile"))


def _pair(
    tmp_path: Path, src_data: bytes, dst_data: bytes, dst_mtime_delta: int
) -> tuple[Path, Path]:
    """src/f and dst/f; dst/f's mtime is src/f's plus ``dst_mtime_delta`` seconds."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "f").write_bytes(src_data)
    (dst / "f").write_bytes(dst_data)
    mtime = (src / "f").stat().st_mtime
    os.utime(dst / "f", (mtime + dst_mtime_delta, mtime + dst_mtime_delta))
    return src, dst


def test_same_size_and_mtime_but_other_bytes_is_copied_only_with_checksum(tmp_path: Path) -> None:
    src, dst = _pair(tmp_path, b"new content", b"old content", 0)
    plain = sync(str(src), str(dst))
    assert (plain.copied, plain.skipped) == (0, 1)
    assert (dst / "f").read_bytes() == b"old content"
    checked = sync(str(src), str(dst), checksum=True)
    assert (checked.copied, checked.skipped) == (1, 0)
    assert (dst / "f").read_bytes() == b"new content"
    again = sync(str(src), str(dst), checksum=True)
    assert (again.copied, again.skipped) == (0, 1)


def test_same_bytes_with_an_older_mtime_is_skipped_with_checksum(tmp_path: Path) -> None:
    src, dst = _pair(tmp_path, b"same bytes", b"same bytes", -3600)
    checked = sync(str(src), str(dst), checksum=True)
    assert (checked.copied, checked.skipped) == (0, 1)
    assert (dst / "f").stat().st_mtime < (src / "f").stat().st_mtime  # untouched
    plain = sync(str(src), str(dst))
    assert (plain.copied, plain.skipped) == (1, 0)


def test_other_sizes_differ_and_a_single_file_sync_checks_too(tmp_path: Path) -> None:
    src, dst = _pair(tmp_path, b"longer content", b"short", 3600)
    assert sync(str(src / "f"), str(dst / "f"), checksum=True).copied == 1
    assert (dst / "f").read_bytes() == b"longer content"
    assert sync(str(src / "f"), str(dst / "f"), checksum=True).skipped == 1


def test_streamed_md5_and_same_content(tmp_path: Path) -> None:
    data = os.urandom(3 << 20)  # several 1 MiB blocks
    (tmp_path / "a").write_bytes(data)
    (tmp_path / "b").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    a, b = SmartPath(str(tmp_path / "a")).pathlike, SmartPath(str(tmp_path / "b")).pathlike
    import hashlib

    assert streamed_md5(a) == hashlib.md5(data).hexdigest()
    assert not same_content(a, a.stat(), b, b.stat())
    assert same_content(a, a.stat(), a, a.stat())


def test_a_dry_run_with_checksum_lists_only_differing_files_and_changes_nothing(
    tmp_path: Path,
) -> None:
    src, dst = _pair(tmp_path, b"AAAA", b"BBBB", 0)
    (src / "sub").mkdir()
    (src / "sub" / "g").write_bytes(b"same")
    (dst / "h").write_bytes(b"only in dst")
    before = sorted((p.relative_to(dst), p.read_bytes()) for p in dst.rglob("*") if p.is_file())
    result = sync(str(src), str(dst), checksum=True, dry_run=True)
    assert sorted(target for _, target in result.planned) == [
        str(dst / "f"),
        str(dst / "sub" / "g"),
    ]
    after = sorted((p.relative_to(dst), p.read_bytes()) for p in dst.rglob("*") if p.is_file())
    assert after == before
    assert not (dst / "sub").exists()  # no directory made either


def test_cli_sync_checksum_and_dry_run(tmp_path: Path) -> None:
    src, dst = _pair(tmp_path, b"new content", b"old content", 0)
    (src / "sub").mkdir()
    (src / "sub" / "g").write_bytes(b"g")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [MEGFILE, "sync", *args, str(src), str(dst)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    dry = run("--dry-run", "--checksum")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        f"would copy {src / 'f'} -> {dst / 'f'}",
        f"would copy {src / 'sub' / 'g'} -> {dst / 'sub' / 'g'}",
    ]
    assert "dry run: 2 files would be copied, 0 skipped" in dry.stderr
    assert (dst / "f").read_bytes() == b"old content" and not (dst / "sub").exists()
    plain = run()
    assert plain.returncode == 0 and "1 files copied, 1 skipped" in plain.stderr
    checked = run("--checksum")
    assert checked.returncode == 0 and "1 files copied, 1 skipped" in checked.stderr
    assert (dst / "f").read_bytes() == b"new content"
