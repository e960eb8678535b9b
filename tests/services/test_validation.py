"""GO / NO-GO over a real migrated database: each criterion with its value, threshold and
margin, the window and the thresholds from the runtime settings, the drawdown measured
from the equity the window started with, the verdicts saved as JSON, and the newest one
read back for the preflight."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from services.audit import AuditTrail
from services.equity_history import EquityHistory
from services.runtime_config import RuntimeConfig
from services.stats import TradeStats
from services.validation import (
    Criterion,
    Thresholds,
    Validation,
    judge,
    latest_validation,
)
from storage.audit import AuditLogRepository
from storage.database import Database
from storage.equity import EquityRepository
from storage.runtime_settings import RuntimeSettingsRepository
from storage.trades import TradeRepository
from tests.fakes.clock import ManualClock
from tests.services.test_performance import snapshot, trade

D = Decimal
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ADMIN_ID = 1


@dataclass
class Desk:
    db: Database
    config: RuntimeConfig
    clock: ManualClock
    validation: Validation
    data_dir: Path


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    clock = ManualClock(NOW)
    db = Database(tmp_path / "desk.sqlite3")
    await db.open()
    await db.migrate()
    config = RuntimeConfig(db, RuntimeSettingsRepository(db),
                           AuditTrail(AuditLogRepository(db), clock), clock)
    history = EquityHistory(trades=TradeRepository(db), equity=EquityRepository(db))
    validation = Validation(trades=TradeRepository(db), history=history, config=config,
                            clock=clock, data_dir=tmp_path, mode="paper")
    try:
        yield Desk(db, config, clock, validation, tmp_path)
    finally:
        await db.close()


async def good_month(db: Database, now: datetime = NOW) -> None:
    """12 trades over the 30 days before `now` on 100 margin: 8 wins of +30, 4 losses of
    −20, one every other day; the equity 1 000 when the window opened."""
    await snapshot(db, now - timedelta(days=29), "1000")
    for day in range(12):
        pnl = "-20" if day % 3 == 2 else "30"
        await trade(db, pnl=pnl, closed=now - timedelta(days=24 - 2 * day))


def by_name(criteria: tuple[Criterion, ...]) -> dict[str, Criterion]:
    return {c.name: c for c in criteria}


async def test_a_good_month_is_go_with_each_margin(desk: Desk) -> None:
    await good_month(desk.db)
    report, path = await desk.validation.run()
    assert report.go and report.failed == ()
    assert report.trades == 12 and report.net_profit == D(160)
    assert report.starting_equity == D(1000)
    assert report.end - report.start == timedelta(days=30)
    c = by_name(report.criteria)
    assert (c["trades"].value, c["trades"].threshold, c["trades"].margin) == (12, 10, 2)
    assert c["win_rate"].value is not None
    assert c["win_rate"].value.quantize(D("0.01")) == D("66.67")
    assert c["win_rate"].threshold == 45
    sharpe = c["sharpe"].value
    assert sharpe is not None and sharpe > D("0.5")
    # The worst fall: 1 000 +30 +30 −20 = 1 040 from 1 060 … each loss is −20 from a peak:
    # the first from 1 060 (1.887 %); later peaks are higher, so their share is smaller.
    drawdown = c["max_drawdown"]
    assert drawdown.value is not None and not drawdown.at_least
    assert drawdown.value.quantize(D("0.001")) == D("1.887")
    assert drawdown.margin is not None and drawdown.margin == D(15) - drawdown.value
    saved = json.loads(path.read_text())
    assert path.parent == desk.data_dir / "reports"
    assert saved["verdict"] == "GO" and saved["trades"] == 12 and saved["net_profit"] == "160"
    assert [x["name"] for x in saved["criteria"]] == ["trades", "win_rate", "sharpe",
                                                      "max_drawdown"]
    assert all(x["passed"] for x in saved["criteria"])


async def test_the_thresholds_and_the_window_come_from_the_settings(desk: Desk) -> None:
    await good_month(desk.db)
    await desk.config.set("validation.min_trades", "20", actor_id=ADMIN_ID, role="admin")
    await desk.config.set("validation.min_win_rate_pct", "70", actor_id=ADMIN_ID, role="admin")
    report, _ = await desk.validation.run()
    assert not report.go
    assert [c.name for c in report.failed] == ["trades", "win_rate"]
    assert by_name(report.criteria)["trades"].margin == -8

    await desk.config.set("validation.window_days", "7", actor_id=ADMIN_ID, role="admin")
    week, _ = await desk.validation.run()
    assert week.trades == 3 and week.end - week.start == timedelta(days=7)
    # An explicit window wins over the setting.
    fortnight, _ = await desk.validation.run(14)
    assert fortnight.trades == 7  # 14 days ago to the second counts


async def test_a_deep_drawdown_alone_makes_it_no_go(desk: Desk) -> None:
    await good_month(desk.db)
    await desk.config.set("validation.min_sharpe", "0.3", actor_id=ADMIN_ID, role="admin")
    # −180 on a margin of 1 000: −18 % of that trade's margin (Sharpe ≈ 0.43 still passes),
    # but 15.5 % of the 1 160 the account had reached.
    await trade(desk.db, pnl="-180", margin="1000", closed=NOW - timedelta(hours=1))
    report, _ = await desk.validation.run()
    assert [c.name for c in report.failed] == ["max_drawdown"]
    drawdown = by_name(report.criteria)["max_drawdown"]
    assert drawdown.value is not None and drawdown.value > 15 and drawdown.margin is not None
    assert drawdown.margin < 0


async def test_no_trades_is_no_go_with_nothing_measurable(desk: Desk) -> None:
    report, path = await desk.validation.run()
    assert not report.go and report.trades == 0
    assert [c.value for c in report.criteria] == [D(0), None, None, None]
    assert all(not c.passed for c in report.criteria)
    assert json.loads(path.read_text())["criteria"][1]["value"] is None


def test_judging_pure_statistics() -> None:
    thresholds = Thresholds(window_days=30, min_trades=10, min_win_rate_pct=D(45),
                            min_sharpe=D("0.5"), max_drawdown_pct=D(15))
    stats = TradeStats(
        trades=10, wins=4, losses=6, breakevens=0, net_profit=D(-5), gross_profit=D(40),
        gross_loss=D(45), win_rate=D("0.4"), profit_factor=None, expectancy=None,
        average_win=None, average_loss=None, sharpe=D("0.5"), max_drawdown=D(50),
        max_drawdown_ratio=D("0.15"), best=None, worst=None, average_duration=None)
    c = by_name(judge(stats, thresholds))
    assert c["trades"].passed and c["trades"].margin == 0  # exactly the threshold passes
    assert not c["win_rate"].passed and c["win_rate"].margin == D(-5)
    assert c["sharpe"].passed and c["max_drawdown"].passed  # ≤ 15 % passes


async def test_the_newest_readable_verdict_is_on_record(desk: Desk) -> None:
    assert latest_validation(desk.data_dir) is None
    await good_month(desk.db)
    await desk.validation.run()  # GO
    desk.clock.advance(86400)
    await desk.config.set("validation.min_trades", "50", actor_id=ADMIN_ID, role="admin")
    _, newest = await desk.validation.run()  # NO-GO, a day later
    record = latest_validation(desk.data_dir)
    assert record is not None and not record.go and record.at == NOW + timedelta(days=1)

    newest.write_text("{ truncated")  # a damaged file: the one before it counts
    record = latest_validation(desk.data_dir)
    assert record is not None and record.go and record.at == NOW
    assert not list((desk.data_dir / "reports").glob("*.partial"))
