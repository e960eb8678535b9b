"""Repository of the `users` table: who wrote to the bot, their role and language."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class UserRow:
    user_id: int
    username: str | None
    first_name: str | None
    language_code: str | None
    language: str | None
    role: str
    first_seen_at: datetime
    last_seen_at: datetime


class UserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> UserRow | None:
        row = await self._db.fetch_one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return _to_user(row) if row else None

    async def touch(self, user_id: int, *, username: str | None, first_name: str | None,
                    language_code: str | None, role: str, now: datetime) -> None:
        """Record that the user was seen now (insert or refresh name, language code, role)."""
        stamp = to_db(now)
        await self._db.execute(
            "INSERT INTO users (user_id, username, first_name, language_code, role,"
            " first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET username = excluded.username,"
            " first_name = excluded.first_name, language_code = excluded.language_code,"
            " role = excluded.role, last_seen_at = excluded.last_seen_at",
            (user_id, username, first_name, language_code, role, stamp, stamp),
        )

    async def set_language(self, user_id: int, language: str | None) -> None:
        """Store the user's chosen language (None: follow their Telegram language)."""
        await self._db.execute("UPDATE users SET language = ? WHERE user_id = ?",
                               (language, user_id))


def _to_user(row: sqlite3.Row) -> UserRow:
    return UserRow(
        user_id=row["user_id"], username=row["username"], first_name=row["first_name"],
        language_code=row["language_code"], language=row["language"], role=row["role"],
        first_seen_at=from_db(row["first_seen_at"]), last_seen_at=from_db(row["last_seen_at"]),
    )
