"""Reading numbers the way channels write them, as exact decimals.

Handles `0,5828` (comma decimal), `27,400` / `$2,201.43` (thousands separators), `.390`
(leading dot), `38K` (thousands), `10.713000000000001` (a float artefact copied from a bot),
and classifies each number as a price, a percentage (`30%`, and both ends of `5-10%`), or a
leverage (`10x`, `x20`, and both ends of `5-10x` / `20x/50x`). A number glued to letters is
not a number at all: `1INCH`, `H4`, `EMA200`, `4hr`, `5min`.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from enum import StrEnum
from typing import NamedTuple

_PRECISION = Context(prec=15)
# NumberToken(...) goes through namedtuple's Python-level __new__; in the scanner's loop
# the tuple is built directly (same object, half the cost).
_new_tuple = tuple.__new__


class NumberKind(StrEnum):
    PRICE = "price"
    PERCENT = "percent"
    LEVERAGE = "leverage"


# Enum members are slow to look up in Python 3.11 (EnumType defines __getattr__, so
# every `Kind.MEMBER` takes a slow path, ~0.15 us): code run per number or section
# uses these aliases.
_PRICE, _PERCENT, _LEVERAGE = NumberKind.PRICE, NumberKind.PERCENT, NumberKind.LEVERAGE


class NumberToken(NamedTuple):
    """One number found in a piece of text; `start`/`end` index that text."""

    value: Decimal
    kind: NumberKind
    start: int
    end: int
    thousands: bool = False  # written with a K suffix ("38K")


# Scanned in the lower-cased text; what stands before a number is checked in Python
# (a regex look-behind here would cost a check at every position of the post).
# The first character is matched before the alternatives (which then check it with a
# look-behind) so that the pattern starts with a character class: the regex engine then
# skips to digits and dots instead of trying a match at every position.
_NUMBER = (
    r"[\d.](?:{groups}(?<=\d)\d*(?:[.,]\d+)?|(?<=\.)\d+)"
    r"(?: ?([kкx%])(?![^\W\d_]))?"  # к: the Cyrillic thousands ("68.2к")
    r"(?![^\W_]|\.\d)"
)
# Default: "27,400" and "$2,201.43" are thousands; "0,5828" and "202,6" are decimals.
_NUMBER_THOUSANDS = re.compile(
    _NUMBER.format(groups=r"(?<=[1-9])\d{0,2}(?:,\d{3})+(?:\.\d+)?(?!\d)|")
)
# In a post that writes comma decimals elsewhere, "1,118" is 1.118 too.
_NUMBER_COMMA_DECIMAL = re.compile(_NUMBER.format(groups=r"(?<=[1-9])\d{0,2}(?:,\d{3})+\.\d+|"))
_COMMA_DIGITS = re.compile(r",(\d+)")
# "5-10%", "3-4x", "20x/50x", "3 to 5%" - but not "39265 - 20%" (a target and its share).
_RANGE_JOINER = re.compile(r"[-/]|\s+(?:to|до)\s+")
_ENUMERATOR_AFTER = re.compile(r"\s*\)")
_LIST_MARKS = " \t•*-"  # what may stand before "1." on its line: indent, bullets
_LIST_NUMBER_NEXT = " \t)."  # what may follow a list number ("" at the end is in too)
_LABEL_AFTER = re.compile(r"[ \t]+(?:вход|entry|тейк|цел|tp|target|take)")


def uses_decimal_comma(text: str) -> bool:
    """True when the post writes at least one unambiguous comma decimal ("0,5828", "202,6").

    A comma is a decimal mark when the digits after it are not a group of three, or when
    the number before it is a lone 0; thousands groups ("27,400", "1,880") say nothing.
    """
    if "," not in text:
        return False
    for m in _COMMA_DIGITS.finditer(text):
        start = m.start()
        before = start
        while before > 0 and text[before - 1].isdigit():
            before -= 1
        if before == start or (before > 0 and text[before - 1] in ",."):
            continue  # "42.20$,43.00" is a list; "1,000,000" a grouping
        following = m.end() < len(text) and text[m.end()] == ","
        if not following and (len(m.group(1)) != 3 or text[before:start] == "0"):
            return True
    return False


def to_decimal(raw: str) -> Decimal | None:
    """Exact value of a number written with a dot; float artefacts (over 15 significant
    digits, "10.713000000000001") are rounded to 15."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if len(value.as_tuple().digits) > 15:
        value = _PRECISION.create_decimal(value).normalize()
        if value.as_tuple().exponent > 0:  # type: ignore[operator]
            value = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return value


