"""Make posts from different channels look alike before anything is read from them.

Channel posts arrive with zero-width characters, non-breaking spaces, keycap and circled
digits used as list numbers, decorative emoji glued to words, Markdown residue, links,
dates, and labels whose line breaks were lost ("LONGLeverage: Cross 10xEntry: 10.7").
`normalize_text` removes or rewrites all of that in a handful of C-speed passes and keeps
what carries meaning:

- ✅ (and ✔) — "this target / entry was hit";
- 🎯 — a take-profit label or bullet; 🛑 (and ⛔, and ❌ before a price) — a stop-loss label;
  📥 / 📤 — written as the words entry / targets;
- `•` — written for every list number (keycaps 1️⃣, circled ➊ ①), which would otherwise be
  read as prices ("1️⃣1.0752️⃣1.095" must give 1.075 and 1.095).

Layouts are rewritten as labelled lines: a table's header row over its row of values
("PAIR | SIDE | ENTRY" / "DOGE/USDT | SHORT | 0.1625" gives "ENTRY: 0.1625"), hashtag fields
("#TP1_14.80"). A space used as the thousands separator is removed ("64 500"), and an
allocation ("(split 50/50)") dropped. Numbers themselves (comma decimals, thousands
separators, `38K`) are read in `numbers.py`.
"""

from __future__ import annotations

import re

BULLET = "•"
HIT_MARK = "✅"

_KEEP_EMOJI = frozenset("✅🎯🛑")

# Decorative symbol and emoji blocks; every character in them becomes a space.
_EMOJI_RANGES = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2190, 0x21FF),
    (0x2300, 0x23FF),
    (0x2500, 0x27BF),
    (0x2900, 0x297F),
    (0x2B00, 0x2BFF),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3299),
    (0x1F000, 0x1FAFF),
    (0xE0020, 0xE007F),
)


def _code_points(ranges: tuple[tuple[int, int], ...]) -> frozenset[str]:
    return frozenset(chr(c) for low, high in ranges for c in range(low, high + 1))


def _char_class(chars: frozenset[str]) -> str:
    """A regex character class matching exactly `chars` (consecutive code points as ranges)."""
    points = sorted(map(ord, chars))
    parts: list[str] = []
    start = previous = points[0]
    for point in [*points[1:], -1]:
        if point == previous + 1:
            previous = point
            continue
        first, last = re.escape(chr(start)), re.escape(chr(previous))
        parts.append(first if start == previous else f"{first}-{last}")
        start = previous = point
    return "[" + "".join(parts) + "]"


def _runs_of(chars: frozenset[str]) -> re.Pattern[str]:
    """Runs of `chars`. Written `[…][…]*` rather than `[…]+`: a pattern that starts with a
    character class lets the regex engine skip to the next candidate position instead of
    trying a match at every position of the post."""
    one = _char_class(chars)
    return re.compile(one + one + "*")


# Each character pass below acts on a set of characters; `_SPECIAL` finds them all in one
# scan, and a pass runs only when the post holds one of its own characters. None of the
# passes creates a character another pass acts on, so the result is that of running all.

# Removed outright: zero-width characters and emoji variation selectors.
_INVISIBLE_CHARS = frozenset("\u200b\u200c\u200d\u2060\ufeff\ufe0f\ufe0e\u00ad\u200e\u200f")
_SPACE_CHARS = frozenset("\u00a0\u202f\u205f\u3000\t\r") | _code_points(((0x2002, 0x200A),))
_DASH_CHARS = frozenset("\u2212\ufe58\ufe63\uff0d") | _code_points(((0x2010, 0x2015),))
# List numbers, never prices: keycaps 1️⃣ 🔟, circled ① ❶ ➀ ➊.
_LIST_MARK_CHARS = frozenset("\u20e3\U0001f51f") | _code_points(
    ((0x2460, 0x2473), (0x2776, 0x2793))
)
_RARE_TABLE = str.maketrans(
    {
        "×": "x",
        "✔": HIT_MARK,
        "⛔": "🛑",
        "📥": " entry ",
        "📤": " targets ",
        "‘": "'",
        "’": "'",
        "：": ":",
        "·": " ",
        "İ": "I",
    }
)
_RARE_CHARS = frozenset(map(chr, _RARE_TABLE))
_EMOJI_CHARS = _code_points(_EMOJI_RANGES) - _KEEP_EMOJI

