"""megfile's S3-only functions, on top of :class:`~megfile_s3.path.S3Path`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from megfile_core.io.copy import concat, concat_streams
from megfile_core.smart_path import SmartPath
from megfile_core.url_checks import is_s3
from megfile_s3.opens import (
    s3_buffered_open,
    s3_cached_open,
    s3_memory_open,
    s3_open,
    s3_pipe_open,
    s3_prefetch_open,
    s3_share_cache_open,
)
from megfile_s3.path import S3Path

__all__ = [
    "get_s3_client",
    "is_s3",
    "parse_s3_url",
    "s3_buffered_open",
    "s3_cached_open",
    "s3_concat",
    "s3_copy",
    "s3_download",
    "s3_generate_presigned_url",
    "s3_load_content",
    "s3_memory_open",
    "s3_open",
    "s3_pipe_open",
    "s3_prefetch_open",
    "s3_share_cache_open",
    "s3_upload",
]


def parse_s3_url(url: Any) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``("bucket", "key")``."""
    path = S3Path(str(url))
    return path.bucket, path.key


def get_s3_client(
    config: Any = None, cache_key: str | None = None, profile_name: str | None = None
) -> Any:
    """The boto3 client of ``s3://`` (or of ``s3+PROFILE://`` for ``profile_name``).

    Without ``config`` it is the cached client every S3 path of that profile uses;
    a ``botocore.config.Config`` gives a new client with those options on top of
    the profile's. ``cache_key`` is accepted for megfile's sake: clients are cached
    by their settings here."""
    from megfile_s3.client import build_client, get_client
    from megfile_s3.deferred import built

    if config is None:
        return built(get_client(profile_name))  # a botocore client, never a stand-in
    return build_client(profile_name, config)


def s3_generate_presigned_url(
    s3_url: Any,
    expires_in: int = 3600,
    method: str = "get_object",
    *,
    profile_name: str | None = None,
    params: dict[str, Any] | None = None,
    config: Any = None,
) -> str:
    """A URL that performs ``method`` on the object without credentials.
    ``profile_name`` replaces the URL's profile; ``config`` (a botocore Config)
    signs with a client built with those options."""
    path = S3Path(str(s3_url))
    if profile_name is not None:
        path = S3Path(f"s3+{profile_name}://{path.bucket}/{path.key}")
    if config is None:
        return path.generate_presigned_url(expires_in, method, params)
    path._need_key()
    request = {"Bucket": path.bucket, "Key": path.key, **(params or {})}
    client = get_s3_client(config, profile_name=path.profile)
    with path._errors(client):
        url: str = client.generate_presigned_url(method, Params=request, ExpiresIn=expires_in)
    return url


def s3_load_content(s3_url: Any, start: int | None = None, stop: int | None = None) -> bytes:
    return S3Path(str(s3_url))._load_content(start, stop)


def s3_copy(
    src_url: Any,
    dst_url: Any,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    S3Path(str(src_url)).copy(
        str(dst_url), callback=callback, followlinks=followlinks, overwrite=overwrite
    )


def s3_upload(
    src_url: Any,
    dst_url: Any,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    from megfile_s3.transfer import upload

    upload(
        str(src_url), str(dst_url), callback=callback, followlinks=followlinks, overwrite=overwrite
    )


def s3_download(
    src_url: Any,
    dst_url: Any,
    callback: Callable[[int], None] | None = None,
    followlinks: bool = False,
    overwrite: bool = True,
) -> None:
    from megfile_s3.transfer import download

    download(
        str(src_url), str(dst_url), callback=callback, followlinks=followlinks, overwrite=overwrite
    )


def s3_concat(
    src_paths: list[Any],
    dst_path: Any,
    block_size: int = 8 * 2**20,
    max_workers: int = 8,
) -> None:
    """Server-side within one profile; sources of other profiles (or aliases of
    other stores) stream. ``block_size=0`` streams every source (megfile's way to
    skip server-side copies); ``max_workers`` is accepted for megfile's sake (parts
    are copied one after another here)."""
    sources = [SmartPath(str(p)).pathlike for p in src_paths]
    target = SmartPath(str(dst_path)).pathlike
    if block_size == 0:
        concat_streams(sources, target)
    else:
        concat(sources, target)
