"""Close, stop and close-all over the real paper exchange: what the trader asks for happens
once, leaves nothing on the book, and a close that cannot happen keeps the stop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.control import TradingState
from services.trading.engine_events import PositionClosed
from tests.services.trading.test_engine_support import (
    ADMIN,
    BTC_PERP,
    ETH_PERP,
    D,
    EngineHarness,
    engine_harness,
)

PRICE_PATH = "/fapi/v2/ticker/price"  # the last prices the paper exchange fills at


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[EngineHarness]:
    async with engine_harness(tmp_path) as harness:
        h = harness
        h.paper.fake.set_price("BTC/USDT", "95000")
        h.paper.fake.set_price("ETH/USDT", "3000")
        yield harness


async def test_close_sells_what_is_left_at_market_and_cancels_every_exit(
        h: EngineHarness) -> None:
    position = await h.engine.on_signal(await h.signal())
    await h.move("96100")  # TP1: 0.003 closed, 0.007 left
    h.paper.fake.set_price("BTC/USDT", "96500")
    h.paper.clock.advance(1)

    result = await h.engine.closer.close(position.id, actor_id=ADMIN)

    assert result.outcome == "closed"
    closed = result.position
    assert (closed.status, closed.reason, closed.remaining) == ("closed", "manual", D(0))
    legs = await h.legs(position.id)
    assert (legs["close"].amount, legs["close"].reduce_only, legs["close"].state) == (
        D("0.007"), True, "filled")
    assert {legs[k].state for k in ("sl1", "tp2", "tp3")} == {"canceled"}
    assert await h.exchange.fetch_open_orders(BTC_PERP) == []
    assert await h.exchange.fetch_positions([BTC_PERP]) == []
    assert len(h.of(PositionClosed)) == 1


async def test_closing_twice_closes_once(h: EngineHarness) -> None:
    position = await h.engine.on_signal(await h.signal())
    first = await h.engine.closer.close(position.id, actor_id=ADMIN)
    again = await h.engine.closer.close(position.id, actor_id=ADMIN)
    assert (first.outcome, again.outcome) == ("closed", "already_closed")
    assert len(h.of(PositionClosed)) == 1
    assert [o.leg for o in await h.orders.for_position(position.id)].count("close") == 1


async def test_close_of_an_unknown_or_pending_position_says_why(h: EngineHarness) -> None:
    missing = await h.engine.closer.close(999, actor_id=ADMIN)
    assert (missing.outcome, missing.reason) == ("not_found", "no such position")
    pending = await h.engine.on_signal(await h.signal(mode="manual"))
    result = await h.engine.closer.close(pending.id, actor_id=ADMIN)
    assert result.outcome == "not_open"
    assert "approval" in (result.reason or "")


async def test_close_of_a_waiting_entry_cancels_it(h: EngineHarness) -> None:
    waiting = await h.engine.on_signal(await h.signal(entries=("94000",)))
    result = await h.engine.closer.close(waiting.id, actor_id=ADMIN)
    assert (result.outcome, result.position.status, result.position.reason) == (
        "closed", "closed", "cancelled")
    assert await h.exchange.fetch_open_orders(BTC_PERP) == []


async def test_a_close_the_exchange_refuses_keeps_the_position_protected(
        h: EngineHarness) -> None:
    position = await h.engine.on_signal(await h.signal())
    # The market order is refused (no price for the symbol), and so is the first attempt
    # to put the stop back.
    h.paper.fake.fail_next(PRICE_PATH, status=400, code=-1121, times=2)
    h.paper.clock.advance(10)  # the paper exchange must ask for a fresh price

    result = await h.engine.closer.close(position.id, actor_id=ADMIN)

    assert result.outcome == "failed"
    after = await h.position(position.id)
    assert after.status == "open"
    assert await h.engine.exits.live_stop(position.id) is None
    await h.engine.tracker.tick()  # the next tick puts the stop back
    stop = await h.engine.exits.live_stop(position.id)
    assert stop is not None and stop.trigger_price == D("93000")
    assert stop.amount == after.remaining


async def test_stop_halts_entries_and_cancels_waiting_ones_but_keeps_open_positions(
        h: EngineHarness) -> None:
    opened = await h.engine.on_signal(await h.signal())
    waiting = await h.engine.on_signal(await h.signal(
        symbol="ETH/USDT", market=ETH_PERP, entries=("2900",), targets=("3100",),
        stop="2800"))

    result = await h.engine.closer.stop(actor_id=ADMIN)

    assert result.changed
    assert (await h.engine.closer.stop(actor_id=ADMIN)).changed is False
    assert (await h.control.state()).state is TradingState.STOPPED
    assert (await h.position(waiting.id)).reason == "cancelled"
    assert (await h.position(opened.id)).status == "open"
    late = await h.engine.on_signal(await h.signal(symbol="ETH/USDT", market=ETH_PERP,
                                                   targets=("3100",), stop="2800"))
    assert (late.status, late.reason) == ("skipped", "trading is stopped (/resume to start "
                                                     "again)")


async def test_close_all_halts_and_closes_everything(h: EngineHarness) -> None:
    btc = await h.engine.on_signal(await h.signal())
    eth = await h.engine.on_signal(await h.signal(symbol="ETH/USDT", market=ETH_PERP,
                                                  targets=("3100",), stop="2800"))

    result = await h.engine.closer.close_all(actor_id=ADMIN)

    assert [r.outcome for r in result.results] == ["closed", "closed"]
    for pid in (btc.id, eth.id):
        assert (await h.position(pid)).reason == "close_all"
    assert await h.exchange.fetch_open_orders() == []
    assert await h.exchange.fetch_positions() == []
    assert (await h.control.state()).state is TradingState.STOPPED
    again = await h.engine.closer.close_all(actor_id=ADMIN)
    assert (again.changed, again.results) == (False, ())