_INVISIBLE = _runs_of(_INVISIBLE_CHARS)
_SPACES = re.compile(_char_class(_SPACE_CHARS))
_DASHES = re.compile(_char_class(_DASH_CHARS))
_LIST_NUMBERS = re.compile("[0-9#*]\u20e3|\U0001f51f|[\u2460-\u2473\u2776-\u2793]")
_EMOJI = _runs_of(_EMOJI_CHARS)
_PASS_CHARS = (
    _INVISIBLE_CHARS | _SPACE_CHARS | _DASH_CHARS | _LIST_MARK_CHARS | _RARE_CHARS | _EMOJI_CHARS
)  # ❌ is an emoji: `_SPECIAL` finds it
_SPECIAL = re.compile(_char_class(_PASS_CHARS))
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]{1,80})\]\((?:https?|tg)://[^)\s]*\)")
_URL = re.compile(r"(?:https?://|www\.|t\.me/)\S+")
_MENTION = re.compile(r"@[A-Za-z0-9_]{3,}")
_MAYBE_DATE_TIME = re.compile(r":\d|-\d{1,2}-\d|\.\d{1,2}\.\d{4}")  # cheap pre-check
_DATE_TIME = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{1,2}(?::\d{1,2})?(?:\.\d+)?Z?)?"
    r"|\b\d{1,2}\.\d{1,2}\.\d{4}\b"
    r"|(?<![\w.])T?\d{1,2}:\d{1,2}(?::\d{1,2})?(?![\d.,])(?:\s*UTC)?"
)
# A label glued to the previous token because line breaks were lost: "11.563SL: 10.2".
_LABEL_WITH_COLON = re.compile(
    r"(?:Pair|Leverage|Entry|Targets|Target|Take[- ]?Profit|Stop|SL|TP) ?:"
)
# "#TP1_14.80", "#LEV_15X": a hashtag label and its value joined by an underscore.
# Only a price or leverage value: "#Trade_45", "#Сделка_88" are the channel's numbering.
_UNDERSCORE_VALUE = re.compile(r"#([^\W_]+)_(?=\d*\.\d|\d+[xX](?![^\W\d_]))")
# An allocation between entries, "(split 50/50)", "(50/50)": no prices.
_SPLIT_SHARES = re.compile(r"\((?:split\s*)?\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{1,2})*\)")
# A space as the thousands separator: "64 500", "$ 3 480", "1 234,5", "100 000" (a first
# group of 1-2 digits, or of 3 before zeros: "150 160" stays two prices). Written to start
# with a character class (see `_runs_of`).
_SPACED_THOUSANDS = re.compile(r"\d(?<![\w.,]\d)(?:\d?(?: \d{3})+|\d\d(?: 000)+)(?![\w%])")
_MAYBE_SPACED_THOUSANDS = re.compile(r" \d{3}(?<=\d \d{3})(?![\w%])")  # a quick pre-check
# ❌ before a price is a stop label ("❌ 87.20"); elsewhere a decoration ("❌ #SOL -5%").
_CROSS_MARK_STOP = re.compile(r"❌(?=[ \t]*\$?\d[\d.,]*(?![\d.,]*\s*%))")
# A table: a header row of labels over one row of values, cells split by "|".
_CELL_SPLIT = re.compile(r"\s*\|\s*")
_PRICE_LIKE = re.compile(r"\d[.,]\d|\d{3}")
# Cyrillic х used as a leverage x: "20х", "х10". The look-behind follows the х (and
# spans it) so that each pattern starts with a character class (see `_runs_of`).
_CYRILLIC_X_AFTER = re.compile(r"[хХ](?<=\d[хХ])(?![а-яёА-ЯЁ])")
_CYRILLIC_X_BEFORE = re.compile(r"[хХ](?<!\w[хХ])(?=\d)")


