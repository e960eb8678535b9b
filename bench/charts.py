"""Chart rendering: wall time per PNG for each chart on realistic data, and peak memory.

  - equity:   a 90-day curve sampled hourly (2,160 points);
  - daily:    90 daily PnL bars;
  - channels: 20 channels (12 drawn, the rest summarised);
  - position: 200 fifteen-minute candles, entry, 3 targets, stop and 4 fills.

Each chart is rendered once to warm matplotlib up (fonts, imports), then N rounds of all
four; the median is reported. Peak RSS is the whole process's high-water mark; a figure
that is never freed would show as resident memory still growing in the second half.

    uv run python bench/charts.py [--rounds 30]

The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.charts import (  # noqa: E402
    ChannelResult,
    ChartFill,
    DayPnl,
    EquityPoint,
    channels_chart,
    daily_pnl_chart,
    equity_chart,
    position_chart,
)
from services.trading.port import Candle, OrderSide  # noqa: E402

D = Decimal
TZ = ZoneInfo("Europe/Berlin")
START = datetime(2024, 1, 1, tzinfo=UTC)


def renderers(rng: random.Random) -> dict[str, Callable[[], bytes]]:
    """One closure per chart over fixed, seeded data."""
    value, points = 10_000.0, []
    for hour in range(90 * 24):
        value *= 1 + rng.gauss(0.0001, 0.004)
        points.append(EquityPoint(START + timedelta(hours=hour), D(f"{value:.2f}")))
    days = [DayPnl(date(2024, 1, 1) + timedelta(days=i), D(f"{rng.gauss(15, 80):.2f}"))
            for i in range(90)]
    rows = [ChannelResult(f"Signals channel {i}", D(f"{rng.gauss(40, 250):.2f}"),
                          rng.randint(1, 90), D(f"{rng.random():.2f}")) for i in range(20)]
    price, candles = 100.0, []
    for i in range(200):
        close = price * (1 + rng.gauss(0, 0.005))
        high, low = max(price, close) * 1.002, min(price, close) * 0.998
        candles.append(Candle(START + timedelta(minutes=15 * i), D(f"{price:.2f}"),
                              D(f"{high:.2f}"), D(f"{low:.2f}"), D(f"{close:.2f}"), D(1)))
        price = close
    fills = [ChartFill(START + timedelta(minutes=15 * i), candles[i].close,
                       OrderSide.BUY if i == 20 else OrderSide.SELL, label)
             for i, label in ((20, "Entry"), (80, "TP1"), (120, "TP2"), (190, "SL"))]
    entry = candles[20].close
    return {
        "equity": lambda: equity_chart(points, tz=TZ),
        "daily": lambda: daily_pnl_chart(days, tz=TZ, currency="USDT"),
        "channels": lambda: channels_chart(rows, currency="USDT"),
        "position": lambda: position_chart(
            candles, symbol="SOL/USDT:USDT", side="long", entry=entry,
            targets=[entry * D("1.02"), entry * D("1.04"), entry * D("1.08")],
            stop_loss=entry * D("0.97"), fills=fills, tz=TZ),
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def rss_mb() -> float:
    """Resident memory now (Linux), to tell a leak from a high-water mark."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return peak_rss_mb()
    return pages * resource.getpagesize() / 2**20


def measure(rounds: int) -> dict[str, float]:
    charts = renderers(random.Random(7))
    sizes = {name: len(draw()) for name, draw in charts.items()}  # warm-up
    times: dict[str, list[float]] = {name: [] for name in charts}
    halfway = 0.0
    for round_ in range(rounds):
        for name, draw in charts.items():
            started = time.perf_counter()
            draw()
            times[name].append((time.perf_counter() - started) * 1000)
        if round_ == rounds // 2:
            halfway = rss_mb()
    results: dict[str, float] = {}
    for name in charts:
        results[f"{name}_ms"] = round(statistics.median(times[name]), 1)
        results[f"{name}_kb"] = round(sizes[name] / 1024, 1)
    # Figures are freed by the cycle collector, so memory settles after a few rounds;
    # a leak would keep growing through the second half.
    results["rss_second_half_growth_mb"] = round(rss_mb() - halfway, 1)
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    figures = measure(rounds)
    print(f"chart rendering: median wall ms per 1200×700 PNG over {rounds} renders")
    for name in ("equity", "daily", "channels", "position"):
        print(f"  {name:<9} {figures[f'{name}_ms']:>7} ms   {figures[f'{name}_kb']:>6} kB")
    print(f"  peak RSS {figures['peak_rss_mb']} MB; resident memory grew "
          f"{figures['rss_second_half_growth_mb']} MB over the second half of the rounds")
    print(json.dumps({"equity_ms": figures["equity_ms"], "daily_ms": figures["daily_ms"],
                      "channels_ms": figures["channels_ms"],
                      "position_ms": figures["position_ms"],
                      "peak_rss_mb": figures["peak_rss_mb"],
                      "rss_second_half_growth_mb": figures["rss_second_half_growth_mb"]}))
