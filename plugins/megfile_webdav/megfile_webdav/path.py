"""``WebdavPath``: ``webdav://[user[:password]@]host[:port]/path`` (``WebdavsPath``:
``webdavs://``, over TLS).

The part after the host is the remote path as written; request URLs percent-encode
it (:mod:`megfile_webdav.url`). ``str()`` gives the URL as written; ``repr()`` and
every message mask the password. Listings are PROPFIND (Depth 0 and 1), reads GET
with ``Range`` through core's prefetch reader, writes one PUT
(:mod:`megfile_webdav.opening`), directories MKCOL, removals DELETE, and rename and
copy on one server MOVE and COPY.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import IO, Any, TypeVar

from megfile_core.io.copy import stream_copy
from megfile_core.pathlike import BasePath
from megfile_core.sync import move
from megfile_core.types import ContextIterator, FileEntry, StatResult
from megfile_core.url import mask_url, split_scheme
from megfile_webdav.client import Client, Response
from megfile_webdav.errors import WebdavUnsupportedError, status_error
from megfile_webdav.propfind import BODY, Resource, parse_multistatus
from megfile_webdav.url import Server, parse_netloc, split_rest

__all__ = ["WebdavPath", "WebdavsPath"]

Self = TypeVar("Self", bound="WebdavPath")
_log = logging.getLogger("megfile_webdav")
_PUT_OK = (200, 201, 204)


@lru_cache(maxsize=256)
def _server(netloc: str, secure: bool) -> Server:
    return parse_netloc(netloc, secure)


def _error(code: int, path: str, text: str) -> OSError:
    return OSError(code, text, path)


class WebdavPath(BasePath):
    """A file or directory on a WebDAV server; see the module docstring."""

    protocol = "webdav"

    def __init__(self, path: Any = "", *other_paths: Any) -> None:
        super().__init__(path, *other_paths)
        if self.variant is not None:
            raise ValueError(f"{self.protocol} URLs take no +variant: {self.display_name}")

    # -- identity ----------------------------------------------------------------------
    @property
    def display_name(self) -> str:
        """The URL for messages and logs: any password shown as ``***``."""
        return mask_url(self.path_with_protocol)

    def _split(self) -> tuple[str, str]:
        return split_rest(self.path_without_protocol)

    @property
    def server(self) -> Server:
        netloc = self._split()[0]
        return _server(netloc, self.protocol == "webdavs")

    @property
    def remote(self) -> str:
        """The path on the server (``/dir/name``), not encoded."""
        return "/" + self._split()[1]

    @property
    def client(self) -> Client:
        return Client(self.server, self.display_name)

    def _at(self: Self, netloc: str, rel: str) -> Self:
        url = f"{self.root_scheme}://{netloc}"
        return type(self)(f"{url}/{rel}" if rel else url)

    def _same_backend(self, other: BasePath) -> bool:
        return isinstance(other, WebdavPath) and other.server == self.server

    # -- pure path operations: the server is the first part, as in megfile ----------------
    @property
    def parts(self) -> tuple[str, ...]:
        netloc, rel = self._split()
        head = f"{self.root_scheme}://{netloc}"
        return (head, *rel.split("/")) if rel else (head,)

    @property
    def parent(self: Self) -> Self:
        netloc, rel = self._split()
        if not rel.strip("/"):
            return self._at(netloc, "")
        return self._at(netloc, rel.rpartition("/")[0].rstrip("/"))

    @property
    def parents(self: Self) -> Sequence[Self]:
        result: list[Self] = []
        current = self
        while current._split()[1].strip("/"):
            current = current.parent
            result.append(current)
        return tuple(result)

    def with_name(self: Self, name: str) -> Self:
        netloc, rel = self._split()
        if not rel.strip("/"):
            raise ValueError(f"{self.display_name} has an empty name")
        if not name or "/" in name:
            raise ValueError(f"invalid name {name!r}")
        head = rel.rpartition("/")[0]
        return self._at(netloc, f"{head}/{name}" if head else name)

    def _coerce(self, value: Any) -> BasePath:
        """A destination as a path object (a WebDAV path when it is one)."""
        inner = getattr(value, "pathlike", value)
        if isinstance(inner, BasePath):
            return inner
        text = str(inner) if not isinstance(inner, str) else inner
        scheme = split_scheme(text)[0]
        if scheme in ("webdav", "webdavs"):
            return WebdavsPath(text) if scheme == "webdavs" else WebdavPath(text)
        if not scheme:
            return self._at(self._split()[0], text.lstrip("/"))
        from megfile_core import SmartPath

        return SmartPath(text).pathlike

    # -- requests ----------------------------------------------------------------------
    def _dir_remote(self) -> str:
        remote = self.remote
        return remote if remote.endswith("/") else remote + "/"

    def propfind(self, depth: int) -> list[Resource]:
        """PROPFIND with ``Depth: depth``; the first resource is this path."""
        response = self.client.request(
            "PROPFIND",
            self.remote,
            headers={"Depth": str(depth), "Content-Type": "application/xml; charset=utf-8"},
            body=BODY,
            ok=(207,),
        )
        resources = parse_multistatus(response.content)
        own = self.remote.rstrip("/") or "/"
        resources.sort(key=lambda r: r.path != own)  # this path first
        if not resources:
            raise _error(errno.EIO, self.display_name, "PROPFIND answered no resource")
        return resources

    # -- metadata ----------------------------------------------------------------------
    def stat(self, follow_symlinks: bool = True) -> StatResult:
        try:
            return self.propfind(0)[0].stat
        except WebdavUnsupportedError:
            return self._head_stat()

    def _head_stat(self) -> StatResult:
        """``stat`` on a server without PROPFIND (nginx's dav module): HEAD, where
        a redirect to ``name/`` or an answer for ``dir/`` means a directory."""
        remote = self.remote
        ok = (200, 301, 302, 307, 308, 403)
        response = self.client.request("HEAD", remote, ok=ok)
        location = response.headers.get("Location", "")
        if response.status_code == 200 and not remote.endswith("/"):
            return _head_file_stat(response)
        if response.status_code == 403 and not remote.endswith("/"):
            raise status_error(403, response.reason or "", "HEAD", self.display_name)
        if response.status_code in (200, 403) or location.endswith("/"):
            return StatResult(isdir=True)
        raise status_error(404, "Not Found", "HEAD", self.display_name)

    def _kind(self) -> str | None:
        try:
            return "dir" if self.stat().is_dir() else "file"
        except FileNotFoundError:
            return None

    def is_symlink(self) -> bool:
        return False

    def scandir(self) -> ContextIterator:
        resources = self.propfind(1)
        if not resources[0].stat.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a directory", self.display_name)
        entries = [
            FileEntry(r.name, str(self.joinpath(r.name)), r.stat) for r in resources[1:] if r.name
        ]
        entries.sort(key=lambda entry: entry.name)
        return ContextIterator(iter(entries))

    def listdir(self) -> list[str]:
        with self.scandir() as entries:
            return [entry.name for entry in entries]

    # -- changes -----------------------------------------------------------------------
    def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        response = self.client.request("MKCOL", self._dir_remote(), ok=(201, 405, 409, 301))
        status = response.status_code
        if status == 201:
            return
        if status == 409:
            if not parents or not self._split()[1].strip("/"):
                raise FileNotFoundError(
                    errno.ENOENT, "parent directory missing (use makedirs)", self.display_name
                )
            self.parent.mkdir(parents=True, exist_ok=True)
            self.mkdir(parents=False, exist_ok=exist_ok)
            return
        kind = self._kind()  # 405: something is there already
        if kind == "dir" and exist_ok:
            return
        if kind is None:
            raise WebdavUnsupportedError(self.display_name, "MKCOL", "making a directory", status)
        raise FileExistsError(errno.EEXIST, "file exists", self.display_name)

    def ensure_parent(self) -> None:
        """Make this path's parent directories when they are missing."""
        parent = self.parent
        if parent._split()[1].strip("/") and not parent.exists():
            parent.mkdir(parents=True, exist_ok=True)

    def _delete(self, remote: str) -> None:
        self.client.request("DELETE", remote, ok=(200, 204))

    def unlink(self, missing_ok: bool = False) -> None:
        try:
            stat = self.stat()
        except FileNotFoundError:
            if missing_ok:
                return
            raise
        if stat.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a directory", self.display_name)
        try:
            self._delete(self.remote)
        except FileNotFoundError:
            if not missing_ok:
                raise

    def rmdir(self) -> None:
        resources = self.propfind(1)
        if not resources[0].stat.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a directory", self.display_name)
        if any(r.name for r in resources[1:]):
            raise _error(errno.ENOTEMPTY, self.display_name, "directory not empty")
        self._delete(self._dir_remote())

    def remove(self, missing_ok: bool = False, followlinks: bool = False) -> None:
        """A file, or a directory with everything under it (one DELETE)."""
        try:
            stat = self.stat()
        except FileNotFoundError:
            if missing_ok:
                return
            raise
        try:
            self._delete(self._dir_remote() if stat.is_dir() else self.remote)
        except FileNotFoundError:
            if not missing_ok:
                raise

    def chmod(self, mode: int, *, follow_symlinks: bool = True) -> None:
        """WebDAV has no modes: nothing changes (megfile warns too)."""
        _log.warning("WebDAV has no file modes: chmod of %s does nothing", self.display_name)

    def move_on_server(self, dst: WebdavPath, overwrite: bool = True) -> None:
        """MOVE to ``dst`` on this server (``FileExistsError`` when ``dst`` exists
        and ``overwrite`` is False)."""
        self._transfer("MOVE", dst, overwrite, self.remote, dst.remote)

    def _transfer(self, method: str, dst: WebdavPath, overwrite: bool, src: str, to: str) -> None:
        headers = {
            "Destination": dst.server.url(to),
            "Overwrite": "T" if overwrite else "F",
            "Depth": "infinity" if method == "MOVE" else "0",
        }
        self.client.request(method, src, headers=headers, ok=(201, 204))

    def rename(self: Self, dst_path: Any, overwrite: bool = True) -> Self:
        dst = self._coerce(dst_path)
        if not isinstance(dst, WebdavPath) or not self._same_backend(dst):
            move(self, dst, overwrite=overwrite)
            return dst  # type: ignore[return-value]
        kind, dst_kind = self._kind(), dst._kind()
        if kind is None:
            raise FileNotFoundError(errno.ENOENT, "no such file or directory", self.display_name)
        if kind == "dir" and dst_kind == "dir":
            for name in self.listdir():  # merge into the existing directory
                self.joinpath(name).rename(dst.joinpath(name), overwrite=overwrite)
            if overwrite or not self.listdir():
                self.rmdir()
            return dst  # type: ignore[return-value]
        if dst_kind is not None and not overwrite:
            return dst  # type: ignore[return-value]
        if dst_kind is None:
            dst.ensure_parent()
        if kind == "dir":
            self._transfer("MOVE", dst, True, self._dir_remote(), dst._dir_remote())
        else:
            self._transfer("MOVE", dst, True, self.remote, dst.remote)
        return dst  # type: ignore[return-value]

    def copy(
        self,
        dst_path: Any,
        callback: Callable[[int], None] | None = None,
        followlinks: bool = False,
        overwrite: bool = True,
    ) -> None:
        """COPY on the server when ``dst_path`` is on it, else streamed by core."""
        dst = self._coerce(dst_path)
        if not isinstance(dst, WebdavPath) or not self._same_backend(dst):
            stream_copy(self, dst, callback=callback, overwrite=overwrite, followlinks=followlinks)
            return
        stat = self.stat()
        if stat.is_dir():
            raise IsADirectoryError(
                errno.EISDIR, "is a directory (use sync to copy trees)", self.display_name
            )
        if self.remote.rstrip("/") == dst.remote.rstrip("/"):
            from shutil import SameFileError

            raise SameFileError(f"{self.display_name} and {dst.display_name} are the same file")
        if not overwrite and dst.exists():
            return
        dst.ensure_parent()
        self._transfer("COPY", dst, True, self.remote, dst.remote)
        if callback is not None:
            callback(stat.size)

    # -- content -------------------------------------------------------------------------
    def get(self, start: int = 0, stop: int | None = None, stream: bool = False) -> Response:
        """GET ``[start, stop)`` (the rest when ``stop`` is None); 200 when the server
        ignores ``Range``, 416 past the end. ``stream``: the body is read later."""
        headers = {"Accept-Encoding": "identity"}
        if start or stop is not None:
            headers["Range"] = f"bytes={start}-{'' if stop is None else stop - 1}"
        ok = (200, 206, 416)
        return self.client.request("GET", self.remote, headers=headers, ok=ok, stream=stream)

    def _load_content(self, start: int | None, stop: int | None) -> bytes:
        begin = start or 0
        if stop is not None and stop <= begin:
            return b""
        response = self.get(begin, stop)
        if response.status_code == 416:
            return b""
        data = response.content
        if response.status_code == 200 and (begin or stop is not None):
            data = data[begin:stop]
        return data

    def put_bytes(self, data: bytes, headers: dict[str, str]) -> None:
        """One PUT of ``data``; makes missing parent directories."""
        try:
            self.client.request("PUT", self.remote, headers=headers, body=data, ok=_PUT_OK)
        except FileNotFoundError:  # 409: no parent directory
            self.ensure_parent()
            self.client.request("PUT", self.remote, headers=headers, body=data, ok=_PUT_OK)
        except OSError as error:
            self._explain_put(error)
            raise

    def put_stream(self, body: Iterator[Any], headers: dict[str, str]) -> None:
        """One PUT whose chunked body is ``body`` (never retried)."""
        try:
            self.client.request(
                "PUT", self.remote, headers=headers, body=body, ok=_PUT_OK, retry=False
            )
        except OSError as error:
            self._explain_put(error)
            raise

    def _explain_put(self, error: OSError) -> None:
        if isinstance(error, (FileNotFoundError, PermissionError, FileExistsError)):
            return
        if self._kind() == "dir":
            raise IsADirectoryError(errno.EISDIR, "is a directory", self.display_name) from None

    def _open(self, mode: str, **options: Any) -> IO[bytes]:
        atomic = bool(options.pop("atomic", False))
        if mode == "rb":
            if atomic:
                raise ValueError("atomic=True is for writing, not for mode 'rb'")
            from megfile_webdav.reader import open_reader

            return open_reader(self, options)
        from megfile_webdav.opening import open_edit, open_write

        if "+" in mode:
            return open_edit(self, mode, atomic, options)
        return open_write(self, mode, atomic, options)

    def walk(self, followlinks: bool = False) -> Iterator[tuple[str, list[str], list[str]]]:
        return super().walk(followlinks=followlinks)


def _head_file_stat(response: Response) -> StatResult:
    import email.utils

    length = response.headers.get("Content-Length", "")
    modified = response.headers.get("Last-Modified")
    mtime = email.utils.parsedate_to_datetime(modified).timestamp() if modified else 0.0
    extra = {"etag": response.headers.get("ETag")}
    size = int(length) if length.isdigit() else 0
    return StatResult(size, mtime, mtime, False, False, extra)


class WebdavsPath(WebdavPath):
    """A file or directory on a WebDAV server over TLS (``webdavs://``)."""

    protocol = "webdavs"
