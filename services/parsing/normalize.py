"""Make posts from different channels look alike before anything is read from them.

Channel posts arrive with zero-width characters, non-breaking spaces, keycap and circled
digits used as list numbers, decorative emoji glued to words, Markdown residue, links,
dates, and labels whose line breaks were lost ("LONGLeverage: Cross 10xEntry: 10.7").
`normalize_text` removes or rewrites all of that in a handful of C-speed passes and keeps
what carries meaning:

- ✅ (and ✔) — "this target / entry was hit";
- 🎯 — a take-profit label or bullet; 🛑 — a stop-loss label;
- `•` — written for every list number (keycaps 1️⃣, circled ➊ ①), which would otherwise be
  read as prices ("1️⃣1.0752️⃣1.095" must give 1.075 and 1.095).

Numbers themselves (comma decimals, thousands separators, `38K`) are read in `numbers.py`.
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


def _char_class(ranges: tuple[tuple[int, int], ...], keep: frozenset[str]) -> str:
    """A regex character class of `ranges` without the code points in `keep`."""
    parts: list[str] = []
    kept = sorted(ord(c) for c in keep)
    for low, high in ranges:
        start = low
        for k in kept:
            if start <= k <= high:
                if start < k:
                    parts.append(f"{re.escape(chr(start))}-{re.escape(chr(k - 1))}")
                start = k + 1
        if start <= high:
            parts.append(
                re.escape(chr(start))
                if start == high
                else f"{re.escape(chr(start))}-{re.escape(chr(high))}"
            )
    return "[" + "".join(parts) + "]"


_TRANSLATE: dict[int, str | None] = {}
for _ch in "\u200b\u200c\u200d\u2060\ufeff\ufe0f\ufe0e\u00ad\u200e\u200f":
    _TRANSLATE[ord(_ch)] = None  # zero-width characters and emoji variation selectors
for _ch in "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\r":
    _TRANSLATE[ord(_ch)] = " "
for _ch in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d":
    _TRANSLATE[ord(_ch)] = "-"
for _code in [*range(0x2460, 0x2474), *range(0x2776, 0x2794)]:
    _TRANSLATE[_code] = f" {BULLET} "  # ① ❶ ➀ ➊ ...: list numbers, never prices
_TRANSLATE[ord("×")] = "x"
_TRANSLATE[ord("✔")] = HIT_MARK
_TRANSLATE[ord("\u2018")] = "'"
_TRANSLATE[ord("\u2019")] = "'"
_TRANSLATE[ord("\uff1a")] = ":"
_TRANSLATE[ord("\u00b7")] = " "

_KEYCAP = re.compile("[0-9#*]\u20e3|\U0001f51f")
_EMOJI = re.compile(_char_class(_EMOJI_RANGES, _KEEP_EMOJI) + "+")
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]{1,80})\]\((?:https?|tg)://[^)\s]*\)")
_MARKDOWN = re.compile(r"\*\*|__|`+|~~")
_URL = re.compile(r"(?:https?://|www\.)\S+|\bt\.me/\S+", re.IGNORECASE)
_MENTION = re.compile(r"@[A-Za-z0-9_]{3,}")
_DATE_TIME = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{1,2}(?::\d{1,2})?(?:\.\d+)?Z?)?"
    r"|\b\d{1,2}\.\d{1,2}\.\d{4}\b"
    r"|(?<![\w.])T?\d{1,2}:\d{1,2}(?::\d{1,2})?(?![\d.,])(?:\s*UTC)?"
)
# A label glued to the previous token because line breaks were lost: "11.563SL: 10.2".
_GLUED_LABEL = re.compile(
    r"(?<=[A-Za-z0-9])(?=(?:Pair|Leverage|Entry|Targets|Target|Take[- ]?Profit|Stop|SL|TP)"
    r" ?:)"
)
_CYRILLIC_X_AFTER = re.compile(r"(?<=\d)[хХ](?![а-яёА-ЯЁ])")
_CYRILLIC_X_BEFORE = re.compile(r"(?<![\w])[хХ](?=\d)")


def normalize_text(text: str) -> str:
    """Return `text` cleaned for parsing (see the module docstring)."""
    text = text.translate(_TRANSLATE)
    if "\u20e3" in text or "\U0001f51f" in text:
        text = _KEYCAP.sub(f" {BULLET} ", text)
    text = _EMOJI.sub(" ", text)
    if "](" in text:
        text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _MARKDOWN.sub("", text)
    text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if ":" in text or "-" in text or "." in text:
        text = _DATE_TIME.sub(" ", text)
    if ":" in text:
        text = _GLUED_LABEL.sub("\n", text)
    if "х" in text or "Х" in text:
        text = _CYRILLIC_X_AFTER.sub("x", text)
        text = _CYRILLIC_X_BEFORE.sub("x", text)
    return text
