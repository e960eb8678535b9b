"""ccxt's unified structures (dicts of floats) → the port's dataclasses (Decimal, UTC).

Every number goes through `Decimal(str(x))`: ccxt parses exchange strings into floats whose
shortest repr is the exchange's text again, so no float arithmetic ever touches money.
Amounts are converted from ccxt's contracts to base units with the market's contract size.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ccxt.base.decimal_to_precision import DECIMAL_PLACES, SIGNIFICANT_DIGITS, TICK_SIZE

from services.trading.port import (
    Balance,
    Candle,
    ExchangePosition,
    Fill,
    Market,
    MarketKind,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    Ticker,
)

ONE = Decimal(1)
ZERO = Decimal(0)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Where a market says nothing (or counts significant digits, which no fixed step can
# express), the finest step any exchange uses; the ccxt client applies its own rule on send.
FINEST_STEP = Decimal("1e-8")
DEFAULT_FEE = Decimal("0.001")  # the port's default, for markets that publish no fees
_BALANCE_META = {"info", "timestamp", "datetime", "free", "used", "total", "debt"}


class IncompleteOrder(ValueError):
    """ccxt returned too little of an order (e.g. a cancel acknowledgement) to describe it."""


def dec(value: Any) -> Decimal | None:
    """A Decimal from a ccxt number or numeric string; None for None / '' / garbage."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _or(value: Decimal | None, default: Decimal) -> Decimal:
    return default if value is None else value


def utc_from_ms(ms: Any) -> datetime | None:
    """An aware UTC datetime from epoch milliseconds (exact, no float seconds)."""
    if ms is None:
        return None
    return EPOCH + timedelta(milliseconds=int(ms))


def precision_step(value: Any, precision_mode: int) -> Decimal | None:
    """A ccxt precision entry as a step: TICK_SIZE gives the step itself, DECIMAL_PLACES a
    count of decimals (2 → 0.01); SIGNIFICANT_DIGITS has no fixed step (None)."""
    number = dec(value)
    if number is None:
        return None
    if precision_mode == TICK_SIZE:
        return number.normalize() if number > ZERO else None
    if precision_mode == DECIMAL_PLACES:
        return ONE.scaleb(-int(number))
    if precision_mode == SIGNIFICANT_DIGITS:
        return None
    return None


def market_kind(raw: dict[str, Any]) -> MarketKind | None:
    if raw.get("spot"):
        return MarketKind.SPOT
    if raw.get("swap") and raw.get("linear"):
        return MarketKind.FUTURES
    return None


def market_from_ccxt(raw: dict[str, Any], precision_mode: int, *,
                     stop_orders: bool) -> Market | None:
    """A ccxt market as the port's Market; None for kinds the engine does not trade."""
    kind = market_kind(raw)
    if kind is None:
        return None
    precision = raw.get("precision") or {}
    limits = raw.get("limits") or {}
    contract_size = dec(raw.get("contractSize")) if kind is MarketKind.FUTURES else None
    contract_size = contract_size if contract_size and contract_size > ZERO else ONE
    # ccxt counts futures amounts in contracts; the port counts base units.
    amount_mode = DECIMAL_PLACES if precision_mode == SIGNIFICANT_DIGITS else precision_mode
    amount_step = (precision_step(precision.get("amount"), amount_mode) or FINEST_STEP)
    amount_step *= contract_size
    price_step = precision_step(precision.get("price"), precision_mode) or FINEST_STEP
    min_amount = dec((limits.get("amount") or {}).get("min"))
    min_amount = min_amount * contract_size if min_amount else amount_step
    min_notional = dec((limits.get("cost") or {}).get("min")) or ZERO
    max_leverage = dec((limits.get("leverage") or {}).get("max"))
    return Market(
        symbol=raw["symbol"], base=raw["base"], quote=raw["quote"], kind=kind,
        price_step=price_step, amount_step=amount_step.normalize(),
        min_amount=min_amount.normalize(), min_notional=min_notional,
        contract_size=contract_size,
        max_leverage=int(max_leverage) if max_leverage else None,
        taker_fee=_or(dec(raw.get("taker")), DEFAULT_FEE),
        maker_fee=_or(dec(raw.get("maker")), DEFAULT_FEE),
        supports_stop_orders=stop_orders and kind is MarketKind.FUTURES,
    )


def ticker_from_ccxt(raw: dict[str, Any], now: datetime) -> Ticker | None:
    """None when the exchange gave no usable price."""
    bid, ask = dec(raw.get("bid")), dec(raw.get("ask"))
    last = dec(raw.get("last")) or dec(raw.get("close"))
    if last is None and bid is not None and ask is not None:
        last = (bid + ask) / 2
    if last is None:
        return None
    return Ticker(symbol=raw["symbol"], last=last, bid=bid, ask=ask,
                  at=utc_from_ms(raw.get("timestamp")) or now)


def last_price_ticker(raw: dict[str, Any], now: datetime) -> Ticker | None:
    """A ccxt last-price entry (symbol, price, timestamp) as a Ticker without bid / ask."""
    last = dec(raw.get("price"))
    if last is None:
        return None
    return Ticker(symbol=raw["symbol"], last=last, bid=None, ask=None,
                  at=utc_from_ms(raw.get("timestamp")) or now)


def candle_from_ccxt(row: list[Any]) -> Candle:
    at = utc_from_ms(row[0])
    assert at is not None
    o, h, low, c, v = (dec(x) or ZERO for x in row[1:6])
    return Candle(at=at, open=o, high=h, low=low, close=c, volume=v)


