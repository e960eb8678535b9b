"""What happens to a position when the exchange reports on one of its orders: a resting
entry fills (the position opens), a take-profit fills (part closed, the stop follows the
remainder and moves to break-even after the configured target), the stop or a close fills
(the position is closed and its other orders are cancelled).

Every method here runs under `Execution.lock` (the caller holds it) and is idempotent: an
order already recorded as final is never applied twice, whoever reports it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal

from loguru import logger

from services.clock import Clock
from services.events import EventBus
from services.runtime_config import RuntimeConfig
from services.trading.client_ids import stop_leg
from services.trading.engine_events import OrderFailed, PositionClosed, StopMoved, TargetHit
from services.trading.engine_execution import ENTRY, Execution, Sent, intent_of, outcome_of
from services.trading.orders import exit_side
from services.trading.pnl import fee_in_quote, held_for, is_break_even_stop, leg_pnl
from services.trading.port import (
    Market,
    MarketKind,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
)
from services.trading.precision import PriceIntent, round_price
from storage.database import Database
from storage.position_orders import (
    CANCELED,
    FILLED,
    IN_FLIGHT,
    INTENT,
    OPEN,
    REJECTED,
    OrderOutcome,
    PositionOrderRepository,
    PositionOrderRow,
)
from storage.positions import CLOSED, PARTIALLY_CLOSED, PositionRepository, PositionRow

FINAL = (FILLED, CANCELED, REJECTED)
LIVE = (*IN_FLIGHT, OPEN)  # states of an order that may still act on the exchange
Markets = Callable[[], Awaitable[dict[str, Market]]]


def leg_kind(leg: str) -> str:
    """entry / sl / tp / close — the job of a leg whatever its number or revision."""
    for kind in ("entry", "close", "sl", "tp"):
        if leg.startswith(kind):
            return kind
    return leg


def target_number(leg: str) -> int:
    return int(leg[2:])


class PositionExits:
    def __init__(self, *, db: Database, positions: PositionRepository,
                 orders: PositionOrderRepository, execution: Execution, events: EventBus,
                 config: RuntimeConfig, clock: Clock, markets: Markets) -> None:
        self._db = db
        self._positions = positions
        self._orders = orders
        self._execution = execution
        self._events = events
        self._config = config
        self._clock = clock
        self._markets = markets

    async def on_order(self, client_id: str, order: Order, *,
                       unfilled_reason: str = "cancelled") -> PositionRow | None:
        """Apply the exchange's word on order `client_id`; returns its position when that
        changed, None when there was nothing new (already applied, or not ours). An entry
        gone with nothing filled closes its position with `unfilled_reason`."""
        row = await self._orders.by_client_id(client_id)
        if row is None or row.state in FINAL:
            return None
        kind = leg_kind(row.leg)
        if kind == "entry":
            return await self._entry(row, order, unfilled_reason)
        if order.status is OrderStatus.FILLED:
            return await self._exit_filled(row, order)
        if order.status is OrderStatus.PARTIALLY_FILLED or order.status is OrderStatus.OPEN:
            await self._record(row, order)
            return None
        await self._record(row, order)  # canceled / expired / rejected
        if order.status is OrderStatus.REJECTED and kind == "sl":
            reason = "the exchange refused the stop when it triggered"
            await self._events.publish(OrderFailed(row.position_id, row.leg, row.client_id,
                                                   reason))
        return await self._positions.get(row.position_id)

    # ---- entries ----------------------------------------------------------------------------
    async def _entry(self, row: PositionOrderRow, order: Order,
                     unfilled_reason: str) -> PositionRow | None:
        position = await self._positions.get(row.position_id)
        assert position is not None
        if order.status is OrderStatus.FILLED or (
                order.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED) and order.filled):
            market = await self._market(row.symbol)
            filled = replace(order, status=OrderStatus.FILLED)  # a part filled, rest gone
            return await self._execution.after_entry(row.position_id, Sent(filled), market)
        await self._record(row, order)
        if order.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
            return None
        return await self.close_unfilled(position, unfilled_reason)

    async def close_unfilled(self, position: PositionRow, reason: str) -> PositionRow:
        """A position whose entry never filled ends here (expired / cancelled / closed)."""
        now = self._clock.now()
        await self._positions.update(position.id, now=now, status=CLOSED, reason=reason,
                                     closed_at=now)
        closed = await self._positions.get(position.id)
        assert closed is not None
        await self._events.publish(PositionClosed(closed, None))
        return closed

    # ---- exits --------------------------------------------------------------------------------
    async def _exit_filled(self, row: PositionOrderRow, order: Order) -> PositionRow:
        position = await self._positions.get(row.position_id)
        assert position is not None
        market = await self._market(row.symbol)
        price = order.average_price or row.trigger_price or row.price
        assert price is not None and position.average_entry is not None
        amount = min(order.filled, position.remaining)
        pnl = leg_pnl(position.side, position.average_entry, price, amount)
        closed_amount = position.closed_amount + amount
        done = closed_amount >= position.filled_amount
        now = self._clock.now()
        changes: dict[str, object] = {
            "realized_pnl": position.realized_pnl + pnl,
            "fees": position.fees + fee_in_quote(order, market),
            "closed_amount": closed_amount,
            "status": CLOSED if done else PARTIALLY_CLOSED}
        if done:
            changes.update(reason=self._close_reason(row, position), closed_at=now)
        async with self._db.transaction():  # the order's answer and its effect together
            await self._orders.record(row.client_id, outcome_of(order), now=now)
            await self._positions.update(position.id, now=now, **changes)
        updated = await self._positions.get(position.id)
        assert updated is not None
        kind = leg_kind(row.leg)
        if kind == "tp":
            await self._events.publish(TargetHit(updated, target_number(row.leg), price, amount,
                                                 pnl))
        if done:
            await self.cancel_open_orders(updated)
            await self._events.publish(PositionClosed(updated, held_for(updated.opened_at, now)))
        elif kind == "tp":
            await self._after_target(updated, target_number(row.leg), market)
        return updated

    def _close_reason(self, row: PositionOrderRow, position: PositionRow) -> str:
        kind = leg_kind(row.leg)
        if kind == "tp":
            return "tp"
        if kind == "sl":
            stop = row.trigger_price
            return "break_even" if is_break_even_stop(position.side, stop,
                                                      position.average_entry) else "sl"
        return position.reason or "manual"  # a close: the reason was written with its intent

    async def _after_target(self, position: PositionRow, number: int, market: Market) -> None:
        """After a take-profit: the stop covers what is left, at break-even from the
        configured target on (`exits.break_even_after_tp`, 0 = never)."""
        stop = position.stop_loss
        why = "remainder"
        after = int(await self._config.get("exits.break_even_after_tp"))
        entry = position.average_entry
        if after and number >= after and entry is not None and not is_break_even_stop(
                position.side, stop, entry):
            stop, why = entry, "break_even"
        await self.replace_stop(position, market, stop, why)

    async def replace_stop(self, position: PositionRow, market: Market,
                           trigger: Decimal | None, why: str) -> PositionRow | None:
        """Cancel the live stop and place one for what is left at `trigger` (None: no
        stop). Returns None when the position closed meanwhile (the old stop had fired)."""
        current = await self.live_stop(position.id)
        if current is not None:
            gone = await self._execution.cancel(current)
            if gone is None:
                logger.warning("stop of #{} could not be cancelled; left as it is", position.id)
                return position
            applied = await self.on_order(current.client_id, gone)
            if applied is not None and applied.status == CLOSED:
                return None
        fresh = await self._positions.get(position.id)
        assert fresh is not None
        old = fresh.stop_loss
        now = self._clock.now()
        if trigger is None or fresh.remaining <= 0 or not market.supports_stop_orders:
            await self._positions.update(fresh.id, now=now, stop_loss=trigger)
        else:
            close = exit_side(fresh.side)
            rounded = round_price(market, trigger, close, PriceIntent.STOP)
            leg = stop_leg(await self._next_stop_revision(fresh.id))
            request = OrderRequest(
                client_id=self._execution.ids.make(fresh.id, leg), symbol=market.symbol,
                side=close, type=OrderType.STOP_MARKET, amount=fresh.remaining,
                trigger_price=rounded, reduce_only=market.kind is MarketKind.FUTURES)
            async with self._db.transaction():
                await self._orders.add_intent(intent_of(fresh.id, leg, request), now=now)
                await self._positions.update(fresh.id, now=now, stop_loss=rounded)
            await self._execution.record_exit(await self._execution.send(request))
            trigger = rounded
        moved = await self._positions.get(fresh.id)
        assert moved is not None
        if trigger is not None and trigger != old and why != "remainder":
            await self._events.publish(StopMoved(moved, old, trigger, why))
        return moved

    async def live_stop(self, position_id: int) -> PositionOrderRow | None:
        stops = [o for o in await self._orders.for_position(position_id)
                 if leg_kind(o.leg) == "sl" and o.state in LIVE]
        return stops[-1] if stops else None

    async def _next_stop_revision(self, position_id: int) -> int:
        stops = [o for o in await self._orders.for_position(position_id)
                 if leg_kind(o.leg) == "sl"]
        return len(stops)

    async def cancel_open_orders(self, position: PositionRow, *,
                                 legs: tuple[str, ...] = ("entry", "sl", "tp"),
                                 reason: str = "cancelled") -> bool:
        """Cancel every order of the position that may still act (of the given kinds).
        A fill found on the way is applied; a position whose entry is cancelled with
        nothing filled is closed with `reason`. False when one could not be cancelled."""
        all_gone = True
        for row in await self._orders.for_position(position.id):
            if row.state not in LIVE or leg_kind(row.leg) not in legs:
                continue
            if row.state == INTENT:
                # written, never sent (we hold the lock, so no send is under way): drop it
                await self._orders.record(row.client_id, OrderOutcome(CANCELED),
                                          now=self._clock.now())
                continue
            gone = await self._execution.cancel(row)
            if gone is None:
                all_gone = False
                continue
            await self.on_order(row.client_id, gone, unfilled_reason=reason)
        return all_gone

    async def market_exit(self, position: PositionRow, market: Market, leg: str,
                          amount: Decimal, *, reason: str | None = None) -> PositionRow | None:
        """Sell (or buy back) `amount` of the position at market as leg `leg` — a close, or
        a take-profit the bot watches itself. `reason` is written with the intent (why the
        position closes, if this closes it). None when the order failed (OrderFailed was
        emitted) or is not filled yet (the tracker follows it)."""
        request = OrderRequest(
            client_id=self._execution.ids.make(position.id, leg), symbol=market.symbol,
            side=exit_side(position.side), type=OrderType.MARKET, amount=amount,
            reduce_only=market.kind is MarketKind.FUTURES)
        now = self._clock.now()
        async with self._db.transaction():
            await self._orders.add_intent(intent_of(position.id, leg, request), now=now)
            if reason is not None:
                await self._positions.update(position.id, now=now, reason=reason)
        sent = await self._execution.send(request)
        if sent.order is None:
            return None
        return await self.on_order(request.client_id, sent.order)

    # ---- helpers ----------------------------------------------------------------------------
    async def _record(self, row: PositionOrderRow, order: Order) -> None:
        await self._orders.record(row.client_id, outcome_of(order), now=self._clock.now())

    async def _market(self, symbol: str) -> Market:
        return (await self._markets())[symbol]


__all__ = ["ENTRY", "FINAL", "LIVE", "PositionExits", "leg_kind", "target_number"]
