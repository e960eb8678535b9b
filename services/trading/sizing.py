"""How big a position is: fixed margin, % of equity, or % of equity risked to the stop.

Pure Decimal arithmetic. Rounding to the market's lot step happens later, once, in
`services.trading.precision`; this module answers "how much would the trader put in".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

HUNDRED = Decimal(100)


class SizeMode(StrEnum):
    QUOTE = "quote"  # a fixed margin in the quote currency per trade (e.g. 50 USDT)
    EQUITY_PCT = "equity_pct"  # margin = this % of equity
    RISK_PCT = "risk_pct"  # lose this % of equity if the stop is hit


@dataclass(frozen=True)
class SizeRule:
    mode: SizeMode
    value: Decimal

    def __post_init__(self) -> None:
        if self.value <= 0:
            raise ValueError("a position size must be positive")
        if self.mode is not SizeMode.QUOTE and self.value > HUNDRED:
            raise ValueError("a percentage size must be at most 100")


@dataclass(frozen=True)
class PositionSize:
    """The computed size, before rounding to the market."""

    leverage: int
    margin: Decimal  # quote the trader commits
    notional: Decimal  # margin × leverage
    amount: Decimal  # base units at the entry price
    risk: Decimal | None  # quote lost if the stop is hit (None without a stop)
    risk_pct: Decimal | None  # that loss as % of equity


class SizingError(ValueError):
    """The position cannot be sized; the message is the skip reason shown to the trader."""


def capped_leverage(wanted: int | None, *caps: int | None, spot: bool = False) -> int:
    """The signal's leverage (1 when unstated), lowered to every cap that is set."""
    if spot:
        return 1
    leverage = wanted or 1
    for cap in caps:
        if cap is not None:
            leverage = min(leverage, cap)
    return max(leverage, 1)


def size_position(rule: SizeRule, *, equity: Decimal, entry: Decimal, stop: Decimal | None,
                  leverage: int) -> PositionSize:
    """Size one position. Raises SizingError with a trader-readable reason."""
    if entry <= 0:
        raise SizingError("the entry price is not positive")
    if equity <= 0:
        raise SizingError("equity is zero: nothing to trade with")
    stop_distance = abs(entry - stop) / entry if stop is not None else None
    if rule.mode is SizeMode.QUOTE:
        margin = rule.value
    elif rule.mode is SizeMode.EQUITY_PCT:
        margin = equity * rule.value / HUNDRED
    else:
        if stop_distance is None or stop_distance == 0:
            raise SizingError("sizing by risk needs a stop loss away from the entry")
        risk_budget = equity * rule.value / HUNDRED
        margin = risk_budget / stop_distance / leverage
    if margin > equity:
        raise SizingError(f"the position needs {margin:.2f} of margin but equity is "
                          f"{equity:.2f}")
    notional = margin * leverage
    risk = notional * stop_distance if stop_distance is not None else None
    return PositionSize(
        leverage=leverage, margin=margin, notional=notional, amount=notional / entry,
        risk=risk, risk_pct=risk / equity * HUNDRED if risk is not None else None)


def scaled(size: PositionSize, factor: Decimal, equity: Decimal, entry: Decimal) -> PositionSize:
    """The same position × factor (the approval card's ×½ / ×2 buttons)."""
    margin = size.margin * factor
    if margin > equity:
        raise SizingError(f"the position needs {margin:.2f} of margin but equity is "
                          f"{equity:.2f}")
    notional = margin * size.leverage
    risk = size.risk * factor if size.risk is not None else None
    return PositionSize(size.leverage, margin, notional, notional / entry, risk,
                        risk / equity * HUNDRED if risk is not None else None)
