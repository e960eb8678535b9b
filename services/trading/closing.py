"""Closing positions on the trader's word: close one, stop (halt and cancel the entries still
waiting), close everything (halt and close at market). Idempotent and audited; a close
that cannot be completed leaves the position protected and says why.

    close(open position): cancel its stop and take-profits ─▶ market close of what is left
                          (reduce-only on futures) ─▶ closed, reason manual / close_all
    close(waiting entry): cancel the entry ─▶ closed, reason cancelled (a part that filled
                          meanwhile is closed like an open position)
"""

from __future__ import annotations

from dataclasses import dataclass

from services.audit import AuditTrail
from services.clock import Clock
from services.control import TradingControl
from services.trading.engine_execution import Execution
from services.trading.exits import Markets, PositionExits
from services.trading.port import ExchangeError
from storage.database import Database
from storage.position_orders import PositionOrderRepository
from storage.positions import (
    ACTIVE,
    CLOSED,
    PENDING_APPROVAL,
    WAITING_ENTRY,
    PositionRepository,
    PositionRow,
)


@dataclass(frozen=True)
class CloseResult:
    """outcome: closed / already_closed / not_found / not_open / failed. `reason` explains
    anything but closed, in words a trader reads."""

    outcome: str
    position: PositionRow | None
    reason: str | None = None

    @property
    def closed(self) -> bool:
        return self.outcome == "closed"


@dataclass(frozen=True)
class StopResult:
    changed: bool  # the bot was not stopped before
    results: tuple[CloseResult, ...]  # one per position acted on


class PositionCloser:
    def __init__(self, *, db: Database, positions: PositionRepository,
                 orders: PositionOrderRepository, execution: Execution, exits: PositionExits,
                 control: TradingControl, audit: AuditTrail, clock: Clock,
                 markets: Markets) -> None:
        self._db = db
        self._positions = positions
        self._orders = orders
        self._execution = execution
        self._exits = exits
        self._control = control
        self._audit = audit
        self._clock = clock
        self._markets = markets

    async def close(self, position_id: int, *, actor_id: int, role: str = "admin",
                    reason: str = "manual") -> CloseResult:
        """Close one position at market (or cancel its waiting entry)."""
        async with self._execution.lock:
            result = await self._close(position_id, reason)
        await self._audit.record(actor_id=actor_id, role=role, action="close",
                                 outcome=result.outcome, position=position_id,
                                 reason=result.reason)
        return result

    async def stop(self, *, actor_id: int, role: str = "admin") -> StopResult:
        """Halt new entries and cancel every entry still waiting for its price. Open
        positions keep their stop and take-profits."""
        switched = await self._control.stop(actor_id, role)
        async with self._execution.lock:
            results = [await self._close(p.id, "cancelled")
                       for p in await self._positions.with_status(WAITING_ENTRY)]
        return StopResult(switched.changed, tuple(results))

    async def close_all(self, *, actor_id: int, role: str = "admin") -> StopResult:
        """Halt new entries and close every position (entries waiting are cancelled)."""
        switched = await self._control.stop(actor_id, role, action="close_all")
        async with self._execution.lock:
            results = [await self._close(p.id, "close_all")
                       for p in await self._positions.active()]
        await self._audit.record(actor_id=actor_id, role=role, action="close_all",
                                 outcome="done", closed=sum(r.closed for r in results),
                                 failed=sum(r.outcome == "failed" for r in results))
        return StopResult(switched.changed, tuple(results))

    async def _close(self, position_id: int, reason: str) -> CloseResult:
        position = await self._positions.get(position_id)
        if position is None:
            return CloseResult("not_found", None, "no such position")
        if position.status == PENDING_APPROVAL:
            return CloseResult("not_open", position,
                               "it is waiting for approval: reject it on its card")
        if position.status not in ACTIVE:
            return CloseResult("already_closed", position, f"it is {position.status}")
        unfilled = "cancelled" if reason == "manual" else reason
        if not await self._exits.cancel_open_orders(position, reason=unfilled):
            await self._restore_stop(position_id)
            return CloseResult("failed", await self._positions.get(position_id),
                               "the exchange did not confirm the cancel of its orders; "
                               "nothing was sold — try again")
        position = await self._positions.get(position_id)
        assert position is not None
        if position.status == CLOSED:  # an exit filled on the way
            return CloseResult("closed", position)
        if position.status == WAITING_ENTRY:
            closed = await self._exits.entries.close_unfilled(position, unfilled)
            return CloseResult("closed", closed)
        return await self._market_close(position, reason)

    async def _market_close(self, position: PositionRow, reason: str) -> CloseResult:
        try:
            market = (await self._markets())[position.symbol]
        except ExchangeError as exc:
            await self._restore_stop(position.id)
            return CloseResult("failed", position, f"the exchange is not answering: "
                                                   f"{exc.reason}")
        closed = await self._exits.market_exit(position, market,
                                               await self._exits.next_close_leg(position.id),
                                               position.remaining, reason=reason)
        if closed is None or closed.status != CLOSED:
            await self._restore_stop(position.id)
            return CloseResult("failed", await self._positions.get(position.id),
                               "the exchange did not fill the close order (see the order "
                               "failure message); the stop is kept")
        return CloseResult("closed", closed)

    async def _restore_stop(self, position_id: int) -> None:
        """After a close that did not happen, put the stop back if it was cancelled."""
        position = await self._positions.get(position_id)
        if position is None or position.remaining <= 0 or position.status not in ACTIVE:
            return
        if await self._exits.live_stop(position_id) is not None:
            return
        try:
            market = (await self._markets())[position.symbol]
        except ExchangeError:
            return
        await self._exits.replace_stop(position, market, position.stop_loss, "remainder")
