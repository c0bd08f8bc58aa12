"""megfile's SFTP-only functions: ``sftp_copy``, ``sftp_download``, ``sftp_upload``
and ``sftp_concat``, on top of :class:`~megfile_sftp.path.SftpPath`."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from megfile_core.io.copy import concat
from megfile_core.smart_path import SmartPath
from megfile_core.url import split_scheme
from megfile_sftp.path import SftpPath

__all__ = ["sftp_concat", "sftp_copy", "sftp_download", "sftp_upload"]


def _text(path: Any) -> str:
    return os.fspath(path) if isinstance(path, os.PathLike) else str(path)


def _need(path: Any, schemes: tuple[str, ...], role: str, function: str) -> str:
    text = _text(path)
    if split_scheme(text)[0] not in schemes:
        kind = "an sftp:// URL" if "sftp" in schemes else "a local path"
        raise ValueError(f"{function}: {role} must be {kind}, got {text!r}")
    return text


def sftp_copy(
    src_path: Any,
    dst_path: Any,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    """Copy one file between ``sftp://`` paths (on the server when both are on it)."""
    src = _need(src_path, ("sftp",), "src_path", "sftp_copy")
    dst = _need(dst_path, ("sftp",), "dst_path", "sftp_copy")
    SftpPath(src).copy(dst, callback=callback, followlinks=followlinks, overwrite=overwrite)


def sftp_download(
    src_url: Any,
    dst_url: Any,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    """``sftp://`` file -> local file (written to a temp file, renamed into place)."""
    from megfile_sftp.transfer import download

    src = _need(src_url, ("sftp",), "src_url", "sftp_download")
    dst = _need(dst_url, ("", "file"), "dst_url", "sftp_download")
    download(src, dst, callback=callback, followlinks=followlinks, overwrite=overwrite)


def sftp_upload(
    src_url: Any,
    dst_url: Any,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    """Local file -> ``sftp://``."""
    from megfile_sftp.transfer import upload

    src = _need(src_url, ("", "file"), "src_url", "sftp_upload")
    dst = _need(dst_url, ("sftp",), "dst_url", "sftp_upload")
    upload(src, dst, callback=callback, followlinks=followlinks, overwrite=overwrite)


def sftp_concat(src_paths: list[Any], dst_path: Any) -> None:
    """Concatenate files into ``dst_path``: ``cat`` on the server when every path
    is on it, else streamed."""
    _need(dst_path, ("sftp",), "dst_path", "sftp_concat")
    concat([SmartPath(_text(p)).pathlike for p in src_paths], SmartPath(_text(dst_path)).pathlike)
