"""The risk state from real equity snapshots: drawdown halts until /resume, the daily loss
limit, a channel switched off after a losing run — over the real paper exchange."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.control import TradingState
from services.trading.risk_monitor import ChannelSwitchedOff, RiskHalted
from storage.channels import ChannelRepository
from tests.services.trading.test_engine_support import (
    ADMIN,
    CHANNEL,
    EngineHarness,
    engine_harness,
)


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[EngineHarness]:
    async with engine_harness(tmp_path) as harness:
        harness.paper.fake.set_price("BTC/USDT", "95000")
        harness.paper.fake.set_price("ETH/USDT", "3000")
        yield harness


async def snapshot_after(h: EngineHarness, price: str) -> None:
    """The price moves, and the next tick takes an equity snapshot (5 minutes later)."""
    h.paper.fake.set_price("BTC/USDT", price)
    h.paper.clock.advance(301)
    await h.engine.tracker.tick()


async def test_drawdown_limit_halts_entries_until_resume(h: EngineHarness) -> None:
    await h.set("risk.max_drawdown_pct", "0.45")
    await h.set("risk.daily_loss_pct", "50")
    await h.engine.on_signal(await h.signal(stop="90000"))
    await snapshot_after(h, "95000")  # the peak: 9 999.05 USDT (entry fee and slippage paid)
    await snapshot_after(h, "91000")  # 0.010 BTC × −4 000 = −40 USDT: 0.400 % down
    assert (await h.control.state()).state is TradingState.RUNNING

    await snapshot_after(h, "90500")  # −45 USDT: 0.450 % down
    state = await h.control.state()
    assert state.state is TradingState.HALTED
    assert "drawdown" in (state.reason or "")
    [halted] = h.of(RiskHalted)
    assert halted.kind == "drawdown"
    late = await h.engine.on_signal(await h.signal(symbol="ETH/USDT", market="ETH/USDT:USDT",
                                                   targets=("3100",), stop="2900"))
    assert late.status == "skipped" and "drawdown" in (late.reason or "")

    await h.control.resume(ADMIN, "admin")  # the peak starts again from here
    again = await h.engine.on_signal(await h.signal(symbol="ETH/USDT", market="ETH/USDT:USDT",
                                                    targets=("3100",), stop="2900"))
    assert again.status == "open"


async def test_daily_loss_limit_refuses_entries_and_is_announced_once(
        h: EngineHarness) -> None:
    await h.set("risk.daily_loss_pct", "0.3")
    await h.engine.on_signal(await h.signal(stop="90000"))
    await snapshot_after(h, "95000")  # the day's first snapshot
    await snapshot_after(h, "91500")
    await snapshot_after(h, "91400")
    assert [e.kind for e in h.of(RiskHalted)] == ["daily_loss"]
    late = await h.engine.on_signal(await h.signal(symbol="ETH/USDT", market="ETH/USDT:USDT",
                                                   targets=("3100",), stop="2900"))
    assert late.status == "skipped" and "today's loss" in (late.reason or "")
    assert (await h.control.state()).state is TradingState.RUNNING  # not a halt to resume


async def test_a_channel_losing_in_a_row_is_switched_off_and_counts_again_when_re_enabled(
        h: EngineHarness) -> None:
    await h.set("risk.max_consecutive_losses", "2")
    channels = ChannelRepository(h.paper.db)
    await channels.add(CHANNEL, title="Calls", username="calls", by=None,
                       now=h.paper.clock.now())

    async def losing_trade() -> None:
        h.paper.fake.set_price("BTC/USDT", "95000")
        h.paper.clock.advance(1)
        position = await h.engine.on_signal(await h.signal())
        assert position.status == "open", position.reason
        h.paper.fake.set_price("BTC/USDT", "92900")  # the stop at 93000 fires
        h.paper.clock.advance(1)
        await h.engine.tracker.tick()
        assert (await h.position(position.id)).reason == "sl"

    await losing_trade()
    assert (await channels.get(CHANNEL)).enabled
    await losing_trade()
    channel = await channels.get(CHANNEL)
    assert (channel.enabled, channel.disabled_reason) == (False, "2 losing trades in a row")
    [off] = h.of(ChannelSwitchedOff)
    assert (off.channel_id, off.losses) == (CHANNEL, 2)

    await channels.set_enabled(CHANNEL, True, h.paper.clock.now())
    h.paper.clock.advance(1)
    await losing_trade()  # one loss since re-enabling: still on
    assert (await channels.get(CHANNEL)).enabled


async def test_the_day_starts_at_local_midnight(h: EngineHarness) -> None:
    h.engine.risk.tz = ZoneInfo("Europe/Berlin")
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    winter = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert h.engine.risk.day_start(summer) == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert h.engine.risk.day_start(winter) == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    just_after = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # 00:30 in Berlin
    assert h.engine.risk.day_start(just_after) == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
