"""Account charts: the equity curve with its drawdown, daily PnL bars, results by channel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, tzinfo
from decimal import Decimal

from matplotlib.dates import AutoDateLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from services.charts import theme
from services.charts.data import ChannelResult, ChartText, DayPnl, EquityPoint
from services.charts.series import day_label, drawdown, money, percent, running_peak

DEFAULT_TEXT = ChartText()
MAX_CHANNELS = 12  # the best and the worst halves; more rows would be unreadable on a phone
MAX_ANNOTATED_DAYS = 16


def equity_figure(points: Sequence[EquityPoint], *, tz: tzinfo, currency: str = "USDT",
                  title: str | None = None, text: ChartText = DEFAULT_TEXT) -> Figure:
    """The account's equity over time; below it, the drawdown from the running peak in %,
    also shaded on the curve itself. Fewer than two points draw a "no data yet" card."""
    heading = title or text.equity
    if len(points) < 2:
        return theme.no_data(heading, text.no_data)
    points = sorted(points, key=lambda p: p.at)
    values = [p.equity for p in points]
    falls = drawdown(values)
    times = [p.at for p in points]
    equity = [float(v) for v in values]
    peaks = [float(v) for v in running_peak(values)]
    falls_pct = [float(f * 100) for f in falls]

    figure = theme.new_figure()
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    for axes in (top, bottom):
        theme.style(axes)
    # The gap between the running peak and the curve is the drawdown, shaded where it is.
    top.fill_between(times, equity, peaks, color=theme.RED, alpha=0.28, linewidth=0)
    top.plot(times, peaks, color=theme.MUTED, linewidth=1, linestyle=":")
    top.plot(times, equity, color=theme.LINE, linewidth=2.4)
    bottom.fill_between(times, falls_pct, 0, color=theme.RED, alpha=0.55, linewidth=0)
    bottom.plot(times, falls_pct, color=theme.RED, linewidth=1.2)
    deepest = min(falls_pct)
    bottom.set_ylim(deepest * 1.15 if deepest < 0 else -1, 0)

    change = (values[-1] - values[0]) / values[0] if values[0] > 0 else Decimal(0)
    theme.title(top, heading, text.equity_summary.format(
        equity=money(values[-1]), currency=currency, change=percent(change, signed=True),
        max_drawdown=percent(min(falls))))
    theme.money_axis(top, max(equity) - min(equity))
    theme.label(top, y=f"{text.equity}, {currency}")
    theme.label(bottom, x=text.time.format(tz=tz), y=text.drawdown)
    theme.time_axis(bottom, tz, times[-1] - times[0], text.months)
    top.set_xlim(times[0], times[-1])
    theme.fit_left(figure, top, bottom)
    return figure


def daily_pnl_figure(days: Sequence[DayPnl], *, tz: tzinfo, currency: str = "USDT",
                     title: str | None = None, text: ChartText = DEFAULT_TEXT) -> Figure:
    """One bar per day, green for a gain and red for a loss, around a zero line; with few
    days each bar carries its value. `tz` is the zone the days were cut in (shown)."""
    heading = title or text.daily_pnl
    if not days:
        return theme.no_data(heading, text.no_data)
    days = sorted(days, key=lambda d: d.day)
    x = [float(date2num(datetime.combine(d.day, time()))) for d in days]
    pnl = [float(d.pnl) for d in days]
    colours = [theme.GREEN if d.pnl >= 0 else theme.RED for d in days]

    figure = theme.new_figure()
    axes = figure.add_subplot()
    theme.style(axes)
    theme.bars(axes, x, [0.0] * len(pnl), pnl, 0.8, colours)
    axes.axhline(0, color=theme.TEXT, linewidth=1.2)
    biggest = max(abs(v) for v in pnl) or 1.0
    places = 0 if biggest >= 1000 else 2
    if len(days) <= MAX_ANNOTATED_DAYS:
        for position, day in zip(x, days, strict=True):
            axes.annotate(money(day.pnl, places, signed=True), (position, float(day.pnl)),
                          xytext=(0, 6 if day.pnl >= 0 else -6), textcoords="offset points",
                          ha="center", va="bottom" if day.pnl >= 0 else "top",
                          color=theme.TEXT, fontsize=12, fontfamily=theme.FONT)
        axes.set_ylim(min(0.0, min(pnl)) - biggest * 0.15, max(0.0, max(pnl)) + biggest * 0.15)
    if len(days) <= 14:
        axes.xaxis.set_major_locator(FixedLocator(x))
    else:
        axes.xaxis.set_major_locator(AutoDateLocator(minticks=4, maxticks=10))
    axes.xaxis.set_major_formatter(FuncFormatter(
        lambda value, _pos: day_label(num2date(value).date(), text.months)))
    axes.set_xlim(x[0] - 0.8, x[-1] + 0.8)

    total = sum((d.pnl for d in days), Decimal(0))
    theme.title(axes, heading, text.daily_summary.format(
        total=money(total, places, signed=True), currency=currency,
        green=sum(d.pnl > 0 for d in days), red=sum(d.pnl < 0 for d in days)))
    theme.money_axis(axes, max(pnl) - min(min(pnl), 0.0) or biggest)
    theme.label(axes, x=text.day.format(tz=tz), y=f"PnL, {currency}")
    theme.fit_left(figure, axes)
    return figure


def channels_figure(rows: Sequence[ChannelResult], *, currency: str = "USDT",
                    title: str | None = None, text: ChartText = DEFAULT_TEXT) -> Figure:
    """Net PnL per channel as horizontal bars, best on top, each labelled with its trade
    count and win rate. Past MAX_CHANNELS rows the best and worst halves are shown."""
    heading = title or text.channels
    if not rows:
        return theme.no_data(heading, text.no_data)
    ranked = sorted(rows, key=lambda r: r.pnl, reverse=True)
    hidden = max(0, len(ranked) - MAX_CHANNELS)
    if hidden:
        ranked = ranked[: MAX_CHANNELS // 2] + ranked[-MAX_CHANNELS // 2:]
    ranked.reverse()  # barh draws from the bottom up: the best channel ends on top
    y = list(range(len(ranked)))
    pnl = [float(r.pnl) for r in ranked]

    figure = theme.new_figure()
    axes = figure.add_subplot()
    theme.style(axes)
    axes.grid(False, axis="y")
    axes.tick_params(axis="y", length=0, pad=10)
    theme.bars(axes, y, [0.0] * len(pnl), pnl, 0.62,
               [theme.GREEN if r.pnl >= 0 else theme.RED for r in ranked], horizontal=True)
    axes.axvline(0, color=theme.TEXT, linewidth=1.2)
    biggest = max(abs(v) for v in pnl) or 1.0
    places = 0 if biggest >= 1000 else 2
    for row_y, row in zip(y, ranked, strict=True):
        axes.annotate(money(row.pnl, places, signed=True), (float(row.pnl), row_y),
                      xytext=(8 if row.pnl >= 0 else -8, 0), textcoords="offset points",
                      ha="left" if row.pnl >= 0 else "right", va="center",
                      color=theme.TEXT, fontsize=13, fontweight="bold",
                      fontfamily=theme.FONT)
    low, high = min(0.0, min(pnl)), max(0.0, max(pnl))
    room = biggest * 0.3  # space for the value printed past the end of each bar
    axes.set_xlim(low - (room if low < 0 else biggest * 0.02),
                  high + (room if high > 0 else biggest * 0.02))
    axes.set_ylim(-0.6, len(ranked) - 0.4)
    axes.set_yticks(y, [_channel_label(r, text) for r in ranked],
                    fontsize=12 if len(ranked) > 8 else 14, fontfamily=theme.FONT)
    theme.title(axes, heading,
                text.hidden_channels.format(count=hidden) if hidden else "")
    theme.money_axis(axes, high - low, which="x")
    theme.label(axes, x=text.net_pnl.format(currency=currency))
    theme.fit_left(figure, axes)
    return figure


def _channel_label(row: ChannelResult, text: ChartText) -> str:
    name = row.name if len(row.name) <= 26 else row.name[:25] + "…"
    stats = text.channel_stats.format(trades=row.trades, win_rate=f"{row.win_rate * 100:.0f}%")
    return f"{name}\n{stats}"


equity_chart = theme.serialised(equity_figure)
daily_pnl_chart = theme.serialised(daily_pnl_figure)
channels_chart = theme.serialised(channels_figure)
