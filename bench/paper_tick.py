"""Paper exchange tick: `on_prices` over 10 / 100 / 1,000 / 10,000 open futures positions,
each guarded by a resting reduce-only stop and take-profit (two orders per position).

For each size the account is seeded straight into SQLite (one transaction), a new
PaperExchange loads it as after a restart, and then we measure the CPU time (process
time, the aiosqlite thread included) of:
  - a quiet tick: every price moves, nothing crosses (the common case);
  - a busy tick: 10 % of the stops fire — fills, positions closed, one transaction.
Prices come from an in-memory source, so no network time is counted.

    uv run python bench/paper_tick.py [--sizes 10,100,1000,10000]

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
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.clock import SystemClock  # noqa: E402
from services.trading.paper import PaperExchange  # noqa: E402
from services.trading.port import Candle, Market, MarketKind, Ticker  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.paper import PaperOrderRow, PaperPositionRow, PaperRepository  # noqa: E402

D = Decimal
ENTRY, STOP, TARGET = D("100"), D("95"), D("110")


class StaticPrices:
    """Markets and tickers held in memory: the tick measures the paper exchange alone."""

    def __init__(self, symbols: list[str]) -> None:
        self.markets = {s: Market(s, s.split("/")[0], "USDT", MarketKind.FUTURES, D("0.01"),
                                  D("1"), D("1"), D("5"), max_leverage=100,
                                  taker_fee=D("0.0005"), maker_fee=D("0.0002"))
                        for s in symbols}
        self.prices = dict.fromkeys(symbols, ENTRY)

    def tickers(self) -> dict[str, Ticker]:
        now = datetime.now(UTC)
        return {s: Ticker(s, p, None, None, now) for s, p in self.prices.items()}

    async def load_markets(self, reload: bool = False) -> dict[str, Market]:
        return self.markets

    async def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]:
        every = self.tickers()
        return {s: every[s] for s in symbols}

    async def fetch_candles(self, symbol: str, timeframe: str, since: datetime | None = None,
                            limit: int = 200) -> list[Candle]:
        return []

    async def close(self) -> None:
        return None


async def seed(db: Database, symbols: list[str]) -> None:
    """One long per symbol at ENTRY with a stop below and a take-profit above it."""
    repo, now = PaperRepository(db), datetime.now(UTC)
    orders = []
    for i, symbol in enumerate(symbols):
        for leg, kind, trigger in ((1, "stop_market", STOP), (2, "take_profit_market", TARGET)):
            orders.append(PaperOrderRow(
                id=2 * i + leg, kind="futures", client_id=f"p{i}-{leg}", symbol=symbol,
                side="sell", type=kind, status="open", amount=D("1"), filled=D(0),
                average_price=None, price=None, trigger_price=trigger, reduce_only=True,
                fee=D(0), fee_currency=None, reason=None, created_at=now, updated_at=now))
    async with db.transaction():
        await repo.open_account(kind="futures", quote="USDT", starting_balance=D("1000000"),
                                now=now)
        await repo.save_orders(orders)
        await repo.save_positions(PaperPositionRow(s, D("1"), ENTRY, D(0), now, now)
                                  for s in symbols)


async def cpu_ms(paper: PaperExchange, tickers: dict[str, Ticker]) -> tuple[float, int]:
    started = time.process_time()
    changed = await paper.on_prices(tickers)
    return (time.process_time() - started) * 1000, len(changed)


async def measure(size: int, folder: Path) -> dict[str, float]:
    symbols = [f"C{i:05d}/USDT:USDT" for i in range(size)]
    db = Database(folder / f"paper-{size}.sqlite3")
    await db.open()
    await db.migrate()
    await seed(db, symbols)
    prices = StaticPrices(symbols)
    paper = PaperExchange(prices=prices, db=db, repo=PaperRepository(db), clock=SystemClock(),
                          kind=MarketKind.FUTURES)
    started = time.perf_counter()
    assert len(await paper.fetch_open_orders()) == 2 * size  # loads the account
    load_ms = (time.perf_counter() - started) * 1000

    quiet = []
    for step in range(max(5, min(50, 20_000 // size))):
        prices.prices = dict.fromkeys(symbols, ENTRY + D(step % 7) / 10)
        elapsed, changed = await cpu_ms(paper, prices.tickers())
        assert changed == 0
        quiet.append(elapsed)

    falling = symbols[: max(1, size // 10)]
    for symbol in falling:
        prices.prices[symbol] = D("94")
    busy, changed = await cpu_ms(paper, prices.tickers())
    assert changed == len(falling)
    assert len(await paper.fetch_positions()) == size - len(falling)
    await db.close()
    return {"size": size, "orders": 2 * size, "load_ms": round(load_ms, 2),
            "quiet_tick_cpu_ms": round(statistics.median(quiet), 3),
            "busy_tick_cpu_ms": round(busy, 2), "busy_tick_fills": changed}


async def main(sizes: list[int]) -> list[dict[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        return [await measure(size, Path(folder)) for size in sizes]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000,10000")
    results = asyncio.run(main([int(s) for s in parser.parse_args().sizes.split(",")]))
    print("paper on_prices: CPU ms per tick (positions, 2 resting orders each)")
    for r in results:
        print(f"  {r['size']:>6} positions / {r['orders']:>6} orders: quiet "
              f"{r['quiet_tick_cpu_ms']:>8} ms   busy {r['busy_tick_cpu_ms']:>8} ms "
              f"({r['busy_tick_fills']} fills, 1 transaction)   load {r['load_ms']} ms")
    print(json.dumps({"paper_tick": results}))
