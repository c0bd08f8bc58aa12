"""The glob engine shared by every backend: ``* ? [seq] [!seq] ** {a,b}``.

Pattern language (POSIX paths, case-sensitive):

* ``*`` matches any run of characters except ``/``; ``?`` one character except ``/``.
* ``[seq]``, ``[!seq]`` / ``[^seq]`` match one character in / not in ``seq``
  (``a-z`` ranges; a ``]`` right after the opening ``[`` or ``[!`` is literal). A
  set never matches ``/`` and never spans one: a ``[`` without its ``]`` before
  the next ``/`` is a literal ``[``. Braces and commas inside a set are literal.
* ``**`` as a whole segment matches zero or more whole segments (``a/**/b``
  matches ``a/b`` and ``a/x/y/b``; ``a/**`` matches ``a`` and everything below
  it). Inside a segment (``a**b``), or when ``recursive`` is false, it is ``*``.
* ``{a,b}`` expands to alternatives before anything else (nested groups and
  empty alternatives allowed; a ``{`` without its ``}`` or a group without a
  top-level comma is literal). At most :data:`MAX_EXPANSIONS` alternatives.
* A backslash is an ordinary character (POSIX glob without escapes).

Globbing (:func:`iglob_entries`) adds Python glob's rules: a wildcard segment
never matches a name starting with ``.`` unless the segment itself starts with
``.``; ``**`` never matches or descends into hidden entries; literal segments
name anything. A trailing ``/`` matches directories only and is kept in the
result. ``**`` does not follow symbolic links to directories; a single-segment
wildcard in the middle of a pattern does (as Python's glob does).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from megfile_core.types import FileEntry, StatResult

if TYPE_CHECKING:
    from megfile_core.pathlike import BasePath

__all__ = [
    "MAX_BRACE_DEPTH",
    "MAX_EXPANSIONS",
    "expand_braces",
    "has_magic",
    "iglob_entries",
    "match_path",
    "split_pattern",
    "translate",
]

#: upper bound on the number of alternatives one pattern's braces may expand to
MAX_EXPANSIONS = 10_000
#: upper bound on how deeply brace groups may nest
MAX_BRACE_DEPTH = 64

_MISSING = (FileNotFoundError, NotADirectoryError)


# -- lexical helpers ---------------------------------------------------------------
def _set_end(text: str, start: int) -> int:
    """Index just past the ``]`` closing the set opened at ``text[start]``; -1 if none.

    A set closes at the first ``]`` after its optional ``!``/``^`` and optional
    leading ``]``, and must close before any ``/``.
    """
    j = start + 1
    if j < len(text) and text[j] in "!^":
        j += 1
    if j < len(text) and text[j] == "]":
        j += 1
    close = text.find("]", j)
    if close < 0 or text.find("/", start, close) >= 0:
        return -1
    return close + 1


def _has_set(text: str) -> bool:
    index = text.find("[")
    while index >= 0:
        if _set_end(text, index) > 0:
            return True
        index = text.find("[", index + 1)
    return False


def _segment_has_magic(segment: str) -> bool:
    """Whether a brace-free segment holds a wildcard (``*``, ``?`` or a set)."""
    return "*" in segment or "?" in segment or ("[" in segment and _has_set(segment))


def has_magic(pattern: str) -> bool:
    """Whether ``pattern`` uses ``*``, ``?``, a closed ``[set]`` or a ``{a,b}``."""
    if "*" in pattern or "?" in pattern:
        return True
    if "[" in pattern and _has_set(pattern):
        return True
    return "{" in pattern and bool(_brace_groups(pattern))


# -- braces ------------------------------------------------------------------------
def _brace_groups(text: str) -> dict[int, tuple[int, list[int]]]:
    """``{`` index -> (matching ``}`` index, its top-level commas), for real groups.

    Braces pair like parentheses (skipping sets); a pair without a top-level comma
    is literal text, though groups nested inside it still expand.
    """
    stack: list[tuple[int, list[int]]] = []
    groups: dict[int, tuple[int, list[int]]] = {}
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if char == "[":
            end = _set_end(text, i)
            if end > 0:
                i = end
                continue
        elif char == "{":
            stack.append((i, []))
        elif char == "," and stack:
            stack[-1][1].append(i)
        elif char == "}" and stack:
            start, commas = stack.pop()
            if commas:
                groups[start] = (i, commas)
        i += 1
    return groups


class _Group:
    """A brace group: each alternative is a sequence of text and nested groups."""

    __slots__ = ("alternatives",)

    def __init__(self, alternatives: list[list[_Part]]) -> None:
        self.alternatives = alternatives


_Part = str | _Group


def _parse_braces(
    text: str,
    start: int,
    end: int,
    groups: dict[int, tuple[int, list[int]]],
    opens: list[int],
    depth: int,
) -> list[_Part]:
    if depth > MAX_BRACE_DEPTH:
        raise ValueError(
            f"brace groups nest deeper than {MAX_BRACE_DEPTH} levels in pattern {text[:80]!r}"
        )
    parts: list[_Part] = []
    position = start
    for open_index in opens:
        if open_index < position or open_index >= end:
            continue
        close, commas = groups[open_index]
        if position < open_index:
            parts.append(text[position:open_index])
        bounds = [open_index, *commas, close]
        parts.append(
            _Group(
                [
                    _parse_braces(text, left + 1, right, groups, opens, depth + 1)
                    for left, right in itertools.pairwise(bounds)
                ]
            )
        )
        position = close + 1
    if position < end:
        parts.append(text[position:end])
    return parts


def _count(parts: list[_Part]) -> int:
    """Number of expansions of ``parts``, capped just above MAX_EXPANSIONS."""
    total = 1
    for part in parts:
        if isinstance(part, _Group):
            total *= sum(_count(alternative) for alternative in part.alternatives)
            if total > MAX_EXPANSIONS:
                return MAX_EXPANSIONS + 1
    return total


def _expand(parts: list[_Part]) -> list[str]:
    results = [""]
    for part in parts:
        if isinstance(part, str):
            results = [result + part for result in results]
        else:
            options = [text for alt in part.alternatives for text in _expand(alt)]
            results = [result + option for result in results for option in options]
    return results


def expand_braces(pattern: str) -> list[str]:
    """Every alternative of ``pattern``'s ``{a,b}`` groups, duplicates removed.

    ``"x{a,{b,c}}y"`` -> ``["xay", "xby", "xcy"]``; ``"a{,b}"`` -> ``["a", "ab"]``;
    ``"{a"`` and ``"{a}"`` stay literal; braces inside ``[...]`` are literal.
    Raises ``ValueError`` beyond :data:`MAX_EXPANSIONS` alternatives or
    :data:`MAX_BRACE_DEPTH` nesting levels.
    """
    if "{" not in pattern:
        return [pattern]
    groups = _brace_groups(pattern)
    if not groups:
        return [pattern]
    parts = _parse_braces(pattern, 0, len(pattern), groups, sorted(groups), 0)
    if _count(parts) > MAX_EXPANSIONS:
        raise ValueError(
            f"pattern {pattern[:80]!r} expands to more than {MAX_EXPANSIONS} "
            "alternatives; split it into several globs"
        )
    return list(dict.fromkeys(_expand(parts)))


# -- translation to regular expressions --------------------------------------------
class _Names:
    """Unique group names for the atomic-match trick inside one regex."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"g{self.count}"


