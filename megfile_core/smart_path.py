"""``SmartPath``: a path of any protocol, dispatched by its URL scheme.

``SmartPath(url)`` splits the scheme, rewrites an alias, asks the registry for the
backend class and returns an instance of that class, mixed with ``SmartPath``: every
method is the backend's own (no proxy), and ``isinstance(p, SmartPath)``,
``isinstance(p, <the backend's class>)`` both hold. ``SmartPath`` adds only what differs from a
backend path: ``protocol`` keeps the variant or alias the user wrote, ``repr`` says
``SmartPath``, and ``rename``/``move``/``copy`` cross protocols. A path written
with an alias shows the alias again (see :class:`~megfile_core.path_algebra.PathAlgebra`).
"""

from __future__ import annotations

import copy as _copy
import os
import threading
from collections.abc import Callable
from typing import IO, Any, ClassVar

from megfile_core.builtin.fs import check_fd
from megfile_core.errors import ProtocolExistsError
from megfile_core.io.compression import (
    DEFAULT,
    CompressionArg,
    default_compression,
    open_compressed,
)
from megfile_core.io.copy import copy_file
from megfile_core.path_algebra import _fspath_str
from megfile_core.pathlike import BasePath
from megfile_core.registry import get_registry
from megfile_core.url import split_scheme

__all__ = ["SmartPath", "as_smart_path", "resolve_alias"]


def as_smart_path(path: Any, name: str = "path") -> SmartPath:
    """``path`` as a SmartPath. A value of the wrong type or range is a TypeError
    or ValueError that names the argument ``name`` (never an OverflowError from
    ``os``, nor a ProtocolNotFoundError for bytes)."""
    if isinstance(path, SmartPath):
        return path
    if isinstance(path, bool) or not isinstance(path, (str, int, os.PathLike, BasePath)):
        raise TypeError(
            f"{name} must be a path (str, os.PathLike or a path object), not {type(path).__name__}"
        )
    if isinstance(path, int):
        check_fd(path, name)
    return SmartPath(path)


def resolve_alias(scheme: str, rest: str) -> tuple[str, str, tuple[str, str] | None]:
    """Rewrite ``alias://rest``; returns (url, scheme, (alias name, target prefix))."""
    from megfile_core.config import get_aliases  # configparser: not for local paths

    target = get_aliases().get(scheme)
    if target is None:
        return f"{scheme}://{rest}", scheme, None
    prefix = target if "://" in target else target + "://"
    url = prefix + rest
    new_scheme, _ = split_scheme(url)
    if not new_scheme:
        raise ValueError(f"alias {scheme!r} points at {target!r}, which has no protocol")
    if get_aliases().get(new_scheme) is not None and new_scheme != scheme:
        raise ValueError(f"alias {scheme!r} points at another alias {new_scheme!r}")
    return url, new_scheme, (scheme, prefix)


def _resolve(path: Any) -> tuple[type[BasePath], Any, tuple[str, str] | None]:
    """The backend class for ``path``, the argument its constructor takes, and the
    alias the URL was written with."""
    if isinstance(path, int) and not isinstance(path, bool):
        return get_registry().get_path_class("file"), path, None
    text = _fspath_str(path)
    scheme, rest = split_scheme(text)
    if not scheme:
        return get_registry().get_path_class("file"), text, None
    alias = None
    if scheme not in ("file", "stdio"):
        from megfile_core.config import apply_config_env  # not for local paths

        apply_config_env()
        text, scheme, alias = resolve_alias(scheme, rest)
    return get_registry().get_path_class(scheme), text, alias


_classes: dict[type[BasePath], type[SmartPath]] = {}
_classes_lock = threading.Lock()


def _smart_class(backend: type[BasePath]) -> type[SmartPath]:
    """``SmartPath`` mixed into ``backend``: one class per backend class, made once."""
    backend = backend._smart_of or backend
    found = _classes.get(backend)
    if found is None:
        with _classes_lock:
            found = _classes.get(backend)
            if found is None:
                name = f"SmartPath[{backend.__name__}]"
                attrs = {"__module__": __name__, "__qualname__": name, "_smart_of": backend}
                found = _classes[backend] = type(name, (SmartPath, backend), attrs)
    return found


