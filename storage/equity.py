"""Repository of the `equity_snapshots` table: the account's equity over time, written by
the position tracker every few minutes and read by the risk gate (start-of-day and peak
equity) and the equity chart."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from storage.database import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class EquitySnapshot:
    at: datetime
    equity: Decimal
    unrealized_pnl: Decimal
    open_positions: int


class EquityRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        # Answers of `first_since` and `peak` (the risk gate asks both before every entry),
        # kept until the next snapshot is added: `add` is the table's only writer.
        self._answers = db.memo("equity_snapshots")

    async def add(self, snapshot: EquitySnapshot) -> None:
        self._answers.forget()
        await self._db.execute(
            "INSERT INTO equity_snapshots (at, equity, unrealized_pnl, open_positions)"
            " VALUES (?, ?, ?, ?)",
            (to_db(snapshot.at), str(snapshot.equity), str(snapshot.unrealized_pnl),
             snapshot.open_positions))

    async def latest(self) -> EquitySnapshot | None:
        row = await self._db.fetch_one(
            "SELECT * FROM equity_snapshots ORDER BY at DESC, id DESC LIMIT 1", ())
        return _snapshot(row) if row else None

    async def first_since(self, start: datetime) -> EquitySnapshot | None:
        """The first snapshot at or after `start` (the start-of-day equity)."""
        key = ("first_since", to_db(start))
        if key in self._answers.answers:
            known: EquitySnapshot | None = self._answers.answers[key]
            return known
        generation = self._answers.generation
        row = await self._db.fetch_one(
            "SELECT * FROM equity_snapshots WHERE at >= ? ORDER BY at, id LIMIT 1", (key[1],))
        first = _snapshot(row) if row else None
        self._answers.keep(generation, key, first)
        return first

    async def between(self, start: datetime, end: datetime) -> list[EquitySnapshot]:
        rows = await self._db.fetch_all(
            "SELECT * FROM equity_snapshots WHERE at >= ? AND at < ? ORDER BY at, id",
            (to_db(start), to_db(end)))
        return [_snapshot(r) for r in rows]

    async def peak(self, since: datetime | None = None) -> Decimal | None:
        """The highest equity recorded (since `since`). Compared as numbers, not text."""
        key = ("peak", to_db(since) if since else "")
        if key in self._answers.answers:
            known: Decimal | None = self._answers.answers[key]
            return known
        generation = self._answers.generation
        row = await self._db.fetch_one(
            "SELECT equity FROM equity_snapshots WHERE at >= ?"
            " ORDER BY CAST(equity AS REAL) DESC LIMIT 1", (key[1],))
        peak = Decimal(row["equity"]) if row else None
        self._answers.keep(generation, key, peak)
        return peak


def _snapshot(row: sqlite3.Row) -> EquitySnapshot:
    return EquitySnapshot(at=from_db(row["at"]), equity=Decimal(row["equity"]),
                          unrealized_pnl=Decimal(row["unrealized_pnl"]),
                          open_positions=int(row["open_positions"]))
