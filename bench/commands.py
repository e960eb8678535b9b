"""Commands over a long history: /status, /positions and /stats answered through the fake
Bot API, and the time to render each chart.

The real application (aiogram Bot over HTTP on 127.0.0.1, paper mode, prices from a fake
Binance on 127.0.0.1) over an SQLite database holding 100,000 closed trades (60 days, five
channels) and 200 open positions. Per command: the time from the update being available to
the reply arriving at the fake Bot API. Per chart: the time to gather its data and render
the PNG (off the event loop, as /chart does). The statistics over every trade are cached
until a trade closes: the first /stats, which reads them all, is timed on its own, and so
is a /stats right after one more trade closed (which reads them all again).

    uv run python bench/commands.py [--trades 100000] [--open 200] [--repeat 40]

Targets: p95 ≤ 50 ms per command, ≤ 300 ms per chart. The last line is one JSON object of
the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.history import CHANNELS, percentile, seed  # noqa: E402
from bot.app import Application  # noqa: E402
from bot.logging import setup_logging  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from handlers.charts import KINDS, chart_png  # noqa: E402
from storage.positions import NewPosition  # noqa: E402
from tests.fakes.bot_api import FakeBotAPI  # noqa: E402
from tests.fakes.exchange import FakeExchange  # noqa: E402
from tests.fakes.telegram_objects import message_update, user  # noqa: E402

ADMIN_ID = 1001
COMMANDS = ("/status", "/positions", "/stats")


async def time_command(telegram: FakeBotAPI, text: str, repeat: int) -> list[float]:
    admin = user(ADMIN_ID)
    times = []
    for i in range(repeat + 3 if repeat else 1):
        before = len(telegram.calls_of("sendMessage"))
        started = time.perf_counter()
        telegram.push_update(message_update(admin, text))
        await telegram.wait_for_call("sendMessage", count=before + 1, timeout=60)
        if repeat and i >= 3:  # the first ones warm caches and the connection pool
            times.append((time.perf_counter() - started) * 1000)
    return times


async def time_chart(app: Application, kind: str, repeat: int) -> list[float]:
    times = []
    for _ in range(max(3, repeat // 4)):
        started = time.perf_counter()
        with app.i18n.context(), app.i18n.use_locale("en"):
            png = await chart_png(kind, app.performance)
        times.append((time.perf_counter() - started) * 1000)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return times


async def main(trades: int, open_positions: int, repeat: int) -> dict[str, float]:
    setup_logging("ERROR")
    telegram = FakeBotAPI(max_long_poll=0.5)
    await telegram.start()
    exchange = FakeExchange()
    await exchange.start()
    figures: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = load_settings(
                _env_file=None, data_dir=Path(folder),
                telegram={"bot_token": "123456:BENCH", "api_base": telegram.base_url,
                          "admin_ids": [ADMIN_ID], "polling_timeout_s": 1},
                http={"host": "127.0.0.1", "port": 0},
                exchange={"ccxt_config": exchange.ccxt_config("futures")})
            started = time.perf_counter()
            await seed(settings.database_path, trades, open_positions)
            print(f"database: {trades} closed trades, {open_positions} open positions "
                  f"(written in {time.perf_counter() - started:.1f} s)")
            app = Application(settings)
            await app.start()
            try:
                started = time.perf_counter()
                first = await time_command(telegram, "/stats", 0)  # nothing cached yet
                figures["stats_first_ms"] = round((time.perf_counter() - started) * 1000, 1)
                print(f"  /stats first (every closed trade read) {figures['stats_first_ms']} ms")
                assert first == []
                await close_one_more(app)
                started = time.perf_counter()
                await time_command(telegram, "/stats", 0)
                figures["stats_after_close_ms"] = round((time.perf_counter() - started) * 1000, 1)
                print(f"  /stats after one more trade closed {figures['stats_after_close_ms']} ms")
                for text in COMMANDS:
                    times = await time_command(telegram, text, repeat)
                    name = text.lstrip("/")
                    figures[f"{name}_p50_ms"] = round(statistics.median(times), 1)
                    figures[f"{name}_p95_ms"] = round(percentile(times, 0.95), 1)
                    print(f"  {text:<11} p50 {figures[f'{name}_p50_ms']:>8} ms   "
                          f"p95 {figures[f'{name}_p95_ms']:>8} ms   ({len(times)} replies)")
                for kind in KINDS:
                    times = await time_chart(app, kind, repeat)
                    figures[f"chart_{kind}_ms"] = round(statistics.median(times), 1)
                    print(f"  chart {kind:<9} {figures[f'chart_{kind}_ms']:>8} ms "
                          f"(median of {len(times)})")
            finally:
                await app.stop()
    finally:
        await telegram.stop()
        await exchange.stop()
    return figures


async def close_one_more(app: Application) -> None:
    """A trade closes (written as the engine writes it): the statistics are out of date."""
    now = datetime.now(UTC)
    position_id = await app.positions.add(NewPosition(
        signal_id=None, channel_id=CHANNELS[0], symbol="C000/USDT:USDT", side="long",
        market_kind="futures", status="waiting_entry", entry_type="single",
        margin=Decimal(100), leverage=5), now=now - timedelta(hours=1))
    await app.positions.update(position_id, now=now, status="closed",
                               filled_amount=Decimal("0.5"), average_entry=Decimal(100),
                               realized_pnl=Decimal(3), fees=Decimal("0.1"),
                               opened_at=now - timedelta(hours=1), closed_at=now, reason="tp")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trades", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    result = asyncio.run(main(args.trades, args.open, args.repeat))
    print(json.dumps(result))
