"""``PathAlgebra``: what a path is and its pure operations, with no I/O.

Pure path operations treat the part after ``protocol://`` as a POSIX path, with
megfile's URI semantics (a trailing slash ends in an empty last part). A path
remembers whether the protocol was written and which variant it carried
(``s3+profile://``), and every path derived from it keeps both. Backends reach this
through :class:`~megfile_core.pathlike.BasePath`.
"""

from __future__ import annotations

import copy as _copy
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from megfile_core.errors import _display
from megfile_core.glob import match_path
from megfile_core.url import mask_url, split_scheme

if TYPE_CHECKING:
    from megfile_core.pathlike import BasePath

__all__ = ["PathAlgebra", "display"]

Self = TypeVar("Self", bound="PathAlgebra")


def display(value: Any) -> str:
    """A path for a message, its password masked (by its backend for path objects)."""
    return _display(value)


def _fspath_str(value: Any, name: str = "path") -> str:
    """``value`` as a path string; a TypeError naming the argument ``name`` for
    anything that is no path."""
    if isinstance(value, PathAlgebra):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        result = os.fspath(value)
        if isinstance(result, str):
            return result
    raise TypeError(
        f"{name} must be a path (str, os.PathLike or a path object), not {type(value).__name__}"
    )


class PathAlgebra:
    """A path's identity and its pure operations (no I/O); see the module docstring."""

    protocol: ClassVar[str] = ""

    #: the backend's path after ``protocol://`` (a POSIX path for URI backends);
    #: backends read and set it, and ``path_without_protocol`` returns it by default
    _path: str
    #: the scheme as written (``"s3+prof"``), or ``""`` when the protocol was omitted
    scheme: str
    #: the part after ``+`` in ``base+variant://`` (an S3 profile name), else None
    variant: str | None
    #: ``(alias, target prefix)`` for a path written with a configured alias
    #: (``oss://b/k`` for ``s3+oss://b/k``): ``str()`` shows the alias, while
    #: ``path_with_protocol`` and ``os.fspath`` give the URL it stands for
    _alias: tuple[str, str] | None = None
    #: on a SmartPath class, the backend class it is made of (see smart_path.py)
    _smart_of: ClassVar[type[BasePath] | None] = None

    def __init__(self, path: Any = "", *other_paths: Any) -> None:
        text = _fspath_str(path)
        scheme, rest = split_scheme(text)
        if scheme:
            base, _, variant = scheme.partition("+")
            if not self._accepts(base):
                raise ValueError(
                    f"{type(self).__name__} serves {type(self).protocol}:// URLs, not {text!r}"
                )
            if "+" in scheme and not variant:
                raise ValueError(f"empty variant in {text!r}: write {base}+NAME://")
            self.scheme = scheme
            self.variant = variant or None
        else:
            self.scheme = ""
            self.variant = None
            rest = text
        self._path = rest
        if other_paths:
            self._path = self._join(rest, *(_fspath_str(p) for p in other_paths))

    def _same_backend(self, other: BasePath) -> bool:
        """Whether ``other`` lives in the same store with the same credentials, so
        that ``rename`` and ``concat`` between the two can stay on the server. The
        class and the variant decide by default; a backend whose URLs name a server
        (``sftp://user@host:port``) compares that too."""
        mine, theirs = type(self), type(other)
        return (mine._smart_of or mine) is (theirs._smart_of or theirs) and (
            self.variant == other.variant
        )

    def _accepts(self, base: str) -> bool:
        """Whether ``base://`` URLs belong to this class (HTTP takes two)."""
        return base == type(self).protocol

    # -- identity ---------------------------------------------------------------
    def __copy__(self: Self) -> Self:
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def _derive(self: Self, path: str) -> Self:
        """A path of the same class, scheme and variant at ``path``."""
        new = _copy.copy(self)
        new._path = path
        return new

    @property
    def path(self) -> str:
        """The whole path as written, protocol included when it was (megfile's ``path``)."""
        return str(self)

    @property
    def root_scheme(self) -> str:
        return self.scheme or type(self).protocol

    @property
    def path_without_protocol(self) -> str:
        return self._path

    @property
    def path_with_protocol(self) -> str:
        return f"{self.root_scheme}://{self._path}"

    def __str__(self) -> str:
        text = self.path_with_protocol if self.scheme else self._path
        return self._aliased(text) if self._alias else text

    def _aliased(self, text: str) -> str:
        """``text`` (a URL of this backend) written with this path's alias, when
        it lies under the alias's target."""
        assert self._alias is not None
        name, prefix = self._alias
        if text.startswith(prefix):
            return f"{name}://{text[len(prefix) :]}"
        return f"{name}://" if text == prefix.rstrip("/") else text

    def _unaliased(self, text: str) -> str:
        """``text`` with this path's alias (if it starts with it) rewritten."""
        if self._alias is not None and text.startswith(self._alias[0] + "://"):
            return self._alias[1] + text[len(self._alias[0]) + 3 :]
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._display()!r})"

    def _display(self) -> str:
        """This path as messages, logs and ``repr`` show it: ``str(self)`` with the
        URL's password masked. Backends with other secrets override it."""
        return mask_url(str(self))

    def __fspath__(self) -> str:
        return self.path_with_protocol

    def __bytes__(self) -> bytes:
        return str(self).encode()

    # As megfile: a path equals any path or string with the same ``os.fspath``
    # (``SmartPath("s3://b/k") == "s3://b/k"``; ``file:///a`` and ``/a`` are equal)
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (str, os.PathLike)):
            return NotImplemented
        return os.fspath(self) == os.fspath(other)

    def __hash__(self) -> int:
        return hash(os.fspath(self))

    def __lt__(self, other: BasePath) -> bool:
        if not isinstance(other, PathAlgebra):
            return NotImplemented
        return self.path_with_protocol < other.path_with_protocol

    def __truediv__(self: Self, other: Any) -> Self:
        return self.joinpath(other)

    @classmethod
    def from_path(cls: type[Self], path: Any) -> Self:
        return cls(path)

    @classmethod
    def from_uri(cls: type[Self], uri: str) -> Self:
        scheme, _ = split_scheme(uri)
        if not scheme:
            raise ValueError(f"{uri!r} is not a URI: expected {cls.protocol}://...")
        return cls(uri)

    # -- pure path operations (POSIX semantics on ``path``) ----------------------
    @staticmethod
    def _join(path: str, *others: str) -> str:
        for other in others:
            if not other:
                continue
            other = other.lstrip("/")
            path = path + other if not path or path.endswith("/") else path + "/" + other
        return path

    def joinpath(self: Self, *other_paths: Any) -> Self:
        return self._derive(self._join(self._path, *(_fspath_str(p) for p in other_paths)))

    def _path_join(self, *others: str) -> str:
        """``smart_path_join``'s string: ``str(joinpath)`` for URLs, where ``..``
        stays as written (a key may hold it); the local backend normalises."""
        return str(self.joinpath(*others))

    @property
    def parts(self) -> tuple[str, ...]:
        if self._alias is not None:  # shown from the alias when the path lies under it
            name, shown = self._alias[0] + "://", str(self)
            if shown.startswith(name):
                return (name, *shown[len(name) :].split("/"))
        body = self._path.lstrip("/")
        return (self._parts_head, *body.split("/")) if body else (self._parts_head,)

    @property
    def _parts_head(self) -> str:
        """The first of ``parts``: ``s3://``; a backend whose URLs name a server
        puts it there too (``sftp://user@host//``)."""
        return f"{self.root_scheme}://"

    @property
    def root(self) -> str:
        return f"{self.root_scheme}://"

    @property
    def anchor(self) -> str:
        return self.root

    @property
    def drive(self) -> str:
        return ""

    @property
    def name(self) -> str:
        return self.parts[-1] if len(self.parts) > 1 else ""

    @property
    def suffix(self) -> str:
        name = self.name
        index = name.rfind(".")
        return name[index:] if 0 < index < len(name) - 1 else ""

    @property
    def suffixes(self) -> list[str]:
        name = self.name
        if name.endswith("."):
            return []
        name = name.lstrip(".")
        return ["." + s for s in name.split(".")[1:]]

    @property
    def stem(self) -> str:
        name, suffix = self.name, self.suffix
        return name[: len(name) - len(suffix)] if suffix else name

    @property
    def parent(self: Self) -> Self:
        # URI semantics, as megfile: a trailing slash ends in an empty last part,
        # so the parent of ``s3://b/dir/`` is ``s3://b/dir``; a root is its own
        # parent, and an absolute path (``sftp://h//a``) keeps its "/"
        path = self._path
        if not path.strip("/"):
            return self._derive(path)
        head = path.rpartition("/")[0].rstrip("/")
        return self._derive(head or ("/" if path.startswith("/") else ""))

    @property
    def parents(self: Self) -> Sequence[Self]:
        result = []
        current = self
        while current._path.strip("/"):
            current = current.parent
            result.append(current)
        return tuple(result)

    def with_name(self: Self, name: str) -> Self:
        # ``s3://b/dir/`` has an empty last part that a name replaces (as megfile);
        # only the root has no name to replace
        if not self.name and not self._path.strip("/"):
            raise ValueError(f"{self._display()} has an empty name")
        if not name or "/" in name:
            raise ValueError(f"invalid name {name!r}")
        return self._derive(self._path[: len(self._path) - len(self.name)] + name)

    def with_stem(self: Self, stem: str) -> Self:
        return self.with_name(stem + self.suffix)

    def with_suffix(self: Self, suffix: str) -> Self:
        if suffix and (not suffix.startswith(".") or suffix == "." or "/" in suffix):
            raise ValueError(f"invalid suffix {suffix!r}")
        return self.with_name(self.stem + suffix)

    def _other_path(self, other: Any) -> str:
        text = self._unaliased(_fspath_str(other))
        scheme, rest = split_scheme(text)
        protocol = type(self).protocol
        if scheme and scheme.partition("+")[0] != protocol:
            raise ValueError(f"{text!r} is not a {protocol}:// path")
        return rest

    def relative_to(self: Self, *other: Any) -> Self:
        """This path relative to ``other``; ``ValueError`` when it is not under it."""
        if not other:
            raise TypeError("relative_to() needs at least one argument")
        base = self._join(self._other_path(other[0]), *map(_fspath_str, other[1:]))
        base = base.rstrip("/")
        path = self._path
        if path == base:
            relative = ""
        elif not base or path.startswith(base + "/"):
            relative = path[len(base) :].lstrip("/")
        else:
            raise ValueError(f"{self._display()!r} is not under {display(other[0])!r}")
        new = self._derive(relative)
        new.scheme = ""
        return new

    def is_relative_to(self, *other: Any) -> bool:
        try:
            self.relative_to(*other)
        except ValueError:
            return False
        return True

    def match(self, pattern: str) -> bool:
        """Whether this path matches a glob pattern (relative: from the right)."""
        scheme, rest = split_scheme(self._unaliased(pattern))
        if scheme:
            return match_path(self._path.strip("/"), rest.strip("/"), anchored=True)
        if pattern.startswith("/"):  # an absolute pattern is anchored at the root
            return self._path.startswith("/") and match_path(
                self._path.strip("/"), pattern.strip("/"), anchored=True
            )
        return match_path(self._path.strip("/"), pattern.strip("/"), anchored=False)

    def is_absolute(self) -> bool:
        return True

    def is_reserved(self) -> bool:
        return False

    def as_posix(self) -> str:
        return str(self)

    def as_uri(self) -> str:
        return self.path_with_protocol

    def absolute(self: Self) -> Self:
        return self

    def abspath(self) -> str:
        return str(self.absolute())

    def resolve(self: Self, strict: bool = False) -> Self:
        return self

    def realpath(self) -> str:
        return str(self.resolve())

    def relpath(self, start: Any = None) -> str:
        if start is None:
            raise TypeError(f"relpath of {self._display()} needs a start path")
        return str(self.relative_to(start))
