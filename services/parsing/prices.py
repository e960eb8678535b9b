"""Price logic of a signal: the side its prices show, and prices written a power of
ten off the others (a slipped decimal point: "TP 0.003510" for an entry at 0.0367)."""

from __future__ import annotations

from decimal import Decimal

from services.parsing.model import Side
from services.parsing.numbers import format_price


def infer_side(entries: list[Decimal], targets: list[Decimal], stop: Decimal | None) -> Side | None:
    """The side the prices show, or None when they show none or disagree."""
    votes: set[Side] = set()
    if entries:
        low, high = min(entries), max(entries)
        middle = (low + high) / 2
        if targets:
            if all(t > middle for t in targets):
                votes.add(Side.LONG)
            elif all(t < middle for t in targets):
                votes.add(Side.SHORT)
            else:
                return None
        if stop is not None:
            if stop < low:
                votes.add(Side.LONG)
            elif stop > high:
                votes.add(Side.SHORT)
    elif targets and stop is not None:
        if all(t > stop for t in targets):
            votes.add(Side.LONG)
        elif all(t < stop for t in targets):
            votes.add(Side.SHORT)
    return votes.pop() if len(votes) == 1 else None


def rescale_outliers(
    values: list[Decimal], reference: Decimal, what: str, notes: list[str]
) -> list[Decimal]:
    """Shift prices written a power of ten off ("TP 0.003510" for an entry at 0.0367).

    Only a price more than 5x away from the entry is touched, and only when exactly one
    power of ten brings it within 2x of the entry. The change is recorded in `notes`,
    which make the signal non-tradable until someone confirms it.
    """
    out: list[Decimal] = []
    changed: list[str] = []
    for value in values:
        ratio = value / reference
        if value <= 0 or Decimal("0.2") < ratio < 5:
            out.append(value)
            continue
        fits = [
            value.scaleb(k)
            for k in range(-8, 9)
            if k and Decimal("0.5") < value.scaleb(k) / reference < 2
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
