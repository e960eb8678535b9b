"""A position on price: candlesticks with its entry, targets and stop, and its fills."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from decimal import Decimal
from itertools import pairwise

from matplotlib.axes import Axes
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from services.charts import theme
from services.charts.data import ChartFill, ChartText
from services.charts.series import price_text, spread
from services.trading.port import Candle, OrderSide

DEFAULT_TEXT = ChartText()
TAG_GAP = 0.06  # the least vertical distance between two level tags, in axes height
RIGHT_ROOM = 0.2  # share of the time axis kept empty on the right for the level tags


def position_figure(candles: Sequence[Candle], *, symbol: str, side: str,
                    entry: Decimal | None, targets: Sequence[Decimal],
                    stop_loss: Decimal | None, fills: Sequence[ChartFill] = (),
                    tz: tzinfo, title: str | None = None,
                    text: ChartText = DEFAULT_TEXT) -> Figure:
    """Candlesticks of `symbol` with the entry, each target (TP1…) and the stop as tagged
    horizontal lines, and fills marked ▲ (buy) / ▼ (sell). `side` is "long" or "short".
    Without candles it draws a "no data yet" card."""
    heading = title or f"{symbol} · {side.upper()}"
    if not candles:
        return theme.no_data(heading, text.no_data)
    candles = sorted(candles, key=lambda c: c.at)
    x = [float(v) for v in date2num([c.at for c in candles])]
    gaps = [b - a for a, b in pairwise(x) if b > a]
    step = min(gaps) if gaps else 1 / 24

    levels: list[tuple[Decimal, str, str]] = []
    if entry is not None:
        levels.append((entry, f"{text.entry} {price_text(entry)}", theme.ENTRY))
    for number, target in enumerate(targets, start=1):
        levels.append((target, f"{text.target.format(number=number)} {price_text(target)}",
                       theme.GREEN))
    if stop_loss is not None:
        levels.append((stop_loss, f"{text.stop} {price_text(stop_loss)}", theme.RED))

    prices = ([float(c.low) for c in candles] + [float(c.high) for c in candles]
              + [float(p) for p, _, _ in levels] + [float(f.price) for f in fills])
    low, high = min(prices), max(prices)
    pad = (high - low) * 0.07 or abs(high) * 0.01 or 1.0
    low, high = low - pad, high + pad

    figure = theme.new_figure()
    axes = figure.add_subplot()
    theme.style(axes)
    _candlesticks(axes, candles, x, step * 0.7, (high - low) * 0.002)
    _levels(axes, levels, low, high)
    _fills(axes, fills)
    axes.set_ylim(low, high)
    first, last = x[0] - step, x[-1] + step
    axes.set_xlim(first, last + (last - first) * RIGHT_ROOM)

    quote = symbol.split("/")[-1].split(":")[0] if "/" in symbol else ""
    theme.title(axes, heading)
    theme.money_axis(axes, high - low)
    theme.label(axes, x=text.time.format(tz=tz),
                y=f"{text.price}, {quote}" if quote else text.price)
    theme.time_axis(axes, tz, candles[-1].at - candles[0].at, text.months)
    theme.fit_left(figure, axes)
    return figure


def _candlesticks(axes: Axes, candles: Sequence[Candle], x: Sequence[float], width: float,
                  least_body: float) -> None:
    colours = [theme.GREEN if c.close >= c.open else theme.RED for c in candles]
    axes.vlines(x, [float(c.low) for c in candles], [float(c.high) for c in candles],
                colors=colours, linewidth=1.3, zorder=2)
    # A doji (open == close) still gets a visible body.
    bodies = [max(abs(float(c.close - c.open)), least_body) for c in candles]
    theme.bars(axes, x, [float(min(c.open, c.close)) for c in candles], bodies, width, colours)


def _levels(axes: Axes, levels: Sequence[tuple[Decimal, str, str]], low: float,
            high: float) -> None:
    """A dashed line per level, and its tag in the empty band on the right; tags of levels
    close in price are pushed apart, so each stays readable."""
    heights = [(float(price) - low) / (high - low) for price, _, _ in levels]
    tags = spread(heights, TAG_GAP)
    for (price, tag, colour), at in zip(levels, tags, strict=True):
        axes.axhline(float(price), color=colour, linewidth=1.6, linestyle=(0, (6, 4)),
                     zorder=4)
        axes.text(0.995, min(max(at, 0.03), 0.97), tag, transform=axes.transAxes, ha="right",
                  va="center", color=theme.BACKGROUND, fontsize=13, fontweight="bold",
                  fontfamily=theme.FONT, zorder=6,
                  bbox={"boxstyle": "round,pad=0.3", "facecolor": colour,
                        "edgecolor": "none"})


def _fills(axes: Axes, fills: Sequence[ChartFill]) -> None:
    for fill in fills:
        buy = fill.side == OrderSide.BUY
        x = float(date2num(fill.at))
        axes.scatter([x], [float(fill.price)], marker="^" if buy else "v", s=220,
                     color=theme.GREEN if buy else theme.RED, edgecolors=theme.TEXT,
                     linewidths=1.2, zorder=7)
        if fill.label:
            axes.annotate(fill.label, (x, float(fill.price)), xytext=(0, -20 if buy else 20),
                          textcoords="offset points", ha="center",
                          va="top" if buy else "bottom", color=theme.TEXT, fontsize=12,
                          fontweight="bold", fontfamily=theme.FONT, zorder=7,
                          bbox={"boxstyle": "round,pad=0.2", "facecolor": theme.BACKGROUND,
                                "edgecolor": "none", "alpha": 0.75})


position_chart = theme.serialised(position_figure)
