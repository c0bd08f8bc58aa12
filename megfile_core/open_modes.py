"""What ``open`` accepts: the mode, ``buffering`` and the backend's options, checked
the same way for every backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from megfile_core.pathlike import BasePath

__all__ = ["COMMON_OPEN_OPTIONS", "check_buffering", "check_open_options", "parse_mode"]

_MODE_CHARS = frozenset("rwaxbt+")


def parse_mode(mode: str) -> tuple[str, bool]:
    """Validate an ``open`` mode; returns (canonical binary mode, is_text).

    ``"r"`` -> ``("rb", True)``, ``"wb+"`` -> ``("wb+", False)``.
    """
    if not isinstance(mode, str):
        raise TypeError(f"open mode must be a str, not {type(mode).__name__}")
    chars = set(mode)
    if not mode or not chars <= _MODE_CHARS or len(chars) != len(mode):
        raise ValueError(
            f"invalid mode {mode!r}: use one of r, w, a, x, optionally with b or t "
            "and +, e.g. 'rb', 'w', 'a+'"
        )
    kinds = chars & set("rwax")
    if len(kinds) != 1:
        raise ValueError(f"invalid mode {mode!r}: it must contain exactly one of r, w, a, x")
    if "b" in chars and "t" in chars:
        raise ValueError(f"invalid mode {mode!r}: b and t exclude each other")
    return kinds.pop() + "b" + ("+" if "+" in chars else ""), "b" not in chars


#: options of ``smart_open`` that some backend understands; others ignore them
COMMON_OPEN_OPTIONS = frozenset(
    {
        "max_workers",
        "max_buffer_size",
        "block_forward",
        "block_size",
        "buffered",
        "limited_seekable",
        "share_cache_key",
        "cache_path",
        "lazy",
        "followlinks",
        "atomic",
        "closefd",
    }
)


def check_buffering(buffering: Any) -> None:
    """``open``'s ``buffering``: an int from -1 (the default) up to a C int."""
    if not isinstance(buffering, int) or isinstance(buffering, bool):
        raise TypeError(f"buffering must be an int, not {type(buffering).__name__}")
    if not -1 <= buffering <= 2**31 - 1:
        raise ValueError(f"buffering {buffering} is out of range: use -1, 0, 1 or a size")


def check_open_options(options: dict[str, Any], path: BasePath) -> None:
    """Raise ``TypeError`` for an open option no backend knows (a typo)."""
    known = COMMON_OPEN_OPTIONS | type(path).open_options
    unknown = set(options) - known
    if unknown:
        raise TypeError(
            f"open() of {path._display()} got unknown option(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(known))}"
        )
