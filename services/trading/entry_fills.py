"""Entry orders' answers: the first fill opens the position (`Execution.after_entry`: its
stop and take-profits are placed), a later part of a split entry grows it (the average
entry is that of what is held; the exits are resized), an entry gone with nothing filled
closes a position nothing else can fill, and a part that fills after the position closed
is closed at market.

Like `PositionExits`, every method runs under `Execution.lock` and is idempotent.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from loguru import logger

from services.clock import Clock
from services.events import EventBus
from services.trading.engine_events import EntryAdded, EntryPlaced, PositionClosed
from services.trading.engine_execution import Execution, Sent, held_after_fees, outcome_of
from services.trading.legs import LIVE, leg_kind
from services.trading.pnl import average_after_adding
from services.trading.port import Market, Order, OrderStatus
from storage.database import Database
from storage.position_orders import FILLED, OPEN, PositionOrderRepository, PositionOrderRow
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

if TYPE_CHECKING:
    from services.trading.exits import Markets, PositionExits


class EntryFills:
    def __init__(self, *, db: Database, positions: PositionRepository,
                 orders: PositionOrderRepository, execution: Execution, events: EventBus,
                 clock: Clock, markets: Markets, exits: PositionExits) -> None:
        """`exits` resizes, closes and names the exits of a position that grows."""
        self._db = db
        self._positions = positions
        self._orders = orders
        self._execution = execution
        self._events = events
        self._clock = clock
        self._markets = markets
        self._exits = exits

    async def on_entry(self, row: PositionOrderRow, order: Order,
                       unfilled_reason: str) -> PositionRow | None:
        """An entry order's answer (see `PositionExits.on_order`)."""
        position = await self._positions.get(row.position_id)
        assert position is not None
        if order.status is OrderStatus.FILLED or (
                order.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED) and order.filled):
            market = (await self._markets())[row.symbol]
            filled = replace(order, status=OrderStatus.FILLED)  # a part filled, rest gone
            if position.status == WAITING_ENTRY:
                return await self._execution.after_entry(row.position_id, Sent(filled), market)
            return await self._added(row, filled, position, market)
        await self._orders.record(row.client_id, outcome_of(order), now=self._clock.now())
        if order.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
            return None
        if position.status != WAITING_ENTRY or await self.entries_left(position.id):
            return None  # another part of a split entry is still working (or filled)
        return await self.close_unfilled(position, unfilled_reason)

    async def _added(self, row: PositionOrderRow, order: Order, position: PositionRow,
                     market: Market) -> PositionRow:
        """Another part of a split entry filled: the position grows (its average entry is
        that of what is held) and its stop and take-profits are resized to it. A part that
        fills after the position closed (its cancel came too late) is closed at market."""
        held, fees = held_after_fees(order, market)
        price = order.average_price or row.price
        assert price is not None
        late = position.status not in (POSITION_OPEN, PARTIALLY_CLOSED)
        now = self._clock.now()
        async with self._db.transaction():
            await self._orders.record(row.client_id, outcome_of(order), now=now)
            await self._positions.update(
                position.id, now=now, filled_amount=position.filled_amount + held,
                average_entry=average_after_adding(position.average_entry,
                                                   position.remaining, price, held),
                fees=position.fees + fees,
                **({"status": PARTIALLY_CLOSED} if late else {}))
        grown = await self._positions.get(position.id)
        recorded = await self._orders.by_client_id(row.client_id)
        assert grown is not None and recorded is not None
        filled, total = await self._entry_count(position.id)
        if late:
            logger.warning("entry {} filled after #{} closed: closing it", row.client_id,
                           position.id)
            await self._events.publish(EntryAdded(grown, recorded, filled, total, late=True))
            leg = await self._exits.next_close_leg(grown.id)
            closed = await self._exits.market_exit(grown, market, leg, held,
                                                   reason=position.reason or "cancelled")
            return closed or grown
        await self._exits.resize_exits(grown, market)
        fresh = await self._positions.get(position.id)
        assert fresh is not None
        await self._events.publish(EntryAdded(fresh, recorded, filled, total))
        return fresh

    async def entries_left(self, position_id: int) -> list[PositionOrderRow]:
        """The entry orders of a position that may still fill."""
        return [o for o in await self._orders.for_position(position_id)
                if leg_kind(o.leg) == "entry" and o.state in LIVE]

    async def _entry_count(self, position_id: int) -> tuple[int, int]:
        entries = [o for o in await self._orders.for_position(position_id)
                   if leg_kind(o.leg) == "entry"]
        return sum(o.state == FILLED for o in entries), len(entries)

    async def entries_sent(self, position_id: int) -> PositionRow:
        """After every part of a split entry was sent: a position none of them filled waits
        for its price (told once, with how many orders rest) or, when every part was
        refused, is skipped with the exchange's reason."""
        position = await self._positions.get(position_id)
        assert position is not None
        if position.status != WAITING_ENTRY:
            return position
        entries = [o for o in await self._orders.for_position(position_id)
                   if leg_kind(o.leg) == "entry"]
        left = [o for o in entries if o.state in LIVE]
        resting = [o for o in left if o.state == OPEN]
        if resting:
            await self._events.publish(EntryPlaced(position, resting[0], len(resting)))
            return position
        if left:  # only answers not known yet: the next start resolves them
            return position
        errors = [o.error for o in entries if o.error]
        return await self._execution.skip(
            position_id, f"the exchange refused the entry: {errors[0] if errors else '?'}")

    async def close_unfilled(self, position: PositionRow, reason: str) -> PositionRow:
        """A position whose entry never filled ends here (expired / cancelled / closed)."""
        now = self._clock.now()
        await self._positions.update(position.id, now=now, status=CLOSED, reason=reason,
                                     closed_at=now)
        closed = await self._positions.get(position.id)
        assert closed is not None
        await self._events.publish(PositionClosed(closed, None))
        return closed
