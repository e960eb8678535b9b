"""How the paper exchange places an order and fills resting ones against a new price.

Placement: market orders (and limits already marketable) take at the last price moved
against them by the slippage, with the taker fee; other limits rest (maker fee when a later
price crosses them); stop / take-profit orders rest until their trigger is reached and then
take like a market order. Everything happens in the ledger; the caller persists it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from services.trading.paper_ledger import ZERO, PaperLedger, base_of
from services.trading.paper_rules import (
    TRIGGER_TYPES,
    FeeRates,
    fee_rates,
    is_triggered,
    limit_crossed,
    show,
    taker_price,
)
from services.trading.port import (
    Market,
    MarketKind,
    Order,
    OrderRejected,
    OrderRequest,
    OrderSide,
    OrderType,
)


@dataclass(frozen=True)
class Matching:
    """The paper exchange's execution settings."""

    slippage_bps: Decimal
    fee_override: FeeRates | None

    def place(self, ledger: PaperLedger, order: Order, market: Market, last: Decimal,
              now: datetime) -> Order:
        """Fill `order` at once if it takes, else let it rest; refuse what the account
        cannot pay. Returns the order as it stands."""
        rates = fee_rates(market, self.fee_override)
        if order.type is OrderType.MARKET or (
                order.type is OrderType.LIMIT and order.price is not None
                and limit_crossed(order.side, order.price, last)):
            limit = order.price if order.type is OrderType.LIMIT else None
            price = taker_price(order.side, last, self.slippage_bps, market.price_step, limit)
            ledger.check_funds(order, price, rates.taker)
            return ledger.execute(order, price, rates.taker, now)
        lock_price = order.price if order.type is OrderType.LIMIT else order.trigger_price
        assert lock_price is not None
        # Futures reserve no margin for trigger orders until they fire (as Binance).
        if order.type is OrderType.LIMIT or ledger.kind is MarketKind.SPOT:
            ledger.check_funds(order, lock_price, rates.maker)
        ledger.rest(ledger.record(order))
        return order

    def match(self, ledger: PaperLedger, market: Market, last: Decimal,
              now: datetime) -> Iterator[Order]:
        """Fill or fire every resting order of `market` that `last` crosses."""
        resting = ledger.open_by_symbol.get(market.symbol)
        if not resting:
            return
        for order in list(resting.values()):
            if order.type is OrderType.LIMIT:
                assert order.price is not None
                if limit_crossed(order.side, order.price, last):
                    ledger.unrest(order)
                    maker = fee_rates(market, self.fee_override).maker
                    yield ledger.execute(order, order.price, maker, now)
            elif order.type in TRIGGER_TYPES:
                assert order.trigger_price is not None
                if is_triggered(order.type, order.side, order.trigger_price, last):
                    yield self._fire(ledger, order, market, last, now)

    def _fire(self, ledger: PaperLedger, order: Order, market: Market, last: Decimal,
              now: datetime) -> Order:
        taker = fee_rates(market, self.fee_override).taker
        price = taker_price(order.side, last, self.slippage_bps, market.price_step)
        ledger.unrest(order)
        try:
            ledger.check_funds(order, price, taker)
        except OrderRejected as refused:
            return ledger.reject(order, refused.reason)
        return ledger.execute(order, price, taker, now)


def check_reduce_only(ledger: PaperLedger, request: OrderRequest) -> None:
    """Futures reduce-only orders must shrink the position, never open or flip one.
    (Spot has no reduce-only: the flag is kept on the order and changes nothing.)"""
    if not request.reduce_only or ledger.kind is MarketKind.SPOT:
        return
    position = ledger.positions.get(request.symbol)
    held = position.amount if position else ZERO
    if held == 0 or (held > 0) == (request.side is OrderSide.BUY):
        raise OrderRejected(f"reduce-only order rejected: no {request.symbol} position it "
                            "could reduce")
    if request.amount > abs(held):
        side = "long" if held > 0 else "short"
        raise OrderRejected(
            f"reduce-only order of {show(request.amount)} {base_of(request.symbol)} "
            f"exceeds the {show(abs(held))} {side} position: it would flip it")
