"""Profit and loss of positions, as pure Decimal functions.

Conventions (one place, so nothing is counted twice):
- `realized_pnl` of a position is gross: the price difference of every closed part;
- `fees` of a position is every fee it paid (entry and exits), in the quote currency;
- net PnL = realized − fees (+ unrealised while something is held).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from services.trading.port import Market, Order

ZERO = Decimal(0)


def direction(side: str) -> int:
    """+1 for a long (profits when the price rises), −1 for a short."""
    if side not in ("long", "short"):
        raise ValueError(f"side must be long or short, not {side!r}")
    return 1 if side == "long" else -1


def leg_pnl(side: str, entry: Decimal, exit_price: Decimal, amount: Decimal) -> Decimal:
    """Gross profit of closing `amount` (base units) entered at `entry` at `exit_price`."""
    return (exit_price - entry) * amount * direction(side)


def ladder_pnl(side: str, entry: Decimal, legs: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """Gross profit of a ladder of (exit price, amount) legs: the sum of its legs."""
    return sum((leg_pnl(side, entry, price, amount) for price, amount in legs), ZERO)


def average_after_adding(average: Decimal | None, held: Decimal, price: Decimal,
                         added: Decimal) -> Decimal:
    """The average entry of a position holding `held` at `average` after `added` more is
    bought (sold, for a short) at `price`: the average of what is held, so closing
    everything at the new average realises exactly the price differences of its parts."""
    if average is None or held <= 0:
        return price
    return (average * held + price * added) / (held + added)


def unrealized_pnl(side: str, entry: Decimal | None, last: Decimal | None,
                   held: Decimal) -> Decimal:
    """What `held` would make if closed at `last` (zero when nothing is held or priced)."""
    if entry is None or last is None or held <= 0:
        return ZERO
    return leg_pnl(side, entry, last, held)


def pnl_pct(pnl: Decimal, margin: Decimal) -> Decimal | None:
    """PnL as % of the margin put up (None when there is no margin to relate it to)."""
    if margin <= 0:
        return None
    return pnl / margin * 100


def fee_in_quote(order: Order, market: Market) -> Decimal:
    """The order's fee in the quote currency (spot buys pay it in the coin bought)."""
    if order.fee_currency == market.base and order.average_price is not None:
        return order.fee * order.average_price
    return order.fee


def is_break_even_stop(side: str, stop: Decimal | None, entry: Decimal | None) -> bool:
    """A stop at or beyond the entry, on the profit side: hitting it loses nothing."""
    if stop is None or entry is None:
        return False
    return (stop - entry) * direction(side) >= 0


def held_for(opened_at: datetime | None, closed_at: datetime) -> timedelta | None:
    return closed_at - opened_at if opened_at is not None else None
