"""megfile's S3-only functions, on top of :class:`~megfile_s3.path.S3Path`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from megfile_core.io.copy import concat
from megfile_core.smart_path import SmartPath
from megfile_s3.path import S3Path

__all__ = [
    "is_s3",
    "parse_s3_url",
    "s3_concat",
    "s3_copy",
    "s3_download",
    "s3_generate_presigned_url",
    "s3_load_content",
    "s3_upload",
]


def is_s3(path: Any) -> bool:
    """Whether ``path`` is an ``s3://`` or ``s3+PROFILE://`` URL."""
    text = str(path)
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.partition("+")[0] == "s3"


def parse_s3_url(url: Any) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``("bucket", "key")``."""
    path = S3Path(str(url))
    return path.bucket, path.key


def s3_generate_presigned_url(
    url: Any,
    expires_in: int = 3600,
    method: str = "get_object",
    *,
    params: dict[str, Any] | None = None,
) -> str:
    return S3Path(str(url)).generate_presigned_url(expires_in, method, params)


def s3_load_content(url: Any, start: int | None = None, stop: int | None = None) -> bytes:
    return S3Path(str(url))._load_content(start, stop)


def s3_copy(
    src: Any,
    dst: Any,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    S3Path(str(src)).copy(str(dst), callback=callback, followlinks=followlinks, overwrite=overwrite)


def s3_upload(
    src: Any,
    dst: Any,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    from megfile_s3.transfer import upload

    upload(str(src), str(dst), callback=callback, followlinks=followlinks, overwrite=overwrite)


def s3_download(
    src: Any,
    dst: Any,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    from megfile_s3.transfer import download

    download(str(src), str(dst), callback=callback, followlinks=followlinks, overwrite=overwrite)


def s3_concat(src_paths: list[Any], dst_path: Any) -> None:
    """Server-side within one profile; sources of other profiles (or aliases of
    other stores) stream."""
    concat([SmartPath(str(p)).pathlike for p in src_paths], SmartPath(str(dst_path)).pathlike)
