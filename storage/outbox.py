"""Repository of the `outbox` table: Telegram messages waiting to be delivered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.database import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class OutboxRow:
    id: int
    chat_id: int
    kind: str
    text: str
    reply_markup: dict[str, Any] | None
    file_name: str | None
    file_content: bytes | None
    attempts: int
    next_attempt_at: datetime


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, *, chat_id: int, kind: str, text: str,
                  reply_markup: dict[str, Any] | None, file_name: str | None,
                  file_content: bytes | None, now: datetime) -> int:
        stamp = to_db(now)
        return await self._db.execute(
            "INSERT INTO outbox (chat_id, kind, text, reply_markup, file_name, file_content,"
            " created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (chat_id, kind, text, json.dumps(reply_markup) if reply_markup else None,
             file_name, file_content, stamp, stamp),
        )

    async def next_pending(self) -> OutboxRow | None:
        """The oldest pending message (due or not), so delivery keeps its order."""
        row = await self._db.fetch_one(
            "SELECT * FROM outbox WHERE status = 'pending' ORDER BY id LIMIT 1")
        if row is None:
            return None
        return OutboxRow(
            id=row["id"], chat_id=row["chat_id"], kind=row["kind"], text=row["text"],
            reply_markup=json.loads(row["reply_markup"]) if row["reply_markup"] else None,
            file_name=row["file_name"], file_content=row["file_content"],
            attempts=row["attempts"], next_attempt_at=from_db(row["next_attempt_at"]),
        )

    async def delivered(self, message_id: int) -> None:
        await self._db.execute("DELETE FROM outbox WHERE id = ?", (message_id,))

    async def postpone(self, message_id: int, *, until: datetime, error: str) -> None:
        await self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?"
            " WHERE id = ?", (to_db(until), error[:500], message_id))

    async def give_up(self, message_id: int, *, error: str) -> None:
        await self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, status = 'failed', last_error = ?"
            " WHERE id = ?", (error[:500], message_id))

    async def count(self, status: str = "pending") -> int:
        row = await self._db.fetch_one("SELECT COUNT(*) FROM outbox WHERE status = ?", (status,))
        return int(row[0]) if row else 0
