"""GO / NO-GO: are the results of the last N days good enough to trade real money?

The trades closed inside the window are judged against the thresholds in the runtime
settings `validation.*` (defaults: at least 10 trades, win rate ≥ 45 %, per-trade Sharpe
≥ 0.5, max drawdown ≤ 15 %). GO needs every criterion met. Each criterion carries its
value, threshold and margin (how far past the threshold, in the criterion's unit; negative
when missed), so the trader sees what to improve.

The statistics are those of /stats (services/stats.py) over the window: the drawdown
follows the realised equity curve from the equity the window started with.

Every verdict is saved as JSON under DATA_DIR/reports (validation-<UTC time>.json); the
newest one is what the preflight looks at before live mode starts (`latest_validation`).
No Telegram here: /validate and `python -m bot validate` present the report.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from services.clock import Clock
from services.equity_history import EquityHistory
from services.periods import Period
from services.runtime_config import RuntimeConfig
from services.stats import ClosedTrade, TradeStats, trade_stats
from storage.trades import TradeRepository

HUNDRED = Decimal(100)
REPORTS_DIR = "reports"
FILE_PREFIX = "validation-"
FILE_TIME = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Thresholds:
    window_days: int
    min_trades: int
    min_win_rate_pct: Decimal
    min_sharpe: Decimal
    max_drawdown_pct: Decimal

    @classmethod
    async def from_config(cls, config: RuntimeConfig) -> Thresholds:
        v = await config.values()
        return cls(window_days=v["validation.window_days"],
                   min_trades=v["validation.min_trades"],
                   min_win_rate_pct=v["validation.min_win_rate_pct"],
                   min_sharpe=v["validation.min_sharpe"],
                   max_drawdown_pct=v["validation.max_drawdown_pct"])


@dataclass(frozen=True)
class Criterion:
    name: str  # trades / win_rate / sharpe / max_drawdown
    value: Decimal | None  # None: not measurable (e.g. Sharpe of fewer than two trades)
    threshold: Decimal
    at_least: bool  # the value must be ≥ the threshold (else ≤)
    unit: str  # "" or "%"

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        return self.value >= self.threshold if self.at_least else self.value <= self.threshold

    @property
    def margin(self) -> Decimal | None:
        """How far the value is on the good side of the threshold (negative: missed)."""
        if self.value is None:
            return None
        return self.value - self.threshold if self.at_least else self.threshold - self.value


@dataclass(frozen=True)
class ValidationReport:
    at: datetime  # when it was judged, aware UTC
    start: datetime  # the window, aware UTC, [start, end)
    end: datetime
    mode: str  # paper / live: whose trades were judged
    criteria: tuple[Criterion, ...]
    trades: int
    net_profit: Decimal
    starting_equity: Decimal | None  # what the drawdown is measured from

    @property
    def go(self) -> bool:
        return all(c.passed for c in self.criteria)

    @property
    def failed(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if not c.passed)


@dataclass(frozen=True)
class ValidationRecord:
    """What the preflight needs of the newest saved verdict."""

    go: bool
    at: datetime


def judge(stats: TradeStats, thresholds: Thresholds) -> tuple[Criterion, ...]:
    """Each criterion of `stats` against `thresholds`, in a fixed order."""
    win_rate = stats.win_rate * HUNDRED if stats.win_rate is not None else None
    drawdown = (stats.max_drawdown_ratio * HUNDRED
                if stats.max_drawdown_ratio is not None else None)
    return (
        Criterion("trades", Decimal(stats.trades), Decimal(thresholds.min_trades), True, ""),
        Criterion("win_rate", win_rate, thresholds.min_win_rate_pct, True, "%"),
        Criterion("sharpe", stats.sharpe, thresholds.min_sharpe, True, ""),
        Criterion("max_drawdown", drawdown, thresholds.max_drawdown_pct, False, "%"),
    )


class Validation:
    def __init__(self, *, trades: TradeRepository, history: EquityHistory,
                 config: RuntimeConfig, clock: Clock, data_dir: Path, mode: str) -> None:
        self._trades = trades
        self._history = history
        self._config = config
        self._clock = clock
        self._dir = Path(data_dir) / REPORTS_DIR
        self._mode = mode

    async def run(self, days: int | None = None) -> tuple[ValidationReport, Path]:
        """Judge the last `days` days (the `validation.window_days` setting when None),
        save the verdict and return it with the file it was saved to."""
        thresholds = await Thresholds.from_config(self._config)
        end = self._clock.now()
        start = end - timedelta(days=days or thresholds.window_days)
        rows = await self._trades.closed_between(start, end)
        window = Period("day", start.date(), start, end)
        starting = (await self._history.starting_equities([window])).get(start)
        stats = trade_stats((ClosedTrade.from_row(r) for r in rows), starting_equity=starting)
        report = ValidationReport(at=end, start=start, end=end, mode=self._mode,
                                  criteria=judge(stats, thresholds), trades=stats.trades,
                                  net_profit=stats.net_profit, starting_equity=starting)
        return report, save(report, self._dir)


# ---- the saved verdicts --------------------------------------------------------------------
def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def to_json(report: ValidationReport) -> dict[str, Any]:
    return {
        "verdict": "GO" if report.go else "NO-GO",
        "at": report.at.isoformat(),
        "window": {"start": report.start.isoformat(), "end": report.end.isoformat()},
        "mode": report.mode,
        "trades": report.trades,
        "net_profit": _number(report.net_profit),
        "starting_equity": _number(report.starting_equity),
        "criteria": [{"name": c.name, "value": _number(c.value),
                      "threshold": _number(c.threshold),
                      "rule": ">=" if c.at_least else "<=", "unit": c.unit,
                      "margin": _number(c.margin), "passed": c.passed}
                     for c in report.criteria],
    }


def save(report: ValidationReport, directory: Path) -> Path:
    """Write the verdict atomically (a temporary file renamed into place)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{FILE_PREFIX}{report.at.strftime(FILE_TIME)}.json"
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(to_json(report), indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return path


def latest_validation(data_dir: Path) -> ValidationRecord | None:
    """The newest readable verdict under DATA_DIR/reports (None when there is none).

    File names sort by time; a file that cannot be read is skipped for the one before it.
    """
    directory = Path(data_dir) / REPORTS_DIR
    if not directory.is_dir():
        return None
    for path in sorted(directory.glob(f"{FILE_PREFIX}*.json"), reverse=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            at = datetime.fromisoformat(data["at"])
            verdict = data["verdict"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if at.tzinfo is None or verdict not in ("GO", "NO-GO"):
            continue
        return ValidationRecord(go=verdict == "GO", at=at)
    return None
