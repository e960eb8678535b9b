"""Repository of the `signals` table: what each post revision was understood as."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.database import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class SignalRow:
    id: int
    post_id: int
    revision: int
    channel_id: int
    kind: str  # open / update / close / noise
    status: str  # accepted / not_understood / noise / linked / unlinked / ignored
    symbol: str | None
    reason: str | None
    parsed: dict[str, Any]
    linked_signal_id: int | None
    created_at: datetime


class SignalRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, *, post_id: int, revision: int, channel_id: int, kind: str, status: str,
                  symbol: str | None, reason: str | None, parsed: dict[str, Any],
                  linked_signal_id: int | None, now: datetime) -> int:
        return await self._db.execute(
            "INSERT INTO signals (post_id, revision, channel_id, kind, status, symbol, reason,"
            " parsed, linked_signal_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (post_id, revision, channel_id, kind, status, symbol, reason,
             json.dumps(parsed, ensure_ascii=False), linked_signal_id, to_db(now)))

    async def get(self, signal_id: int) -> SignalRow | None:
        row = await self._db.fetch_one("SELECT * FROM signals WHERE id = ?", (signal_id,))
        return _to_signal(row) if row else None

    async def for_post(self, post_id: int) -> list[SignalRow]:
        """Every reading of a post, oldest revision first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM signals WHERE post_id = ? ORDER BY revision", (post_id,))
        return [_to_signal(r) for r in rows]

    async def latest_open(self, channel_id: int, *, symbol: str | None = None,
                          post_id: int | None = None) -> SignalRow | None:
        """The newest accepted new signal of a channel, for a symbol or a post."""
        sql = "SELECT * FROM signals WHERE channel_id = ? AND kind = 'open' AND status = 'accepted'"
        params: list[Any] = [channel_id]
        if symbol is not None:
            sql += " AND symbol = ?"
            params.append(symbol)
        if post_id is not None:
            sql += " AND post_id = ?"
            params.append(post_id)
        row = await self._db.fetch_one(sql + " ORDER BY id DESC LIMIT 1", params)
        return _to_signal(row) if row else None

    async def counts_by_channel(self) -> dict[int, dict[str, int]]:
        """Per channel: how many posts became each status (for /channels' summary line)."""
        rows = await self._db.fetch_all(
            "SELECT channel_id, status, COUNT(*) FROM signals GROUP BY channel_id, status")
        summary: dict[int, dict[str, int]] = {}
        for channel_id, status, count in rows:
            summary.setdefault(channel_id, {})[status] = count
        return summary


def _to_signal(row: sqlite3.Row) -> SignalRow:
    return SignalRow(
        id=row["id"], post_id=row["post_id"], revision=row["revision"],
        channel_id=row["channel_id"], kind=row["kind"], status=row["status"],
        symbol=row["symbol"], reason=row["reason"], parsed=json.loads(row["parsed"]),
        linked_signal_id=row["linked_signal_id"], created_at=from_db(row["created_at"]),
    )
