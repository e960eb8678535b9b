"""Every chart is a phone-sized PNG, also with no data, and draws what the trader needs."""

from __future__ import annotations

import asyncio
import struct
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from services.charts import (
    ChannelResult,
    ChartFill,
    ChartText,
    DayPnl,
    EquityPoint,
    channels_chart,
    daily_pnl_chart,
    equity_chart,
    position_chart,
    render,
    theme,
)
from services.charts.performance import channels_figure, daily_pnl_figure, equity_figure
from services.charts.position import position_figure
from services.trading.port import Candle, OrderSide

TOKYO = ZoneInfo("Asia/Tokyo")
START = datetime(2024, 3, 1, 22, tzinfo=UTC)  # 07:00 on 2 March in Tokyo


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def equity(n: int) -> list[EquityPoint]:
    values = [100, 120, 90, 130, 117, 140, 150, 135, 160, 170, 165, 180, 175]
    return [EquityPoint(START + timedelta(hours=i), D(values[i % len(values)]))
            for i in range(n)]


def candles(n: int) -> list[Candle]:
    return [Candle(START + timedelta(minutes=15 * i), D(100 + i), D(102 + i), D(99 + i),
                   D(101 + i) if i % 3 else D(99 + i), D(5)) for i in range(n)]


def labels(figure: Figure, axis_index: int = -1) -> list[str]:
    figure.canvas.draw()
    axes = figure.axes[axis_index]
    return [t.get_text() for t in axes.get_xticklabels() if t.get_text()]


def position(n: int, **overrides: object) -> bytes:
    arguments: dict[str, object] = dict(
        symbol="SOL/USDT:USDT", side="long", entry=D("101.5"), targets=[D(110), D("110.2")],
        stop_loss=D(95), tz=TOKYO,
        fills=[ChartFill(START + timedelta(minutes=30), D("101.5"), OrderSide.BUY, "Entry")])
    arguments.update(overrides)
    return position_chart(candles(n), **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, 1, 2, 13, 500])
def test_every_chart_is_a_phone_sized_png_whatever_the_amount_of_data(size: int) -> None:
    days = [DayPnl(date(2024, 3, 1) + timedelta(days=i), D(i % 7 - 3) * 10)
            for i in range(size)]
    rows = [ChannelResult(f"Channel {i}", D(i * 37 % 200 - 90), i, D("0.55"))
            for i in range(min(size, 40))]
    pngs = [equity_chart(equity(size), tz=TOKYO),
            daily_pnl_chart(days, tz=TOKYO, currency="USDT"),
            channels_chart(rows, currency="USDT"),
            position(size)]
    for png in pngs:
        assert png_size(png) == (1200, 700)


def test_a_single_equity_point_says_no_data_yet_instead_of_a_curve() -> None:
    figure = equity_figure(equity(1), tz=TOKYO)
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts == ["No data yet"]


def test_the_drawdown_is_shaded_on_the_curve_and_in_its_own_panel() -> None:
    figure = equity_figure(equity(5), tz=TOKYO)  # 100, 120, 90, 130, 117: −25 % at most
    top, bottom = figure.axes
    assert top.collections and bottom.collections  # fill_between under the peak / to zero
    assert bottom.get_ylim()[0] == pytest.approx(-25 * 1.15)
    assert "max drawdown −25.0%" in top.get_title(loc="right")


def test_the_time_axis_is_in_the_owners_time_zone() -> None:
    # 22:00–10:00 UTC is 07:00–19:00 in Tokyo: no local midnight, so no day label.
    tokyo = labels(equity_figure(equity(13), tz=TOKYO))
    utc = labels(equity_figure(equity(13), tz=UTC))
    assert tokyo and all(7 <= int(label[:2]) <= 19 for label in tokyo)
    assert "2 Mar" in utc  # UTC midnight is inside the range
    assert "2 Mar" not in tokyo


