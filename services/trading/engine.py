"""The trading engine: an accepted signal becomes a position — skipped with a reason,
waiting for approval, or executed at once — and every outcome is recorded and emitted.

    signal ─▶ market? ─▶ size (channel rule or global) ─▶ round + check_order ─▶ risk gate
           ─▶ manual channel: pending_approval ─▶ approve (gate again) ─▶ execute
           ─▶ auto channel: execute at once
Planning (size, leverage, the risk gate) lives in `entry_plan.py`, execution and crash
recovery in `engine_execution.py`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.audit import AuditTrail
from services.clock import Clock
from services.control import TradingControl
from services.events import EventBus, SignalAccepted, TradeUpdateReceived
from services.runtime_config import RuntimeConfig
from services.trading.channel_updates import ChannelUpdates
from services.trading.client_ids import ClientIds, entry_leg
from services.trading.closing import PositionCloser
from services.trading.engine_events import (
    ApprovalExpired,
    ApprovalRequested,
    PositionApproved,
    PositionClosed,
    PositionRejected,
    PositionSkipped,
)
from services.trading.engine_execution import Execution, intent_of
from services.trading.entry_plan import EntryPlanner, Plan, Skip
from services.trading.exits import PositionExits
from services.trading.orders import entry_side
from services.trading.port import ExchangeError, MarketKind, OrderRequest
from services.trading.resilient import ResilientExchange
from services.trading.risk_monitor import RiskMonitor
from services.trading.tracker import LiveOrderFeed, OrderFeed, PositionTracker
from storage.channels import ChannelRepository, channel_label
from storage.database import Database
from storage.equity import EquityRepository
from storage.position_orders import SENT, PositionOrderRepository, PositionOrderRow
from storage.positions import (
    PENDING_APPROVAL,
    REJECTED,
    SKIPPED,
    WAITING_ENTRY,
    DuplicateSignal,
    NewPosition,
    PositionRepository,
    PositionRow,
)

FRESH_PRICE = timedelta(seconds=10)  # a market check's price this old is still used


@dataclass(frozen=True)
class Decision:
    """What approve / reject did. `changed` is False when nothing happened (already
    decided, expired, unknown position); `reason` says why, for the person who pressed."""

    outcome: str  # executed / rejected / skipped / already_decided / expired / not_found
    position: PositionRow | None
    reason: str | None = None

    @property
    def changed(self) -> bool:
        return self.outcome in ("executed", "rejected", "skipped")


class TradingEngine:
    def __init__(self, *, db: Database, exchange: ResilientExchange,
                 positions: PositionRepository, orders: PositionOrderRepository,
                 channels: ChannelRepository, config: RuntimeConfig, control: TradingControl,
                 events: EventBus, audit: AuditTrail, clock: Clock,
                 ids: ClientIds | None = None, feed: OrderFeed | None = None,
                 equity: EquityRepository | None = None, tz: ZoneInfo | None = None) -> None:
        """`feed` tells the tracker which orders changed: the paper exchange's own fills
        (`PaperOrderFeed`), or by default a real exchange's open-orders book."""
        self._db = db
        self._exchange = exchange
        self._positions = positions
        self._orders = orders
        self._channels = channels
        self._config = config
        self._control = control
        self._events = events
        self._audit = audit
        self._clock = clock
        self.execution = Execution(db=db, positions=positions, orders=orders,
                                   exchange=exchange, events=events, clock=clock,
                                   ids=ids or ClientIds(), tp_weights=config.tp_weights)
        self._deciding = asyncio.Lock()  # one approve / reject at a time
        self.exits = PositionExits(db=db, positions=positions, orders=orders,
                                   execution=self.execution, events=events, config=config,
                                   clock=clock, markets=exchange.load_markets)
        self.closer = PositionCloser(db=db, positions=positions, orders=orders,
                                     execution=self.execution, exits=self.exits, control=control,
                                     audit=audit, clock=clock, markets=exchange.load_markets)
        self.equity = equity or EquityRepository(db)
        self.risk = RiskMonitor(equity=self.equity, channels=channels, control=control,
                                config=config, events=events, clock=clock, tz=tz)
        events.subscribe(self.risk.on_closed, PositionClosed)
        self.planner = EntryPlanner(exchange=exchange, positions=positions, config=config,
                                    risk=self.risk)
        self.tracker = PositionTracker(
            exchange=exchange, feed=feed or LiveOrderFeed(exchange, orders),
            execution=self.execution, exits=self.exits, positions=positions, orders=orders,
            equity=self.equity, config=config, events=events, clock=clock,
            markets=exchange.load_markets, ids=self.execution.ids, on_equity=self.risk.on_equity)
        self.channel_updates = ChannelUpdates(
            positions=positions, orders=orders, channels=channels, execution=self.execution,
            exits=self.exits, closer=self.closer, tracker=self.tracker,
            markets=exchange.load_markets)

    # ---- signals ------------------------------------------------------------------------------
    async def on_signal(self, event: SignalAccepted) -> PositionRow:
        """Turn an accepted signal into a position. A signal seen again returns its
        position unchanged (the event bus may redeliver after a restart): the position's
        insert finds it (one position per signal), before any order and any message."""
        try:
            return await self._new_position(event)
        except DuplicateSignal:
            existing = await self._positions.by_signal(event.signal_id)
            assert existing is not None
            return existing

    async def _new_position(self, event: SignalAccepted) -> PositionRow:
        signal = event.signal
        draft = NewPosition(
            signal_id=event.signal_id, channel_id=event.channel.channel_id,
            symbol=event.market_symbol or signal.symbol, side=signal.side.value,
            market_kind=self._exchange.kind.value, status=SKIPPED,
            entry_type="market" if signal.at_market or not signal.entries
            else signal.entry_type.value,
            entry_prices=signal.entries, targets=signal.targets, stop_loss=signal.stop_loss)
        if event.market_symbol is None:
            return await self._skipped(draft, "market not checked: the exchange could not "
                                              "confirm the symbol and price")
        channel = await self._channels.get(event.channel.channel_id)
        try:
            plan = await self.planner.plan(draft, channel, signal.leverage,
                                           self._fresh_price(event))
            draft = replace(draft, leverage=plan.leverage, margin=plan.margin,
                            planned_amount=plan.amount)
            reason = await self.planner.risk_reason(draft, channel, plan.market, plan.equity)
        except Skip as exc:
            return await self._skipped(draft, str(exc))
        except ExchangeError as exc:
            return await self._skipped(draft, f"the exchange is not answering: {exc.reason}")
        if reason is not None:
            return await self._skipped(draft, reason)
        if event.channel.mode != "auto":
            expiry = timedelta(minutes=int(await self._config.get("approval.expiry_min")))
            expires_at = self._clock.now() + expiry
            position = await self._add(replace(draft, status=PENDING_APPROVAL,
                                               approval_expires_at=expires_at))
            split = tuple(part.price for part in plan.parts) if len(plan.parts) > 1 else ()
            await self._events.publish(ApprovalRequested(position, event.channel, expires_at,
                                                         split))
            return position
        async with self.execution.lock:
            return await self._execute_new(draft, plan)

    async def on_update(self, event: TradeUpdateReceived) -> None:
        """A channel's management post: applied to its signal's position (if any)."""
        result = await self.channel_updates.apply(event)
        if result is not None:
            await self._events.publish(result)

    # ---- approvals ----------------------------------------------------------------------------
    async def approve(self, position_id: int, *, actor_id: int, role: str = "admin",
                      factor: Decimal = Decimal(1)) -> Decision:
        """Execute a pending position (size × `factor`) after the risk gate passes again.
        Pressing twice executes once; an expired card is refused."""
        async with self._deciding:
            position = await self._positions.get(position_id)
            refusal = await self._refusal(position, actor_id, role, "approve")
            if refusal is not None:
                return refusal
            assert position is not None
            channel = await self._channels.get(position.channel_id)
            try:
                plan = await self.planner.approved(position, factor)
                reason = await self.planner.risk_reason(replace(
                    _draft_of(position), margin=plan.margin), channel, plan.market)
            except Skip as exc:
                reason = str(exc)
            except ExchangeError as exc:
                reason = f"the exchange is not answering: {exc.reason}"
            now = self._clock.now()
            if reason is not None:
                await self._positions.update(position_id, now=now, status=SKIPPED,
                                             reason=reason, decided_by=actor_id, decided_at=now)
                skipped = await self._positions.get(position_id)
                assert skipped is not None
                await self._audit.record(actor_id=actor_id, role=role, action="approve",
                                         outcome="skipped", position=position_id, reason=reason)
                await self._events.publish(PositionSkipped(skipped, reason))
                return Decision("skipped", skipped, reason)
            await self._audit.record(actor_id=actor_id, role=role, action="approve",
                                     outcome="done", position=position_id, factor=str(factor))
            async with self.execution.lock:
                executed = await self._execute_pending(position, plan, actor_id)
            await self._events.publish(PositionApproved(executed, actor_id, factor))
            return Decision("executed", executed)

    async def reject(self, position_id: int, *, actor_id: int, role: str = "admin") -> Decision:
        """Decline a pending position. Rejecting twice changes nothing the second time."""
        async with self._deciding:
            position = await self._positions.get(position_id)
            refusal = await self._refusal(position, actor_id, role, "reject")
            if refusal is not None:
                return refusal
            now = self._clock.now()
            await self._positions.update(position_id, now=now, status=REJECTED,
                                         reason="rejected", decided_by=actor_id, decided_at=now)
            await self._audit.record(actor_id=actor_id, role=role, action="reject",
                                     outcome="done", position=position_id)
            rejected = await self._positions.get(position_id)
            assert rejected is not None
            await self._events.publish(PositionRejected(rejected, actor_id))
            return Decision("rejected", rejected)

    async def expire_approvals(self) -> list[PositionRow]:
        """Mark every pending approval past its expiry as skipped (the scheduler's job)."""
        expired = []
        async with self._deciding:
            for position in await self._positions.approvals_due(self._clock.now()):
                expired.append(await self._expire(position))
        return expired

    async def _refusal(self, position: PositionRow | None, actor_id: int, role: str,
                       action: str) -> Decision | None:
        if position is None:
            return Decision("not_found", None, "no such position")
        if position.status != PENDING_APPROVAL:
            await self._audit.record(actor_id=actor_id, role=role, action=action,
                                     outcome="unchanged", position=position.id,
                                     status=position.status)
            return Decision("already_decided", position,
                            f"already decided: the position is {position.status}")
        expires_at = position.approval_expires_at
        if expires_at is not None and self._clock.now() >= expires_at:
            await self._audit.record(actor_id=actor_id, role=role, action=action,
                                     outcome="expired", position=position.id)
            return Decision("expired", await self._expire(position), "the approval expired")
        return None

    async def _expire(self, position: PositionRow) -> PositionRow:
        await self._positions.update(position.id, now=self._clock.now(), status=SKIPPED,
                                     reason="approval expired")
        expired = await self._positions.get(position.id)
        assert expired is not None
        channel = await self._channels.get(position.channel_id)
        await self._events.publish(ApprovalExpired(
            expired, channel_label(channel, position.channel_id)))
        return expired

    # ---- execution ------------------------------------------------------------------------------
    async def _execute_new(self, draft: NewPosition, plan: Plan) -> PositionRow:
        if not await self._set_leverage(plan):
            return await self._skipped(draft, f"the exchange refused {plan.leverage}x leverage")
        now = self._clock.now()
        async with self._db.transaction():  # the position and its entry intents together
            position_id = await self._positions.add(replace(draft, status=WAITING_ENTRY),
                                                    now=now)
            requests = await self._entry_intents(position_id, draft.side, plan)
        return await self._enter(position_id, requests, plan)

    async def _execute_pending(self, position: PositionRow, plan: Plan,
                               actor_id: int) -> PositionRow:
        now = self._clock.now()
        if not await self._set_leverage(plan):
            reason = f"the exchange refused {plan.leverage}x leverage"
            await self._positions.update(position.id, now=now, status=SKIPPED, reason=reason,
                                         decided_by=actor_id, decided_at=now)
            skipped = await self._positions.get(position.id)
            assert skipped is not None
            await self._events.publish(PositionSkipped(skipped, reason))
            return skipped
        async with self._db.transaction():
            await self._positions.update(
                position.id, now=now, status=WAITING_ENTRY, margin=plan.margin,
                planned_amount=plan.amount, decided_by=actor_id, decided_at=now)
            requests = await self._entry_intents(position.id, position.side, plan)
        return await self._enter(position.id, requests, plan)

    async def _entry_intents(self, position_id: int, side: str,
                             plan: Plan) -> list[OrderRequest]:
        """The entry's orders, each written as an intent (in the caller's transaction):
        one `entry`, or `entry1`…`entryN` for a zone split over several limits."""
        split = len(plan.parts) > 1
        requests = []
        for number, part in enumerate(plan.parts, start=1):
            leg = entry_leg(number if split else None)
            request = OrderRequest(
                client_id=self.execution.ids.make(position_id, leg), symbol=plan.market.symbol,
                side=entry_side(side), type=plan.entry.type, amount=part.amount,
                price=None if plan.entry.price is None else part.price)  # None: market
            await self._orders.add_intent(intent_of(position_id, leg, request),
                                          now=self._clock.now(), state=SENT)
            requests.append(request)
        return requests

    async def _enter(self, position_id: int, requests: list[OrderRequest],
                     plan: Plan) -> PositionRow:
        """Send the entry's orders. A split entry's parts go one after the other; each
        answer is applied as it comes (a part that fills at once opens the position or
        adds to it)."""
        if len(requests) == 1:
            sent = await self.execution.send(requests[0], marked=True)
            return await self.execution.after_entry(position_id, sent, plan.market)
        for request in requests:
            sent = await self.execution.send(request, marked=True)
            if sent.order is not None:
                await self.exits.on_order(request.client_id, sent.order)
        return await self.exits.entries.entries_sent(position_id)

    async def _set_leverage(self, plan: Plan) -> bool:
        if plan.market.kind is not MarketKind.FUTURES:
            return True
        try:
            await self._exchange.set_leverage(plan.market.symbol, plan.leverage)
        except ExchangeError:
            return False
        return True

    async def resume_in_flight(self) -> list[PositionOrderRow]:
        """On start: resolve every order intent a previous run left unanswered, by looking
        its client id up on the exchange (and sending it only when it is not there)."""
        if not await self._orders.in_flight():
            return []  # the usual start: nothing to ask the exchange
        async with self.execution.lock:
            return await self.exits.resume_in_flight()

    def _fresh_price(self, event: SignalAccepted) -> Decimal | None:
        """The market check's price when it is seconds old (the signal is handled as it
        arrives); None — ask the exchange — for one redelivered later."""
        if event.market_price is None or event.priced_at is None:
            return None
        if self._clock.now() - event.priced_at > FRESH_PRICE:
            return None
        return event.market_price

    # ---- records ---------------------------------------------------------------------------------
    async def _add(self, draft: NewPosition) -> PositionRow:
        position_id = await self._positions.add(draft, now=self._clock.now())
        position = await self._positions.get(position_id)
        assert position is not None
        return position

    async def _skipped(self, draft: NewPosition, reason: str) -> PositionRow:
        position = await self._add(replace(draft, status=SKIPPED, reason=reason))
        await self._events.publish(PositionSkipped(position, reason))
        return position


def _draft_of(position: PositionRow) -> NewPosition:
    return NewPosition(
        signal_id=position.signal_id, channel_id=position.channel_id, symbol=position.symbol,
        side=position.side, market_kind=position.market_kind, status=position.status,
        entry_type=position.entry_type, entry_prices=position.entry_prices,
        targets=position.targets, stop_loss=position.stop_loss, leverage=position.leverage,
        margin=position.margin, planned_amount=position.planned_amount)
