"""Fast whole-word keyword search over the lower-cased post.

Python's regex engine tries every alternative of a pattern at every position, and a
leading look-behind (`(?<!\\w)`) stops it from skipping positions that cannot start a
match. Keyword patterns are therefore written lower-case, starting with a literal letter,
grouped by that first letter, and searched in `text.lower()`; the "no letter before"
condition is checked on the few matches instead of at every position. This is what
keeps the parser at thousands of posts per second.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

NO_LETTER_AFTER = r"(?![^\W\d_])"


def keyword_regex(alternatives: Sequence[tuple[str, str]]) -> re.Pattern[str]:
    """One pattern for `(key, alternative)` pairs; `match.lastgroup` names the key.

    Every alternative must start with a literal character. Earlier alternatives win over
    later ones that start at the same position, as in a plain `a|b`.
    """
    buckets: dict[str, list[str]] = {}
    for n, (key, alternative) in enumerate(alternatives):
        first, rest = alternative[0], alternative[1:]
        if first in "\\()[]{}?*+|.^$":
            raise ValueError(f"keyword alternative must start with a literal: {alternative!r}")
        # The (empty) group that names the alternative closes it rather than wrapping it:
        # the alternative then starts with a literal, which the engine rejects in one
        # comparison instead of entering it. `lastgroup` is the same either way.
        buckets.setdefault(first, []).append(f"(?:{rest})(?P<{key}__{n}>)")
    body = "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in buckets.items())
    return re.compile(f"(?:{body}){NO_LETTER_AFTER}")


def key_of(match: re.Match[str]) -> str:
    """The key of the alternative that matched (see `keyword_regex`)."""
    return (match.lastgroup or "").split("__", 1)[0]


def has_any(text: str, stems: tuple[str, ...]) -> bool:
    """True when `text` contains one of `stems`.

    A substring test costs a fraction of a regex search, so a pattern whose every match
    contains one of a few literal stems is searched only when one of them is there.
    """
    for stem in stems:
        if stem in text:
            return True
    return False


def starts_word(low: str, pos: int) -> bool:
    """True when no letter stands right before `pos`."""
    return pos == 0 or not low[pos - 1].isalpha()


def iter_words(pattern: re.Pattern[str], low: str, start: int = 0) -> Iterator[re.Match[str]]:
    """Matches of `pattern` in `low` that start a word."""
    for m in pattern.finditer(low, start):
        if not m.start() or not low[m.start() - 1].isalpha():
            yield m


def search_word(
    pattern: re.Pattern[str], low: str, start: int = 0, end: int | None = None
) -> re.Match[str] | None:
    """The first match of `pattern` in `low[start:end]` that starts a word, or None."""
    end = len(low) if end is None else end
    m = pattern.search(low, start, end)
    while m is not None and m.start() and low[m.start() - 1].isalpha():
        m = pattern.search(low, m.start() + 1, end)
    return m
