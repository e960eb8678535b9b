"""The daily report and the weekly summary, as plain data (no Telegram here).

A report covers one local day or one local week (Monday to Sunday) in the trader's zone,
cut exactly like /pnl and /daily: the trades closed in it with their PnL, win rate, best and
worst, a line per channel, then the account as it stands when the report is made — open
positions, unrealised PnL, margin in use and every risk limit's use.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from services.clock import Clock
from services.performance import Performance, RiskReport
from services.periods import PeriodKind, PeriodPnl
from services.portfolio import Exposure, Portfolio
from services.stats import ClosedTrade, TradeStats, stats_by_channel
from storage.trades import TradeRepository

ZERO = Decimal(0)
HUNDRED = Decimal(100)

ReportKind = Literal["day", "week"]


@dataclass(frozen=True)
class ChannelLine:
    name: str
    stats: TradeStats


@dataclass(frozen=True)
class Report:
    period: PeriodPnl  # its bounds, net PnL, trades, and the share of its starting equity
    finished: bool  # False while the period is still going (a report made before its end)
    stats: TradeStats  # of the period's trades: win rate, best, worst
    channels: tuple[ChannelLine, ...]  # best net PnL first
    exposure: Exposure  # the positions when the report was made
    risk: RiskReport  # every limit's use when the report was made
    quote: str

    @property
    def kind(self) -> PeriodKind:
        return self.period.kind

    @property
    def margin_in_use_pct(self) -> Decimal | None:
        """Margin of the active positions as a share of the equity, in percent."""
        if self.risk.equity <= 0:
            return None
        return self.exposure.margin / self.risk.equity * HUNDRED


class Reports:
    def __init__(self, *, performance: Performance, portfolio: Portfolio,
                 trades: TradeRepository, clock: Clock) -> None:
        self._performance = performance
        self._portfolio = portfolio
        self._trades = trades
        self._clock = clock

    async def build(self, kind: ReportKind, ago: int = 0) -> Report:
        """The report of the current day or week (`ago` = 0) or of the one `ago` before."""
        if ago < 0:
            raise ValueError(f"ago must not be negative, not {ago}")
        now = self._clock.now()
        periods = await self._performance.pnl(kind, ago + 1)
        period = periods[0]
        rows = await self._trades.closed_between(period.start, period.end)
        trades = [ClosedTrade.from_row(r) for r in rows]
        by_channel = stats_by_channel(trades)
        names = await self._performance.channel_names(set(by_channel.channels))
        channels = sorted((ChannelLine(names[c], s) for c, s in by_channel.channels.items()),
                          key=lambda line: (-line.stats.net_profit, line.name))
        return Report(period=period, finished=period.end <= now, stats=by_channel.total,
                      channels=tuple(channels), exposure=await self._portfolio.exposure(),
                      risk=await self._performance.risk(), quote=self._performance.quote)

