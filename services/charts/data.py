"""What the charts are drawn from: plain data, Decimal money, aware UTC time.

The services that own the numbers (PnL, reports, positions) build these; the renderers
convert to float only at the plotting edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from services.charts.series import MONTHS
from services.trading.port import OrderSide


@dataclass(frozen=True)
class EquityPoint:
    at: datetime  # aware UTC
    equity: Decimal  # account value in the chart's currency


@dataclass(frozen=True)
class DayPnl:
    day: date  # a calendar day in the owner's time zone
    pnl: Decimal  # realised net PnL of that day


@dataclass(frozen=True)
class ChannelResult:
    name: str
    pnl: Decimal  # net PnL, fees included
    trades: int  # closed trades
    win_rate: Decimal  # share of winning trades, 0..1


@dataclass(frozen=True)
class ChartFill:
    at: datetime  # aware UTC
    price: Decimal
    side: OrderSide
    label: str  # e.g. "Entry", "TP1", "SL" — already localised by the caller


@dataclass(frozen=True)
class ChartText:
    """Every word drawn on a chart, English by default.

    Charts live in services/, which has no translations; a handler passes a ChartText
    built from its catalog. Templates are `str.format` strings with the named fields.
    """

    no_data: str = "No data yet"
    equity: str = "Equity"
    drawdown: str = "Drawdown, %"
    equity_summary: str = "now {equity} {currency} · {change} · max drawdown {max_drawdown}"
    time: str = "Time ({tz})"
    daily_pnl: str = "Daily PnL"
    daily_summary: str = "total {total} {currency} · {green} green / {red} red days"
    day: str = "Day ({tz})"
    channels: str = "Results by channel"
    channel_stats: str = "{trades} trades · {win_rate} won"
    net_pnl: str = "Net PnL, {currency}"
    hidden_channels: str = "{count} more channels not shown"
    price: str = "Price"
    entry: str = "Entry"
    target: str = "TP{number}"
    stop: str = "SL"
    months: tuple[str, ...] = MONTHS  # short month names, January first