def _set_regex(body: str) -> str:
    """Regex for the inside of a closed set (``body`` excludes the brackets)."""
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    ranges: list[tuple[str, str]] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = body[i], body[i + 2]
            i += 3
        else:
            low = high = body[i]
            i += 1
        if low <= high:  # a reversed range matches nothing, as in fnmatch
            ranges.append((low, high))
    inner = "".join(
        re.escape(low) if low == high else f"{re.escape(low)}-{re.escape(high)}"
        for low, high in ranges
    )
    if negate:
        return f"[^/{inner}]"
    if not inner:
        return "(?!)"
    if any(low <= "/" <= high for low, high in ranges):
        return f"(?!/)[{inner}]"
    return f"[{inner}]"


def _segment_regex(segment: str, include_hidden: bool, names: _Names) -> str:
    """Regex for one segment (``**`` here is just ``*``)."""
    chunks: list[list[str]] = [[]]
    i, size = 0, len(segment)
    while i < size:
        char = segment[i]
        if char == "*":
            while i < size and segment[i] == "*":
                i += 1
            chunks.append([])
            continue
        if char == "?":
            chunks[-1].append("[^/]")
        elif char == "[" and (end := _set_end(segment, i)) > 0:
            chunks[-1].append(_set_regex(segment[i + 1 : end - 1]))
            i = end
            continue
        else:
            chunks[-1].append(re.escape(char))
        i += 1
    pieces = ["".join(chunks[0])]
    if len(chunks) > 1 and not any(chunks):
        pieces = ["[^/]+"]  # only stars: a segment is never empty
    elif len(chunks) > 1:
        # Every star but the last takes the shortest run up to the next chunk,
        # atomically (lookahead + backreference), so that many stars cannot
        # backtrack exponentially; the last star is anchored by the segment end.
        for middle in chunks[1:-1]:
            name = names()
            pieces.append(f"(?=(?P<{name}>[^/]*?{''.join(middle)}))(?P={name})")
        pieces.append("[^/]*" + "".join(chunks[-1]))
    body = "".join(pieces)
    hidden_rule = not include_hidden and not segment.startswith(".")
    if hidden_rule and _segment_has_magic(segment):
        body = r"(?!\.)" + body
    return body


