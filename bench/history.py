"""A trading history written straight into a bench's SQLite database: closed trades spread
over the last 60 days across five channels, and open futures positions with stops on the
fake Binance's markets (BTC, ETH, SOL). Shared by bench/metrics_scrape.py and
bench/commands.py."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from storage.channels import ChannelRepository
from storage.database import Database
from storage.timefmt import to_db

CHANNELS = (-1001, -1002, -1003, -1004, -1005)
COLUMNS = ("channel_id, symbol, side, market_kind, status, entry_type, margin, leverage, "
           "filled_amount, closed_amount, average_entry, stop_loss, realized_pnl, fees, "
           "reason, created_at, updated_at, opened_at, closed_at")


def position_rows(trades: int, open_positions: int, now: datetime) -> list[tuple[object, ...]]:
    rng = random.Random(7)
    rows: list[tuple[object, ...]] = []
    for i in range(trades):
        closed = now - timedelta(minutes=rng.uniform(1, 60 * 24 * 60))
        opened = closed - timedelta(hours=rng.uniform(1, 48))
        pnl = Decimal(rng.randint(-6000, 9000)) / 100
        rows.append((CHANNELS[i % 5], f"C{i % 300:03d}/USDT:USDT", "long", "futures",
                     "closed", "single", "100", 5, "0.5", "0.5", "100", "95", str(pnl), "0.12",
                     "tp" if pnl > 0 else "sl", to_db(opened), to_db(closed), to_db(opened),
                     to_db(closed)))
    for i in range(open_positions):
        opened = now - timedelta(hours=rng.uniform(1, 48))
        symbol = ("BTC", "ETH", "SOL")[i % 3] + "/USDT:USDT"
        rows.append((CHANNELS[i % 5], symbol, "long", "futures", "open", "single", "100", 5,
                     "5", "0", "100", "95", "0", "0.05", None, to_db(opened), to_db(opened),
                     to_db(opened), None))
    return rows


async def seed(path: Path, trades: int, open_positions: int) -> None:
    """Migrate the database at `path` and write the history into it."""
    db = Database(path)
    await db.open()
    await db.migrate()
    now = datetime.now(UTC)
    channels = ChannelRepository(db)
    for n, channel_id in enumerate(CHANNELS):
        await channels.add(channel_id, title=f"Channel {n + 1}", username=f"channel{n + 1}",
                           by=None, now=now)
    marks = ", ".join("?" * len(COLUMNS.split(", ")))
    async with db.transaction() as tx:
        await tx.execute_many(f"INSERT INTO positions ({COLUMNS}) VALUES ({marks})",
                              position_rows(trades, open_positions, now))
    await db.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
