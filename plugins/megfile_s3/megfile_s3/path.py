"""``S3Path``: ``s3://bucket/key``, ``s3://bucket/prefix/``, ``s3://`` and
``s3+PROFILE://...``.

Directories are key prefixes: ``s3://b/d`` is a directory when some key starts with
``d/`` (an empty ``d/`` marker object counts). ``mkdir`` creates no marker: it checks
that the bucket exists and that no object has the name, so an empty directory
exists only once something is written under it (``megfile_core``'s contract flag
``supports_empty_dirs = False``). S3 has no settable mtime: ``utime`` is
unsupported, and an uploaded object's mtime is its upload time, which is what lets
``sync`` skip it on the next run.

Symlinks follow megfile: a zero-byte object whose metadata ``symlink_to`` holds the
target URL.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import IO, Any

from megfile_core import config as core_config
from megfile_core.errors import UnsupportedError
from megfile_core.io.copy import copy_stream
from megfile_core.io.sharded import sharded_listing
from megfile_core.pathlike import BasePath, ContextIterator, check_open_options
from megfile_core.types import Access, FileEntry, StatResult
from megfile_s3 import deferred, lean
from megfile_s3.client import S3Client, get_client, settings_of
from megfile_s3.errors import (
    S3BucketNotFoundError,
    S3FileExistsError,
    S3FileNotFoundError,
    S3IsADirectoryError,
    S3NotADirectoryError,
    S3NotALinkError,
    error_code,
    raise_s3_error,
)
from megfile_s3.fast_listing import lean_page

__all__ = ["DELETE_BATCH", "LIST_MAX_KEYS", "S3Path"]

#: keys per ListObjectsV2 page (tests lower it to force paging)
LIST_MAX_KEYS = 1000


def _object_key(item: dict[str, Any]) -> str:
    return str(item["Key"])


#: keys per DeleteObjects call (S3's limit)
DELETE_BATCH = 1000
_MAX_LINK_DEPTH = 40
_SYMLINK_KEY = "symlink_to"
_SEEKABLE_OPTIONS = ("head_block_size", "tail_block_size")


#: LastModified -> its timestamp: a listing's keys share few distinct times, and
#: the parser hands out one datetime per distinct text (datetimes cache their hash)
_stamps: dict[Any, float] = {}


def _mtime(value: Any) -> float:
    found = _stamps.get(value)
    if found is None:
        timestamp = getattr(value, "timestamp", None)
        found = float(timestamp()) if timestamp is not None else 0.0
        if value is not None:
            if len(_stamps) > 4096:
                _stamps.clear()
            _stamps[value] = found
    return found


#: a NamedTuple made without the keyword handling of its constructor (per listed key)
_make = tuple.__new__


def _object_stat(item: dict[str, Any]) -> StatResult:
    """StatResult of a listing item (``Key``, ``Size``, ``LastModified``, ``ETag``)."""
    mtime = _mtime(item.get("LastModified"))
    return _make(StatResult, (int(item.get("Size", 0)), mtime, mtime, False, False, item))


_DIR_STAT = StatResult(0, 0.0, 0.0, True, False)


class S3Path(BasePath):
    """A path on S3 (or any S3-compatible store); ``variant`` is the profile."""

    protocol = "s3"
    open_options = frozenset((*_SEEKABLE_OPTIONS, "stream"))
    glob_base_dir = False  # "dir/" is a key prefix, not an entry of its own

    # -- parsing -----------------------------------------------------------------
    @property
    def bucket(self) -> str:
        return self._path.lstrip("/").partition("/")[0]

    @property
    def key(self) -> str:
        return self._path.lstrip("/").partition("/")[2]

    @property
    def profile(self) -> str | None:
        return self.variant

    @property
    def _url(self) -> str:
        return self.path_with_protocol

    @property
    def prefix_listing(self) -> bool:
        """Inside a bucket directories are key prefixes: ``megfile ls`` prints them
        as ``name/``, in the listing's order (see :mod:`megfile_core.cli.listing`)."""
        return bool(self.bucket)

    def _dir_prefix(self) -> str:
        key = self.key
        return key.rstrip("/") + "/" if key.rstrip("/") else ""

    @property
    def _client(self) -> S3Client:
        return get_client(self.variant)

    def _errors(self, client: S3Client | None = None) -> Any:
        client = client if client is not None else self._client
        return raise_s3_error(self._url, settings_of(client))

    def _same_store(self, other: Any) -> bool:
        return isinstance(other, S3Path) and other.variant == self.variant

    def _need_bucket(self, operation: str) -> None:
        if not self.bucket:
            raise UnsupportedError(f"{operation} of the S3 root (name a bucket)", self)

    def _need_key(self) -> None:
        self._need_bucket("this operation")
        if not self.key or self.key.endswith("/"):
            raise S3IsADirectoryError(f"is a directory: {self._url}")

    # -- metadata ----------------------------------------------------------------
    def _head(self, client: S3Client) -> dict[str, Any] | None:
        """HEAD of the object, None when there is none. A client not built yet
        (:mod:`megfile_s3.deferred`) asks leanly first: a missing object (a sync's
        source directory) then costs no client."""
        if not deferred.is_built(client) and lean.head_status(client, self.bucket, self.key) == 404:
            return None
        try:
            with self._errors(client):
                response: dict[str, Any] = client.head_object(Bucket=self.bucket, Key=self.key)
                return response
        except S3BucketNotFoundError:
            raise
        except S3FileNotFoundError:
            return None

    def _bucket_exists(self, client: S3Client) -> bool:
        try:
            with self._errors(client):
                client.head_bucket(Bucket=self.bucket)
        except S3FileNotFoundError:
            return False
        return True

    def _prefix_exists(self, client: S3Client) -> bool:
        page = lean_page(client, self.bucket, self._dir_prefix(), None, 1)
        if page is not None:
            return bool(page[0])
        with self._errors(client):
            response = client.list_objects_v2(
                Bucket=self.bucket, Prefix=self._dir_prefix(), MaxKeys=1
            )
        return bool(
            response.get("KeyCount") or response.get("Contents") or response.get("CommonPrefixes")
        )

    def stat(self, follow_symlinks: bool = True) -> StatResult:
        if not self.bucket:
            return _DIR_STAT
        client = self._client
        if not self.key.strip("/"):
            if not self._bucket_exists(client):
                raise S3BucketNotFoundError(
                    f"no such bucket: {self._url} ({settings_of(client).describe()})"
                )
            return _DIR_STAT
        if not self.key.endswith("/"):
            head = self._head(client)
            if head is not None:
                return self._head_stat(head, follow_symlinks)
        if self._prefix_exists(client):
            return _DIR_STAT
        raise S3FileNotFoundError(f"no such file or directory: {self._url}")

    def _head_stat(self, head: dict[str, Any], follow_symlinks: bool, depth: int = 0) -> StatResult:
        mtime = _mtime(head.get("LastModified"))
        target = (head.get("Metadata") or {}).get(_SYMLINK_KEY)
        if target is not None:
            if not follow_symlinks:
                return StatResult(
                    int(head.get("ContentLength", 0)), mtime, mtime, False, True, extra=head
                )
            return self._resolve_link(target, depth).stat(follow_symlinks=True)
        return StatResult(int(head.get("ContentLength", 0)), mtime, mtime, False, False, extra=head)

    def _resolve_link(self, target: str, depth: int) -> S3Path:
        if depth >= _MAX_LINK_DEPTH:
            raise OSError(40, f"too many levels of symbolic links: {self._url}")
        return self._link_target(target)

    def _link_target(self, target: str) -> S3Path:
        path = S3Path(target)
        return self._derive(path._path)

    def is_dir(self, followlinks: bool = False) -> bool:
        if not self.bucket:
            return True
        client = self._client
        try:
            if not self.key.strip("/"):
                return self._bucket_exists(client)
            if self._prefix_exists(client):
                return True
        except S3FileNotFoundError:
            return False
        if followlinks and self.is_symlink():
            return self.readlink().is_dir(followlinks=True)
        return False

    def is_file(self, followlinks: bool = False) -> bool:
        if not self.bucket or not self.key or self.key.endswith("/"):
            return False
        head = self._head(self._client)
        if head is None:
            return False
        target = (head.get("Metadata") or {}).get(_SYMLINK_KEY)
        if target is not None and followlinks:
            return self._link_target(target).is_file(followlinks=True)
        return True

    def access(self, mode: Access = Access.READ, followlinks: bool = False) -> bool:
        """megfile's check: False when the path does not exist (a missing key or
        bucket) or S3 refuses (403); READ is then True. WRITE starts a multipart
        upload at the key (``test`` for a bucket, ``dir`` for ``dir/``) and aborts
        it at once: True if S3 allowed it, False on a 403. The S3 root
        (``s3://``) names no bucket to check and raises."""
        if not isinstance(mode, Access):
            raise TypeError(f"access mode must be megfile_core.Access, not {mode!r}")
        if not self.bucket:
            raise UnsupportedError("access of the S3 root (no available bucket)", self)
        try:
            if not self.exists(followlinks=followlinks):
                return False
        except PermissionError:
            return False
        if mode is Access.READ:
            return True
        key = self.key[:-1] if self.key.endswith("/") else self.key
        client = self._client
        try:
            with self._errors(client):
                upload = client.create_multipart_upload(Bucket=self.bucket, Key=key or "test")
                client.abort_multipart_upload(
                    Bucket=self.bucket, Key=key or "test", UploadId=upload["UploadId"]
                )
        except PermissionError:
            return False
        return True

    def md5(self, recalculate: bool = False, followlinks: bool = False) -> str:
        """The ETag when it is an MD5 (single-part uploads); else, or with
        ``recalculate``, the MD5 of the content, streamed."""
        if self.bucket and self.key and not self.key.endswith("/"):
            head = self._head(self._client)
            if head is not None:
                target = (head.get("Metadata") or {}).get(_SYMLINK_KEY)
                if target is not None and followlinks:
                    return self._link_target(target).md5(recalculate, followlinks)
                etag = str(head.get("ETag", "")).strip('"')
                if not recalculate and len(etag) == 32 and "-" not in etag:
                    return etag
                return (
                    super().md5(True, followlinks)
                    if head.get("ContentLength")
                    else "d41d8cd98f00b204e9800998ecf8427e"
                )
        return super().md5(recalculate, followlinks)

    def _stored_md5(self, stat: StatResult | None = None) -> str | None:
        """The object's ETag when it is the MD5 of its content (see
        :mod:`megfile_s3.etag`), for ``sync --checksum``."""
        from megfile_s3.etag import plain_md5

        return plain_md5(self, stat)

    # -- listing -----------------------------------------------------------------
    def _pages(
        self, client: S3Client, prefix: str, delimiter: str | None
    ) -> Iterator[dict[str, Any]]:
        """Every ListObjectsV2 page under ``prefix``."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": LIST_MAX_KEYS}
        if delimiter:
            params["Delimiter"] = delimiter
        while True:
            with self._errors(client):
                page: dict[str, Any] = client.list_objects_v2(**params)
            yield page
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return
            params["ContinuationToken"] = token

    def _objects(self, client: S3Client, prefix: str) -> Iterator[dict[str, Any]]:
        """Every object under ``prefix`` in key order: one ListObjectsV2 request
        when a page holds them all, else several in flight at once over disjoint
        key ranges (core's sharded listing)."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": LIST_MAX_KEYS}

        def list_page(after: str | None, stop: str | None) -> tuple[list[dict[str, Any]], bool]:
            page = lean_page(client, self.bucket, prefix, after, LIST_MAX_KEYS, stop)
            if page is not None:
                return page
            request = params if after is None else {**params, "StartAfter": after}
            with self._errors(client):
                page = client.list_objects_v2(**request)
            return page.get("Contents", []), bool(page.get("IsTruncated"))

        return sharded_listing(
            list_page, _object_key, workers=core_config.list_workers(), prefix=prefix
        )

    def _list_buckets(self, client: S3Client) -> list[FileEntry]:
        with self._errors(client):
            response = client.list_buckets()
        entries = []
        for bucket in response.get("Buckets", []):
            mtime = _mtime(bucket.get("CreationDate"))
            entries.append(
                FileEntry(
                    bucket["Name"],
                    str(self._derive(bucket["Name"])),
                    StatResult(0, mtime, mtime, True, False, extra=bucket),
                )
            )
        return entries

    def scandir(self) -> ContextIterator:
        client = self._client
        if not self.bucket:
            return ContextIterator(iter(self._list_buckets(client)))
        prefix = self._dir_prefix()
        pages = self._pages(client, prefix, "/")
        first = next(pages)
        if not (first.get("Contents") or first.get("CommonPrefixes")) and prefix:
            if self._head(client) is not None:
                raise S3NotADirectoryError(f"not a directory: {self._url}")
            raise S3FileNotFoundError(f"no such directory: {self._url}")

        return ContextIterator(self._entries(prefix, itertools.chain([first], pages)))

    def _scandir_from(self, start: str) -> ContextIterator:
        """The entries whose names begin with ``start``: one delimiter listing of
        ``Prefix=dir/start`` (a glob's ``dir/x*`` lists ``dir/x``, not ``dir/``)."""
        if not start or not self.bucket:
            return self.scandir()
        prefix = self._dir_prefix()
        pages = self._pages(self._client, prefix + start, "/")
        return ContextIterator(self._entries(prefix, pages))

    def _entries(self, prefix: str, pages: Iterator[dict[str, Any]]) -> Iterator[FileEntry]:
        """The directory entries in delimiter listing ``pages`` under ``prefix``."""
        for page in pages:
            for common in page.get("CommonPrefixes", []):
                name = common["Prefix"][len(prefix) :].rstrip("/")
                if name:
                    yield FileEntry(name, self._join(str(self), name), _DIR_STAT)
            for item in page.get("Contents", []):
                name = item["Key"][len(prefix) :]
                if name:  # the directory's own marker is not an entry
                    yield FileEntry(name, self._join(str(self), name), _object_stat(item))

    #: the tree listing comes in key order (sync compares two trees as they stream)
    tree_listing_sorted = True

    def _scan_tree_files(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        """:meth:`_scan_tree` without deriving directories: the files only, one
        listing (sharded when long), a few steps per key."""
        if not self.bucket:
            yield from super()._scan_tree_files(followlinks)
            return
        prefix = self._dir_prefix()
        base = str(self)
        base = base if base.endswith("/") else base + "/"
        cut = len(prefix)
        try:
            for item in self._objects(self._client, prefix):
                relative: str = item["Key"][cut:]
                if not relative or relative[-1] == "/":
                    continue  # the directory itself, or a ``dir/`` marker
                name = relative[relative.rfind("/") + 1 :]
                path = base + relative if relative[0] != "/" else self._join(base, relative)
                yield relative, _make(FileEntry, (name, path, _object_stat(item)))
        except S3BucketNotFoundError:
            return

    def _scan_tree(self, followlinks: bool = False) -> Iterator[tuple[str, FileEntry]]:
        """One listing without delimiter (sharded when long); directories are derived from the
        keys (and from ``dir/`` marker objects), each reported once."""
        return self._scan_tree_from("", followlinks)

    def _scan_tree_from(
        self, start: str, followlinks: bool = False
    ) -> Iterator[tuple[str, FileEntry]]:
        """:meth:`_scan_tree` of the keys beginning with ``start`` below this
        directory: the listing's ``Prefix`` is the glob's whole literal prefix."""
        client = self._client
        if not self.bucket:
            for bucket in self._list_buckets(client):
                yield bucket.name, bucket
                child = self._derive(bucket.name)
                for relative, entry in child._scan_tree(followlinks):
                    yield f"{bucket.name}/{relative}", entry
            return
        prefix = self._dir_prefix()
        base = str(self)
        # keys come in order, so the keys below a directory come together: a
        # directory is new when it differs from the one the previous key was in
        previous: list[str] = []
        try:
            for item in self._objects(client, prefix + start):
                relative = item["Key"][len(prefix) :]
                parts = relative.split("/")
                depth = 0
                limit = min(len(parts) - 1, len(previous))
                while depth < limit and parts[depth] == previous[depth]:
                    depth += 1
                previous = parts[:-1]
                for level in range(depth, len(parts) - 1):
                    if not parts[level]:
                        continue
                    directory = "/".join(parts[: level + 1])
                    yield directory, FileEntry(parts[level], self._join(base, directory), _DIR_STAT)
                if relative and not relative.endswith("/"):
                    path = self._join(base, relative)
                    yield relative, _make(FileEntry, (parts[-1], path, _object_stat(item)))
        except S3BucketNotFoundError:
            return

    # -- content -----------------------------------------------------------------
    def _open(self, mode: str, **options: Any) -> IO[bytes]:
        # S3-only options of the limited-seekable writer
        seekable = {name: options.pop(name) for name in _SEEKABLE_OPTIONS if name in options}
        check_open_options(options, self)
        if seekable and not (options.get("limited_seekable") and mode in ("wb", "xb")):
            raise TypeError(
                f"{', '.join(seekable)}: only for mode 'wb' or 'xb' with "
                f"limited_seekable=True (open of {self._url})"
            )
        self._need_key()
        if mode == "rb":
            return self._open_for_reading(options)
        client = self._client
        if mode[0] == "x" and self._head(client) is not None:
            raise S3FileExistsError(f"file exists: {self._url}")
        from megfile_s3.writers import open_writer

        if mode in ("wb", "xb"):
            return open_writer(
                client,
                self.bucket,
                self.key,
                self._url,
                {**options, **seekable},
                exclusive=mode[0] == "x",
            )
        from megfile_core.io.edit import EditFile

        def publish(content: IO[bytes]) -> None:
            # the whole object again, through the part writer (the local copy seeks)
            upload = {k: v for k, v in options.items() if k != "limited_seekable"}
            exclusive = mode[0] == "x"
            with open_writer(
                client, self.bucket, self.key, self._url, upload, exclusive=exclusive
            ) as out:
                copy_stream(content, out)

        initial = None
        if mode[0] in "ra":
            try:
                initial = self._open_reader(client, {}, 0)
            except FileNotFoundError:
                if mode[0] == "r":
                    raise
        try:
            atomic = bool(options.get("atomic"))
            edit = EditFile(publish, name=self._url, mode=mode, initial=initial, atomic=atomic)
            return edit  # type: ignore[return-value]  # a BufferedIOBase
        finally:
            if initial is not None:
                initial.close()

    def _open_for_reading(self, options: dict[str, Any]) -> IO[bytes]:
        """``open(rb)``: the probe is a lean GET, sent by a client not built yet
        (:mod:`megfile_s3.deferred`) when the settings allow."""
        return self._open_reader(self._client, options, 0)

    def _open_reader(self, client: S3Client, options: dict[str, Any], depth: int) -> IO[bytes]:
        from megfile_s3.readers import ObjectInfo, open_reader

        info = ObjectInfo()
        reader = open_reader(client, self.bucket, self.key, self._url, options, info)
        target = (info.metadata or {}).get(_SYMLINK_KEY)
        if target is not None and not info.size:
            reader.close()
            linked = self._resolve_link(target, depth)
            return linked._open_reader(linked._client, options, depth + 1)
        return reader

    def _load_content(self, start: int | None, stop: int | None) -> bytes:
        """One GET (ranged when ``start``/``stop`` are given), sent lean
        (:mod:`megfile_s3.lean`) and repeated through ``get_object`` when its answer
        is anything but the object's bytes."""
        self._need_key()
        client = self._client
        begin = start or 0
        if stop is not None and stop <= begin:
            if self._head(client) is None:
                raise S3FileNotFoundError(f"no such file: {self._url}")
            return b""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self.key}
        if begin or stop is not None:
            params["Range"] = f"bytes={begin}-{'' if stop is None else stop - 1}"
        from megfile_s3.client import retry_call

        first = begin if "Range" in params else None
        last = None if stop is None else stop - 1
        exact = False  # the answer holds exactly the bytes asked for

        def get() -> tuple[bytes, dict[str, Any]]:
            nonlocal exact
            answer = lean.get(client, self.bucket, self.key, first, last)
            if isinstance(answer, lean.LeanAnswer):
                exact = True
                return answer.data, answer.response()
            exact = False
            try:
                response = client.get_object(**params)
            except Exception as error:
                if error_code(error) != "InvalidRange":
                    raise
                response = getattr(error, "response", {})
                actual = str(response.get("Error", {}).get("ActualObjectSize", ""))
                if actual not in ("", "0"):  # past the end of a non-empty object
                    return b"", {}
                # empty, or a link (links are empty objects): the metadata tells
                head: dict[str, Any] = client.head_object(Bucket=self.bucket, Key=self.key)
                return b"", head
            with response["Body"] as body:
                return body.read(), response

        with self._errors(client):
            data, response = retry_call(get)
        target = (response.get("Metadata") or {}).get(_SYMLINK_KEY)
        if target is not None and not data:
            return self._link_target(target)._load_content(start, stop)
        if "Range" in params and data and not exact and not response.get("ContentRange"):
            data = data[begin:stop]  # the server ignored Range
        return data

    # -- changes -----------------------------------------------------------------
    def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        """Check the bucket exists and nothing is in the way; writes no marker."""
        self._need_bucket("mkdir")
        client = self._client
        if not self._bucket_exists(client):
            raise S3BucketNotFoundError(
                f"no such bucket: {self._url} ({settings_of(client).describe()}); "
                "megfile does not create buckets"
            )
        if not self.key.strip("/"):
            if not exist_ok:
                raise S3FileExistsError(f"bucket exists: {self._url}")
            return
        if not self.key.endswith("/") and self._head(client) is not None:
            raise S3FileExistsError(f"file exists: {self._url}")
        if not exist_ok and self._prefix_exists(client):
            raise S3FileExistsError(f"directory exists: {self._url}")

    def unlink(self, missing_ok: bool = False) -> None:
        self._need_key()
        client = self._client
        if self._head(client) is None:
            if self._prefix_exists(client):
                raise S3IsADirectoryError(f"is a directory: {self._url}")
            if missing_ok:
                return
            raise S3FileNotFoundError(f"no such file: {self._url}")
        with self._errors(client):
            client.delete_object(Bucket=self.bucket, Key=self.key)

    def rmdir(self) -> None:
        """Remove an empty directory: only its ``dir/`` marker can be there."""
        self._need_bucket("rmdir")
        client = self._client
        prefix = self._dir_prefix()
        with self._errors(client):
            response = client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=2)
        keys = [item["Key"] for item in response.get("Contents", [])]
        if not keys:
            raise S3FileNotFoundError(f"no such directory: {self._url}")
        if keys != [prefix]:
            raise OSError(39, f"directory not empty: {self._url}")
        with self._errors(client):
            client.delete_object(Bucket=self.bucket, Key=prefix)

    def remove(self, missing_ok: bool = False, followlinks: bool = False) -> None:
        """Delete an object, or every key under a prefix in batches of 1000."""
        if not self.bucket or not self.key.strip("/"):
            raise UnsupportedError("remove of the S3 root or of a whole bucket", self)
        client = self._client
        if not self.key.endswith("/") and self._head(client) is not None:
            with self._errors(client):
                client.delete_object(Bucket=self.bucket, Key=self.key)
            return
        keys = [
            item["Key"]
            for page in self._pages(client, self._dir_prefix(), None)
            for item in page.get("Contents", [])
        ]
        if not keys:
            if missing_ok:
                return
            raise S3FileNotFoundError(f"no such file or directory: {self._url}")
        self._delete_keys(client, keys)

    def _delete_keys(self, client: S3Client, keys: list[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            with self._errors(client):
                response = client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                )
            errors = response.get("Errors") or []
            if errors:
                first = errors[0]
                raise OSError(
                    f"could not delete {len(errors)} of {len(batch)} keys under "
                    f"{self._url}, first {first.get('Key')!r}: {first.get('Code')}: "
                    f"{first.get('Message')}"
                )

    def rename(self, dst_path: Any, overwrite: bool = True) -> S3Path:
        """Copy (server-side within one profile) then delete; directories too, with
        their ``dir/`` marker objects. With ``overwrite=False`` a destination that
        exists is kept and so is the source it would have replaced (as on a local
        disk)."""
        dst = dst_path if isinstance(dst_path, S3Path) else S3Path(str(dst_path))
        self._need_key()
        dst._need_key()
        client = self._client
        if self._head(client) is not None:
            if not overwrite and dst.exists():
                return dst
            self.copy(dst, overwrite=True)
            with self._errors(client):
                client.delete_object(Bucket=self.bucket, Key=self.key)
            return dst
        prefix = self._dir_prefix()
        keys = [
            item["Key"]
            for page in self._pages(client, prefix, None)
            for item in page.get("Contents", [])
        ]
        if not keys:
            raise S3FileNotFoundError(f"no such file or directory: {self._url}")
        from megfile_s3.transfer import run_parallel

        moved: list[str] = []  # list.append is atomic: no lock
        target_prefix = dst._dir_prefix()

        def move_one(key: str) -> None:
            relative = key[len(prefix) :]
            if key.endswith("/"):  # a directory marker: an empty object, made anew
                marker = target_prefix + relative
                target_client = dst._client
                with dst._errors(target_client):
                    target_client.put_object(Bucket=dst.bucket, Key=marker, Body=b"")
            else:
                target = dst.joinpath(relative)
                if not overwrite and target._head(target._client) is not None:
                    return  # kept, and so is the source
                self.joinpath(relative).copy(target, overwrite=True)
            moved.append(key)

        run_parallel(move_one, keys)
        self._delete_keys(client, moved)
        return dst

    def copy(
        self,
        dst_path: Any,
        callback: Callable[[int], None] | None = None,
        followlinks: bool = False,
        overwrite: bool = True,
    ) -> None:
        """Server-side copy to another key of the same profile (multipart above
        5 GiB); across profiles the bytes stream through this process."""
        dst = dst_path if isinstance(dst_path, BasePath) else self.from_path(dst_path)
        from megfile_s3.transfer import copy_object

        copy_object(self, dst, callback=callback, followlinks=followlinks, overwrite=overwrite)

    def symlink(self, dst_path: Any) -> None:
        """Create at ``dst_path`` a link to this path (a zero-byte object whose
        metadata ``symlink_to`` names the target)."""
        dst = dst_path if isinstance(dst_path, S3Path) else S3Path(str(dst_path))
        dst._need_key()
        target = self
        try:
            target = self.readlink()
        except (S3NotALinkError, FileNotFoundError, IsADirectoryError):
            pass
        client = dst._client
        with dst._errors(client):
            client.put_object(
                Bucket=dst.bucket,
                Key=dst.key,
                Body=b"",
                Metadata={_SYMLINK_KEY: f"s3://{target._path}"},
            )

    def readlink(self) -> S3Path:
        self._need_key()
        head = self._head(self._client)
        if head is None:
            raise S3FileNotFoundError(f"no such file: {self._url}")
        target = (head.get("Metadata") or {}).get(_SYMLINK_KEY)
        if target is None:
            raise S3NotALinkError(f"not a link: {self._url}")
        return self._link_target(target)

    def is_symlink(self) -> bool:
        if not self.bucket or not self.key or self.key.endswith("/"):
            return False
        head = self._head(self._client)
        return head is not None and _SYMLINK_KEY in (head.get("Metadata") or {})

    # -- S3 only -----------------------------------------------------------------
    def generate_presigned_url(
        self,
        expires_in: int = 3600,
        method: str = "get_object",
        params: dict[str, Any] | None = None,
    ) -> str:
        """A URL that performs ``method`` on this object without credentials."""
        self._need_key()
        request = {"Bucket": self.bucket, "Key": self.key, **(params or {})}
        client = self._client
        with self._errors(client):
            url: str = client.generate_presigned_url(method, Params=request, ExpiresIn=expires_in)
        return url

    @classmethod
    def concat(cls, src_paths: list[S3Path], dst_path: S3Path) -> None:
        """Concatenate objects into ``dst_path`` server-side (UploadPartCopy)."""
        from megfile_s3.transfer import concat

        concat(src_paths, dst_path)
