"""Repository of the `outbox` table: Telegram messages waiting to be delivered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
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
    ref: str | None = None  # remember the delivered message's id under this
    replaces: str | None = None  # edit the message remembered under this ref instead
    silent: bool = False  # delivered without a sound


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, *, chat_id: int, kind: str, text: str,
                  reply_markup: dict[str, Any] | None, file_name: str | None,
                  file_content: bytes | None, now: datetime, ref: str | None = None,
                  replaces: str | None = None, silent: bool = False) -> int:
        stamp = to_db(now)
        return await self._db.execute(
            "INSERT INTO outbox (chat_id, kind, text, reply_markup, file_name, file_content,"
            " created_at, next_attempt_at, ref, replaces, silent)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (chat_id, kind, text, json.dumps(reply_markup) if reply_markup else None,
             file_name, file_content, stamp, stamp, ref, replaces, int(silent)),
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
            ref=row["ref"], replaces=row["replaces"], silent=bool(row["silent"]),
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

    async def sent_message_id(self, ref: str, chat_id: int) -> int | None:
        """The Telegram id of the message delivered under `ref` to `chat_id`, if any."""
        row = await self._db.fetch_one(
            "SELECT message_id FROM sent_messages WHERE ref = ? AND chat_id = ?", (ref, chat_id))
        return int(row[0]) if row else None

    async def remember(self, ref: str, chat_id: int, message_id: int, *, now: datetime,
                       keep_days: int = 30) -> None:
        """Remember a delivered message's id under `ref`; forget those older than
        `keep_days` (Telegram lets a bot edit its messages for much longer, but no card
        waits that long)."""
        async with self._db.transaction():
            await self._db.execute(
                "INSERT OR REPLACE INTO sent_messages (ref, chat_id, message_id, sent_at)"
                " VALUES (?, ?, ?, ?)", (ref, chat_id, message_id, to_db(now)))
            await self._db.execute("DELETE FROM sent_messages WHERE sent_at < ?",
                                   (to_db(now - timedelta(days=keep_days)),))

    async def count(self, status: str = "pending") -> int:
        row = await self._db.fetch_one("SELECT COUNT(*) FROM outbox WHERE status = ?", (status,))
        return int(row[0]) if row else 0