def _unglue_labels(text: str) -> str:
    cuts = [
        m.start()
        for m in _LABEL_WITH_COLON.finditer(text)
        if m.start() and text[m.start() - 1].isalnum()
    ]
    if not cuts:
        return text
    parts, last = [], 0
    for cut in cuts:
        parts.append(text[last:cut])
        last = cut
    parts.append(text[last:])
    return "\n".join(parts)


def _without_spaces(match: re.Match[str]) -> str:
    return match.group().replace(" ", "")


def _untable(text: str) -> str:
    """A header row over one row of values ("PAIR | SIDE | ENTRY | TP1" / "DOGE/USDT |
    SHORT | 0.1625 | 0.1590") becomes one labelled line per column ("ENTRY: 0.1625")."""
    lines = text.split("\n")
    for n in range(len(lines) - 1):
        header, values = (
            _CELL_SPLIT.split(lines[n].strip()),
            _CELL_SPLIT.split(lines[n + 1].strip()),
        )
        if (
            len(header) >= 3
            and len(header) == len(values)
            and not any(map(_PRICE_LIKE.search, header))
            and any(map(_PRICE_LIKE.search, values))
            and (n + 2 == len(lines) or lines[n + 2].count("|") < len(header) - 1)
        ):
            labelled = [f"{label}: {value}" for label, value in zip(header, values, strict=True)]
            lines[n : n + 2] = ["\n".join(labelled), ""]
            return "\n".join(lines)
    return text


def _rewrite_characters(text: str, special: set[str]) -> str:
    """The character passes, in order, each only when `special` (the post's characters
    matched by `_SPECIAL`) holds one it acts on."""
    if not special.isdisjoint(_INVISIBLE_CHARS):
        text = _INVISIBLE.sub("", text)
    if not special.isdisjoint(_SPACE_CHARS):
        text = _SPACES.sub(" ", text)
    if not special.isdisjoint(_DASH_CHARS):
        text = _DASHES.sub("-", text)
    if not special.isdisjoint(_RARE_CHARS):
        text = text.translate(_RARE_TABLE)
    if "❌" in special:
        text = _CROSS_MARK_STOP.sub("🛑", text)
    if not special.isdisjoint(_LIST_MARK_CHARS):
        text = _LIST_NUMBERS.sub(f" {BULLET} ", text)
    if not special.isdisjoint(_EMOJI_CHARS):
        text = _EMOJI.sub(" ", text)
    return text


def normalize_text(text: str) -> str:
    """Return `text` cleaned for parsing (see the module docstring).

    `text.lower()` of the result has the same length as the result, so positions found
    in the lower-cased copy index the original.
    """
    if text.isascii():  # O(1); of the characters below only tab and CR are ASCII
        if "\t" in text or "\r" in text:
            text = _SPACES.sub(" ", text)
    else:
        special = set(_SPECIAL.findall(text))
        if special:
            text = _rewrite_characters(text, special)
    if "](" in text:
        text = _MARKDOWN_LINK.sub(r"\1", text)
    for mark in ("**", "__", "~~", "`"):
        if mark in text:
            text = text.replace(mark, "")
    if "://" in text or "www." in text or "t.me/" in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if _MAYBE_DATE_TIME.search(text):
        text = _DATE_TIME.sub(" ", text)
    if ":" in text:
        text = _unglue_labels(text)
    if "_" in text:
        text = _UNDERSCORE_VALUE.sub(r"#\1 ", text)
    if "/" in text and "(" in text:
        text = _SPLIT_SHARES.sub(" ", text)
    if _MAYBE_SPACED_THOUSANDS.search(text):
        text = _SPACED_THOUSANDS.sub(_without_spaces, text)
    if text.count("|") >= 4:
        text = _untable(text)
    if "х" in text or "Х" in text:
        text = _CYRILLIC_X_AFTER.sub("x", text)
        text = _CYRILLIC_X_BEFORE.sub("x", text)
    return text
