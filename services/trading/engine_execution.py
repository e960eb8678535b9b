"""Execution of positions: every order's intent is written before it is sent, every answer
is recorded, and a restart resolves whatever was in flight by its client id.

Order of writes (so that kill -9 at any point leaves nothing duplicated or forgotten):
1. entry intent (with the position's status change) — one transaction;
2. `sent`, then the exchange call (an entry is written `sent` in step 1 already: it is
   sent as soon as that commits, and a restart looks an order up by its client id first
   whether it is in `intent` or `sent`);
3. the entry's answer, the position's fill and the exit intents — one transaction;
4. each exit's `sent`, call and answer.
`PositionExits.resume_in_flight` re-enters at 2 for every order still in intent / sent /
unknown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

from loguru import logger

from services.clock import Clock
from services.events import EventBus
from services.trading.client_ids import ClientIds
from services.trading.engine_events import (
    EntryFilled,
    EntryPlaced,
    OrderFailed,
    PositionOpened,
    PositionSkipped,
)
from services.trading.legs import leg_kind
from services.trading.orders import exit_legs
from services.trading.port import (
    ExchangeError,
    Market,
    Order,
    OrderNotFound,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
)
from services.trading.precision import round_amount
from services.trading.resilient import OrderStateUnknown, ResilientExchange
from storage.database import Database
from storage.position_orders import (
    CANCELED,
    FILLED,
    OPEN,
    REJECTED,
    UNKNOWN,
    OrderIntent,
    OrderOutcome,
    PositionOrderRepository,
    PositionOrderRow,
)
from storage.positions import OPEN as POSITION_OPEN
from storage.positions import SKIPPED, WAITING_ENTRY, PositionRepository, PositionRow

ZERO = Decimal(0)

_STATES = {
    OrderStatus.OPEN: OPEN, OrderStatus.PARTIALLY_FILLED: OPEN, OrderStatus.FILLED: FILLED,
    OrderStatus.CANCELED: CANCELED, OrderStatus.EXPIRED: CANCELED,
    OrderStatus.REJECTED: REJECTED,
}


@dataclass(frozen=True)
class Sent:
    """The result of one send: the exchange's order, or the failure already recorded."""

    order: Order | None
    error: str | None = None
    unknown: bool = False


def intent_of(position_id: int, leg: str, request: OrderRequest) -> OrderIntent:
    return OrderIntent(
        position_id=position_id, leg=leg, client_id=request.client_id, symbol=request.symbol,
        side=request.side.value, type=request.type.value, amount=request.amount,
        price=request.price, trigger_price=request.trigger_price,
        reduce_only=request.reduce_only)


def request_of(row: PositionOrderRow) -> OrderRequest:
    return OrderRequest(
        client_id=row.client_id, symbol=row.symbol, side=OrderSide(row.side),
        type=OrderType(row.type), amount=row.amount, price=row.price,
        trigger_price=row.trigger_price, reduce_only=row.reduce_only)


def outcome_of(order: Order) -> OrderOutcome:
    return OrderOutcome(
        state=_STATES.get(order.status, UNKNOWN), exchange_id=order.exchange_id,
        filled=order.filled, average_price=order.average_price, fee=order.fee,
        fee_currency=order.fee_currency)