def _collapse_recursive(segments: Sequence[str]) -> list[str]:
    """Drop a ``**`` segment that directly follows another ``**``."""
    result: list[str] = []
    for segment in segments:
        if segment == "**" and result and result[-1] == "**":
            continue
        result.append(segment)
    return result


def _segments_regex(
    segments: Sequence[str], recursive: bool, include_hidden: bool, names: _Names
) -> str:
    if recursive:
        segments = _collapse_recursive(segments)
    any_segment = "[^/]+" if include_hidden else r"(?!\.)[^/]+"
    out: list[str] = []
    need_separator = False
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if recursive and segment == "**":
            if index == last:
                out.append(
                    f"(?:/{any_segment})*"
                    if need_separator
                    else f"(?:{any_segment}(?:/{any_segment})*)?"
                )
            else:
                if need_separator:
                    out.append("/")
                out.append(f"(?:{any_segment}/)*")
                need_separator = False
        else:
            if need_separator:
                out.append("/")
            out.append(_segment_regex(segment, include_hidden, names))
            need_separator = True
    return "".join(out)


def translate(pattern: str, *, recursive: bool = True, include_hidden: bool = True) -> str:
    """Regular expression (for ``re.fullmatch``) of a brace-free glob over a path.

    ``recursive=False`` makes ``**`` behave like ``*``. With
    ``include_hidden=False`` the regex also applies glob's hidden-file rules
    (wildcards and ``**`` do not match names starting with ``.``). Braces are
    not expanded here: see :func:`expand_braces`.
    """
    return _segments_regex(pattern.split("/"), recursive, include_hidden, _Names())


# -- matching (PurePath.match) ------------------------------------------------------
def _normalize(path: str) -> tuple[bool, list[str]]:
    return path.startswith("/"), [s for s in path.split("/") if s and s != "."]


@lru_cache(maxsize=256)
def _match_regex(pattern: str, anchored: bool) -> re.Pattern[str]:
    names = _Names()
    alternatives = []
    for alternative in expand_braces(pattern):
        absolute, segments = _normalize(alternative)
        body = _segments_regex(segments, True, True, names)
        if anchored or absolute:
            alternatives.append(f"(?:{body})")
        else:
            alternatives.append(f"(?:(?:.*/)?{body})")
    return re.compile("|".join(alternatives), re.DOTALL)


def match_path(path: str, pattern: str, anchored: bool) -> bool:
    """``PurePath.match`` with ``**`` and braces, for ``BasePath.match``.

    Anchored (or an absolute pattern): the whole path must match. Otherwise the
    pattern matches the path's last segments (as many as the pattern has, or any
    number through ``**``). Hidden names match wildcards here, as in pathlib;
    empty and ``.`` segments are ignored, and an empty path matches nothing.
    """
    if not pattern.startswith("/") and not _normalize(pattern)[1]:
        raise ValueError(f"empty pattern {pattern!r}")
    absolute, segments = _normalize(path)
    if not segments or (pattern.startswith("/") and not absolute):
        return False
    return _match_regex(pattern, anchored).fullmatch("/".join(segments)) is not None


# -- splitting into listing roots ---------------------------------------------------
def _split_alternative(alternative: str) -> tuple[str, str]:
    """``"/data/x*/y"`` -> ``("/data", "x*/y")``; no magic -> ``(alternative, "")``."""
    parts = alternative.split("/")
    index = next((i for i, part in enumerate(parts) if _segment_has_magic(part)), -1)
    if index < 0:
        return alternative, ""
    prefix = "/".join(parts[:index])
    if not prefix and alternative.startswith("/"):
        prefix = "/"
    return prefix, "/".join(parts[index:])


