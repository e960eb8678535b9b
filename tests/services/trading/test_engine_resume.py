"""kill -9 at the worst moments of an entry: the intent is on disk, the order may or may not
be on the exchange. A new run (new connection, new exchange objects, new engine) resolves it
by client id: exactly one order, never a forgotten one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.trading.engine_events import OrderFailed, PositionOpened
from services.trading.port import OrderRequest, OrderSide, OrderType
from storage.position_orders import OrderIntent
from storage.positions import NewPosition
from tests.services.trading.test_engine_support import (
    BTC_PERP,
    CHANNEL,
    D,
    EngineHarness,
    engine_harness,
)

ENTRY_ID = "sd-1-entry"


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[EngineHarness]:
    async with engine_harness(tmp_path) as harness:
        yield harness


async def write_entry_intent(h: EngineHarness) -> OrderRequest:
    """What the engine commits before it sends an entry: the position and the intent."""
    event = await h.signal()
    now = h.paper.clock.now()
    async with h.paper.db.transaction():
        position_id = await h.positions.add(NewPosition(
            signal_id=event.signal_id, channel_id=CHANNEL, symbol=BTC_PERP, side="long",
            market_kind="futures", status="waiting_entry", entry_type="market",
            targets=(D("96000"), D("97000")), stop_loss=D("93000"), leverage=10,
            margin=D("100"), planned_amount=D("0.010")), now=now)
        await h.orders.add_intent(OrderIntent(position_id, "entry", ENTRY_ID, BTC_PERP, "buy",
                                              "market", D("0.010")), now=now)
    assert position_id == 1
    return OrderRequest(ENTRY_ID, BTC_PERP, OrderSide.BUY, OrderType.MARKET, D("0.010"))


async def test_crash_after_the_intent_before_sending_resumes_with_one_order(
        h: EngineHarness) -> None:
    await write_entry_intent(h)
    engine = await h.restart()

    resolved = await engine.resume_in_flight()

    assert [(o.client_id, o.state) for o in resolved] == [(ENTRY_ID, "filled")]
    assert await h.paper_orders(ENTRY_ID) == 1
    position = await h.positions.get(1)
    assert position is not None and position.status == "open"
    legs = {o.leg: o.state for o in await h.orders.for_position(1)}
    assert legs == {"entry": "filled", "sl": "open", "tp1": "open", "tp2": "open"}
    assert len(h.of(PositionOpened)) == 1
    assert await engine.resume_in_flight() == []  # nothing left in flight


async def test_crash_after_sending_before_the_answer_was_recorded_never_sends_twice(
        h: EngineHarness) -> None:
    request = await write_entry_intent(h)
    placed = await h.paper.paper.create_order(request)  # reached the exchange, then kill -9
    engine = await h.restart()

    [resolved] = await engine.resume_in_flight()

    assert (resolved.state, resolved.exchange_id) == ("filled", placed.exchange_id)
    assert await h.paper_orders(ENTRY_ID) == 1
    [held] = await h.exchange.fetch_positions([BTC_PERP])
    assert held.amount == D("0.010")  # bought once
    position = await h.positions.get(1)
    assert position is not None and position.status == "open"
    assert position.filled_amount == D("0.010")


async def test_an_exit_refused_by_the_exchange_is_recorded_and_reported(
        h: EngineHarness) -> None:
    # A stop above the price would trigger at once: the exchange refuses it.
    position = await h.engine.on_signal(await h.signal(stop="96000",
                                                       targets=("97000",)))
    assert position.status == "open"
    legs = {o.leg: o for o in await h.orders.for_position(position.id)}
    assert legs["sl"].state == "rejected" and legs["sl"].error
    assert legs["tp1"].state == "open"
    [failed] = h.of(OrderFailed)
    assert (failed.leg, failed.unknown) == ("sl", False)


async def test_a_close_that_filled_before_the_crash_closes_the_position_on_restart(
        h: EngineHarness) -> None:
    """kill -9 after a market close reached the exchange, before its fill was recorded:
    the restart finds it filled and closes the position (not merely records the order)."""
    position = await h.engine.on_signal(await h.signal())
    assert position.status == "open"
    now = h.paper.clock.now()
    close = OrderRequest("sd-1-close", BTC_PERP, OrderSide.SELL, OrderType.MARKET,
                         position.remaining, reduce_only=True)
    await h.orders.add_intent(OrderIntent(position.id, "close", close.client_id, BTC_PERP,
                                          "sell", "market", close.amount, reduce_only=True),
                              now=now)
    await h.paper.paper.create_order(close)  # filled on the exchange, then kill -9
    engine = await h.restart()

    [resolved] = await engine.resume_in_flight()

    assert (resolved.client_id, resolved.state) == ("sd-1-close", "filled")
    after = await h.positions.get(position.id)
    assert after is not None
    assert (after.status, after.remaining) == ("closed", D(0))
    assert await h.paper_orders("sd-1-close") == 1
    assert await h.exchange.fetch_positions([BTC_PERP]) == []
    assert await h.exchange.fetch_open_orders(BTC_PERP) == []  # its stop and targets too
