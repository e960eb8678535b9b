"""A position's life after it opens, driven by tracker ticks over the real paper exchange
(fake Binance prices through real ccxt): take-profits, break-even, stop, limit entries
filling later, entries expiring, positions reported stuck, equity snapshots."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from services.trading.engine_events import (
    PositionClosed,
    PositionOpened,
    PositionStuck,
    StopMoved,
    TargetHit,
)
from services.trading.pnl import ladder_pnl
from tests.services.trading.test_engine_support import (
    BTC_PERP,
    D,
    EngineHarness,
    engine_harness,
)


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[EngineHarness]:
    async with engine_harness(tmp_path) as harness:
        yield harness


async def open_long(h: EngineHarness) -> int:
    """Long 0.010 BTC at 95047.5 (market, 5 bps slippage); stop 93000; TPs 96/97/98k."""
    h.paper.fake.set_price("BTC/USDT", "95000")
    position = await h.engine.on_signal(await h.signal())
    assert position.status == "open"
    h.events.clear()
    return position.id


async def test_first_target_closes_its_part_and_moves_the_stop_to_break_even(
        h: EngineHarness) -> None:
    pid = await open_long(h)
    await h.move("96100")

    position = await h.position(pid)
    assert position.status == "partially_closed"
    assert (position.closed_amount, position.remaining) == (D("0.003"), D("0.007"))
    [hit] = h.of(TargetHit)
    assert (hit.number, hit.amount) == (1, D("0.003"))
    assert position.realized_pnl == hit.pnl == (hit.price - D("95047.5")) * D("0.003")
    [moved] = h.of(StopMoved)
    assert (moved.old, moved.new, moved.why) == (D("93000"), D("95047.5"), "break_even")
    legs = await h.legs(pid)
    assert legs["sl"].state == "canceled"
    assert (legs["sl1"].trigger_price, legs["sl1"].amount, legs["sl1"].state) == (
        D("95047.5"), D("0.007"), "open")
    on_book = sorted(o.client_id or "" for o in await h.exchange.fetch_open_orders(BTC_PERP))
    assert on_book == ["sd-1-sl1", "sd-1-tp2", "sd-1-tp3"]


async def test_whole_ladder_closes_the_position_with_pnl_equal_to_its_legs(
        h: EngineHarness) -> None:
    pid = await open_long(h)
    for price in ("96100", "97100", "98100"):
        await h.move(price)

    position = await h.position(pid)
    assert (position.status, position.reason, position.remaining) == ("closed", "tp", D(0))
    hits = h.of(TargetHit)
    assert [t.number for t in hits] == [1, 2, 3]
    assert position.realized_pnl == ladder_pnl(
        "long", D("95047.5"), [(t.price, t.amount) for t in hits])
    # Fees: the entry's and each target's, counted once, in USDT.
    legs = await h.legs(pid)
    assert position.fees == sum(o.fee for o in legs.values() if o.state == "filled")
    assert position.net_pnl == position.realized_pnl - position.fees
    assert await h.exchange.fetch_open_orders(BTC_PERP) == []
    assert await h.exchange.fetch_positions([BTC_PERP]) == []
    [closed] = h.of(PositionClosed)
    assert closed.held_for == timedelta(seconds=3)


async def test_stop_hit_closes_the_position_and_cancels_the_take_profits(
        h: EngineHarness) -> None:
    pid = await open_long(h)
    await h.move("92900")

    position = await h.position(pid)
    assert (position.status, position.reason) == ("closed", "sl")
    assert position.realized_pnl < 0
    legs = await h.legs(pid)
    assert [legs[f"tp{n}"].state for n in (1, 2, 3)] == ["canceled"] * 3
    assert await h.exchange.fetch_open_orders(BTC_PERP) == []
    assert await h.exchange.fetch_positions([BTC_PERP]) == []
    assert len(h.of(PositionClosed)) == 1


async def test_price_back_to_entry_after_first_target_closes_at_break_even(
        h: EngineHarness) -> None:
    pid = await open_long(h)
    await h.move("96100")
    await h.move("95000")

    position = await h.position(pid)
    assert (position.status, position.reason) == ("closed", "break_even")
    assert position.realized_pnl > 0  # TP1 won; the rest closed near the entry


async def test_break_even_can_be_turned_off(h: EngineHarness) -> None:
    await h.set("exits.break_even_after_tp", "0")
    pid = await open_long(h)
    await h.move("96100")

    legs = await h.legs(pid)
    assert (legs["sl1"].trigger_price, legs["sl1"].amount) == (D("93000"), D("0.007"))
    assert h.of(StopMoved) == []


async def test_a_limit_entry_waits_then_opens_with_its_exits_when_the_price_comes(
        h: EngineHarness) -> None:
    h.paper.fake.set_price("BTC/USDT", "95000")
    waiting = await h.engine.on_signal(await h.signal(entries=("94500",)))
    assert waiting.status == "waiting_entry"

    await h.move("94800")
    assert (await h.position(waiting.id)).status == "waiting_entry"
    await h.move("94400")

    position = await h.position(waiting.id)
    assert (position.status, position.average_entry) == ("open", D("94500"))
    assert list(await h.legs(waiting.id)) == ["entry", "sl", "tp1", "tp2", "tp3"]
    assert len(h.of(PositionOpened)) == 1


async def test_a_limit_entry_that_waits_too_long_is_cancelled_as_expired(
        h: EngineHarness) -> None:
    await h.set("entry.expiry_min", "60")
    h.paper.fake.set_price("BTC/USDT", "95000")
    waiting = await h.engine.on_signal(await h.signal(entries=("94500",)))
    h.paper.clock.advance(59 * 60)
    await h.engine.tracker.tick()
    assert (await h.position(waiting.id)).status == "waiting_entry"

    h.paper.clock.advance(61)
    await h.engine.tracker.tick()
    position = await h.position(waiting.id)
    assert (position.status, position.reason) == ("closed", "expired")
    assert (await h.legs(waiting.id))["entry"].state == "canceled"
    assert await h.exchange.fetch_open_orders(BTC_PERP) == []


async def test_a_position_open_too_long_is_reported_once(h: EngineHarness) -> None:
    await h.set("positions.stuck_hours", "2")
    pid = await open_long(h)
    h.paper.clock.advance(2 * 3600)
    await h.engine.tracker.tick()
    await h.engine.tracker.tick()
    [stuck] = h.of(PositionStuck)
    assert (stuck.position.id, stuck.open_for) == (pid, timedelta(hours=2))


async def test_one_tick_asks_the_exchange_once_for_every_held_symbol(
        h: EngineHarness) -> None:
    await open_long(h)
    h.paper.fake.set_price("ETH/USDT", "3000")
    await h.engine.on_signal(await h.signal(symbol="ETH/USDT", market="ETH/USDT:USDT",
                                            targets=("3100",), stop="2900"))
    h.paper.clock.advance(10)
    before = len(h.paper.fake.requests)
    report = await h.engine.tracker.tick()
    asked = [r.path for r in h.paper.fake.requests[before:]]
    assert (report.positions, report.symbols) == (2, 2)
    assert len(asked) == 1 and "ticker" in asked[0], asked


async def test_no_position_no_request(h: EngineHarness) -> None:
    before = len(h.paper.fake.requests)
    report = await h.engine.tracker.tick()
    assert report.requests_skipped
    assert len(h.paper.fake.requests) == before


async def test_equity_snapshots_are_taken_every_few_minutes(h: EngineHarness) -> None:
    await open_long(h)
    await h.engine.tracker.tick()
    h.paper.clock.advance(60)
    await h.engine.tracker.tick()
    h.paper.clock.advance(300)
    await h.engine.tracker.tick()
    snapshots = await h.engine.equity.between(h.paper.clock.now() - timedelta(hours=1),
                                              h.paper.clock.now() + timedelta(seconds=1))
    assert len(snapshots) == 2
    assert all(s.open_positions == 1 for s in snapshots)
    assert snapshots[-1].equity > 0


async def test_a_fill_made_while_the_bot_was_down_is_adopted_at_start(
        h: EngineHarness) -> None:
    pid = await open_long(h)
    # The exchange fills TP1 while the bot is not looking (it crashed before applying it).
    h.paper.fake.set_price("BTC/USDT", "96100")
    h.paper.clock.advance(10)
    filled = await h.paper.tick(BTC_PERP)
    assert [o.client_id for o in filled] == ["sd-1-tp1"]
    await h.restart()
    assert (await h.position(pid)).status == "open"  # not known yet

    assert await h.engine.tracker.reconcile() == 1

    position = await h.position(pid)
    assert (position.status, position.closed_amount) == ("partially_closed", D("0.003"))
    assert [t.number for t in h.of(TargetHit)] == [1]
    assert await h.engine.tracker.reconcile() == 0  # applied once


async def test_trailing_stop_follows_the_price_once_past_the_entry(h: EngineHarness) -> None:
    await h.set("exits.trailing_pct", "1")
    await h.set("exits.break_even_after_tp", "0")
    pid = await open_long(h)  # entry 95047.5, stop 93000, TP1 96000
    await h.move("95500")  # 1 % behind is 94545: below the entry, the stop stays
    assert (await h.position(pid)).stop_loss == D("93000")

    await h.move("95900")  # 94941 < entry 95047.5: still nothing
    assert (await h.position(pid)).stop_loss == D("93000")
    await h.move("95950")
    assert (await h.position(pid)).stop_loss == D("93000")  # 94990.5: still below the entry

    await h.move("99000")  # all targets filled on the way up: closed
    assert (await h.position(pid)).status == "closed"


async def test_trailing_stop_moves_in_steps(h: EngineHarness) -> None:
    await h.set("exits.trailing_pct", "1")
    h.paper.fake.set_price("BTC/USDT", "95000")
    position = await h.engine.on_signal(await h.signal(targets=("120000",)))
    await h.move("97000")  # 1 % behind: 96030 > entry
    first = (await h.position(position.id)).stop_loss
    assert first == D("96030")
    await h.move("97100")  # 96129: less than a quarter-percent better, not moved
    assert (await h.position(position.id)).stop_loss == first
    await h.move("98000")
    assert (await h.position(position.id)).stop_loss == D("97020")
    moves = [e for e in h.of(StopMoved) if e.why == "trailing"]
    assert [m.new for m in moves] == [D("96030"), D("97020")]
    await h.move("96900")  # the trailed stop fires, in profit
    after = await h.position(position.id)
    assert (after.status, after.reason) == ("closed", "break_even")
    assert after.net_pnl > 0


async def test_zone_entry_at_its_middle_when_configured(h: EngineHarness) -> None:
    await h.set("entry.zone_mode", "middle")
    h.paper.fake.set_price("BTC/USDT", "95000")
    waiting = await h.engine.on_signal(await h.signal(entries=("93000", "94000")))
    assert (await h.legs(waiting.id))["entry"].price == D("93500")
