"""/metrics scrape: GET /metrics of the real application over HTTP on 127.0.0.1, with a
history of closed trades and open positions in its SQLite database.

Each size is a fresh bot (fake Bot API on 127.0.0.1, paper mode, no exchange request made by
a scrape) whose database holds N closed trades over the last 60 days and 100 open positions
with stops; the scrape is repeated and timed end to end (request → whole body read). The
win rate reads every closed trade, so the time grows with the history; the rest does not.

    uv run python bench/metrics_scrape.py [--sizes 1000,10000,100000] [--scrapes 200]

The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.history import percentile, seed  # noqa: E402
from bot.app import Application  # noqa: E402
from bot.logging import setup_logging  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from tests.fakes.bot_api import FakeBotAPI  # noqa: E402
from tests.fakes.exchange import FakeExchange  # noqa: E402

OPEN_POSITIONS = 100


async def scrape_bot(trades: int, scrapes: int) -> dict[str, float]:
    fake = FakeBotAPI(max_long_poll=0.5)
    await fake.start()
    exchange = FakeExchange()  # the market data the bot loads at start; no scrape asks it
    await exchange.start()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            _env_file=None, data_dir=Path(folder),
            telegram={"bot_token": "123456:BENCH", "api_base": fake.base_url,
                      "admin_ids": [1001], "polling_timeout_s": 1},
            http={"host": "127.0.0.1", "port": 0},
            exchange={"ccxt_config": exchange.ccxt_config("futures")})
        await seed(settings.database_path, trades, OPEN_POSITIONS)
        app = Application(settings)
        await app.start()
        url = f"http://127.0.0.1:{app.http.port}/metrics"
        times: list[float] = []
        size = 0
        try:
            async with aiohttp.ClientSession() as http:
                for i in range(scrapes + 5):
                    started = time.perf_counter()
                    async with http.get(url) as response:
                        body = await response.read()
                    if i >= 5:  # the first ones warm the connection and the caches
                        times.append((time.perf_counter() - started) * 1000)
                    size = len(body)
            assert b'signaldesk_positions{state="open"} 100.0' in body, body[:2000]
        finally:
            await app.stop()
            await fake.stop()
            await exchange.stop()
    return {"p50_ms": round(statistics.median(times), 2),
            "p99_ms": round(percentile(times, 0.99), 2), "bytes": size}


async def main(sizes: list[int], scrapes: int) -> dict[str, float]:
    setup_logging("WARNING")
    figures: dict[str, float] = {}
    for trades in sizes:
        result = await scrape_bot(trades, scrapes)
        print(f"{trades:>7} closed trades, {OPEN_POSITIONS} open: p50 {result['p50_ms']} ms"
              f"   p99 {result['p99_ms']} ms   {result['bytes']} bytes")
        figures[f"p50_ms_{trades}"] = result["p50_ms"]
        figures[f"p99_ms_{trades}"] = result["p99_ms"]
        figures["bytes"] = result["bytes"]
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--scrapes", type=int, default=200)
    args = parser.parse_args()
    print(f"GET /metrics, {args.scrapes} scrapes per size (real app, SQLite, 127.0.0.1)")
    result = asyncio.run(main([int(s) for s in args.sizes.split(",")], args.scrapes))
    print(json.dumps(result))
