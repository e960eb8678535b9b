"""The trades repository over a real migrated database: only filled-then-closed positions
are trades, their net PnL counts the fees once, and the time window is [start, end)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from storage.database import Database
from storage.positions import NewPosition, PositionRepository
from storage.trades import TradeRepository

D = Decimal
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "db.sqlite3")
    await database.open()
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()


async def position(db: Database, *, channel: int = -100, symbol: str = "BTC/USDT:USDT",
                   status: str = "closed", filled: str = "0.010", realized: str = "0",
                   fees: str = "0", opened: datetime | None = NOW,
                   closed: datetime | None = NOW + timedelta(hours=2),
                   reason: str | None = "tp") -> int:
    """A position as the engine leaves it (created, then updated through its life)."""
    positions = PositionRepository(db)
    position_id = await positions.add(NewPosition(
        signal_id=None, channel_id=channel, symbol=symbol, side="long",
        market_kind="futures", status="waiting_entry", entry_type="single",
        margin=D("100"), leverage=5), now=NOW - timedelta(minutes=5))
    changes: dict[str, object] = dict(status=status, filled_amount=D(filled),
                                      realized_pnl=D(realized), fees=D(fees), reason=reason)
    if opened is not None:
        changes["opened_at"] = opened
    if closed is not None:
        changes["closed_at"] = closed
    await positions.update(position_id, now=NOW, **changes)
    return position_id


async def test_a_closed_trade_reads_back_with_net_pnl_after_fees(db: Database) -> None:
    position_id = await position(db, realized="12.50", fees="0.75", reason="sl")
    [row] = await TradeRepository(db).all_closed()
    assert row.position_id == position_id
    assert (row.channel_id, row.symbol, row.side) == (-100, "BTC/USDT:USDT", "long")
    assert (row.realized_pnl, row.fees, row.net_pnl) == (D("12.50"), D("0.75"), D("11.75"))
    assert row.margin == D("100") and row.reason == "sl"
    assert (row.opened_at, row.closed_at) == (NOW, NOW + timedelta(hours=2))


async def test_positions_closed_without_a_fill_are_not_trades(db: Database) -> None:
    await position(db, filled="0", reason="entry expired")
    await position(db, filled="0.000", reason="cancelled")
    await position(db, filled="0E-8", reason="cancelled")
    kept = await position(db, filled="0.001", realized="-3")
    assert [r.position_id for r in await TradeRepository(db).all_closed()] == [kept]


async def test_positions_still_open_or_never_taken_are_not_trades(db: Database) -> None:
    await position(db, status="open", closed=None)
    await position(db, status="partially_closed", realized="5", closed=None)
    await position(db, status="rejected", filled="0", opened=None, closed=None)
    assert await TradeRepository(db).all_closed() == []


async def test_closed_between_includes_the_start_and_excludes_the_end(db: Database) -> None:
    at_start = await position(db, closed=NOW)
    inside = await position(db, closed=NOW + timedelta(hours=5))
    await position(db, closed=NOW + timedelta(days=1))  # at the end: excluded
    await position(db, closed=NOW - timedelta(microseconds=1))  # before: excluded
    rows = await TradeRepository(db).closed_between(NOW, NOW + timedelta(days=1))
    assert [r.position_id for r in rows] == [at_start, inside]


async def test_trades_come_oldest_first_and_filter_by_channel(db: Database) -> None:
    later = await position(db, channel=-1, closed=NOW + timedelta(hours=3))
    earlier = await position(db, channel=-1, closed=NOW + timedelta(hours=1))
    other = await position(db, channel=-2, closed=NOW + timedelta(hours=2))
    trades = TradeRepository(db)
    assert [r.position_id for r in await trades.all_closed()] == [earlier, other, later]
    assert [r.position_id for r in await trades.all_closed(channel_id=-1)] == [earlier, later]
    window = await trades.closed_between(NOW, NOW + timedelta(days=1), channel_id=-2)
    assert [r.position_id for r in window] == [other]


async def test_a_trade_without_an_open_time_uses_its_creation_time(db: Database) -> None:
    await position(db, opened=None)
    [row] = await TradeRepository(db).all_closed()
    assert row.opened_at == NOW - timedelta(minutes=5)
