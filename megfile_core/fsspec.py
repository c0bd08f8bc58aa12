"""An fsspec filesystem serving every protocol megfile-core knows (extra ``fsspec``).

One class, :class:`MegfileFileSystem`, registered with fsspec as protocol
``megfile`` through fsspec's entry-point group ``fsspec.specs``: once
``megfile-core[fsspec]`` is installed, fsspec (and so pandas, dask, pyarrow's
``FSSpecHandler``) finds it with no import. A URL is ``megfile://`` followed by any
URL megfile-core opens::

    megfile://s3+p1://bucket/a.csv          S3 through profile p1
    megfile://sftp://user@host//data/x.csv  SFTP
    megfile:///tmp/local.csv                a local file

Inside the filesystem a path is that megfile URL (``s3+p1://bucket/a.csv``), so what
``ls`` or ``glob`` return opens again through the same filesystem.

Plain names fsspec already knows (``s3``, ``sftp``, ``http`` ...) stay with their
fsspec implementations; :func:`register` serves them through megfile-core when a
program asks for it explicitly.
"""

from __future__ import annotations

import datetime
from typing import IO, Any

from fsspec import AbstractFileSystem
from fsspec.registry import known_implementations, register_implementation, registry
from fsspec.utils import stringify_path

from megfile_core import smart
from megfile_core.glob import has_magic
from megfile_core.smart_path import SmartPath
from megfile_core.types import StatResult
from megfile_core.url import mask_url

__all__ = ["MegfileFileSystem", "register", "stat_to_info"]

PROTOCOL = "megfile"


def stat_to_info(name: str, stat: StatResult) -> dict[str, Any]:
    """fsspec's ``info`` dict (``name``, ``size``, ``type`` ...) for one stat result."""
    return {
        "name": name,
        "size": stat.size,
        "type": "directory" if stat.is_dir() else "file",
        "mtime": stat.mtime,
        "created": stat.ctime,
        "islink": stat.is_symlink(),
    }


def _trim(path: str) -> str:
    """Drop trailing slashes, keeping a bare ``scheme://`` and the root ``/``."""
    trimmed = path.rstrip("/")
    if not trimmed:
        return "/" if path else ""
    if trimmed.endswith(":") and path.startswith(trimmed + "//"):
        return trimmed + "//"
    return trimmed


def _timestamp(value: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)


