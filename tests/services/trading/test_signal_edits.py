"""A channel edits a signal the bot acted on: a pending card takes the new levels, a traded
position gets a proposal that changes nothing until Apply (once) — over the real paper
exchange."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from services.events import PostEdited, SignalAccepted
from services.trading.edits import ApprovalRevised, EditProposed, SignalEdits
from storage.position_orders import PositionOrderRepository
from storage.positions import PositionRepository
from storage.runtime_settings import RuntimeSettingsRepository
from tests.services.trading.test_engine_support import (
    ADMIN,
    BTC_PERP,
    D,
    EngineHarness,
    engine_harness,
)


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[EngineHarness]:
    async with engine_harness(tmp_path) as harness:
        harness.paper.fake.set_price("BTC/USDT", "95000")
        engine = harness.engine
        harness.edits = SignalEdits(  # type: ignore[attr-defined]
            db=harness.paper.db, positions=PositionRepository(harness.paper.db),
            orders=PositionOrderRepository(harness.paper.db),
            settings=RuntimeSettingsRepository(harness.paper.db), execution=engine.execution,
            exits=engine.exits, events=harness.bus, audit=harness.audit,
            clock=harness.paper.clock, markets=harness.exchange.load_markets)
        yield harness


def edited(original: SignalAccepted, *, stop: str, targets: tuple[str, ...]) -> PostEdited:
    signal = replace(original.signal, stop_loss=D(stop), targets=tuple(D(t) for t in targets))
    return PostEdited(original.signal_id + 100, original.channel, original.post,
                      original.post.text, original.signal_id, signal)


async def test_an_edit_of_a_pending_signal_updates_its_card(h: EngineHarness) -> None:
    original = await h.signal(mode="manual")
    pending = await h.engine.on_signal(original)
    await h.edits.on_edit(edited(original, stop="93500", targets=("96500", "97500")))  # type: ignore[attr-defined]

    [revised] = h.of(ApprovalRevised)
    assert (revised.position.stop_loss, revised.position.targets) == (
        D("93500"), (D("96500"), D("97500")))
    assert revised.before.stop_loss == D("93000")
    assert (await h.position(pending.id)).status == "pending_approval"


async def test_an_edit_of_a_traded_signal_changes_nothing_until_applied(
        h: EngineHarness) -> None:
    original = await h.signal()
    position = await h.engine.on_signal(original)
    await h.engine.tracker.tick()
    await h.edits.on_edit(edited(original, stop="94000", targets=("96500", "97500")))  # type: ignore[attr-defined]

    [proposal] = h.of(EditProposed)
    assert (proposal.after.stop_loss, proposal.before.stop_loss) == (D("94000"), D("93000"))
    assert (await h.position(position.id)).stop_loss == D("93000")  # nothing yet

    decision = await h.edits.decide(position.id, True, actor_id=ADMIN)  # type: ignore[attr-defined]

    assert decision.outcome == "applied"
    after = await h.position(position.id)
    assert (after.stop_loss, after.targets) == (D("94000"), (D("96500"), D("97500")))
    on_book = {o.client_id or "": o for o in await h.exchange.fetch_open_orders(BTC_PERP)}
    # The replacing orders are revisions of TP1 and TP2: the numbers stay the list's.
    assert sorted(on_book) == ["sd-1-sl1", "sd-1-tp1r1", "sd-1-tp2r1"]
    assert [on_book[c].trigger_price for c in ("sd-1-tp1r1", "sd-1-tp2r1")] == [
        D("96500"), D("97500")]
    assert sum(on_book[c].amount for c in ("sd-1-tp1r1", "sd-1-tp2r1")) == after.remaining
    again = await h.edits.decide(position.id, True, actor_id=ADMIN)  # type: ignore[attr-defined]
    assert again.outcome == "nothing_pending"


async def test_ignoring_an_edit_keeps_the_levels(h: EngineHarness) -> None:
    original = await h.signal()
    position = await h.engine.on_signal(original)
    await h.edits.on_edit(edited(original, stop="94000", targets=("96000",)))  # type: ignore[attr-defined]
    decision = await h.edits.decide(position.id, False, actor_id=ADMIN)  # type: ignore[attr-defined]
    assert decision.outcome == "ignored"
    after = await h.position(position.id)
    assert (after.stop_loss, len(after.targets)) == (D("93000"), 3)
