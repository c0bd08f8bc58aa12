"""megfile's ``s3_*_open`` functions: each opens an object through
:meth:`S3Path.open <megfile_s3.path.S3Path.open>` with the options its name stands
for. Text modes work (``encoding``/``errors``), as with megfile's."""

from __future__ import annotations

from typing import IO, Any

from megfile_s3.path import S3Path

__all__ = [
    "s3_buffered_open",
    "s3_cached_open",
    "s3_memory_open",
    "s3_open",
    "s3_pipe_open",
    "s3_prefetch_open",
    "s3_share_cache_open",
]

_DEFAULT_BLOCK = 8 * 2**20


def _open(
    url: Any,
    mode: str,
    followlinks: bool,
    encoding: str | None,
    errors: str | None,
    **options: Any,
) -> IO[Any]:
    given = {name: value for name, value in options.items() if value is not None}
    if followlinks:
        given["followlinks"] = True
    return S3Path(str(url)).open(mode, encoding=encoding, errors=errors, **given)


def _read_only(function: str, mode: str, allowed: tuple[str, ...] = ("rb",)) -> None:
    if mode not in allowed:
        raise ValueError(
            f"{function} opens for {' or '.join(map(repr, allowed))} only, not {mode!r}; "
            "use s3_open (or smart_open) for other modes"
        )


def s3_buffered_open(
    s3_url: Any,
    mode: str = "rb",
    followlinks: bool = False,
    *,
    max_workers: int | None = None,
    max_buffer_size: int | None = None,
    block_forward: int | None = None,
    block_size: int | None = None,
    limited_seekable: bool = False,
    buffered: bool = False,
    share_cache_key: str | None = None,
    cache_path: str | None = None,
    atomic: bool = False,
    encoding: str | None = None,
    errors: str | None = None,
) -> IO[Any]:
    """The parallel prefetching reader (``rb``) or multipart writer (``wb``); other
    modes edit the object locally and upload it on close."""
    return _open(
        s3_url,
        mode,
        followlinks,
        encoding,
        errors,
        max_workers=max_workers,
        max_buffer_size=max_buffer_size,
        block_forward=block_forward,
        block_size=block_size,
        limited_seekable=limited_seekable or None,
        buffered=buffered or None,
        share_cache_key=share_cache_key,
        cache_path=cache_path,
        atomic=atomic or None,
    )


#: megfile's default S3 opener is the buffered one
s3_open = s3_buffered_open


def s3_prefetch_open(
    s3_url: Any,
    mode: str = "rb",
    followlinks: bool = False,
    *,
    max_workers: int | None = None,
    block_size: int = _DEFAULT_BLOCK,
    encoding: str | None = None,
    errors: str | None = None,
) -> IO[Any]:
    """A reader that fetches ``block_size`` blocks ahead on ``max_workers`` threads."""
    _read_only("s3_prefetch_open", mode.replace("t", ""), ("rb", "r"))
    return _open(
        s3_url, mode, followlinks, encoding, errors, max_workers=max_workers, block_size=block_size
    )


def s3_share_cache_open(
    s3_url: Any,
    mode: str = "rb",
    followlinks: bool = False,
    *,
    cache_key: str = "lru",
    max_workers: int | None = None,
    block_size: int = _DEFAULT_BLOCK,
    encoding: str | None = None,
    errors: str | None = None,
) -> IO[Any]:
    """A prefetching reader whose blocks are shared with every reader opened with
    the same ``cache_key``."""
    _read_only("s3_share_cache_open", mode.replace("t", ""), ("rb", "r"))
    return _open(
        s3_url,
        mode,
        followlinks,
        encoding,
        errors,
        share_cache_key=cache_key,
        max_workers=max_workers,
        block_size=block_size,
    )


def s3_pipe_open(
    s3_url: Any,
    mode: str,
    followlinks: bool = False,
    *,
    join_thread: bool = True,
    encoding: str | None = None,
    errors: str | None = None,
) -> IO[Any]:
    """A sequential stream: one GET read as it arrives (``rb``), or an upload that
    is complete when ``close()`` returns (``wb``; ``join_thread`` is accepted for
    megfile's sake, closing always waits for the upload here)."""
    _read_only("s3_pipe_open", mode.replace("t", ""), ("rb", "r", "wb", "w"))
    stream = True if mode[0] == "r" else None
    return _open(s3_url, mode, followlinks, encoding, errors, stream=stream)


def s3_memory_open(
    s3_url: Any,
    mode: str,
    followlinks: bool = False,
    *,
    encoding: str | None = None,
    errors: str | None = None,
) -> IO[Any]:
    """Any mode (``r``, ``w``, ``a``, ``x``, with ``+``): the content is edited
    locally and uploaded on close when it was written."""
    return _open(s3_url, mode, followlinks, encoding, errors)


def s3_cached_open(
    s3_url: Any,
    mode: str,
    followlinks: bool = False,
    *,
    cache_path: str | None = None,
    encoding: str | None = None,
    errors: str | None = None,
) -> IO[Any]:
    """Like :func:`s3_memory_open`. ``cache_path`` is accepted for megfile's sake
    and not used: the local copy is an anonymous temporary file, removed on close."""
    return _open(s3_url, mode, followlinks, encoding, errors)