class _Protocol:
    """``protocol``: on a class, the backend's protocol (``s3``); on a SmartPath, the
    scheme as the user wrote it (``s3+prof``, or the alias), as megfile's does."""

    def __get__(self, obj: BasePath | None, owner: type[BasePath]) -> str:
        backend = owner._smart_of
        if obj is None:
            return backend.protocol if backend is not None else ""
        return obj._alias[0] if obj._alias else obj.root_scheme


class SmartPath(BasePath):
    """A path of any registered protocol; see the module docstring."""

    protocol: ClassVar[str] = _Protocol()  # type: ignore[assignment]

    def __new__(cls, path: Any = ".", *other_paths: Any) -> SmartPath:
        if isinstance(path, BasePath):
            new: SmartPath = _copy.copy(path)  # type: ignore[assignment]
            new.__class__ = _smart_class(type(path))
            return new.joinpath(*other_paths) if other_paths else new
        backend, argument, alias = _resolve(path)
        new = object.__new__(_smart_class(backend))
        backend.__init__(new, argument, *other_paths)
        if alias is not None:
            new._alias = alias
        return new

    def __init__(self, path: Any = ".", *other_paths: Any) -> None:
        """Made in ``__new__``: nothing left to do."""

    @classmethod
    def register(cls, path_class: type[BasePath], override_ok: bool = False) -> type[BasePath]:
        """Register ``path_class`` for its ``protocol`` at run time (megfile's decorator)."""
        registry = get_registry()
        protocol = path_class.protocol
        with registry.lock:
            if protocol in registry.protocols() and not override_ok:
                raise ProtocolExistsError(f"protocol {protocol!r} is already registered")
            registry.remove_protocol(protocol)
            registry.registrar("runtime").register_protocol(protocol, path_class)
        return path_class

    @property
    def pathlike(self) -> BasePath:
        """The backend's own path (megfile's ``SmartPath.pathlike``), alias resolved."""
        plain: BasePath = _copy.copy(self)
        plain.__class__ = type(self)._smart_of or type(self)
        plain._alias = None
        return plain

    def __repr__(self) -> str:
        return f"SmartPath({self._display()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # the mixed class is made at run time; a pickle names SmartPath and the URL
        return SmartPath, (str(self),)

    @classmethod
    def from_path(cls, path: Any) -> SmartPath:
        return SmartPath(path)

    @classmethod
    def from_uri(cls, uri: str) -> SmartPath:
        return SmartPath(uri)

    def open(
        self,
        mode: str = "r",
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
        *,
        compression: CompressionArg = DEFAULT,
        **options: Any,
    ) -> IO[Any]:
        """The backend's ``open``, plus ``compression`` (None: the stored bytes;
        ``"infer"`` or a codec name; left out, ``MEGFILE_COMPRESSION`` decides): see
        :mod:`megfile_core.io.compression`. A backend's own ``open`` never needs to
        know about it."""
        codec = default_compression() if compression is DEFAULT else compression
        if codec is None:
            return super().open(mode, buffering, encoding, errors, newline, **options)
        # the backend's plain path: its open reads the stored bytes for the codec
        plain = self.pathlike
        return open_compressed(plain, codec, mode, buffering, encoding, errors, newline, **options)

    # -- across protocols (a backend's own rename and copy stay on its store) ---------
    def rename(self, dst_path: Any, overwrite: bool = True) -> SmartPath:
        from megfile_core.sync import move

        dst = as_smart_path(dst_path, "dst_path")
        move(self.pathlike, dst.pathlike, overwrite=overwrite)
        return dst

    def replace(self, dst_path: Any, overwrite: bool = True) -> SmartPath:
        return self.rename(dst_path, overwrite=overwrite)

    def move(self, dst_path: Any, overwrite: bool = True) -> SmartPath:
        return self.rename(dst_path, overwrite=overwrite)

    def copy(
        self,
        dst_path: Any,
        callback: Callable[[int], None] | None = None,
        followlinks: bool = False,
        overwrite: bool = True,
    ) -> None:
        dst = as_smart_path(dst_path, "dst_path")
        copy_file(
            self.pathlike,
            dst.pathlike,
            callback=callback,
            followlinks=followlinks,
            overwrite=overwrite,
        )


os.PathLike.register(SmartPath)
