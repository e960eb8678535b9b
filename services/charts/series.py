"""Pure number and label helpers behind the charts (no matplotlib here, tested directly)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def drawdown(equity: Sequence[Decimal]) -> list[Decimal]:
    """Drawdown from the running peak at each point, as a fraction ≤ 0 (−0.1 is 10 % down).

    A peak of zero or less has no meaningful percentage, so the drawdown is 0 there.
    """
    result: list[Decimal] = []
    peak: Decimal | None = None
    for value in equity:
        peak = value if peak is None or value > peak else peak
        result.append((value - peak) / peak if peak > 0 else Decimal(0))
    return result


def running_peak(equity: Sequence[Decimal]) -> list[Decimal]:
    """The highest equity seen so far at each point."""
    result: list[Decimal] = []
    for value in equity:
        result.append(value if not result or value > result[-1] else result[-1])
    return result


def money(value: Decimal, places: int = 2, *, signed: bool = False) -> str:
    """`1234.5` → "1,234.50"; signed: "+1,234.50" / "−12.00" (a true minus sign)."""
    rounded = abs(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(rounded, f",.{places}f")
    if value < 0:
        return "−" + text
    return ("+" + text) if signed and value > 0 else text


def percent(fraction: Decimal, *, signed: bool = False) -> str:
    """`Decimal("-0.0512")` → "−5.1%"."""
    return money(fraction * 100, 1, signed=signed) + "%"


def price_text(price: Decimal) -> str:
    """A price as the exchange wrote it, without exponent or trailing zeros: 0.00001230 →
    "0.0000123", 1E+2 → "100"."""
    text = format(price.normalize(), "f")
    return text


def decimals_for(span: float) -> int:
    """Decimals an axis needs to tell ticks apart over `span` (≈ two significant digits of
    the step, which may be 2.5 × 10ⁿ): 5,000 → 0, 12 → 1, 0.004 → 5."""
    if not math.isfinite(span) or span <= 0:
        return 2
    return max(0, min(10, 1 - math.floor(math.log10(span)) + 1))


def day_label(day: date, months: Sequence[str] = MONTHS) -> str:
    """`date(2024, 3, 2)` → "2 Mar"."""
    return f"{day.day} {months[day.month - 1]}"


def local_label(at: datetime, tz: tzinfo, span: timedelta,
                months: Sequence[str] = MONTHS) -> str:
    """A time-axis tick in the owner's time zone, as precise as the visible span needs.

    Up to 3 days: "07:30" (and "2 Mar" at local midnight); up to ~4 months: "2 Mar";
    longer: "Mar 2024". Naive times are taken as UTC.
    """
    local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz)
    if span <= timedelta(days=3):
        if (local.hour, local.minute) == (0, 0):
            return day_label(local.date(), months)
        return local.strftime("%H:%M")
    if span <= timedelta(days=120):
        return day_label(local.date(), months)
    return f"{months[local.month - 1]} {local.year}"


def spread(positions: Sequence[float], gap: float) -> list[float]:
    """Move label positions apart so neighbours are at least `gap` apart, keeping their
    order and each crowded group centred where its levels are (levels close in price
    would otherwise print their tags on top of each other)."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    groups: list[list[float]] = []  # the wanted positions of labels stacked together
    starts: list[float] = []
    for index in order:
        groups.append([positions[index]])
        starts.append(positions[index])
        while len(groups) > 1 and starts[-2] + len(groups[-2]) * gap > starts[-1]:
            merged = groups[-2] + groups.pop()
            starts.pop()
            groups[-1] = merged
            starts[-1] = sum(merged) / len(merged) - (len(merged) - 1) * gap / 2
    result = [0.0] * len(positions)
    slot = 0
    for group, first in zip(groups, starts, strict=True):
        for k in range(len(group)):
            result[order[slot]] = first + k * gap
            slot += 1
    return result
