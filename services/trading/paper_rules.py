"""Pure rules of the paper exchange: what an exchange refuses, when a resting order fills,
at which price, and with which fee rate. No state, no I/O; every function is Decimal in,
Decimal (or a readable refusal) out.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import NamedTuple

from services.trading.port import (
    Market,
    MarketKind,
    OrderRejected,
    OrderRequest,
    OrderSide,
    OrderType,
)

# Binance's rule for client order ids, the strictest common one (SPEC "Exchange details").
CLIENT_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
BPS = Decimal(10000)
TRIGGER_TYPES = (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)


class FeeRates(NamedTuple):
    """Fee rates as fractions of the notional (0.001 = 0.1 %)."""

    taker: Decimal
    maker: Decimal


def show(value: Decimal, places: int = 8) -> str:
    """A number as a trader reads it: at most `places` decimals, no trailing zeros."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def validate_request(request: OrderRequest, market: Market, last: Decimal) -> None:
    """Refuse, with the exchange's reason, an order that breaks the market's filters.

    `last` is the current price; it values market orders and tells whether a trigger
    would fire at once (Binance -2021 "Order would immediately trigger").
    """
    if not CLIENT_ID.match(request.client_id):
        raise OrderRejected(f"client order id {request.client_id!r} must be 1-36 characters "
                            "of letters, digits and .:/_-")
    if request.amount <= 0:
        raise OrderRejected(f"amount must be positive, got {show(request.amount)}")
    if request.amount % market.amount_step:
        raise OrderRejected(f"amount {show(request.amount)} {market.base} is not a multiple of "
                            f"the lot size {show(market.amount_step)}")
    if request.amount < market.min_amount:
        raise OrderRejected(f"amount {show(request.amount)} {market.base} is below the minimum "
                            f"{show(market.min_amount)} {market.base}")
    reference = _reference_price(request, market, last)
    # Futures exempt reduce-only orders from the minimum notional (Binance -4164 says so).
    if not (request.reduce_only and market.kind == MarketKind.FUTURES):
        notional = request.amount * reference * market.contract_size
        if notional < market.min_notional:
            raise OrderRejected(f"order value {show(notional, 2)} {market.quote} is below the "
                                f"minimum {show(market.min_notional)} {market.quote}")
    if request.type in TRIGGER_TYPES:
        assert request.trigger_price is not None
        if is_triggered(request.type, request.side, request.trigger_price, last):
            raise OrderRejected(
                f"{request.type.value} {request.side.value} would trigger immediately: "
                f"trigger {show(request.trigger_price)}, price {show(last)}")


def _reference_price(request: OrderRequest, market: Market, last: Decimal) -> Decimal:
    if request.type is OrderType.MARKET:
        return last
    if request.type is OrderType.LIMIT:
        return _checked_price(request.price, "limit orders need a price", "price", market)
    return _checked_price(request.trigger_price, f"{request.type.value} orders need a trigger "
                          "price", "trigger price", market)


def _checked_price(price: Decimal | None, missing: str, name: str, market: Market) -> Decimal:
    if price is None:
        raise OrderRejected(missing)
    if price <= 0:
        raise OrderRejected(f"{name} must be positive, got {show(price)}")
    if price % market.price_step:
        raise OrderRejected(f"{name} {show(price)} is not a multiple of the tick size "
                            f"{show(market.price_step)}")
    return price


def is_triggered(order_type: OrderType, side: OrderSide, trigger: Decimal,
                 last: Decimal) -> bool:
    """A stop buys when the price rises to it and sells when it falls to it; a take-profit
    the other way round."""
    rising = (order_type is OrderType.STOP_MARKET) == (side is OrderSide.BUY)
    return last >= trigger if rising else last <= trigger


def limit_crossed(side: OrderSide, limit: Decimal, last: Decimal) -> bool:
    """A resting limit fills once the price trades through it: buy at or below, sell at or
    above."""
    return last <= limit if side is OrderSide.BUY else last >= limit


def taker_price(side: OrderSide, last: Decimal, slippage_bps: Decimal, tick: Decimal,
                limit: Decimal | None = None) -> Decimal:
    """The price a taker gets: `last` moved against it by the slippage, on the tick grid
    (rounded against the taker), never worse than its limit."""
    if side is OrderSide.BUY:
        price = _to_tick(last * (1 + slippage_bps / BPS), tick, ROUND_CEILING)
        return min(price, limit) if limit is not None else price
    price = _to_tick(last * (1 - slippage_bps / BPS), tick, ROUND_FLOOR)
    return max(price, limit) if limit is not None else price


def _to_tick(price: Decimal, tick: Decimal, rounding: str) -> Decimal:
    steps = (price / tick).to_integral_value(rounding=rounding)
    return (steps * tick).normalize() if steps else tick


def fee_rates(market: Market, override: FeeRates | None) -> FeeRates:
    return override if override is not None else FeeRates(market.taker_fee, market.maker_fee)