def _protect(rest: str) -> str:
    """Rewrite literal ``{ } ,`` and unclosed ``[`` as one-character sets."""
    out: list[str] = []
    i = 0
    while i < len(rest):
        char = rest[i]
        if char == "[":
            end = _set_end(rest, i)
            if end > 0:
                out.append(rest[i:end])
                i = end
                continue
            out.append("[[]")
        elif char in "{},":
            out.append(f"[{char}]")
        else:
            out.append(char)
        i += 1
    return "".join(out)


def split_pattern(pattern: str) -> list[tuple[str, str]]:
    """``(literal prefix, rest pattern)`` per distinct prefix of ``pattern``.

    Braces are expanded first; each alternative splits into its longest leading
    run of wildcard-free segments (the directory to list) and the rest. An
    alternative without wildcards gives ``(alternative, "")``. Alternatives that
    share a prefix share one tuple: with several rests, the rest is
    ``"{r1,r2,...}"`` (the literal ``{ } ,`` and unclosed ``[`` of each ``ri``
    written as one-character sets), so ``expand_braces(rest)`` lists them again.
    Prefixes appear once each, in order of first appearance.

    (:func:`iglob_entries` goes one step further and folds a prefix lying below
    another prefix into that one, so that no directory is listed twice.)
    """
    grouped: dict[str, list[str]] = {}
    for alternative in expand_braces(pattern):
        prefix, rest = _split_alternative(alternative)
        rests = grouped.setdefault(prefix, [])
        if rest not in rests:
            rests.append(rest)
    result = []
    for prefix, rests in grouped.items():
        rest = rests[0]
        if len(rests) > 1:
            rest = "{" + ",".join(map(_protect, rests)) + "}"
        result.append((prefix, rest))
    return result


class _Alt(NamedTuple):
    """One brace alternative below its group's prefix."""

    segments: tuple[str, ...]
    dir_only: bool


def _prefix_segments(prefix: str) -> tuple[str, list[str]]:
    """``"/a/b"`` -> ``("/", ["a", "b"])``; ``"a/b"`` -> ``("", ["a", "b"])``."""
    return ("/" if prefix.startswith("/") else ""), [s for s in prefix.split("/") if s]


def _trailing_recursive(segments: list[str], dir_only: bool, base_dir: bool) -> list[_Alt]:
    """``A/**`` (or ``A/**/``) as the stdlib reads it: ``A/`` itself when it is a
    directory, then everything below ``A`` (``A/*/**``, whose ``**`` may match
    nothing). Without ``base_dir`` (object stores: a directory is only a key
    prefix) ``A/`` is left out."""
    head = tuple(segments[:-1])
    below = _Alt((*head, "*", "**"), dir_only)
    return [_Alt(head, True), below] if base_dir else [below]


def _plan(pattern: str, recursive: bool, base_dir: bool = True) -> list[tuple[str, list[_Alt]]]:
    """Listing roots and the alternatives to match below each.

    No root lies below another: a prefix below another one is folded into it as
    literal leading segments, so every path is visited (and yielded) once.
    """
    groups: dict[str, dict[_Alt, None]] = {}
    for alternative in expand_braces(pattern):
        prefix, rest = _split_alternative(alternative)
        if rest:
            dir_only = rest.endswith("/")
            segments = [s for s in rest.split("/") if s]
        else:
            dir_only = prefix.endswith("/") and prefix.strip("/") != ""
            segments = []
        if recursive:
            segments = _collapse_recursive(segments)
        stripped = prefix.rstrip("/")
        prefix = stripped if stripped or not prefix else "/"
        group = groups.setdefault(prefix, {})
        if recursive and segments and segments[-1] == "**":
            group.update(dict.fromkeys(_trailing_recursive(segments, dir_only, base_dir)))
        else:
            group[_Alt(tuple(segments), dir_only)] = None

    kept: dict[str, dict[_Alt, None]] = {}
    for prefix in sorted(groups, key=lambda p: len(_prefix_segments(p)[1])):
        root, segments = _prefix_segments(prefix)
        ancestors = [root] if prefix != root else []
        ancestors += [root + "/".join(segments[:k]) for k in range(1, len(segments))]
        for depth, ancestor in enumerate(ancestors):
            if ancestor in kept:
                below = tuple(segments[depth:])
                for alt in groups[prefix]:
                    kept[ancestor][_Alt(below + alt.segments, alt.dir_only)] = None
                break
        else:
            kept[prefix] = dict(groups[prefix])
    return [(prefix, list(kept[prefix])) for prefix in groups if prefix in kept]