class MegfileFileSystem(AbstractFileSystem):  # type: ignore[misc]
    """fsspec's filesystem interface over ``SmartPath`` and the ``smart_*`` functions.

    Reads are megfile-core's readers (the parallel prefetch reader for S3, SFTP and
    HTTP), writes its writers (the parallel part writer). fsspec's ``block_size``,
    ``cache_type`` and ``cache_options`` are accepted and ignored (the backends size
    their own blocks); other options go to ``smart_open`` (``max_workers``,
    ``atomic`` ...).
    """

    protocol: Any = PROTOCOL
    root_marker = ""
    #: the megfile scheme the filesystem's paths are written without (see register)
    megfile_scheme: str | None = None

    @property
    def fsid(self) -> str:
        return f"megfile-{self.protocol}"

    # -- paths ---------------------------------------------------------------------
    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        text = stringify_path(path)
        for prefix in (f"{cls.protocol}://", f"{cls.protocol}::"):
            if text.startswith(prefix):
                text = text[len(prefix) :]
                break
        return _trim(text)

    @classmethod
    def _url(cls, path: Any) -> str:
        """The megfile URL of an fsspec path of this filesystem."""
        stripped: str = cls._strip_protocol(path)
        if cls.megfile_scheme is not None:
            return f"{cls.megfile_scheme}://{stripped}"
        return stripped

    @classmethod
    def _name(cls, url: str) -> str:
        """The fsspec path (protocol stripped) of a megfile URL."""
        prefix = f"{cls.megfile_scheme}://"
        if cls.megfile_scheme is not None and url.startswith(prefix):
            return _trim(url[len(prefix) :])
        return _trim(url)

    @classmethod
    def _parent(cls, path: Any) -> str:
        return cls._name(str(SmartPath(cls._url(path)).parent))

    # -- metadata ------------------------------------------------------------------
    def info(self, path: Any, **kwargs: Any) -> dict[str, Any]:
        url = self._url(path)
        return stat_to_info(self._name(url), SmartPath(url).stat())

    def ls(self, path: Any, detail: bool = True, **kwargs: Any) -> list[Any]:
        url = self._url(path)
        try:
            with SmartPath(url).scandir() as entries:
                infos = [stat_to_info(self._name(e.path), e.stat) for e in entries]
        except NotADirectoryError:
            infos = [self.info(url)]  # fsspec lists a file as itself
        infos.sort(key=lambda info: info["name"])
        return infos if detail else [info["name"] for info in infos]

    def exists(self, path: Any, **kwargs: Any) -> bool:
        return SmartPath(self._url(path)).exists()

    def isdir(self, path: Any) -> bool:
        return SmartPath(self._url(path)).is_dir()

    def isfile(self, path: Any) -> bool:
        return SmartPath(self._url(path)).is_file()

    def created(self, path: Any) -> datetime.datetime:
        return _timestamp(SmartPath(self._url(path)).stat().ctime)

    def modified(self, path: Any) -> datetime.datetime:
        return _timestamp(SmartPath(self._url(path)).stat().mtime)

    def find(
        self,
        path: Any,
        maxdepth: int | None = None,
        withdirs: bool = False,
        detail: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Every file under ``path`` from one ``scan_stat`` (one paginated listing on
        S3); fsspec's directory walk for ``maxdepth`` or ``withdirs``."""
        if maxdepth is not None or withdirs:
            return super().find(path, maxdepth=maxdepth, withdirs=withdirs, detail=detail)
        target = SmartPath(self._url(path))
        found = {
            self._name(entry.path): stat_to_info(self._name(entry.path), entry.stat)
            for entry in target.scan_stat(missing_ok=True)
        }
        names = sorted(found)
        return {name: found[name] for name in names} if detail else names

    def glob(self, path: Any, maxdepth: int | None = None, **kwargs: Any) -> Any:
        """megfile's glob (``* ** ? [seq] {a,b}``); fsspec's own for ``maxdepth`` or a
        pattern ending in ``/`` (directories only)."""
        text = stringify_path(path)
        if maxdepth is not None or text.endswith("/"):
            return super().glob(path, maxdepth=maxdepth, **kwargs)
        pattern = self._url(text)
        found = {
            self._name(entry.path): entry.stat
            for entry in smart.smart_glob_stat(pattern, missing_ok=True)
        }
        names = sorted(found)
        if kwargs.get("detail"):
            return {name: stat_to_info(name, found[name]) for name in names}
        return names

    # -- changes -------------------------------------------------------------------
    def mkdir(self, path: Any, create_parents: bool = True, **kwargs: Any) -> None:
        SmartPath(self._url(path)).mkdir(parents=create_parents)

    def makedirs(self, path: Any, exist_ok: bool = False) -> None:
        SmartPath(self._url(path)).makedirs(exist_ok=exist_ok)

    def rmdir(self, path: Any) -> None:
        SmartPath(self._url(path)).rmdir()

    def rm_file(self, path: Any) -> None:
        SmartPath(self._url(path)).unlink()

    def _rm(self, path: Any) -> None:
        self.rm_file(path)

    def rm(self, path: Any, recursive: bool = False, maxdepth: int | None = None) -> None:
        if maxdepth is not None:
            super().rm(path, recursive=recursive, maxdepth=maxdepth)
            return
        for one in path if isinstance(path, list) else [path]:
            # a glob expands once: what it found is removed as named, even a name
            # that looks like a pattern itself
            for match in self.glob(one) if has_magic(self._url(one)) else [one]:
                self._remove(match, recursive)

    def _remove(self, path: Any, recursive: bool) -> None:
        target = SmartPath(self._url(path))
        if target.is_dir() and not recursive:
            raise IsADirectoryError(
                f"{mask_url(str(target))} is a directory: pass recursive=True to "
                "remove it and everything under it"
            )
        target.remove()

    def cp_file(self, path1: Any, path2: Any, **kwargs: Any) -> None:
        """Copy one file; a directory (fsspec's ``copy`` lists them) is made at ``path2``."""
        if SmartPath(self._url(path1)).is_dir():
            self.makedirs(path2, exist_ok=True)
            return
        smart.smart_copy(self._url(path1), self._url(path2))

    def mv(
        self, path1: Any, path2: Any, recursive: bool = False, maxdepth: Any = None, **kwargs: Any
    ) -> None:
        """A file or a whole directory to a new name: one ``smart_move`` (a rename where
        the backend has one); into an existing directory, a list or a glob: fsspec's
        copy-then-remove, with fsspec's rules for where things land."""
        single = isinstance(path1, str) and not has_magic(self._url(path1))
        target = stringify_path(path2)
        if single and not target.endswith("/") and not self.exists(target):
            smart.smart_move(self._url(path1), self._url(target))
            return
        super().mv(path1, path2, recursive=recursive, maxdepth=maxdepth, **kwargs)

    # -- content -------------------------------------------------------------------
    def cat_file(
        self, path: Any, start: int | None = None, end: int | None = None, **kwargs: Any
    ) -> bytes:
        return smart.smart_load_content(self._url(path), start, end)

    def pipe_file(self, path: Any, value: bytes, mode: str = "overwrite", **kwargs: Any) -> None:
        if mode == "create" and self.exists(path):
            url = mask_url(self._url(path))
            raise FileExistsError(f"{url} exists (pipe_file with mode='create')")
        smart.smart_save_content(self._url(path), value)

    def _open(
        self,
        path: Any,
        mode: str = "rb",
        block_size: Any = None,
        autocommit: bool = True,
        cache_options: Any = None,
        **kwargs: Any,
    ) -> IO[bytes]:
        if not autocommit:
            raise NotImplementedError(
                "megfile's fsspec filesystem has no transactions (autocommit=False): "
                "write outside fs.transaction; an S3 object appears only when its "
                "file is closed, and atomic=True gives the same on other backends"
            )
        kwargs.pop("cache_type", None)  # fsspec's read cache: the reader has its own
        file: IO[bytes] = smart.smart_open(self._url(path), mode, **kwargs)
        return file

    def __reduce__(self) -> Any:
        return _filesystem, (self.protocol, self.megfile_scheme, self.storage_options)


def _filesystem(protocol: str, scheme: str | None, options: dict[str, Any]) -> Any:
    """Re-create a filesystem on unpickling (classes made by register included)."""
    if scheme is None:
        return MegfileFileSystem(**options)
    return _takeover_class(protocol, scheme)(**options)


_TAKEOVER: dict[str, type[MegfileFileSystem]] = {}


def _takeover_class(protocol: str, scheme: str) -> type[MegfileFileSystem]:
    cls = _TAKEOVER.get(protocol)
    if cls is None:
        name = "Megfile" + "".join(p.capitalize() for p in protocol.split("+")) + "FileSystem"
        cls = type(name, (MegfileFileSystem,), {"protocol": protocol, "megfile_scheme": scheme})
        _TAKEOVER[protocol] = cls
    return cls


def register(protocols: list[str] | tuple[str, ...] = (), *, overwrite: bool = False) -> None:
    """Serve fsspec's ``megfile`` protocol, and each of ``protocols`` (``s3``,
    ``s3+p1``, ``sftp`` ...) directly through megfile-core.

    Without ``overwrite=True`` a name fsspec already has an implementation for
    (``s3`` means s3fs, installed or not) raises ``ValueError``: a program that
    registers nothing keeps fsspec's choices.
    """
    from megfile_core.registry import get_registry

    register_implementation(PROTOCOL, MegfileFileSystem, clobber=True)
    for protocol in protocols:
        get_registry().get_path_class(protocol)  # ProtocolNotFoundError names a plugin
        taken = registry.get(protocol) or known_implementations.get(protocol, {}).get("class")
        ours = _TAKEOVER.get(protocol)
        if taken is not None and taken is not ours and not overwrite:
            raise ValueError(
                f"fsspec already serves {protocol!r} with {taken!r}; pass overwrite=True "
                f"to serve {protocol}:// through megfile-core instead, or keep it and "
                f"write megfile://{protocol}://... URLs"
            )
        register_implementation(protocol, _takeover_class(protocol, protocol), clobber=True)
