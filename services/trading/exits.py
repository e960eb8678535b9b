"""What happens to a position when the exchange reports on one of its orders: an entry
fills (`entry_fills`: the position opens, or grows and its exits are resized), a
take-profit fills (part closed, the stop follows the remainder and moves to break-even
after the configured target), the stop or a close fills (the position is closed and its
other orders are cancelled). Also how its stop and take-profits are replaced.

Every method here runs under `Execution.lock` (the caller holds it) and is idempotent: an
order already recorded as final is never applied twice, whoever reports it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from loguru import logger

from services.clock import Clock
from services.events import EventBus
from services.runtime_config import RuntimeConfig
from services.trading.client_ids import close_leg, stop_leg, target_leg
from services.trading.engine_events import (
    OrderFailed,
    PositionClosed,
    StopMoved,
    TargetHit,
)
from services.trading.engine_execution import (
    Execution,
    intent_of,
    outcome_of,
)
from services.trading.entry_fills import EntryFills
from services.trading.legs import FINAL, LIVE, leg_kind, target_number, targets_done
from services.trading.orders import (
    exit_side,
    ladder_weights,
    split_ladder,
    stop_request,
    target_request,
)
from services.trading.pnl import (
    fee_in_quote,
    held_for,
    is_break_even_stop,
    leg_pnl,
)
from services.trading.port import (
    Market,
    MarketKind,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
)
from storage.database import Database
from storage.position_orders import (
    CANCELED,
    INTENT,
    OrderOutcome,
    PositionOrderRepository,
    PositionOrderRow,
)
from storage.positions import (
    CLOSED,
    PARTIALLY_CLOSED,
    WAITING_ENTRY,
    PositionRepository,
    PositionRow,
)
from storage.positions import (
    OPEN as POSITION_OPEN,
)

Markets = Callable[[], Awaitable[dict[str, Market]]]


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
        self.entries = EntryFills(db=db, positions=positions, orders=orders,
                                  execution=execution, events=events, clock=clock,
                                  markets=markets, exits=self)

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
            return await self.entries.on_entry(row, order, unfilled_reason)
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

    async def resize_exits(self, position: PositionRow, market: Market) -> None:
        """The stop and (futures) the take-profits not reached yet, for what is held now."""
        moved = await self.replace_stop(position, market, position.stop_loss, "remainder")
        if (moved is not None and moved.targets and market.kind is MarketKind.FUTURES
                and market.supports_stop_orders):
            await self.replace_targets(moved.id, market, moved.targets)

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
            leg = stop_leg(await self._next_stop_revision(fresh.id))
            request = stop_request(self._execution.ids, fresh.id, leg, market, fresh.side,
                                   fresh.remaining, trigger)
            rounded = request.trigger_price
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

    async def replace_targets(self, position_id: int, market: Market,
                              targets: tuple[Decimal, ...]) -> str:
        """Cancel the take-profits not reached yet and place the ladder of `targets` after
        the ones hit, for what is held now (futures; spot targets are watched by the bot
        from the list). Each replacing order is a new revision of its target's leg, so
        TP numbers stay those of the list. Returns what was done, in words."""
        position = await self._positions.get(position_id)
        assert position is not None
        await self._positions.update(position_id, now=self._clock.now(), targets=targets)
        listed = f"targets now {', '.join(str(t) for t in targets)}"
        if (position.status not in (POSITION_OPEN, PARTIALLY_CLOSED)
                or market.kind is not MarketKind.FUTURES):
            return listed
        if not await self.cancel_open_orders(position, legs=("tp",)):
            return "targets: the exchange did not confirm the cancel; old orders kept"
        fresh = await self._positions.get(position_id)
        assert fresh is not None
        rows = await self._orders.for_position(position_id)
        hit = len(targets_done(rows, filled_only=True))
        left = targets[hit:]
        if not left or fresh.remaining <= 0 or fresh.status not in (POSITION_OPEN,
                                                                   PARTIALLY_CLOSED):
            return listed
        weights = ladder_weights(await self._execution.tp_weights(fresh), len(targets))[hit:]
        now = self._clock.now()
        for number, (target, part) in enumerate(
                zip(left, split_ladder(fresh.remaining, len(left), market, tuple(weights)),
                    strict=False), start=hit + 1):
            revision = sum(leg_kind(o.leg) == "tp" and target_number(o.leg) == number
                           for o in rows)
            leg = target_leg(number, revision)
            request = target_request(self._execution.ids, position_id, leg, market,
                                     fresh.side, part, target)
            await self._orders.add_intent(intent_of(position_id, leg, request), now=now)
            await self._execution.record_exit(await self._execution.send(request))
        return f"take-profits replaced: {', '.join(str(t) for t in left)}"

    async def next_close_leg(self, position_id: int) -> str:
        """The leg of a new market close: each attempt has its own id."""
        rows = await self._orders.for_position(position_id)
        return close_leg(sum(leg_kind(o.leg) == "close" for o in rows))

    async def resume_in_flight(self) -> list[PositionOrderRow]:
        """Resolve every order a previous run wrote but never saw answered (looked up by
        its client id; sent only when the exchange never had it) and apply what the
        exchange says as if it had just answered: an entry that filled opens (or grows)
        its position, an exit that filled closes its part. Returns the orders as they
        stand now."""
        resolved = []
        for row in await self._orders.in_flight():
            sent = await self._execution.resend(row)
            if sent.order is not None:
                await self.on_order(row.client_id, sent.order)
            elif leg_kind(row.leg) == "entry" and not sent.unknown:
                position = await self._positions.get(row.position_id)
                if (position is not None and position.status == WAITING_ENTRY
                        and not await self.entries.entries_left(row.position_id)):
                    await self._execution.skip(
                        row.position_id, f"the exchange refused the entry: {sent.error}")
            now_row = await self._orders.by_client_id(row.client_id)
            assert now_row is not None
            resolved.append(now_row)
        return resolved

    # ---- helpers ----------------------------------------------------------------------------
    async def _record(self, row: PositionOrderRow, order: Order) -> None:
        await self._orders.record(row.client_id, outcome_of(order), now=self._clock.now())

    async def _market(self, symbol: str) -> Market:
        return (await self._markets())[symbol]


__all__ = ["PositionExits"]