# -- globbing -------------------------------------------------------------------------
@lru_cache(maxsize=1024)
def _segment_matcher(segment: str) -> re.Pattern[str]:
    return re.compile(_segment_regex(segment, False, _Names()), re.DOTALL)


@lru_cache(maxsize=64)
def _alternatives_matcher(
    alternatives: tuple[tuple[str, ...], ...], recursive: bool
) -> re.Pattern[str] | None:
    if not alternatives:
        return None
    names = _Names()
    return re.compile(
        "|".join(
            f"(?:{_segments_regex(segments, recursive, False, names)})" for segments in alternatives
        ),
        re.DOTALL,
    )


def _lstat(path: BasePath) -> StatResult | None:
    try:
        return path.stat(follow_symlinks=False)
    except _MISSING:
        return None


def _is_dir(stat: StatResult, path: BasePath) -> bool:
    return stat.is_dir() or (stat.is_symlink() and path.is_dir(followlinks=True))


class _Roots(NamedTuple):
    """Where one group lists (``listing``) and how its results are written."""

    listing: BasePath
    result: BasePath
    #: the group's prefix is empty: its root is no path a user wrote, never a match
    anonymous: bool
    #: ``str(result)``, computed once
    result_text: str

    def node(self, relative: str) -> BasePath:
        return self.listing.joinpath(relative) if relative else self.listing

    def entry(self, relative: str, stat: StatResult, dir_only: bool) -> FileEntry:
        if relative:
            # the backend's own join on strings: the same text as
            # str(result.joinpath(relative)), without building a path object
            path = self.result._join(self.result_text, relative)
            name = relative.rpartition("/")[2]
        else:
            path = str(self.result)
            name = self.result.name
        if dir_only and not path.endswith("/"):
            path += "/"
        return FileEntry(name, path, stat)


def _scan_group(roots: _Roots, alts: list[_Alt], recursive: bool) -> Iterator[FileEntry]:
    """One ``_scan_tree`` below the root, every path checked against the regexes."""
    plain = _alternatives_matcher(
        tuple(alt.segments for alt in alts if not alt.dir_only), recursive
    )
    dirs = _alternatives_matcher(tuple(alt.segments for alt in alts if alt.dir_only), recursive)
    if not roots.anonymous:
        plain_root = plain is not None and plain.fullmatch("") is not None
        if plain_root or (dirs is not None and dirs.fullmatch("") is not None):
            stat = _lstat(roots.listing)
            if stat is not None:
                if plain_root:
                    yield roots.entry("", stat, False)
                elif _is_dir(stat, roots.listing):
                    yield roots.entry("", stat, True)
    try:
        for relative, found in roots.listing._scan_tree_from(_literal_start(alts)):
            if plain is not None and plain.fullmatch(relative):
                yield roots.entry(relative, found.stat, False)
            elif (
                dirs is not None
                and dirs.fullmatch(relative)
                and _is_dir(found.stat, roots.node(relative))
            ):
                yield roots.entry(relative, found.stat, True)
    except _MISSING:
        return


def _literal_start(alts: list[_Alt]) -> str:
    """The text every relative path matching one of ``alts`` begins with: the
    literal segments and the literal head of the first wildcard segment, common to
    all alternatives (``x*/**`` -> ``x``, ``b/v[12]/**`` -> ``b/v``, ``**`` -> "")."""
    starts = []
    for alt in alts:
        pieces = []
        last = len(alt.segments) - 1
        for index, segment in enumerate(alt.segments):
            head = _segment_head(segment)
            if head != segment:
                pieces.append(head)
                break
            pieces.append(segment + ("/" if index < last else ""))
        starts.append("".join(pieces))
    return _common_prefix(starts)


def _segment_head(segment: str) -> str:
    """The literal text a segment's matches begin with (all of a literal one)."""
    cuts = [i for i in (segment.find(c) for c in "*?[") if i >= 0]
    return segment[: min(cuts)] if cuts else segment


def _common_prefix(texts: Iterable[str]) -> str:
    texts = list(texts)
    if not texts:
        return ""
    low, high = min(texts), max(texts)  # the text all share is what these two share
    size = next((i for i, (a, b) in enumerate(zip(low, high, strict=False)) if a != b), len(low))
    return low[:size]


_State = tuple[int, int]  # (alternative index, index of the segment to match next)


def _list(path: BasePath, start: str = "") -> list[FileEntry]:
    try:
        with path._scandir_from(start) as entries:
            found = list(entries)
    except _MISSING:
        return []
    found.sort(key=lambda entry: entry.name)
    return found