def test_the_position_chart_tags_entry_targets_and_stop_and_marks_fills() -> None:
    fills = [ChartFill(START, D(101), OrderSide.BUY, "Entry"),
             ChartFill(START + timedelta(hours=2), D(109), OrderSide.SELL, "TP1")]
    figure = position_figure(candles(12), symbol="SOL/USDT:USDT", side="long",
                             entry=D("101.50"), targets=[D(110), D("110.2")],
                             stop_loss=D(95), fills=fills, tz=TOKYO)
    axes = figure.axes[0]
    tags = {t.get_text() for t in axes.texts}
    assert {"Entry 101.5", "TP1 110", "TP2 110.2", "SL 95"} <= tags
    markers = [c for c in axes.collections if isinstance(c, PathCollection)]
    assert len(markers) == 2
    low, high = axes.get_ylim()
    assert low < 95 and high > 110.2  # levels beyond the candles are still on the chart
    assert axes.get_ylabel() == "Price, USDT"


def test_many_channels_show_the_best_and_the_worst_and_say_how_many_are_hidden() -> None:
    rows = [ChannelResult(f"Channel {i:02d}", D(i * 10 - 100), 10 + i, D("0.5"))
            for i in range(20)]
    figure = channels_figure(rows, currency="USDT")
    figure.canvas.draw()
    axes = figure.axes[0]
    names = [t.get_text().split("\n")[0] for t in axes.get_yticklabels()]
    assert len(names) == 12
    assert names[-1] == "Channel 19" and names[0] == "Channel 00"  # best on top
    assert axes.get_title(loc="right") == "8 more channels not shown"
    assert axes.get_yticklabels()[-1].get_text().endswith("29 trades · 50% won")


async def test_render_runs_in_a_thread_and_the_event_loop_keeps_ticking() -> None:
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    beating = asyncio.create_task(heartbeat())
    try:
        pngs = await asyncio.gather(
            render(equity_chart, equity(300), tz=TOKYO),
            render(position_chart, candles(200), symbol="BTC/USDT", side="short",
                   entry=D(150), targets=[D(120)], stop_loss=D(320), fills=(), tz=TOKYO),
            render(channels_chart, [], currency="USDT"))
    finally:
        beating.cancel()
    assert all(png_size(png) == (1200, 700) for png in pngs)
    assert ticks > 0


def test_flat_and_zero_data_still_draw_without_errors() -> None:
    flat = [EquityPoint(START + timedelta(hours=i), D(500)) for i in range(3)]
    zero_days = [DayPnl(date(2024, 3, i), D(0)) for i in (1, 2)]
    zero_rows = [ChannelResult("Quiet", D(0), 0, D(0))]
    for png in (equity_chart(flat, tz=TOKYO), daily_pnl_chart(zero_days, tz=TOKYO),
                channels_chart(zero_rows), position(3, entry=None, targets=[], stop_loss=None,
                                                    fills=[])):
        assert png_size(png) == (1200, 700)


def test_daily_bars_are_green_for_gains_and_red_for_losses() -> None:
    days = [DayPnl(date(2024, 3, 1), D("12.5")), DayPnl(date(2024, 3, 2), D("-40")),
            DayPnl(date(2024, 3, 3), D("7"))]
    figure = daily_pnl_figure(days, tz=TOKYO)
    axes = figure.axes[0]
    (bars,) = [c for c in axes.collections if isinstance(c, PolyCollection)]
    assert [to_hex(c) for c in bars.get_facecolor()] == [theme.GREEN, theme.RED, theme.GREEN]
    assert {t.get_text() for t in axes.texts} == {"+12.50", "−40.00", "+7.00"}
    assert "total −20.50 USDT · 2 green / 1 red days" == axes.get_title(loc="right")


def test_the_words_on_a_chart_come_from_the_callers_translation() -> None:
    russian = ChartText(channels="Каналы", channel_stats="сделок: {trades} · в плюсе {win_rate}")
    figure = channels_figure([ChannelResult("Альфа", D(10), 4, D("0.75"))], text=russian)
    figure.canvas.draw()
    axes = figure.axes[0]
    assert axes.get_title(loc="left") == "Каналы"
    assert axes.get_yticklabels()[0].get_text() == "Альфа\nсделок: 4 · в плюсе 75%"