def _leverage_prefix(low: str, start: int) -> bool:
    """An x (not ending a word) right before the number: "x20", "x 16"."""
    at = start - 1
    if at >= 0 and low[at] == " ":
        at -= 1
    return at >= 0 and low[at] == "x" and (at == 0 or not low[at - 1].isalnum())


def scan_numbers(
    text: str, *, decimal_comma: bool = False, low: str | None = None
) -> list[NumberToken]:
    """All numbers in `text`, in order, each classified as price, percent or leverage.

    A number glued to a word is not one ("1INCH", "H4", "EMA200", "4hr"). List
    enumerators ("1)", "2)") are skipped; so are zeros. The ends of a range take the kind
    of the end that says what they are ("5-10%" is two percentages, "5-10x" two leverages).
    `low` is `text.lower()` when the caller has it already.
    """
    low = text.lower() if low is None else low
    pattern = _NUMBER_COMMA_DECIMAL if decimal_comma else _NUMBER_THOUSANDS
    tokens: list[NumberToken] = []
    price, percent, leverage_kind = _PRICE, _PERCENT, _LEVERAGE
    ranges = False  # a percent or leverage was seen, so a range may need its kind spread
    for m in pattern.finditer(low):
        start, end = m.span()
        kind = price
        if start:
            before = low[start - 1]
            if before.isalnum() or before in "._":
                if not _leverage_prefix(low, start):
                    continue
                kind = leverage_kind
            elif before == " " and start > 1 and low[start - 2] == "x":
                if _leverage_prefix(low, start):
                    kind = leverage_kind
        raw, suffix = m.group(0, 1)
        if suffix is None:
            if (
                kind is price
                and len(raw) <= 2
                and low[end : end + 1] in _LIST_NUMBER_NEXT  # a cheap test before the call
                and raw.isdigit()
                and _is_list_number(low, end)
            ):
                continue  # "1) 39265", "1. 0.6200" - a list number, not a price
        else:
            raw = low[start : m.start(1)].rstrip()
            kind = percent if suffix == "%" else leverage_kind if suffix == "x" else kind
        if "," in raw:
            grouped = (not decimal_comma or "." in raw) and _is_thousands_grouping(raw)
            raw = raw.replace(",", "") if grouped else raw.replace(",", ".")
        value = to_decimal(raw) if len(raw) > 16 else Decimal(raw)
        if not value:
            continue  # "62 000" - a zero is never a level
        if kind is not price:
            ranges = True
        if suffix == "k" or suffix == "к":
            tokens.append(_new_tuple(NumberToken, (value * 1000, kind, start, end, True)))
        else:
            tokens.append(_new_tuple(NumberToken, (value, kind, start, end, False)))
    if ranges and len(tokens) > 1:
        _spread_range_kinds(low, tokens)
    return tokens


def _is_list_number(low: str, end: int) -> bool:
    """A short number ending at `end` numbers a list item: "1)" anywhere; at the start of a
    line, "1." followed by a space ("1. 0.6200"; "stop 12. Targets" keeps its 12) or the
    number of the label that follows ("1 вход — 6.30")."""
    if _ENUMERATOR_AFTER.match(low, end):
        return True
    if not low.startswith((". ", ".\t"), end) and not _LABEL_AFTER.match(low, end):
        return False
    line_start = low.rfind("\n", 0, end) + 1
    return not low[line_start:end].lstrip(_LIST_MARKS).rstrip("0123456789")


def _is_thousands_grouping(raw: str) -> bool:
    head = raw.split(".")[0]
    groups = head.split(",")
    return (
        1 <= len(groups[0]) <= 3
        and not groups[0].startswith("0")
        and all(len(g) == 3 for g in groups[1:])
    )


def _spread_range_kinds(text: str, tokens: list[NumberToken]) -> None:
    """Give both ends of a range the kind one end states: "5-10%", "5X - 10X - 25X"."""
    price = _PRICE
    for i in range(len(tokens) - 2, -1, -1):
        right = tokens[i + 1]
        if right.kind is price:
            continue  # most numbers are prices: test the right end first
        left = tokens[i]
        if left.kind is not price:
            continue
        gap = text[left.end : right.start]
        if left.value <= right.value and _RANGE_JOINER.fullmatch(gap):
            tokens[i] = left._replace(kind=right.kind)


def format_price(value: Decimal) -> str:
    """A price as people write it: plain digits, no exponent, no trailing zeros."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
