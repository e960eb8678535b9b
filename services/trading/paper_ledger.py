"""The paper account in memory: balances, futures positions, open orders, and what a fill
does to them. Pure accounting (no I/O); every change is noted in `changes` so the paper
exchange can write exactly those rows in one transaction.

Spot: a balance per asset; a buy pays quote and receives base minus the fee (fee in base),
a sell the reverse (fee in quote), as Binance charges it. Open orders lock what they may
spend: buys lock quote (amount × limit or trigger price), sells lock base.
Futures (linear, one-way): the quote balance is the wallet; a position is a signed amount
with an average entry; reducing it realises PnL into the wallet; fees are paid in quote.
Margin: |amount| × mark / leverage per position, amount × price / leverage per resting
limit order that is not reduce-only; available = wallet + unrealised PnL − margin.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from services.trading.paper_rules import show
from services.trading.port import (
    Fill,
    MarketKind,
    Order,
    OrderRejected,
    OrderSide,
    OrderStatus,
    OrderType,
)

ZERO = Decimal(0)


@dataclass
class PaperPosition:
    symbol: str
    amount: Decimal  # signed: short < 0
    entry_price: Decimal
    realized_pnl: Decimal
    opened_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Execution:
    """One fill as applied to the account, with the futures PnL it realised."""

    order_id: str
    fill: Fill
    realized_pnl: Decimal


@dataclass
class Changes:
    """Rows to write: orders by id (latest state), fills, touched balances, positions and
    symbol settings."""

    orders: dict[str, Order] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    fills: list[Execution] = field(default_factory=list)
    balances: set[str] = field(default_factory=set)
    positions: set[str] = field(default_factory=set)
    settings: set[str] = field(default_factory=set)  # symbols whose leverage / mode changed

    def __bool__(self) -> bool:
        return bool(self.orders or self.fills or self.balances or self.positions
                    or self.settings)


def base_of(symbol: str) -> str:
    return symbol.split("/")[0]


class PaperLedger:
    def __init__(self, kind: MarketKind, quote: str) -> None:
        self.kind, self.quote = kind, quote
        self.balances: dict[str, Decimal] = {}
        self.positions: dict[str, PaperPosition] = {}
        self.leverage: dict[str, int] = {}
        self.margin_mode: dict[str, str] = {}
        self.marks: dict[str, Decimal] = {}  # last known price per symbol
        self.open_orders: dict[str, Order] = {}
        self.open_by_symbol: dict[str, dict[str, Order]] = defaultdict(dict)
        self.open_by_client_id: dict[str, Order] = {}
        # spot: currency -> locked amount; futures: symbol -> notional of opening limits
        self.reserved: dict[str, Decimal] = defaultdict(Decimal)
        self.changes = Changes()

    def take_changes(self) -> Changes:
        changes, self.changes = self.changes, Changes()
        return changes

    # -- open orders ------------------------------------------------------------------------
    def rest(self, order: Order) -> None:
        self.open_orders[order.exchange_id] = order
        self.open_by_symbol[order.symbol][order.exchange_id] = order
        if order.client_id is not None:
            self.open_by_client_id[order.client_id] = order
        key, value = self._reservation(order)
        if key:
            self.reserved[key] += value

    def unrest(self, order: Order) -> None:
        self.open_orders.pop(order.exchange_id, None)
        same_symbol = self.open_by_symbol.get(order.symbol)
        if same_symbol is not None:
            same_symbol.pop(order.exchange_id, None)
            if not same_symbol:
                del self.open_by_symbol[order.symbol]
        if order.client_id is not None:
            self.open_by_client_id.pop(order.client_id, None)
        key, value = self._reservation(order)
        if key:
            self.reserved[key] -= value

    def record(self, order: Order, reason: str | None = None) -> Order:
        self.changes.orders[order.exchange_id] = order
        if reason:
            self.changes.reasons[order.exchange_id] = reason
        return order

    def _reservation(self, order: Order) -> tuple[str, Decimal]:
        if self.kind is MarketKind.FUTURES:
            if order.type is OrderType.LIMIT and not order.reduce_only:
                assert order.price is not None
                return order.symbol, order.amount * order.price
            return "", ZERO
        if order.side is OrderSide.SELL:
            return base_of(order.symbol), order.amount
        price = order.price if order.type is OrderType.LIMIT else order.trigger_price
        assert price is not None
        return self.quote, order.amount * price

    # -- what the account can spend ---------------------------------------------------------
    def spot_free(self, currency: str) -> Decimal:
        return self.balances.get(currency, ZERO) - self.reserved.get(currency, ZERO)

    def leverage_of(self, symbol: str) -> int:
        return self.leverage.get(symbol, 1)

    def mark_of(self, position: PaperPosition) -> Decimal:
        return self.marks.get(position.symbol, position.entry_price)

    def unrealized(self, position: PaperPosition) -> Decimal:
        return (self.mark_of(position) - position.entry_price) * position.amount

    def position_margin(self, position: PaperPosition) -> Decimal:
        return abs(position.amount) * self.mark_of(position) / self.leverage_of(position.symbol)

    def futures_used(self) -> Decimal:
        positions = sum((self.position_margin(p) for p in self.positions.values()), ZERO)
        orders = sum((notional / self.leverage_of(symbol)
                      for symbol, notional in self.reserved.items() if notional), ZERO)
        return positions + orders

    def futures_equity(self) -> Decimal:
        unrealized = sum((self.unrealized(p) for p in self.positions.values()), ZERO)
        return self.balances.get(self.quote, ZERO) + unrealized

    def futures_available(self) -> Decimal:
        return self.futures_equity() - self.futures_used()

    def check_funds(self, order: Order, price: Decimal, fee_rate: Decimal) -> None:
        """Refuse an order the account cannot pay for at `price` (its fill or lock price)."""
        if self.kind is MarketKind.SPOT:
            if order.side is OrderSide.BUY:
                need, currency = order.amount * price, self.quote
            else:
                need, currency = order.amount, base_of(order.symbol)
            free = self.spot_free(currency)
        else:
            if order.reduce_only:
                return
            position = self.positions.get(order.symbol)
            held = position.amount if position else ZERO
            signed = order.amount if order.side is OrderSide.BUY else -order.amount
            reducing = min(abs(held), order.amount) if held * signed < 0 else ZERO
            opening = order.amount - reducing
            need = opening * price / self.leverage_of(order.symbol) \
                + order.amount * price * fee_rate
            currency, free = self.quote, self.futures_available()
        if need > free:
            raise OrderRejected(f"insufficient balance: need {show(need)} {currency}, "
                                f"free {show(max(free, ZERO))}")

    # -- fills ------------------------------------------------------------------------------
    def execute(self, order: Order, price: Decimal, fee_rate: Decimal, now: datetime) -> Order:
        """Fill `order` (no longer resting) completely at `price`; return it filled, or
        expired when it is reduce-only and there is nothing left to reduce."""
        if self.kind is MarketKind.SPOT:
            amount, fee, fee_currency = self._spot_fill(order, price, fee_rate)
            realized = ZERO
        else:
            amount = order.amount
            if order.reduce_only:
                position = self.positions.get(order.symbol)
                held = position.amount if position else ZERO
                if held == 0 or (held > 0) == (order.side is OrderSide.BUY):
                    return self.record(replace(order, status=OrderStatus.EXPIRED),
                                       "reduce-only: no position left to reduce")
                amount = min(amount, abs(held))  # cut to the position, as Binance does
            fee, fee_currency = amount * price * fee_rate, self.quote
            realized = self._futures_fill(order.symbol, order.side, amount, price, fee, now)
        fill = Fill(price=price, amount=amount, fee=fee, fee_currency=fee_currency, at=now)
        self.changes.fills.append(Execution(order.exchange_id, fill, realized))
        return self.record(replace(order, status=OrderStatus.FILLED, filled=amount,
                                   average_price=price, fee=fee, fee_currency=fee_currency,
                                   fills=(fill,)))

    def reject(self, order: Order, reason: str) -> Order:
        return self.record(replace(order, status=OrderStatus.REJECTED), reason)

    def _credit(self, currency: str, delta: Decimal) -> None:
        self.balances[currency] = self.balances.get(currency, ZERO) + delta
        self.changes.balances.add(currency)

    def _spot_fill(self, order: Order, price: Decimal,
                   fee_rate: Decimal) -> tuple[Decimal, Decimal, str]:
        base, notional = base_of(order.symbol), order.amount * price
        if order.side is OrderSide.BUY:
            fee = order.amount * fee_rate
            self._credit(self.quote, -notional)
            self._credit(base, order.amount - fee)
            return order.amount, fee, base
        fee = notional * fee_rate
        self._credit(base, -order.amount)
        self._credit(self.quote, notional - fee)
        return order.amount, fee, self.quote

    def _futures_fill(self, symbol: str, side: OrderSide, amount: Decimal, price: Decimal,
                      fee: Decimal, now: datetime) -> Decimal:
        """Apply a futures fill to the position and the wallet; return the realised PnL."""
        self._credit(self.quote, -fee)
        self.changes.positions.add(symbol)
        signed = amount if side is OrderSide.BUY else -amount
        position = self.positions.get(symbol)
        if position is None:
            self.positions[symbol] = PaperPosition(symbol, signed, price, ZERO, now, now)
            return ZERO
        held = position.amount
        position.updated_at = now
        if held * signed > 0:  # adding: the entry becomes the size-weighted average
            total = held + signed
            position.entry_price = (abs(held) * position.entry_price + amount * price) \
                / abs(total)
            position.amount = total
            return ZERO
        closing = min(amount, abs(held))
        realized = (price - position.entry_price) * closing * (1 if held > 0 else -1)
        self._credit(self.quote, realized)
        remaining = held + signed
        if remaining == 0:
            del self.positions[symbol]
        elif (remaining > 0) == (held > 0):
            position.amount = remaining
            position.realized_pnl += realized
        else:  # flipped: what is left is a new position opened at this price
            self.positions[symbol] = PaperPosition(symbol, remaining, price, ZERO, now, now)
        return realized