def order_type(raw: dict[str, Any]) -> OrderType:
    """The port's type: a take-profit or stop trigger first, then limit / market."""
    info = raw.get("info") or {}
    native = str(info.get("orderType") or info.get("origType") or info.get("type") or "").upper()
    if dec(raw.get("takeProfitPrice")) or "TAKE_PROFIT" in native:
        return OrderType.TAKE_PROFIT_MARKET
    if dec(raw.get("stopLossPrice")) or dec(raw.get("triggerPrice")) or "STOP" in native:
        return OrderType.STOP_MARKET
    return OrderType.LIMIT if raw.get("type") == "limit" else OrderType.MARKET


def order_status(ccxt_status: str | None, filled: Decimal, amount: Decimal) -> OrderStatus:
    if ccxt_status == "open":
        return OrderStatus.PARTIALLY_FILLED if filled > ZERO else OrderStatus.OPEN
    if ccxt_status == "closed":
        # Closed with nothing filled: a trigger order whose child never executed.
        return OrderStatus.FILLED if filled > ZERO or amount == ZERO else OrderStatus.EXPIRED
    if ccxt_status in ("canceled", "cancelled", "canceling"):
        return OrderStatus.CANCELED
    if ccxt_status == "rejected":
        return OrderStatus.REJECTED
    if ccxt_status == "expired":
        return OrderStatus.EXPIRED
    raise IncompleteOrder(f"order status {ccxt_status!r}")


def _fee(raw: dict[str, Any]) -> tuple[Decimal, str | None]:
    fees = raw.get("fees") or ([raw["fee"]] if raw.get("fee") else [])
    total, currency = ZERO, None
    for fee in fees:
        cost = dec((fee or {}).get("cost"))
        if cost is None:
            continue
        if currency is None:
            currency = fee.get("currency")
        if fee.get("currency") == currency:
            total += cost
    return total, currency


def fill_from_ccxt(trade: dict[str, Any], contract_size: Decimal,
                   order_time: datetime | None = None) -> Fill | None:
    """A trade of an order; Binance spot fills carry no time of their own (the order's)."""
    price, amount = dec(trade.get("price")), dec(trade.get("amount"))
    at = utc_from_ms(trade.get("timestamp")) or order_time
    if price is None or amount is None or at is None:
        return None
    fee = trade.get("fee") or {}
    return Fill(price=price, amount=amount * contract_size, fee=dec(fee.get("cost")) or ZERO,
                fee_currency=fee.get("currency") or "", at=at)


def order_from_ccxt(raw: dict[str, Any], contract_size: Decimal = ONE) -> Order:
    """A ccxt order as the port's Order; IncompleteOrder when ccxt gave too little."""
    side, symbol = raw.get("side"), raw.get("symbol")
    if raw.get("id") is None or side not in ("buy", "sell") or not symbol:
        raise IncompleteOrder(f"order {raw.get('id')!r} has no side or symbol")
    amount = (dec(raw.get("amount")) or ZERO) * contract_size
    filled = (dec(raw.get("filled")) or ZERO) * contract_size
    average = dec(raw.get("average"))
    cost = dec(raw.get("cost"))
    if average is None and cost and filled:
        average = cost / filled
    fee, fee_currency = _fee(raw)
    kind = order_type(raw)
    trigger = (dec(raw.get("triggerPrice")) or dec(raw.get("stopLossPrice"))
               or dec(raw.get("takeProfitPrice")))
    created_at = utc_from_ms(raw.get("timestamp"))
    fills = tuple(f for t in raw.get("trades") or []
                  if (f := fill_from_ccxt(t, contract_size, created_at)) is not None)
    return Order(
        exchange_id=str(raw["id"]), client_id=raw.get("clientOrderId") or None, symbol=symbol,
        side=OrderSide(side), type=kind, status=order_status(raw.get("status"), filled, amount),
        amount=amount, filled=filled, average_price=average or None,
        price=(dec(raw.get("price")) or None) if kind is OrderType.LIMIT else None,
        trigger_price=trigger, reduce_only=bool(raw.get("reduceOnly")), fee=fee,
        fee_currency=fee_currency, created_at=created_at, fills=fills)


def balances_from_ccxt(raw: dict[str, Any]) -> dict[str, Balance]:
    """Every currency with a non-zero balance."""
    balances: dict[str, Balance] = {}
    for currency, entry in raw.items():
        if currency in _BALANCE_META or not isinstance(entry, dict):
            continue
        free, used = dec(entry.get("free")) or ZERO, dec(entry.get("used")) or ZERO
        total = dec(entry.get("total"))
        total = free + used if total is None else total
        if total or free or used:
            balances[currency] = Balance(currency=currency, total=total, free=free, used=used)
    return balances


def position_from_ccxt(raw: dict[str, Any], contract_size: Decimal | None,
                       leverage: int | None) -> ExchangePosition | None:
    """None for a flat position. `contract_size` is the market's (as orders use); `leverage`
    fills in what the exchange leaves out."""
    contracts = dec(raw.get("contracts")) or ZERO
    if contracts == ZERO:
        return None
    side = raw.get("side")
    if side not in ("long", "short"):
        side = "long" if contracts > ZERO else "short"
    size = contract_size or dec(raw.get("contractSize")) or ONE
    reported = dec(raw.get("leverage"))
    return ExchangePosition(
        symbol=raw["symbol"], side=OrderSide.BUY if side == "long" else OrderSide.SELL,
        amount=abs(contracts) * size, entry_price=dec(raw.get("entryPrice")) or ZERO,
        unrealized_pnl=dec(raw.get("unrealizedPnl")) or ZERO,
        leverage=int(reported) if reported else leverage,
        margin_mode=raw.get("marginMode") or None)
