"""Key arithmetic for the sharded listing (:mod:`megfile_core.io.sharded`): keys
between two keys, keys a number of pages ahead, and how many pages fit in a range,
all made of the characters seen at each position of the keys listed so far.

Keys are read as numbers: at each position a character is a digit among those
seen there. A position where every key seen has the same character counts for
nothing; where keys differ in digits, every digit is taken to exist (keys numbered
``0017`` to ``0042`` have not shown ``5`` yet), unless the caller says the keys
have gaps. Letters are never completed: in keys they mostly spell words.
"""

from __future__ import annotations

import bisect

__all__ = ["Alphabet", "gallop_keys", "keys_ahead", "learn", "pages_left", "split_key"]

#: the characters seen at each position of the keys, sorted
Alphabet = list[str]


def _median(chars: list[str]) -> str | None:
    return chars[len(chars) // 2] if chars else None


def split_key(last: str, bound: str, alphabet: Alphabet) -> str | None:
    """A key ``k`` with ``last < k < bound`` that halves the keys between them if
    they spread over the characters seen at each position (``alphabet[i]``:
    sorted), or None.

    At the first position where the two differ, a character between theirs; if
    there is none, the next position of ``last`` after its own character."""
    common = _common(last, bound)
    if common == len(bound):  # bound is a prefix of last: last >= bound
        return None
    if common < len(last):
        middle = _median(_between(alphabet, common, last[common], bound[common]))
        if middle is not None:
            return last[:common] + middle
    position = common + 1
    while position <= len(last) and position <= common + 8:
        low = last[position] if position < len(last) else ""
        middle = _median(_above(alphabet, position, low))
        if middle is not None:
            key = last[:position] + middle
            if last < key < bound:
                return key
        position += 1
    return None


#: numbered keys hold every digit in turn; letters in keys mostly spell words
_CLASSES = ("0123456789",)


def _classes(chars: str) -> str:
    """``chars`` with every digit when one was seen where keys differ: keys
    numbered ``0017`` to ``0042`` have seen only some digits at each position, and
    the ones not seen yet follow."""
    found = set(chars)
    if len(found) < 2:
        return chars  # a position where every key seen agrees: no digit there
    for group in _CLASSES:
        if found.intersection(group):
            found.update(group)
    return "".join(sorted(found))


class _Scale:
    """Keys read as numbers in ``[0, 1)`` from position ``len(prefix)`` on: each
    character is a digit among the characters seen at its position, so a position
    where one character was seen counts for nothing, and keys spread over what was
    seen are spread evenly over the numbers."""

    def __init__(
        self, prefix: str, alphabet: Alphabet, complete: bool, keys: tuple[str, ...]
    ) -> None:
        self.prefix = prefix
        positions = range(len(prefix), len(prefix) + 8)
        # the keys measured are seen too: a range's end is a key the store has or
        # a split point between such keys
        seen = [
            "".join(sorted(set(_seen(alphabet, p)).union(k[p] for k in keys if p < len(k))))
            for p in positions
        ]
        self.digits = [_classes(chars) for chars in seen] if complete else seen

    def value(self, key: str) -> float:
        value, scale, offset = 0.0, 1.0, len(self.prefix)
        for position, chars in enumerate(self.digits, offset):
            scale /= len(chars)
            if position >= len(key):
                break
            value += bisect.bisect_left(chars, key[position]) * scale
        return value

    def key(self, value: float) -> str:
        key = self.prefix
        for chars in self.digits:
            value *= len(chars)
            digit = min(int(value), len(chars) - 1)
            value -= digit
            key += chars[digit]
        return key


def _common(one: str, other: str) -> int:
    common = 0
    while common < min(len(one), len(other)) and one[common] == other[common]:
        common += 1
    return common


def pages_left(
    first: str, last: str, bound: str, alphabet: Alphabet, complete: bool = True
) -> float:
    """About how many pages like the one from ``first`` to ``last`` fit between
    ``last`` and ``bound``: the keys read as numbers in the characters seen at each
    position (from the first position where ``first`` and ``bound`` differ; with
    ``complete``, the classes of the characters seen, see :func:`_classes`)."""
    scale = _Scale(bound[: _common(first, bound)], alphabet, complete, (first, last, bound))
    span = scale.value(last) - scale.value(first)
    left = scale.value(bound) - scale.value(last)
    return left / span if span > 0 else float("inf")


def keys_ahead(
    first: str,
    last: str,
    bound: str,
    alphabet: Alphabet,
    pages: float,
    count: int,
    complete: bool = True,
) -> list[str]:
    """Up to ``count`` increasing keys between ``last`` and ``bound``, every
    ``pages`` pages like the one from ``first`` to ``last`` (as :func:`pages_left`
    counts); the key halfway (:func:`split_key`) when that finds none."""
    scale = _Scale(bound[: _common(first, bound)], alphabet, complete, (first, last, bound))
    low = scale.value(last)
    step = pages * (low - scale.value(first))
    points: list[str] = []
    for index in range(1, count + 1):
        key = scale.key(low + index * step)
        if not last < key < bound:
            break
        if not points or key > points[-1]:
            points.append(key)
    if not points:
        point = split_key(last, bound, alphabet)
        points = [point] if point is not None else []
    return points


def gallop_keys(first: str, last: str, alphabet: Alphabet, floor: int = 0) -> list[str]:
    """Split keys beyond ``last`` for a range with no end, one per level of the
    key's hierarchy above the page just listed (``first`` to ``last``): the next
    sibling of each prefix of ``last`` (``d0000/f0999`` gives ``d0001``, ``d001``,
    ``d01``, ``d1``, ``e``), so the ranges grow as they go, in increasing order.
    The first ``floor`` characters are the listing's prefix, shared by every key
    it can return: no split there (a range beyond the prefix holds no key)."""
    common = _common(first, last)
    keys: list[str] = []
    for position in range(min(common, len(last)) - 1, floor - 1, -1):
        # the smallest character above: seen there, else seen anywhere (the
        # first pages of a listing show only the low end of each position)
        if _seen(alphabet, position) == "/":
            continue  # a level of the hierarchy ends here in every key seen
        bigger = _between(alphabet, position, last[position], None)
        if bigger:
            key = last[:position] + bigger[0]
            if key > last and (not keys or key > keys[-1]):
                keys.append(key)
    return keys


def _seen(alphabet: Alphabet, position: int) -> str:
    """The characters seen at ``position``; every character seen anywhere for a
    position no key reached yet, or ``position=-1``."""
    if 0 <= position < len(alphabet) and alphabet[position]:
        return alphabet[position]
    return "".join(sorted(set("".join(alphabet))))


def _between(alphabet: Alphabet, position: int, low: str, high: str | None) -> list[str]:
    """Characters ``low < c < high`` seen at ``position``, else seen anywhere."""
    for chars in (_seen(alphabet, position), _seen(alphabet, -1)):
        found = [c for c in chars if low < c and (high is None or c < high)]
        if found:
            return found
    return []


def _above(alphabet: Alphabet, position: int, low: str) -> list[str]:
    """Characters above ``low`` seen at ``position``; only where no key reached
    that position yet, those seen anywhere. A split point made of a character never
    seen where it stands (``d0036`` while every key has ``/`` after ``d003``) starts
    a range that holds no key: a request for nothing."""
    if 0 <= position < len(alphabet) and alphabet[position]:
        return [c for c in alphabet[position] if c > low]
    return _between(alphabet, position, low, None)


def learn(alphabet: list[set[str]], keys: list[str]) -> Alphabet:
    """Add the characters of ``keys`` (a page, or a sample of one: its first and
    last key count) to ``alphabet``."""
    for key in keys[:: max(1, len(keys) // 64)] + keys[-1:]:
        while len(alphabet) < len(key):
            alphabet.append(set())
        for position, char in enumerate(key):
            alphabet[position].add(char)
    return ["".join(sorted(chars)) for chars in alphabet]