_Node = tuple[str, StatResult | None, frozenset[_State]]  # (relative, stat, states)


def _walk_group(roots: _Roots, alts: list[_Alt]) -> Iterator[FileEntry]:
    """Segment by segment: list a directory only where a wildcard must be matched.

    Every alternative of the group advances together, so each directory is listed
    once however many alternatives reach it; literal segments are derived without
    listing and checked by ``stat`` (last segment) or by the next listing.
    """
    matchers = [
        [_segment_matcher(s) if _segment_has_magic(s) else None for s in alt.segments]
        for alt in alts
    ]
    start: frozenset[_State] = frozenset((index, 0) for index in range(len(alts)))
    stack: list[_Node] = [("", None, start)]
    while stack:
        relative, stat, states = stack.pop()
        active = [(i, p) for i, p in states if p < len(alts[i].segments)]
        done = [alts[i].dir_only for i, p in states if p == len(alts[i].segments)]
        if done and (relative or not roots.anonymous):
            if stat is None:
                stat = _lstat(roots.node(relative))
                if stat is None:
                    continue
            if not all(done):  # a plain alternative ends here
                yield roots.entry(relative, stat, False)
            elif _is_dir(stat, roots.node(relative)):
                yield roots.entry(relative, stat, True)
        if not active or (stat is not None and not (stat.is_dir() or stat.is_symlink())):
            continue
        stack.extend(reversed(_children(roots, alts, matchers, relative, active)))


def _children(
    roots: _Roots,
    alts: list[_Alt],
    matchers: list[list[re.Pattern[str] | None]],
    relative: str,
    active: list[_State],
) -> list[_Node]:
    """The nodes below ``relative`` that the ``active`` states advance to: one
    listing when a wildcard must be matched, literal names derived without one."""
    literal: dict[str, set[_State]] = {}
    wildcard: list[tuple[int, int, re.Pattern[str]]] = []
    for index, position in active:
        matcher = matchers[index][position]
        if matcher is None:
            segment = alts[index].segments[position]
            literal.setdefault(segment, set()).add((index, position + 1))
        else:
            wildcard.append((index, position, matcher))
    head = relative + "/" if relative else ""
    children: list[_Node] = []
    if wildcard:
        names_start = _common_prefix(
            [_segment_head(alts[index].segments[position]) for index, position, _ in wildcard]
            + list(literal)
        )
        for found in _list(roots.node(relative), names_start):
            next_states = {
                (index, position + 1)
                for index, position, matcher in wildcard
                if matcher.fullmatch(found.name)
            }
            next_states |= literal.pop(found.name, set())
            if next_states:
                children.append((head + found.name, found.stat, frozenset(next_states)))
        # a listing shows every existing child but "." and ".."
        literal = {k: v for k, v in literal.items() if k in (".", "..")}
    for name, next_states in literal.items():
        children.append((head + name, None, frozenset(next_states)))
    return children


def iglob_entries(
    path: BasePath, *, recursive: bool = True, missing_ok: bool = True
) -> Iterator[FileEntry]:
    """Lazily yield a ``FileEntry`` for every path matching the pattern ``path._path``.

    Results are written the way the pattern was (same scheme and variant; a
    relative local pattern gives relative paths) and appear once each, in no
    guaranteed order (a walk goes in name order within each directory; a ``**``
    scan in the backend's ``_scan_tree`` order). For each listing root (see
    :func:`split_pattern`), a pattern holding a recursive ``**`` costs one
    ``_scan_tree`` of the root; any other pattern lists only the directories
    where a wildcard segment must be matched. A missing directory is no error;
    with ``missing_ok=False`` a pattern that matches nothing raises
    ``FileNotFoundError`` at the end. ``ValueError`` when the braces expand to
    too many alternatives.
    """
    matched = False
    for prefix, alts in _plan(path._path, recursive, type(path).glob_base_dir):
        result = path._derive(prefix)
        if prefix or path.is_absolute():
            roots = _Roots(result, result, not prefix, str(result))
        else:  # a relative local pattern: list the working directory
            roots = _Roots(path._derive("."), result, True, str(result))
        if recursive and any("**" in alt.segments for alt in alts):
            entries = _scan_group(roots, alts, recursive)
        else:
            entries = _walk_group(roots, alts)
        for entry in entries:
            matched = True
            yield entry
    if not matched and not missing_ok:
        raise FileNotFoundError(f"No match any file: {path._display()}")
