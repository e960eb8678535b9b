"""Closed trades, read from the `positions` table for the statistics (/pnl, /daily, /stats).

A trade is a position that was filled and then closed. Positions closed without ever being
filled (an entry that expired or was cancelled) are not trades and are never returned.
Read-only: nothing here writes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from storage.database import Database
from storage.timefmt import from_db, to_db

# Only columns of migration 0004, so later migrations may add columns freely.
# filled_amount is Decimal text ("0", "0.000", "0E-8"…): compared as a number, not as text.
_CLOSED = (" FROM positions WHERE status = 'closed' AND closed_at IS NOT NULL"
           " AND CAST(filled_amount AS REAL) > 0")
_SELECT = ("SELECT id, channel_id, symbol, side, margin, realized_pnl, fees, reason, created_at,"
           " opened_at, closed_at" + _CLOSED)


@dataclass(frozen=True, slots=True)
class ClosedTradeRow:
    position_id: int
    channel_id: int
    symbol: str
    side: str  # long / short
    opened_at: datetime  # aware UTC; the creation time if the engine never stamped it
    closed_at: datetime  # aware UTC
    realized_pnl: Decimal  # gross, before fees
    fees: Decimal  # every fee the position paid, in the quote currency
    margin: Decimal
    reason: str | None  # why it was closed (tp, sl, manual…), as the engine wrote it

    @property
    def net_pnl(self) -> Decimal:
        """Realised PnL after fees (fees are counted once, here)."""
        return self.realized_pnl - self.fees


class ClosedPnl(NamedTuple):
    """A trade as period sums need it: when it closed and its net PnL."""

    closed_at: datetime  # aware UTC
    net_pnl: Decimal  # after fees


class TradeRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def closed_between(self, start: datetime, end: datetime,
                             channel_id: int | None = None) -> list[ClosedTradeRow]:
        """Trades closed at or after `start` and before `end` (aware times), oldest first;
        only those of `channel_id` when given."""
        sql = _SELECT + " AND closed_at >= ? AND closed_at < ?"
        params: list[object] = [to_db(start), to_db(end)]
        return await self._fetch(sql, params, channel_id)

    async def pnl_between(self, start: datetime, end: datetime) -> list[ClosedPnl]:
        """Like `closed_between`, only the close time and the net PnL: a month of trades
        for /daily and its chart without building whole rows."""
        rows = await self._db.fetch_all(
            "SELECT closed_at, realized_pnl, fees" + _CLOSED
            + " AND closed_at >= ? AND closed_at < ? ORDER BY closed_at, id",
            (to_db(start), to_db(end)))
        return [ClosedPnl(from_db(r[0]), Decimal(r[1]) - Decimal(r[2])) for r in rows]

    async def all_closed(self, channel_id: int | None = None) -> list[ClosedTradeRow]:
        """Every trade ever closed, oldest first; only those of `channel_id` when given."""
        return await self._fetch(_SELECT, [], channel_id)

    async def outcomes(self) -> tuple[int, int]:
        """(trades, wins) over every trade ever closed, counted inside SQLite (a scrape of
        /metrics must not read the whole history): a win has realised PnL above its fees.
        The two are compared as doubles, which keeps their order for any two amounts that
        differ in the first 15 significant digits — every amount of money here."""
        [row] = await self._db.fetch_all(  # from the covering index of migration 0008
            "SELECT COUNT(*), COALESCE(SUM(CAST(realized_pnl AS REAL) > CAST(fees AS REAL)), 0)"
            + _CLOSED)
        return int(row[0]), int(row[1])

    async def history_mark(self) -> tuple[int, str | None]:
        """Changes whenever a trade closes or a closed trade is written again: (how many
        closed positions, the latest time one was written). Statistics over all trades are
        cached against it."""
        row = await self._db.fetch_one(  # two sub-queries: MAX alone is one index seek
            "SELECT (SELECT COUNT(*) FROM positions WHERE status = 'closed'),"
            " (SELECT MAX(updated_at) FROM positions WHERE status = 'closed')")
        assert row is not None
        return int(row[0]), row[1]

    async def _fetch(self, sql: str, params: list[object],
                     channel_id: int | None) -> list[ClosedTradeRow]:
        if channel_id is not None:
            sql += " AND channel_id = ?"
            params.append(channel_id)
        rows = await self._db.fetch_all(sql + " ORDER BY closed_at, id", params)
        return [_to_trade(r) for r in rows]


def _to_trade(row: sqlite3.Row) -> ClosedTradeRow:
    opened = row["opened_at"] or row["created_at"]
    return ClosedTradeRow(
        position_id=row["id"], channel_id=row["channel_id"], symbol=row["symbol"],
        side=row["side"], opened_at=from_db(opened), closed_at=from_db(row["closed_at"]),
        realized_pnl=Decimal(row["realized_pnl"]), fees=Decimal(row["fees"]),
        margin=Decimal(row["margin"]), reason=row["reason"])