class Execution:
    """Sends a position's orders through the resilient exchange and records every step."""

    def __init__(self, *, db: Database, positions: PositionRepository,
                 orders: PositionOrderRepository, exchange: ResilientExchange,
                 events: EventBus, clock: Clock, ids: ClientIds,
                 tp_weights: Callable[[], Awaitable[tuple[Decimal, ...]]] | None = None) -> None:
        """`tp_weights` gives the take-profit ladder's weights (() or None: equal)."""
        self._db = db
        self._tp_weights = tp_weights
        self._positions = positions
        self._orders = orders
        self._exchange = exchange
        self._events = events
        self._clock = clock
        self.ids = ids
        # One change of positions at a time: a new entry, a tick's fills, a close. Without
        # it a fill seen by the tracker could be applied while the engine records the same
        # order's placement.
        self.lock = asyncio.Lock()

    async def tp_weights(self, position: PositionRow | None = None) -> tuple[Decimal, ...]:
        """The ladder's weights of `position` (those it opened with), or the setting's now
        (for a position opening, or one opened before weights were kept)."""
        if position is not None and position.tp_weights is not None:
            return position.tp_weights
        return await self._tp_weights() if self._tp_weights is not None else ()

    async def send(self, request: OrderRequest, *, marked: bool = False) -> Sent:
        """Mark the intent `sent` (unless it was written so: `marked`), place it exactly
        once; a failure is recorded here."""
        if not marked:
            await self._orders.mark_sent(request.client_id, now=self._clock.now())
        try:
            order = await self._exchange.create_order(request)
        except ExchangeError as exc:
            return await self._failed(request.client_id, exc)
        return Sent(order)

    async def resend(self, row: PositionOrderRow) -> Sent:
        """The restart path: look the order up first, send it only when it is not there."""
        try:
            order = await self._exchange.resume_order(request_of(row), row.created_at)
        except ExchangeError as exc:
            return await self._failed(row.client_id, exc)
        return Sent(order)

    async def cancel(self, row: PositionOrderRow) -> Order | None:
        """Cancel a resting order of ours. Returns the order as the exchange ends up knowing
        it — canceled, or filled when it filled first (the caller applies that) — or None
        when that cannot be told now (the row is left as it is, for the next tick)."""
        trigger = row.type in (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)
        try:
            if row.exchange_id is None:
                raise OrderNotFound("never acknowledged")
            return await self._exchange.cancel_order(row.symbol, row.exchange_id, trigger)
        except OrderNotFound:
            pass  # gone already: filled, canceled by hand, or never placed — ask
        except ExchangeError as exc:
            logger.warning("cancel of {} failed: {}", row.client_id, exc.reason)
            return None
        try:
            order = await self._exchange.fetch_order_by_client_id(row.symbol, row.client_id,
                                                                  trigger)
        except ExchangeError as exc:
            logger.warning("look-up of {} failed: {}", row.client_id, exc.reason)
            return None
        if order is None:  # the exchange never had it: nothing to cancel
            return Order(exchange_id=row.exchange_id or "", client_id=row.client_id,
                         symbol=row.symbol, side=OrderSide(row.side), type=OrderType(row.type),
                         status=OrderStatus.CANCELED, amount=row.amount, filled=ZERO,
                         average_price=None)
        return order

    async def _failed(self, client_id: str, exc: ExchangeError) -> Sent:
        unknown = isinstance(exc, OrderStateUnknown)
        await self._orders.record(client_id, OrderOutcome(
            UNKNOWN if unknown else REJECTED, error=exc.reason), now=self._clock.now())
        row = await self._orders.by_client_id(client_id)
        assert row is not None
        logger.warning("order {} {}: {}", client_id, "unknown" if unknown else "failed",
                       exc.reason)
        await self._events.publish(OrderFailed(row.position_id, row.leg, client_id,
                                               exc.reason, unknown))
        return Sent(None, exc.reason, unknown)

    async def after_entry(self, position_id: int, sent: Sent, market: Market) -> PositionRow:
        """Record the entry's answer and move the position on: filled → open with its
        stop and take-profits; resting → waiting; refused → skipped; unknown → unchanged."""
        position = await self._positions.get(position_id)
        assert position is not None
        order = sent.order
        if order is None:
            if sent.unknown:
                return position
            return await self.skip(position_id, f"the exchange refused the entry: {sent.error}")
        now = self._clock.now()
        if order.status is not OrderStatus.FILLED:
            await self._orders.record(order.client_id or "", outcome_of(order), now=now)
            if order.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
                return await self._waiting(position_id, order)
            return await self.skip(position_id, f"the entry order was {order.status.value}")
        held, fees = held_after_fees(order, market)
        weights = await self.tp_weights(position)
        exits = exit_legs(ids=self.ids, position_id=position_id, market=market,
                          side=position.side, amount=held, stop_loss=position.stop_loss,
                          targets=position.targets, weights=weights)
        async with self._db.transaction():  # the fill and the exits' intents go together
            await self._orders.record(order.client_id or "", outcome_of(order), now=now)
            await self._positions.update(
                position_id, now=now, status=POSITION_OPEN, filled_amount=held,
                average_entry=order.average_price, fees=position.fees + fees, opened_at=now,
                tp_weights=weights)
            for leg in exits:
                await self._orders.add_intent(intent_of(position_id, leg.leg, leg.request),
                                              now=now)
        opened = await self._positions.get(position_id)
        assert opened is not None
        entry = await self._orders.by_client_id(order.client_id or "")
        assert entry is not None
        await self._events.publish(EntryFilled(opened, entry))
        for leg in exits:
            await self.record_exit(await self.send(leg.request))
        rows = await self._orders.for_position(position_id)
        entries = sum(leg_kind(o.leg) == "entry" for o in rows)
        await self._events.publish(PositionOpened(
            opened, tuple(o for o in rows if leg_kind(o.leg) != "entry"), entries))
        return opened

    async def record_exit(self, sent: Sent) -> None:
        if sent.order is not None:
            await self._orders.record(sent.order.client_id or "", outcome_of(sent.order),
                                      now=self._clock.now())

    async def _waiting(self, position_id: int, order: Order) -> PositionRow:
        await self._positions.update(position_id, now=self._clock.now(), status=WAITING_ENTRY)
        position = await self._positions.get(position_id)
        row = await self._orders.by_client_id(order.client_id or "")
        assert position is not None and row is not None
        await self._events.publish(EntryPlaced(position, row))
        return position

    async def skip(self, position_id: int, reason: str) -> PositionRow:
        """The position is not traded: recorded with `reason` and told."""
        await self._positions.update(position_id, now=self._clock.now(), status=SKIPPED,
                                     reason=reason)
        position = await self._positions.get(position_id)
        assert position is not None
        await self._events.publish(PositionSkipped(position, reason))
        return position


def held_after_fees(order: Order, market: Market) -> tuple[Decimal, Decimal]:
    """What the fill left in the position, and its fee in the quote currency. Spot buys pay
    the fee in the coin bought, so less than the filled amount is held (rounded down to the
    lot step, so every exit can be placed)."""
    fee = order.fee
    price = order.average_price or ZERO
    if order.fee_currency == market.base and fee:
        held = order.filled - fee if order.side is OrderSide.BUY else order.filled
        return round_amount(market, held), fee * price
    return order.filled, fee
