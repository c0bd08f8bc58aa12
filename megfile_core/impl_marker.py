"""The ``hookimpl`` marker, without importing pluggy.

pluggy finds hook implementations by the ``megfile_impl`` attribute a marker sets on a
function. Importing pluggy costs more than all of ``megfile_core`` for a local path, so
this marker sets the same attribute itself; pluggy reads it when (and only when) the
plugin manager is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

__all__ = ["PROJECT", "hookimpl"]

PROJECT = "megfile"
_F = TypeVar("_F", bound=Callable[..., Any])


@overload
def hookimpl(function: _F) -> _F: ...


@overload
def hookimpl(
    function: None = None,
    *,
    tryfirst: bool = False,
    trylast: bool = False,
    optionalhook: bool = False,
    specname: str | None = None,
) -> Callable[[_F], _F]: ...


def hookimpl(
    function: _F | None = None,
    *,
    tryfirst: bool = False,
    trylast: bool = False,
    optionalhook: bool = False,
    specname: str | None = None,
) -> _F | Callable[[_F], _F]:
    """Mark a function of a plugin module as a megfile hook implementation.

    Use it bare (``@hookimpl``) or with pluggy's ordering options
    (``@hookimpl(tryfirst=True)``).
    """

    def mark(func: _F) -> _F:
        setattr(
            func,
            PROJECT + "_impl",
            {
                "wrapper": False,
                "hookwrapper": False,
                "optionalhook": optionalhook,
                "tryfirst": tryfirst,
                "trylast": trylast,
                "specname": specname,
            },
        )
        return func

    if function is not None:
        return mark(function)
    return mark
