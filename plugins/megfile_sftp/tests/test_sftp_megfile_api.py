"""megfile's SFTP functions (sftp_copy, sftp_download, sftp_upload, sftp_concat),
called by keyword with megfile's parameter names, against the real sshd."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import megfile_core
from megfile_core import smart_load_content, smart_save_content
from megfile_core.sftp_path import sftp_concat, sftp_copy, sftp_download, sftp_upload


def test_upload_and_download_by_megfile_keywords(sftp_root: str, tmp_path: Path) -> None:
    local = tmp_path / "up.bin"
    blob = os.urandom(300_000)
    local.write_bytes(blob)
    seen: list[int] = []
    sftp_upload(src_url=str(local), dst_url=f"{sftp_root}/d/up.bin", callback=seen.append)
    assert smart_load_content(f"{sftp_root}/d/up.bin") == blob
    assert sum(seen) == len(blob)
    back = tmp_path / "back" / "down.bin"
    sftp_download(src_url=f"{sftp_root}/d/up.bin", dst_url=str(back), overwrite=True)
    assert back.read_bytes() == blob


def test_overwrite_false_keeps_the_target(sftp_root: str, tmp_path: Path) -> None:
    smart_save_content(f"{sftp_root}/a", b"new")
    kept = tmp_path / "kept"
    kept.write_bytes(b"old")
    sftp_download(f"{sftp_root}/a", str(kept), overwrite=False)
    assert kept.read_bytes() == b"old"


def test_copy_and_concat_by_megfile_keywords(sftp_root: str) -> None:
    smart_save_content(f"{sftp_root}/a", b"alpha-")
    smart_save_content(f"{sftp_root}/b", b"beta")
    sftp_copy(src_path=f"{sftp_root}/a", dst_path=f"{sftp_root}/c", followlinks=True)
    assert smart_load_content(f"{sftp_root}/c") == b"alpha-"
    sftp_concat(src_paths=[f"{sftp_root}/a", f"{sftp_root}/b"], dst_path=f"{sftp_root}/ab")
    assert smart_load_content(f"{sftp_root}/ab") == b"alpha-beta"


def test_wrong_sides_are_refused_with_the_argument_named(sftp_root: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sftp_download: dst_url must be a local path"):
        sftp_download(f"{sftp_root}/a", f"{sftp_root}/b")
    with pytest.raises(ValueError, match="sftp_upload: src_url must be a local path"):
        sftp_upload(f"{sftp_root}/a", f"{sftp_root}/b")
    with pytest.raises(ValueError, match="sftp_copy: src_path must be an sftp:// URL"):
        sftp_copy(str(tmp_path / "x"), f"{sftp_root}/b")


def test_top_level_names_are_the_plugins() -> None:
    from megfile_sftp import api
    from megfile_sftp.path import SftpPath

    assert megfile_core.sftp_upload is api.sftp_upload
    assert megfile_core.SftpPath is SftpPath
    assert megfile_core.is_sftp("sftp://h/x") and not megfile_core.is_sftp("sftp2://h/x")
