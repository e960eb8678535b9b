"""Command round trip: a /status update pushed to the fake Bot API → the bot's reply.

Runs the real application (real aiogram Bot over HTTP on 127.0.0.1, SQLite in a temp
folder) and measures, per command, the time from the update being available to the reply
arriving at the fake server; also the process's peak memory.

    uv run python bench/command_roundtrip.py [--commands 300]

The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import Application  # noqa: E402
from bot.logging import setup_logging  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from tests.fakes.bot_api import FakeBotAPI  # noqa: E402
from tests.fakes.telegram_objects import message_update, user  # noqa: E402

ADMIN_ID = 1001


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(commands: int) -> dict[str, float]:
    setup_logging("WARNING")
    fake = FakeBotAPI(max_long_poll=0.5)
    await fake.start()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            _env_file=None, data_dir=Path(folder),
            telegram={"bot_token": "123456:BENCH", "api_base": fake.base_url,
                      "admin_ids": [ADMIN_ID], "polling_timeout_s": 1},
            http={"host": "127.0.0.1", "port": 0})
        app = Application(settings)
        await app.start()
        admin = user(ADMIN_ID)
        latencies: list[float] = []
        try:
            for i in range(commands + 10):
                started = time.perf_counter()
                fake.push_update(message_update(admin, "/status"))
                await fake.wait_for_call("sendMessage", count=i + 1, timeout=10)
                if i >= 10:  # the first ones warm caches and the connection pool
                    latencies.append((time.perf_counter() - started) * 1000)
        finally:
            await app.stop()
            await fake.stop()
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "commands": len(latencies),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
        "peak_rss_mb": round(peak_rss_mb, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=300)
    figures = asyncio.run(main(parser.parse_args().commands))
    print(f"/status round trip over {figures['commands']} commands (bot, fake Bot API, SQLite)")
    print(f"  p50 {figures['p50_ms']} ms   p99 {figures['p99_ms']} ms   max {figures['max_ms']} ms")
    print(f"  peak RSS of the process (bot + fake server): {figures['peak_rss_mb']} MB")
    print(json.dumps(figures))
