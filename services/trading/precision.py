"""Rounding to a market's rules: the ONE place amounts and prices meet tick and lot sizes.

Pure Decimal functions. Every order the engine builds passes through `round_amount` and
`round_price` and then `check_order`, so an order that cannot be placed is skipped with a
reason the trader can read instead of being rejected by the exchange.

Amounts are in base units (for futures: contracts × contract size, as `Market.amount_step`
is). Amounts always round *down* to the lot step: an order is never bigger than sized.

Prices round to the tick in the direction that keeps the trade at least as safe as asked
(`side` is the side of the order being priced, e.g. SELL for a long's stop and targets):

| intent | buy order | sell order | why |
| --- | --- | --- | --- |
| ENTRY  | down | up   | never pay more (or sell for less) than the signal's limit |
| STOP   | down | up   | the stop moves towards the price: the risk never exceeds the plan |
| TARGET | up   | down | the target moves towards the price: it is reached when the signal's is |
| NEAREST | nearest | nearest | display or anything without a safer side |
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from services.trading.port import Market, OrderSide

ZERO = Decimal(0)


class PriceIntent(StrEnum):
    ENTRY = "entry"
    STOP = "stop"
    TARGET = "target"
    NEAREST = "nearest"


# (intent, side) → Decimal rounding mode, as in the module docstring's table.
_PRICE_ROUNDING: dict[tuple[PriceIntent, OrderSide], str] = {
    (PriceIntent.ENTRY, OrderSide.BUY): ROUND_FLOOR,
    (PriceIntent.ENTRY, OrderSide.SELL): ROUND_CEILING,
    (PriceIntent.STOP, OrderSide.BUY): ROUND_FLOOR,
    (PriceIntent.STOP, OrderSide.SELL): ROUND_CEILING,
    (PriceIntent.TARGET, OrderSide.BUY): ROUND_CEILING,
    (PriceIntent.TARGET, OrderSide.SELL): ROUND_FLOOR,
    (PriceIntent.NEAREST, OrderSide.BUY): ROUND_HALF_UP,
    (PriceIntent.NEAREST, OrderSide.SELL): ROUND_HALF_UP,
}


def to_step(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    """`value` as a whole number of `step`s, rounded with a Decimal rounding mode.

    The result carries the step's exponent ("0.10" → two decimals), so it prints as the
    exchange expects. A step of zero or less means "no fixed step": the value is kept.
    """
    if step <= ZERO:
        return value
    units = (value / step).to_integral_value(rounding=rounding)
    return units * step


def round_amount(market: Market, amount: Decimal) -> Decimal:
    """`amount` rounded down to the market's lot step (never negative)."""
    if amount <= ZERO:
        return ZERO
    return to_step(amount, market.amount_step, ROUND_FLOOR)


def round_price(market: Market, price: Decimal, side: OrderSide,
                intent: PriceIntent = PriceIntent.ENTRY) -> Decimal:
    """`price` on the market's tick, rounded in the safe direction for `intent` and `side`.

    A positive price never rounds to zero: the smallest result is one tick.
    """
    if price <= ZERO:
        raise ValueError(f"price must be positive, got {price}")
    rounded = to_step(price, market.price_step, _PRICE_ROUNDING[(intent, side)])
    return rounded if rounded > ZERO else market.price_step


def min_order_amount(market: Market, price: Decimal) -> Decimal:
    """The smallest amount on the lot step that meets both minimums at `price`."""
    needed = market.min_amount
    if market.min_notional > ZERO and price > ZERO:
        needed = max(needed, market.min_notional / price)
    return to_step(needed, market.amount_step, ROUND_CEILING)


def check_order(market: Market, amount: Decimal, price: Decimal) -> str | None:
    """Why the exchange would refuse this order, in the trader's words; None when it fits.

    `amount` and `price` should already be rounded (`round_amount` / `round_price`); for a
    market order pass the current price. Checks: positive, on the lot step and tick, at
    least the minimum amount, at least the minimum order value (notional).
    """
    base, quote = market.base, market.quote
    if amount <= ZERO:
        return (f"order amount rounds to zero at the market's lot size of "
                f"{plain(market.amount_step)} {base}")
    if price <= ZERO:
        return "order price must be above zero"
    if market.amount_step > ZERO and amount % market.amount_step != ZERO:
        return (f"order amount {plain(amount)} {base} is not a multiple of the market's lot "
                f"size of {plain(market.amount_step)} {base}")
    if market.price_step > ZERO and price % market.price_step != ZERO:
        return (f"order price {plain(price)} {quote} is not a multiple of the market's tick "
                f"size of {plain(market.price_step)} {quote}")
    if amount < market.min_amount:
        return (f"order of {plain(amount)} {base} is below the market's minimum of "
                f"{plain(market.min_amount)} {base}")
    notional = amount * price
    if notional < market.min_notional:
        return (f"order of {money(notional)} {quote} is below the market's minimum of "
                f"{plain(market.min_notional)} {quote}")
    return None


def plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 5, 0.001, 95000.5."""
    return f"{value.normalize():f}"


def money(value: Decimal) -> str:
    """An amount of quote currency for a message: two decimals, cut (never rounded up, so
    an order just below a minimum never prints as the minimum itself)."""
    if abs(value) >= Decimal("0.01") or value == ZERO:
        return f"{value.quantize(Decimal('0.01'), rounding=ROUND_DOWN):f}"
    return plain(value)
