"""S3 for megfile-core: ``s3://bucket/key`` and ``s3+PROFILE://bucket/key``.

Importing this package is cheap: boto3 is imported on first use, and the S3-only
functions (``s3_generate_presigned_url``, ``s3_upload`` ...) load lazily from
:mod:`megfile_s3.api`.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = (
    "get_s3_client",
    "is_s3",
    "parse_s3_url",
    "s3_concat",
    "s3_copy",
    "s3_download",
    "s3_generate_presigned_url",
    "s3_load_content",
    "s3_upload",
    "s3_buffered_open",
    "s3_cached_open",
    "s3_memory_open",
    "s3_open",
    "s3_pipe_open",
    "s3_prefetch_open",
    "s3_share_cache_open",
)
__all__ = ["S3Path", *_API]


def __getattr__(name: str) -> Any:
    if name == "S3Path":
        from megfile_s3.path import S3Path

        return S3Path
    if name in _API:
        from megfile_s3 import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
