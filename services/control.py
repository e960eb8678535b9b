"""The trader's switches: pause, stop and resume (persisted, audited, idempotent).

Paused means no new entries are taken; open positions keep being managed. Stopped is the
same halt, taken by /stop and /closeall (which also cancel entries still waiting): the
bot stays halted until an admin resumes it. The risk gate reads `state()` before every
entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.audit import AuditTrail
from services.clock import Clock
from storage.database import Database
from storage.runtime_settings import RuntimeSettingsRepository
from storage.timefmt import from_db, to_db

STATE_KEY = "trading.state"
PEAK_SINCE_KEY = "risk.peak_since"


class TradingState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    HALTED = "halted"  # by the risk gate itself (max drawdown); `reason` says why


@dataclass(frozen=True)
class ControlState:
    state: TradingState
    since: datetime | None
    by: int | None
    reason: str | None = None  # why the bot halted itself (HALTED only)


@dataclass(frozen=True)
class ControlResult:
    state: ControlState
    changed: bool


class TradingControl:
    def __init__(self, db: Database, settings: RuntimeSettingsRepository, audit: AuditTrail,
                 clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._audit = audit
        self._clock = clock

    async def state(self) -> ControlState:
        raw = await self._settings.get(STATE_KEY)
        if not raw:
            return ControlState(TradingState.RUNNING, None, None)
        return ControlState(TradingState(raw["state"]), from_db(raw["since"]), raw.get("by"),
                            raw.get("reason"))

    async def pause(self, actor_id: int, role: str) -> ControlResult:
        """Stop taking new entries. Pausing twice changes nothing the second time."""
        return await self._switch(TradingState.PAUSED, actor_id, role)

    async def resume(self, actor_id: int, role: str) -> ControlResult:
        """Take new entries again."""
        return await self._switch(TradingState.RUNNING, actor_id, role)

    async def halt(self, reason: str) -> ControlResult:
        """The risk gate halts new entries by itself (max drawdown) until an admin resumes.
        A stop or pause already in place is kept (it is at least as strict)."""
        if (await self.state()).state is not TradingState.RUNNING:
            return ControlResult(await self.state(), changed=False)
        return await self._switch(TradingState.HALTED, None, "risk", "halt", reason)

    async def stop(self, actor_id: int, role: str, action: str = "stop") -> ControlResult:
        """Halt new entries until resumed (the position side is done by the closer)."""
        return await self._switch(TradingState.STOPPED, actor_id, role, action)

    async def _switch(self, target: TradingState, actor_id: int | None, role: str,
                      action: str | None = None, reason: str | None = None) -> ControlResult:
        action = action or {TradingState.PAUSED: "pause", TradingState.STOPPED: "stop",
                            TradingState.RUNNING: "resume"}[target]
        async with self._db.transaction():
            current = await self.state()
            if current.state is target:
                await self._audit.record(actor_id=actor_id, role=role, action=action,
                                         outcome="unchanged")
                return ControlResult(current, changed=False)
            now = self._clock.now()
            await self._settings.put(
                STATE_KEY, {"state": target.value, "since": to_db(now), "by": actor_id,
                            "reason": reason}, by=actor_id, now=now)
            if current.state is TradingState.HALTED and target is TradingState.RUNNING:
                # The drawdown is measured from a new peak: the one before the halt would
                # halt again at once.
                await self._settings.put(PEAK_SINCE_KEY, to_db(now), by=actor_id, now=now)
            await self._audit.record(actor_id=actor_id, role=role, action=action,
                                     outcome="done", previous=current.state.value,
                                     reason=reason)
        return ControlResult(ControlState(target, now, actor_id, reason), changed=True)

    async def peak_since(self) -> datetime | None:
        """Since when the peak equity counts (the last resume after a drawdown halt)."""
        raw = await self._settings.get(PEAK_SINCE_KEY)
        return from_db(raw) if raw else None
