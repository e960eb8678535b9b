"""`python -m bot validate [--days N]`: GO or NO-GO on the results in DATA_DIR's database,
saved under DATA_DIR/reports like /validate. Exit 0 on GO, 1 on NO-GO, 2 on a bad config
or an unreadable database."""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal

from bot.settings import Settings
from services.validation import Criterion, ValidationReport

EXIT_GO, EXIT_NO_GO, EXIT_CONFIG = 0, 1, 2
NAMES = {"trades": "trades", "win_rate": "win rate", "sharpe": "Sharpe",
         "max_drawdown": "max drawdown"}


def _show(c: Criterion, value: Decimal | None) -> str:
    if value is None:
        return "n/a"
    if c.name == "trades":
        return str(int(value))
    return f"{value:.2f}{' %' if c.unit else ''}"


def report_lines(report: ValidationReport, quote: str = "USDT") -> list[str]:
    days = round((report.end - report.start).total_seconds() / 86400)
    lines = [f"validation of {report.mode} results, {report.start:%Y-%m-%d %H:%M} → "
             f"{report.end:%Y-%m-%d %H:%M} UTC ({days} days)"]
    for c in report.criteria:
        rule = ">=" if c.at_least else "<="
        margin = "" if c.margin is None else (
            f", margin {'+' if c.margin >= 0 else '-'}{_show(c, abs(c.margin))}")
        lines.append(f"  {'PASS' if c.passed else 'FAIL'}  {NAMES[c.name]}: "
                     f"{_show(c, c.value)} (needs {rule} {_show(c, c.threshold)}{margin})")
    lines.append(f"  net profit {report.net_profit:+.2f} {quote} over {report.trades} trade(s)")
    lines.append("validation: GO — next, `python -m bot preflight`" if report.go else
                 "validation: NO-GO — keep trading on paper or change the validation.* "
                 "settings")
    return lines


def validate(settings: Settings, days: int | None) -> int:
    from bot.offline import opened
    from services.equity_history import EquityHistory
    from services.validation import Validation
    from storage.database import DatabaseError
    from storage.equity import EquityRepository
    from storage.paper import PaperAccountRow, PaperRepository
    from storage.trades import TradeRepository

    async def run() -> int:
        try:
            async with opened(settings) as offline:
                paper = PaperRepository(offline.db)

                async def paper_account() -> PaperAccountRow | None:
                    return await paper.account(settings.exchange.market)

                history = EquityHistory(
                    trades=TradeRepository(offline.db), equity=EquityRepository(offline.db),
                    paper_account=paper_account if settings.trading.mode == "paper" else None)
                validation = Validation(
                    trades=TradeRepository(offline.db), history=history, config=offline.config,
                    clock=offline.clock, data_dir=settings.data_dir, mode=settings.trading.mode)
                report, path = await validation.run(days)
        except DatabaseError as exc:
            print(f"validate failed: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        for line in report_lines(report):
            print(line)
        print(f"saved to {path}")
        return EXIT_GO if report.go else EXIT_NO_GO

    return asyncio.run(run())
