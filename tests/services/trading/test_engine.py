"""The trading engine from accepted signal to open position, over the real paper exchange
behind the resilient wrapper, against the fake Binance's prices through real ccxt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.trading.engine_events import (
    ApprovalExpired,
    ApprovalRequested,
    EntryFilled,
    EntryPlaced,
    PositionApproved,
    PositionOpened,
    PositionRejected,
    PositionSkipped,
)
from services.trading.port import OrderSide
from tests.services.trading.test_engine_support import (
    ADMIN,
    BTC_PERP,
    ETH_PERP,
    D,
    EngineHarness,
    engine_harness,
)


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[EngineHarness]:
    async with engine_harness(tmp_path) as harness:
        yield harness


async def test_auto_channel_market_signal_opens_with_stop_and_take_profit_ladder(
        h: EngineHarness) -> None:
    position = await h.engine.on_signal(await h.signal())

    assert (position.status, position.symbol, position.leverage) == ("open", BTC_PERP, 10)
    # 100 USDT × 10x at 95000 = 0.0105… BTC, rounded down to the 0.001 lot.
    assert position.planned_amount == position.filled_amount == D("0.010")
    assert position.average_entry == D("95047.5")  # 5 bps of paper slippage
    orders = {o.leg: o for o in await h.orders.for_position(position.id)}
    assert list(orders) == ["entry", "sl", "tp1", "tp2", "tp3"]
    assert {o.client_id for o in orders.values()} == {
        "sd-1-entry", "sd-1-sl", "sd-1-tp1", "sd-1-tp2", "sd-1-tp3"}
    assert orders["entry"].state == "filled"
    stop = orders["sl"]
    assert (stop.type, stop.side, stop.amount, stop.trigger_price, stop.reduce_only,
            stop.state) == ("stop_market", "sell", D("0.010"), D("93000"), True, "open")
    ladder = [orders[f"tp{n}"] for n in (1, 2, 3)]
    assert [o.amount for o in ladder] == [D("0.003"), D("0.003"), D("0.004")]
    assert sum(o.amount for o in ladder) == position.filled_amount
    assert [o.trigger_price for o in ladder] == [D("96000"), D("97000"), D("98000")]
    assert all(o.type == "take_profit_market" and o.reduce_only and o.state == "open"
               for o in ladder)

    on_exchange = await h.exchange.fetch_open_orders(BTC_PERP)
    assert sorted(o.client_id or "" for o in on_exchange) == [
        "sd-1-sl", "sd-1-tp1", "sd-1-tp2", "sd-1-tp3"]
    [held] = await h.exchange.fetch_positions([BTC_PERP])
    assert (held.side, held.amount, held.leverage) == (OrderSide.BUY, D("0.010"), 10)
    assert [type(e) for e in h.events] == [EntryFilled, PositionOpened]
    assert len(h.of(PositionOpened)[0].exits) == 4


async def test_the_ladder_follows_the_configured_weights(h: EngineHarness) -> None:
    await h.config.set("exits.tp_weights", "50, 30, 20", actor_id=ADMIN, role="admin")
    assert await h.config.get("exits.tp_weights") == "50,30,20"
    position = await h.engine.on_signal(await h.signal())
    orders = {o.leg: o for o in await h.orders.for_position(position.id)}
    # 0.010 BTC at 50:30:20 on the 0.001 lot.
    assert [orders[f"tp{n}"].amount for n in (1, 2, 3)] == [D("0.005"), D("0.003"), D("0.002")]
    on_exchange = {o.client_id: o.amount for o in await h.exchange.fetch_open_orders(BTC_PERP)}
    assert on_exchange["sd-1-tp1"] == D("0.005") and on_exchange["sd-1-sl"] == D("0.010")


async def test_a_bad_ladder_setting_is_refused_and_changes_nothing(h: EngineHarness) -> None:
    from services.errors import UserFacingError

    for bad in ("50,-10", "abc", "0", ",".join(["1"] * 21)):
        with pytest.raises(UserFacingError):
            await h.config.set("exits.tp_weights", bad, actor_id=ADMIN, role="admin")
    assert await h.config.tp_weights() == ()
    await h.config.set("exits.tp_weights", "equal", actor_id=ADMIN, role="admin")
    assert await h.config.tp_weights() == ()


async def test_the_same_signal_delivered_twice_opens_one_position(h: EngineHarness) -> None:
    event = await h.signal()
    first = await h.engine.on_signal(event)
    again = await h.engine.on_signal(event)
    assert again.id == first.id
    assert await h.paper_orders("sd-1-entry") == 1


async def test_manual_channel_waits_for_approval_then_executes_once(h: EngineHarness) -> None:
    pending = await h.engine.on_signal(await h.signal(mode="manual"))
    assert pending.status == "pending_approval"
    [card] = h.of(ApprovalRequested)
    assert card.position.id == pending.id
    assert card.expires_at == h.paper.clock.now() + (card.expires_at - pending.created_at)
    assert (card.expires_at - pending.created_at).total_seconds() == 15 * 60
    assert await h.exchange.fetch_open_orders() == []  # nothing placed before approval

    decision = await h.engine.approve(pending.id, actor_id=ADMIN)
    assert decision.outcome == "executed" and decision.changed
    assert decision.position is not None and decision.position.status == "open"
    assert decision.position.decided_by == ADMIN

    twice = await h.engine.approve(pending.id, actor_id=ADMIN)
    assert (twice.outcome, twice.changed) == ("already_decided", False)
    assert twice.reason == "already decided: the position is open"
    assert await h.paper_orders(f"sd-{pending.id}-entry") == 1
    assert len(h.of(PositionApproved)) == 1


async def test_approve_pressed_twice_at_once_executes_once(h: EngineHarness) -> None:
    import asyncio

    pending = await h.engine.on_signal(await h.signal(mode="manual"))
    first, second = await asyncio.gather(h.engine.approve(pending.id, actor_id=ADMIN),
                                         h.engine.approve(pending.id, actor_id=ADMIN))
    assert sorted([first.outcome, second.outcome]) == ["already_decided", "executed"]
    assert await h.paper_orders(f"sd-{pending.id}-entry") == 1


async def test_approve_with_half_size(h: EngineHarness) -> None:
    pending = await h.engine.on_signal(await h.signal(mode="manual"))
    decision = await h.engine.approve(pending.id, actor_id=ADMIN, factor=D("0.5"))
    assert decision.position is not None
    assert (decision.position.filled_amount, decision.position.margin) == (D("0.005"), D("50"))


async def test_reject_declines_once_and_blocks_a_later_approve(h: EngineHarness) -> None:
    pending = await h.engine.on_signal(await h.signal(mode="manual"))
    rejected = await h.engine.reject(pending.id, actor_id=ADMIN)
    assert rejected.outcome == "rejected"
    assert rejected.position is not None and rejected.position.status == "rejected"
    assert (await h.engine.reject(pending.id, actor_id=ADMIN)).outcome == "already_decided"
    assert (await h.engine.approve(pending.id, actor_id=ADMIN)).outcome == "already_decided"
    assert len(h.of(PositionRejected)) == 1
    assert await h.exchange.fetch_open_orders() == []


async def test_an_expired_approval_is_refused(h: EngineHarness) -> None:
    pending = await h.engine.on_signal(await h.signal(mode="manual"))
    h.paper.clock.advance(15 * 60)
    decision = await h.engine.approve(pending.id, actor_id=ADMIN)
    assert (decision.outcome, decision.reason) == ("expired", "the approval expired")
    assert decision.position is not None
    assert (decision.position.status, decision.position.reason) == ("skipped",
                                                                    "approval expired")
    assert len(h.of(ApprovalExpired)) == 1
    assert await h.paper_orders(f"sd-{pending.id}-entry") == 0


async def test_expire_approvals_sweeps_only_the_due_ones(h: EngineHarness) -> None:
    old = await h.engine.on_signal(await h.signal(mode="manual"))
    h.paper.clock.advance(10 * 60)
    fresh = await h.engine.on_signal(await h.signal(symbol="ETH/USDT", market=ETH_PERP,
                                                    targets=("3600",), stop="3400",
                                                    mode="manual"))
    h.paper.clock.advance(6 * 60)
    assert [p.id for p in await h.engine.expire_approvals()] == [old.id]
    still = await h.positions.get(fresh.id)
    assert still is not None and still.status == "pending_approval"


async def test_paused_trading_skips_with_the_reason(h: EngineHarness) -> None:
    await h.control.pause(ADMIN, "admin")
    position = await h.engine.on_signal(await h.signal())
    assert position.status == "skipped"
    assert position.reason == "trading is paused (/resume to take new entries)"
    [skipped] = h.of(PositionSkipped)
    assert skipped.reason == position.reason
    assert await h.exchange.fetch_open_orders() == []


async def test_a_signal_without_a_stop_loss_is_skipped_unless_allowed(h: EngineHarness) -> None:
    position = await h.engine.on_signal(await h.signal(stop=None))
    assert position.status == "skipped"
    assert position.reason == ("the signal gives no stop loss "
                               "(/set risk.require_stop_loss off to trade such)")
    assert await h.exchange.fetch_open_orders() == []
    await h.config.set("risk.require_stop_loss", "off", actor_id=ADMIN, role="admin")
    traded = await h.engine.on_signal(await h.signal(stop=None))
    assert traded.status == "open" and traded.stop_loss is None


async def test_approval_runs_the_risk_gate_again(h: EngineHarness) -> None:
    pending = await h.engine.on_signal(await h.signal(mode="manual"))
    await h.control.pause(ADMIN, "admin")
    decision = await h.engine.approve(pending.id, actor_id=ADMIN)
    assert decision.outcome == "skipped"
    assert decision.reason == "trading is paused (/resume to take new entries)"
    assert await h.paper_orders(f"sd-{pending.id}-entry") == 0


async def test_a_signal_too_small_for_the_market_is_skipped_with_its_minimum(
        h: EngineHarness) -> None:
    await h.set("sizing.value", "10")  # 10 × 10x = 100 USDT → 0.001 BTC = 95 USDT < 100
    position = await h.engine.on_signal(await h.signal())
    assert position.status == "skipped"
    assert position.reason == "order of 95.00 USDT is below the market's minimum of 100 USDT"


async def test_max_open_positions_skips_the_next_signal(h: EngineHarness) -> None:
    await h.set("risk.max_open_positions", "1")
    first = await h.engine.on_signal(await h.signal())
    second = await h.engine.on_signal(await h.signal(symbol="ETH/USDT", market=ETH_PERP,
                                                     targets=("3600",), stop="3400"))
    assert first.status == "open"
    assert (second.status, second.reason) == ("skipped",
                                              "1 positions are open, the maximum is 1")


async def test_unchecked_market_is_skipped(h: EngineHarness) -> None:
    position = await h.engine.on_signal(await h.signal(market=None))
    assert position.status == "skipped" and position.symbol == "BTC/USDT"
    assert position.reason is not None and position.reason.startswith("market not checked")


async def test_limit_entry_away_from_the_price_waits(h: EngineHarness) -> None:
    position = await h.engine.on_signal(await h.signal(entries=("90000",)))
    assert position.status == "waiting_entry"
    [entry] = await h.orders.for_position(position.id)
    assert (entry.type, entry.price, entry.state) == ("limit", D("90000"), "open")
    [placed] = h.of(EntryPlaced)
    assert placed.order.client_id == "sd-1-entry"
    [resting] = await h.exchange.fetch_open_orders(BTC_PERP)
    assert resting.client_id == "sd-1-entry"


async def test_zone_around_the_price_fills_at_once(h: EngineHarness) -> None:
    position = await h.engine.on_signal(await h.signal(entries=("94000", "96000")))
    assert position.status == "open"
    assert position.average_entry == D("95047.5")  # the market price, under the zone's top
