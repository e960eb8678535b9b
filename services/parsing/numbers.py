"""Reading numbers the way channels write them, as exact decimals.

Handles `0,5828` (comma decimal), `27,400` / `$2,201.43` (thousands separators), `.390`
(leading dot), `38K` (thousands), `10.713000000000001` (a float artefact copied from a bot),
and classifies each number as a price, a percentage (`30%`, and both ends of `5-10%`), or a
leverage (`10x`, `x20`, and both ends of `5-10x` / `20x/50x`). A number glued to letters is
not a number at all: `1INCH`, `H4`, `EMA200`, `4hr`, `5min`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from enum import StrEnum

_PRECISION = Context(prec=15)


class NumberKind(StrEnum):
    PRICE = "price"
    PERCENT = "percent"
    LEVERAGE = "leverage"


@dataclass(frozen=True, slots=True)
class NumberToken:
    """One number found in a piece of text; `start`/`end` index that text."""

    value: Decimal
    kind: NumberKind
    start: int
    end: int
    thousands: bool = False  # written with a K suffix ("38K")


_NUMBER = (
    r"(?<![\w.])"
    r"(?P<xpre>[xX] ?(?=\d))?"
    r"\$?"
    r"(?P<num>{groups}\d+(?:[.,]\d+)?|\.\d+)"
    r"(?P<suffix> ?[kK](?![^\W\d_])| ?[xX](?![^\W\d_])| ?%)?"
    r"(?![^\W_]|\.\d)"
)
# Default: "27,400" and "$2,201.43" are thousands; "0,5828" and "202,6" are decimals.
_NUMBER_THOUSANDS = re.compile(_NUMBER.format(groups=r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?!\d)|"))
# In a post that writes comma decimals elsewhere, "1,118" is 1.118 too.
_NUMBER_COMMA_DECIMAL = re.compile(
    _NUMBER.format(groups=r"[1-9]\d{0,2}(?:,\d{3})+\.\d+|")
)
_COMMA_DECIMAL_HINT = re.compile(r"(?<![\d,.])\d+,(?:\d{1,2}|\d{4,})(?![\d,])|(?<![\d,.])0,\d")
# "5-10%", "3-4x", "20x/50x", "3 to 5%" - but not "39265 - 20%" (a target and its share).
_RANGE_JOINER = re.compile(r"[-/]|\s+(?:to|до)\s+", re.IGNORECASE)
_ENUMERATOR_AFTER = re.compile(r"\s*\)")


def uses_decimal_comma(text: str) -> bool:
    """True when the post writes at least one unambiguous comma decimal ("0,5828", "202,6")."""
    return "," in text and _COMMA_DECIMAL_HINT.search(text) is not None


def to_decimal(raw: str, *, thousands_separator: bool) -> Decimal | None:
    """Exact value of a written number; float artefacts (over 15 digits) are rounded."""
    raw = raw.replace(",", "") if thousands_separator else raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if len(value.as_tuple().digits) > 15:
        value = _PRECISION.create_decimal(value)
        value = value.normalize()
        if value.as_tuple().exponent > 0:  # type: ignore[operator]
            value = value.quantize(Decimal(1))
    return value


def scan_numbers(text: str, *, decimal_comma: bool = False) -> list[NumberToken]:
    """All numbers in `text`, in order, each classified as price, percent or leverage.

    List enumerators ("1)", "2)") are skipped; so are the ends of ranges whose other end
    says what they are ("5-10%" is two percentages, "5-10x" two leverages).
    """
    pattern = _NUMBER_COMMA_DECIMAL if decimal_comma else _NUMBER_THOUSANDS
    tokens: list[NumberToken] = []
    for m in pattern.finditer(text):
        raw = m.group("num")
        suffix = (m.group("suffix") or "").strip().lower()
        if not suffix and not m.group("xpre") and raw.isdigit() and len(raw) <= 2:
            if _ENUMERATOR_AFTER.match(text, m.end()):
                continue  # "1) 39265" - a list number, not a price
        thousands_sep = "," in raw and (
            not decimal_comma or "." in raw
        ) and _is_thousands_grouping(raw)
        value = to_decimal(raw, thousands_separator=thousands_sep)
        if value is None:
            continue
        if suffix == "%":
            kind = NumberKind.PERCENT
        elif suffix == "x" or m.group("xpre"):
            kind = NumberKind.LEVERAGE
        else:
            kind = NumberKind.PRICE
        k = suffix == "k"
        if k:
            value *= 1000
        tokens.append(NumberToken(value, kind, m.start(), m.end(), thousands=k))
    _spread_range_kinds(text, tokens)
    return tokens


def _is_thousands_grouping(raw: str) -> bool:
    head = raw.split(".")[0]
    groups = head.split(",")
    return (
        1 <= len(groups[0]) <= 3
        and not groups[0].startswith("0")
        and all(len(g) == 3 for g in groups[1:])
    )


def _spread_range_kinds(text: str, tokens: list[NumberToken]) -> None:
    """"5-10%": the 5 is a percentage too; "5X - 10X - 25X": all leverages."""
    for i in range(len(tokens) - 2, -1, -1):
        left, right = tokens[i], tokens[i + 1]
        if left.kind is not NumberKind.PRICE or right.kind is NumberKind.PRICE:
            continue
        gap = text[left.end : right.start]
        if left.value <= right.value and _RANGE_JOINER.fullmatch(gap):
            tokens[i] = NumberToken(left.value, right.kind, left.start, left.end, left.thousands)


def prices(tokens: list[NumberToken]) -> list[Decimal]:
    """The values of the price tokens."""
    return [t.value for t in tokens if t.kind is NumberKind.PRICE]
