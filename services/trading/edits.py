"""A channel edits a signal post the bot has already acted on. Nothing changes silently:

- the position still waits for approval → its plan (entries, targets, stop) takes the
  edited values at once and a revised card is sent (the decision is still to be made);
- the position is waiting / open → the difference is proposed to the admins with Apply /
  Ignore; Apply moves the stop and replaces the take-profits still open (entries already
  placed are not moved: close and let a new signal in if that is wanted).

A proposal is kept in the runtime settings table until applied or ignored, so buttons work
across restarts; pressing twice acts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.audit import AuditTrail
from services.clock import Clock
from services.events import EventBus, PostEdited
from services.parsing import ParsedSignal
from services.trading.engine_execution import Execution
from services.trading.exits import Markets, PositionExits
from services.trading.port import ExchangeError
from storage.database import Database
from storage.position_orders import PositionOrderRepository
from storage.positions import (
    ACTIVE,
    OPEN,
    PARTIALLY_CLOSED,
    PENDING_APPROVAL,
    PositionRepository,
    PositionRow,
)
from storage.runtime_settings import RuntimeSettingsRepository

PROPOSAL_KEY = "edit.proposal.{id}"


@dataclass(frozen=True)
class Plan:
    entries: tuple[Decimal, ...]
    targets: tuple[Decimal, ...]
    stop_loss: Decimal | None

    @classmethod
    def of(cls, position: PositionRow) -> Plan:
        return cls(position.entry_prices, position.targets, position.stop_loss)

    @classmethod
    def of_signal(cls, signal: ParsedSignal) -> Plan:
        return cls(signal.entries, signal.targets, signal.stop_loss)

    def to_json(self) -> dict[str, object]:
        return {"entries": [str(p) for p in self.entries],
                "targets": [str(p) for p in self.targets],
                "stop_loss": str(self.stop_loss) if self.stop_loss is not None else None}

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> Plan:
        stop = raw.get("stop_loss")
        entries, targets = raw.get("entries") or [], raw.get("targets") or []
        assert isinstance(entries, list) and isinstance(targets, list)
        return cls(tuple(Decimal(str(p)) for p in entries),
                   tuple(Decimal(str(p)) for p in targets),
                   Decimal(str(stop)) if stop is not None else None)


@dataclass(frozen=True)
class ApprovalRevised:
    """A pending approval's plan took the channel's edit; a fresh card is due."""

    position: PositionRow
    before: Plan


@dataclass(frozen=True)
class EditProposed:
    """An edit of a traded signal, waiting for an admin's Apply or Ignore."""

    position: PositionRow
    before: Plan
    after: Plan


@dataclass(frozen=True)
class EditDecision:
    outcome: str  # applied / ignored / nothing_pending / closed
    position: PositionRow | None
    notes: tuple[str, ...] = ()


class SignalEdits:
    def __init__(self, *, db: Database, positions: PositionRepository,
                 orders: PositionOrderRepository, settings: RuntimeSettingsRepository,
                 execution: Execution, exits: PositionExits, events: EventBus,
                 audit: AuditTrail, clock: Clock, markets: Markets) -> None:
        self._db = db
        self._positions = positions
        self._orders = orders
        self._settings = settings
        self._execution = execution
        self._exits = exits
        self._events = events
        self._audit = audit
        self._clock = clock
        self._markets = markets

    async def on_edit(self, event: PostEdited) -> None:
        if event.previous_signal_id is None or event.signal is None:
            return
        position = await self._positions.by_signal(event.previous_signal_id)
        if position is None:
            return
        before, after = Plan.of(position), Plan.of_signal(event.signal)
        if before == after:
            return
        now = self._clock.now()
        if position.status == PENDING_APPROVAL:
            await self._positions.update(position.id, now=now, entry_prices=after.entries,
                                         targets=after.targets, stop_loss=after.stop_loss)
            revised = await self._positions.get(position.id)
            assert revised is not None
            await self._events.publish(ApprovalRevised(revised, before))
            return
        if position.status not in ACTIVE:
            return
        await self._settings.put(PROPOSAL_KEY.format(id=position.id), after.to_json(),
                                 by=None, now=now)
        await self._events.publish(EditProposed(position, before, after))

    async def decide(self, position_id: int, apply: bool, *, actor_id: int,
                     role: str = "admin") -> EditDecision:
        """Apply or ignore the pending proposal of `position_id` (once)."""
        key = PROPOSAL_KEY.format(id=position_id)
        async with self._execution.lock:
            raw = await self._settings.get(key)
            position = await self._positions.get(position_id)
            if raw is None or position is None:
                return EditDecision("nothing_pending", position)
            await self._settings.delete(key)
            if not apply:
                outcome = EditDecision("ignored", position)
            elif position.status not in ACTIVE:
                outcome = EditDecision("closed", position)
            else:
                outcome = await self._apply(position, Plan.from_json(raw))
        await self._audit.record(actor_id=actor_id, role=role, action="signal_edit",
                                 outcome=outcome.outcome, position=position_id,
                                 notes=list(outcome.notes))
        return outcome

    async def _apply(self, position: PositionRow, after: Plan) -> EditDecision:
        notes: list[str] = []
        try:
            market = (await self._markets())[position.symbol]
        except (ExchangeError, KeyError) as exc:
            return EditDecision("failed", position, (f"the exchange is not answering: {exc}",))
        if after.entries != position.entry_prices:
            notes.append("entries: not moved (the entry is placed already)")
        if after.stop_loss != position.stop_loss and after.stop_loss is not None:
            if position.status in (OPEN, PARTIALLY_CLOSED):
                moved = await self._exits.replace_stop(position, market, after.stop_loss, "edit")
                if moved is None:
                    return EditDecision("closed", await self._positions.get(position.id),
                                        ("the old stop had fired",))
                notes.append(f"stop moved to {moved.stop_loss}")
            else:
                await self._positions.update(position.id, now=self._clock.now(),
                                             stop_loss=after.stop_loss)
                notes.append(f"stop will be {after.stop_loss} once the entry fills")
        if after.targets != position.targets:
            notes.append(await self._exits.replace_targets(position.id, market, after.targets))
        return EditDecision("applied", await self._positions.get(position.id), tuple(notes))
