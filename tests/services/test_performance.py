"""The performance service over a real migrated database, the real paper exchange behind the
real resilient layer, and the engine's own risk monitor: period PnL with the share of the
equity each period started with, statistics per channel, every risk limit and halt, and the
chart inputs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.charts.data import EquityPoint
from services.performance import Performance
from services.trading.risk import LimitUse
from storage.channels import ChannelRepository
from storage.database import Database
from storage.equity import EquityRepository, EquitySnapshot
from storage.positions import NewPosition, PositionRepository
from storage.trades import TradeRepository
from tests.services.trading.test_engine_support import EngineHarness, engine_harness

D = Decimal
ALPHA, BETA = -1001, -1002
MON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # the harness clock's start: a Monday noon


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[EngineHarness]:
    async with engine_harness(tmp_path) as h:
        channels = ChannelRepository(h.paper.db)
        await channels.add(ALPHA, title="Alpha Calls", username="alpha", by=None, now=MON)
        await channels.add(BETA, title="Beta Signals", username=None, by=None, now=MON)
        yield h


def performance(h: EngineHarness, tz: str = "UTC") -> Performance:
    """Wired as bot/app.py wires it."""
    db = h.paper.db
    return Performance(trades=TradeRepository(db), equity=h.engine.equity,
                       positions=h.positions, channels=ChannelRepository(db), risk=h.engine.risk,
                       control=h.control, config=h.config, exchange=h.exchange,
                       clock=h.paper.clock, tz=ZoneInfo(tz), paper_account=h.paper.paper.account)


async def trade(db: Database, *, channel: int = ALPHA, pnl: str, fees: str = "0",
                closed: datetime, hours: float = 2, margin: str = "100") -> int:
    """A position the engine filled and closed: written through the positions repository."""
    positions = PositionRepository(db)
    opened = closed - timedelta(hours=hours)
    position_id = await positions.add(NewPosition(
        signal_id=None, channel_id=channel, symbol="BTC/USDT:USDT", side="long",
        market_kind="futures", status="waiting_entry", entry_type="single", margin=D(margin),
        leverage=5), now=opened)
    await positions.update(position_id, now=closed, status="closed", filled_amount=D("0.01"),
                           realized_pnl=D(pnl), fees=D(fees), opened_at=opened,
                           closed_at=closed, reason="tp")
    return position_id


async def snapshot(db: Database, at: datetime, equity: str) -> None:
    await EquityRepository(db).add(EquitySnapshot(at, D(equity), D(0), 0))


async def test_daily_pnl_shares_the_equity_each_day_started_with(harness: EngineHarness) -> None:
    db, clock = harness.paper.db, harness.paper.clock
    perf = performance(harness)
    opening = await perf.opening()  # the paper account opens now, with 10 000 USDT
    assert opening is not None and (opening.at, opening.equity) == (MON, D(10000))
    clock.advance(2 * 86400)  # Wednesday noon
    await trade(db, pnl="100", closed=MON + timedelta(hours=2))  # Monday 14:00
    await trade(db, pnl="-38", fees="2", closed=MON + timedelta(hours=22))  # Tuesday 10:00
    await trade(db, pnl="26", fees="1", closed=MON + timedelta(hours=45))  # Wednesday 09:00
    await trade(db, pnl="5", closed=MON - timedelta(days=3))  # long before: not listed
    await snapshot(db, datetime(2026, 1, 7, 0, 10, tzinfo=UTC), "10080")

    days = await perf.pnl("day", 4)
    assert [d.first_day.isoformat() for d in days] == [
        "2026-01-04", "2026-01-05", "2026-01-06", "2026-01-07"]
    assert [(d.net_pnl, d.trades, d.wins, d.losses) for d in days] == [
        (D(0), 0, 0, 0), (D(100), 1, 1, 0), (D(-40), 1, 0, 1), (D(25), 1, 1, 0)]
    # Sunday: before the account existed. Monday: the opening balance. Tuesday: no snapshot,
    # so the opening plus Monday's trade. Wednesday: its first snapshot.
    assert [d.starting_equity for d in days] == [None, D(10000), D(10100), D(10080)]
    assert [d.equity_return for d in days] == [None, D("0.01"), D(-40) / D(10100),
                                               D(25) / D(10080)]


async def test_weeks_and_months_in_the_traders_time_zone(harness: EngineHarness) -> None:
    db = harness.paper.db
    perf = performance(harness, "Asia/Tokyo")  # Monday noon UTC is Monday 21:00 in Tokyo
    await trade(db, pnl="10", closed=datetime(2026, 1, 4, 16, 0, tzinfo=UTC))  # Mon 01:00 JST
    await trade(db, pnl="7", closed=datetime(2026, 1, 4, 14, 0, tzinfo=UTC))  # Sun 23:00 JST
    [last, this] = await perf.pnl("week", 2)
    assert (last.first_day.isoformat(), last.net_pnl) == ("2025-12-29", D(7))
    assert (this.first_day.isoformat(), this.net_pnl) == ("2026-01-05", D(10))
    [month] = await perf.pnl("month", 1)
    assert (month.first_day.isoformat(), month.net_pnl, month.trades) == ("2026-01-01", D(17), 2)


async def test_stats_per_channel_and_in_total_with_exact_numbers(harness: EngineHarness) -> None:
    db = harness.paper.db
    perf = performance(harness)
    await trade(db, channel=ALPHA, pnl="50", closed=MON - timedelta(hours=10), hours=1)
    await trade(db, channel=ALPHA, pnl="-20", closed=MON - timedelta(hours=8), hours=3)
    await trade(db, channel=ALPHA, pnl="31", fees="1", closed=MON - timedelta(hours=6), hours=2)
    await trade(db, channel=BETA, pnl="-10", closed=MON - timedelta(hours=4), hours=4)

    report = await perf.stats()
    assert report.starting_equity == D(10000)
    assert report.names == {ALPHA: "@alpha", BETA: "Beta Signals"}
    total = report.stats.total
    assert (total.trades, total.wins, total.losses, total.net_profit) == (4, 2, 2, D(50))
    assert total.win_rate == D("0.5") and total.profit_factor == D(80) / D(30)
    assert total.expectancy == D("12.5")
    assert total.best is not None and total.best.net_pnl == D(50)
    assert total.worst is not None and total.worst.net_pnl == D(-20)
    assert total.max_drawdown == D(20)  # 10 050 → 10 030
    assert total.average_duration == timedelta(hours=2.5)
    alpha = report.stats.channels[ALPHA]
    assert (alpha.trades, alpha.net_profit, alpha.profit_factor) == (3, D(60), D(4))
    assert report.stats.channels[BETA].net_profit == D(-10)

    only_beta = await perf.stats(BETA)
    assert list(only_beta.stats.channels) == [BETA] and only_beta.stats.total.trades == 1
    assert only_beta.names == {BETA: "Beta Signals"}


async def test_stats_without_trades_name_the_channel_asked_about(harness: EngineHarness) -> None:
    report = await performance(harness).stats(ALPHA)
    assert report.stats.total.trades == 0 and report.names == {ALPHA: "@alpha"}


def by_name(limits: tuple[LimitUse, ...]) -> dict[str, LimitUse]:
    return {u.name: u for u in limits}


async def test_risk_lists_every_limit_with_its_use(harness: EngineHarness) -> None:
    db, clock = harness.paper.db, harness.paper.clock
    perf = performance(harness)
    await harness.set("risk.channel_allocation_pct", "20")
    await snapshot(db, clock.now().replace(hour=0, minute=1), "10100")  # start of day
    await snapshot(db, clock.now() - timedelta(days=2), "10400")  # the peak
    positions = PositionRepository(db)
    for channel, margin in ((ALPHA, "300"), (ALPHA, "200"), (BETA, "600")):
        await positions.add(NewPosition(
            signal_id=None, channel_id=channel, symbol="ETH/USDT:USDT", side="long",
            market_kind="futures", status="open", entry_type="single", margin=D(margin)),
            now=clock.now())

    report = await perf.risk()
    assert report.equity == D(10000) and report.equity_known  # the paper balance
    limits = by_name(report.limits)
    assert limits["daily_loss_pct"].used == D(100) / D(10100) * 100
    assert limits["daily_loss_pct"].limit == D(3) and not limits["daily_loss_pct"].blocking
    assert limits["drawdown_pct"].used == D(400) / D(10400) * 100
    assert (limits["open_positions"].used, limits["open_positions"].limit) == (D(3), D(5))
    assert (limits["position_pct"].used, limits["position_pct"].limit) == (D(6), D(25))
    assert [(a.name, a.used, a.limit) for a in report.allocations] == [
        ("Beta Signals", D(6), D(20)), ("@alpha", D(5), D(20))]
    assert report.entries_allowed and report.daily_halt_until is None
    assert not report.circuit_open and report.switched_off == ()


async def test_risk_says_every_halt_and_why(harness: EngineHarness) -> None:
    db, clock = harness.paper.db, harness.paper.clock
    perf = performance(harness, "Europe/Berlin")
    await snapshot(db, clock.now().replace(hour=0, minute=30), "10400")
    await snapshot(db, clock.now() - timedelta(minutes=5), "10000")  # down 3.8 % today
    await harness.control.halt("drawdown 16.0% from the peak reached the 15% limit")
    await ChannelRepository(db).set_enabled(ALPHA, False, clock.now(),
                                            reason="3 losing trades in a row")
    await ChannelRepository(db).set_enabled(BETA, False, clock.now())
    await harness.exchange.breaker.trip("exchange timeout", 60)

    report = await perf.risk()
    assert report.control.state == "halted"
    assert report.control.reason == "drawdown 16.0% from the peak reached the 15% limit"
    assert by_name(report.limits)["daily_loss_pct"].blocking
    assert by_name(report.limits)["drawdown_pct"].blocking  # halted until /resume
    assert report.daily_halt_until == datetime(2026, 1, 5, 23, 0, tzinfo=UTC)  # Berlin midnight
    assert report.circuit_open
    assert [(c.name, c.reason) for c in report.switched_off] == [
        ("Beta Signals", None), ("@alpha", "3 losing trades in a row")]  # as /channels lists
    assert not report.entries_allowed


async def test_risk_without_an_answer_from_the_exchange_uses_the_last_snapshot(
        harness: EngineHarness) -> None:
    await snapshot(harness.paper.db, harness.paper.clock.now() - timedelta(minutes=5), "9500")
    await harness.exchange.breaker.trip("exchange timeout", 60)  # calls now fail fast
    report = await performance(harness).risk()
    assert report.equity == D(9500) and report.equity_known


async def test_chart_inputs(harness: EngineHarness) -> None:
    db, clock = harness.paper.db, harness.paper.clock
    perf = performance(harness)
    start = clock.now() - timedelta(days=10)
    for i in range(3001):  # ten days of snapshots every ~5 minutes
        await snapshot(db, start + timedelta(minutes=4.8 * i), str(10000 + i))
    points = await perf.equity_points(30)
    assert 1000 < len(points) <= 1501
    assert points[0].equity == D(10000) and points[-1].equity == D(13000)
    assert [p.at for p in points] == sorted(p.at for p in points)

    await trade(db, pnl="12", closed=clock.now() - timedelta(days=3))
    await trade(db, pnl="-4", closed=clock.now() - timedelta(days=3, hours=1))
    await trade(db, channel=BETA, pnl="-7", closed=clock.now() - timedelta(hours=1))
    days = await perf.daily_pnl(30)  # only the days with trades: one bar each
    assert [(d.day.isoformat(), d.pnl) for d in days] == [("2026-01-02", D(8)),
                                                         ("2026-01-05", D(-7))]
    results = await perf.channel_results()
    assert [(r.name, r.pnl, r.trades, r.win_rate) for r in results] == [
        ("Beta Signals", D(-7), 1, D(0)), ("@alpha", D(8), 2, D("0.5"))]


async def test_live_mode_opens_with_the_first_snapshot(harness: EngineHarness) -> None:
    h, db = harness, harness.paper.db
    live = Performance(trades=TradeRepository(db), equity=h.engine.equity,
                       positions=h.positions, channels=ChannelRepository(db), risk=h.engine.risk,
                       control=h.control, config=h.config, exchange=h.exchange,
                       clock=h.paper.clock, tz=ZoneInfo("UTC"))  # no paper account
    assert await live.opening() is None
    assert (await live.stats()).starting_equity is None
    await snapshot(db, MON - timedelta(days=1), "2500")
    await snapshot(db, MON - timedelta(hours=1), "2600")
    opening = await live.opening()
    assert opening is not None and (opening.at, opening.equity) == (MON - timedelta(days=1),
                                                                    D(2500))
    await trade(db, pnl="25", closed=MON - timedelta(hours=3))
    assert (await live.stats()).stats.total.max_drawdown_ratio == D(0)


async def test_cached_statistics_follow_every_close_and_every_change_to_a_closed_trade(
        harness: EngineHarness) -> None:
    perf = performance(harness)
    db = harness.paper.db
    first = await trade(db, pnl="50", closed=MON - timedelta(days=1))
    assert (await perf.stats()).stats.total.net_profit == D(50)
    assert (await perf.stats()).stats.total.net_profit == D(50)  # from the cache
    await trade(db, channel=BETA, pnl="-20", closed=MON - timedelta(hours=1))
    report = await perf.stats()
    assert report.stats.total.net_profit == D(30) and report.stats.total.trades == 2
    assert (await perf.stats(BETA)).stats.total.net_profit == D(-20)
    # A closed trade written again (a late fee found by reconciliation): seen at once.
    await PositionRepository(db).update(first, now=MON, fees=D("1.5"))
    assert (await perf.stats()).stats.total.net_profit == D("28.5")
    assert (await perf.stats(ALPHA)).stats.total.net_profit == D("48.5")


async def test_cached_period_sums_follow_every_close(harness: EngineHarness) -> None:
    perf = performance(harness)
    db = harness.paper.db
    [today] = await perf.pnl("day", 1)
    assert (today.net_pnl, today.trades) == (D(0), 0)
    await trade(db, pnl="12", closed=MON - timedelta(hours=1))
    [today] = await perf.pnl("day", 1)
    assert (today.net_pnl, today.trades, today.wins) == (D(12), 1, 1)
    assert today.equity_return == D(12) / today.starting_equity  # type: ignore[operator]
    days = await perf.pnl("day", 7)
    assert [p.net_pnl for p in days] == [D(0)] * 6 + [D(12)]


async def test_before_any_snapshot_the_equity_chart_draws_the_realised_curve(
        harness: EngineHarness) -> None:
    db, clock = harness.paper.db, harness.paper.clock
    perf = performance(harness)
    opening = await perf.opening()
    assert opening is not None
    assert await perf.equity_points(30) == [EquityPoint(opening.at, opening.equity)]
    clock.advance(3 * 3600)
    await trade(db, pnl="25", fees="1", closed=clock.now() - timedelta(hours=2))
    await trade(db, channel=BETA, pnl="-10", closed=clock.now() - timedelta(hours=1))
    points = await perf.equity_points(30)
    assert [p.equity - opening.equity for p in points] == [D(0), D(24), D(14)]
    assert [p.at for p in points] == [opening.at, clock.now() - timedelta(hours=2),
                                      clock.now() - timedelta(hours=1)]
    await snapshot(db, clock.now() - timedelta(minutes=10), "10014")
    await snapshot(db, clock.now() - timedelta(minutes=5), "10015")
    assert [p.equity for p in await perf.equity_points(30)] == [D(10014), D(10015)]
