"""Price logic of a signal: the side its prices show, and prices written a power of
ten off the others (a slipped decimal point: "TP 0.003510" for an entry at 0.0367)."""

from __future__ import annotations

from decimal import Decimal

from services.parsing.model import Side
from services.parsing.numbers import format_price

_FIFTH = Decimal("0.2")
_HALF = Decimal("0.5")
# Bounds a little inside (0.2, 5): a price between `reference * _SAFE_LOW` and
# `reference * _SAFE_HIGH` is surely not an outlier, whatever the rounding of the ratio.
_SAFE_LOW = Decimal("0.21")
_SAFE_HIGH = Decimal("4.9")


def infer_side(entries: list[Decimal], targets: list[Decimal], stop: Decimal | None) -> Side | None:
    """The side the prices show, or None when they show none or disagree."""
    # "all targets above x" is "the lowest target above x" (min/max run in C).
    long = short = False
    if entries:
        low, high = min(entries), max(entries)
        middle = (low + high) / 2
        if targets:
            if min(targets) > middle:
                long = True
            elif max(targets) < middle:
                short = True
            else:
                return None
        if stop is not None:
            if stop < low:
                long = True
            elif stop > high:
                short = True
    elif targets and stop is not None:
        if min(targets) > stop:
            long = True
        elif max(targets) < stop:
            short = True
    if long is short:
        return None  # no vote, or votes for both sides
    return Side.LONG if long else Side.SHORT


def rescale_outliers(
    values: list[Decimal], reference: Decimal, what: str, notes: list[str]
) -> list[Decimal]:
    """Shift prices written a power of ten off ("TP 0.003510" for an entry at 0.0367).

    Only a price more than 5x away from the entry is touched, and only when exactly one
    power of ten brings it within 2x of the entry. The change is recorded in `notes`,
    which make the signal non-tradable until someone confirms it.
    """
    if values and reference * _SAFE_LOW < min(values) and max(values) < reference * _SAFE_HIGH:
        return list(values)  # the usual case, settled by two comparisons run in C
    out: list[Decimal] = []
    changed: list[str] = []
    for value in values:
        ratio = value / reference
        if value <= 0 or _FIFTH < ratio < 5:
            out.append(value)
            continue
        fits = [
            value.scaleb(k) for k in range(-8, 9) if k and _HALF < value.scaleb(k) / reference < 2
        ]
        if len(fits) == 1:
            out.append(fits[0])
            changed.append(f"{format_price(value)} -> {format_price(fits[0])}")
        else:
            out.append(value)
    if changed:
        notes.append(
            f"{what} look written a power of ten off the entry; read as " + ", ".join(changed)
        )
    return out
