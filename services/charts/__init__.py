"""Chart images for the control plane: pure functions from plain data to PNG bytes.

No Telegram, no database: a handler or a report job gathers the numbers, calls a renderer
through `render` (a worker thread), and sends the bytes as a photo. Every renderer returns
a 1200×700 PNG, and a "no data yet" card rather than an error when there is nothing to draw.
"""

from services.charts.data import ChannelResult, ChartFill, ChartText, DayPnl, EquityPoint
from services.charts.performance import channels_chart, daily_pnl_chart, equity_chart
from services.charts.position import position_chart
from services.charts.runner import render

__all__ = [
    "ChannelResult",
    "ChartFill",
    "ChartText",
    "DayPnl",
    "EquityPoint",
    "channels_chart",
    "daily_pnl_chart",
    "equity_chart",
    "position_chart",
    "render",
]
