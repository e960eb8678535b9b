"""A channel's management posts applied to the position of the signal they manage, over the
real paper exchange: stop moves, break-even, partial and full closes, cancels; a channel
set to ignore its updates changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.parsing import UpdateKind
from services.parsing.model import UpdateAction
from services.trading.engine_events import PositionClosed, StopMoved, UpdateApplied
from storage.channels import ChannelRepository
from tests.services.trading.test_engine_support import (
    CHANNEL,
    D,
    EngineHarness,
    engine_harness,
)


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[EngineHarness]:
    async with engine_harness(tmp_path) as harness:
        harness.paper.fake.set_price("BTC/USDT", "95000")
        yield harness


async def opened(h: EngineHarness):  # type: ignore[no-untyped-def]
    signal = await h.signal()
    position = await h.engine.on_signal(signal)
    assert position.status == "open"
    await h.engine.tracker.tick()  # the tracker has seen a price
    h.events.clear()
    return signal, position


async def applied(h: EngineHarness) -> UpdateApplied:
    [result] = h.of(UpdateApplied)
    return result


async def test_stop_moved_by_the_channel_replaces_the_stop_order(h: EngineHarness) -> None:
    signal, position = await opened(h)
    await h.engine.on_update(await h.update(signal, UpdateAction(UpdateKind.MOVE_SL,
                                                                  price=D("94000"))))
    result = await applied(h)
    assert result.applied == ("stop moved to 94000",)
    legs = await h.legs(position.id)
    assert (legs["sl"].state, legs["sl1"].trigger_price, legs["sl1"].state) == (
        "canceled", D("94000"), "open")
    [moved] = h.of(StopMoved)
    assert (moved.new, moved.why) == (D("94000"), "channel")


async def test_stop_to_break_even(h: EngineHarness) -> None:
    signal, position = await opened(h)
    await h.move("95500")  # in profit: the entry (95047.5 after slippage) is below the price
    await h.engine.on_update(await h.update(signal, UpdateAction(UpdateKind.SL_TO_BREAKEVEN)))
    assert (await h.position(position.id)).stop_loss == D("95047.5")


async def test_a_stop_past_the_price_is_refused_with_the_reason(h: EngineHarness) -> None:
    signal, position = await opened(h)
    await h.engine.on_update(await h.update(signal, UpdateAction(UpdateKind.MOVE_SL,
                                                                  price=D("96000"))))
    result = await applied(h)
    assert result.applied == ()
    assert "already past the price" in result.skipped[0]
    assert (await h.position(position.id)).stop_loss == D("93000")


async def test_close_from_the_channel_closes_the_position(h: EngineHarness) -> None:
    signal, position = await opened(h)
    await h.engine.on_update(await h.update(signal, UpdateAction(UpdateKind.CLOSE),
                                            close=True))
    after = await h.position(position.id)
    assert (after.status, after.reason) == ("closed", "channel")
    assert len(h.of(PositionClosed)) == 1
    assert (await applied(h)).applied == ("closed as the channel said",)


async def test_partial_close_sells_the_share_and_the_stop_follows_the_rest(
        h: EngineHarness) -> None:
    signal, position = await opened(h)
    await h.engine.on_update(await h.update(signal, UpdateAction(UpdateKind.CLOSE_PCT,
                                                                  percent=D(50))))
    after = await h.position(position.id)
    assert (after.status, after.closed_amount, after.remaining) == (
        "partially_closed", D("0.005"), D("0.005"))
    stop = await h.engine.exits.live_stop(position.id)
    assert stop is not None and (stop.amount, stop.trigger_price) == (D("0.005"), D("93000"))


async def test_cancel_of_a_waiting_entry(h: EngineHarness) -> None:
    signal = await h.signal(entries=("94000",))
    position = await h.engine.on_signal(signal)
    await h.engine.on_update(await h.update(signal, UpdateAction(UpdateKind.CANCEL_PENDING)))
    after = await h.position(position.id)
    assert (after.status, after.reason) == ("closed", "channel")


async def test_target_hit_post_changes_nothing(h: EngineHarness) -> None:
    signal, position = await opened(h)
    await h.engine.on_update(await h.update(signal, UpdateAction(UpdateKind.TP_HIT, target=1)))
    result = await applied(h)
    assert result.applied == ()
    assert result.skipped == ("target hit: nothing to do, the bot's own orders handle it",)
    assert (await h.position(position.id)).status == "open"


async def test_a_channel_set_to_ignore_updates_changes_nothing(h: EngineHarness) -> None:
    signal, position = await opened(h)
    channels = ChannelRepository(h.paper.db)
    await channels.add(CHANNEL, title="Calls", username="calls", by=None,
                       now=h.paper.clock.now())
    await channels.set_updates(CHANNEL, "ignore", h.paper.clock.now())
    await h.engine.on_update(await h.update(signal, UpdateAction(UpdateKind.CLOSE),
                                            close=True))
    assert (await h.position(position.id)).status == "open"
    assert "only shown" in (await applied(h)).skipped[0]


async def test_an_update_for_a_closed_position_says_so(h: EngineHarness) -> None:
    signal, position = await opened(h)
    await h.engine.closer.close(position.id, actor_id=1)
    h.events.clear()
    await h.engine.on_update(await h.update(signal, UpdateAction(UpdateKind.CLOSE),
                                            close=True))
    assert (await applied(h)).skipped == ("the position is already closed",)
