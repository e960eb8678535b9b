"""Repository of the `runtime_settings` table: values changed while the bot runs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.database import Database
from storage.timefmt import to_db


class RuntimeSettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        # key -> its stored text (None: not set), kept until `put` / `delete` changes it:
        # the trading state and its peak mark are asked before every entry.
        self._known = db.memo("runtime_settings")

    async def get(self, key: str, default: Any = None) -> Any:
        if key in self._known.answers:
            text = self._known.answers[key]
        else:
            generation = self._known.generation
            row = await self._db.fetch_one("SELECT value FROM runtime_settings WHERE key = ?",
                                           (key,))
            text = row["value"] if row else None
            self._known.keep(generation, key, text)
        return json.loads(text) if text is not None else default

    async def all(self) -> dict[str, Any]:
        rows = await self._db.fetch_all("SELECT key, value FROM runtime_settings ORDER BY key")
        return {r["key"]: json.loads(r["value"]) for r in rows}

    async def put(self, key: str, value: Any, *, by: int | None, now: datetime) -> None:
        self._known.forget()
        await self._db.execute(
            "INSERT INTO runtime_settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (key, json.dumps(value, ensure_ascii=False, default=str), to_db(now), by),
        )

    async def delete(self, key: str) -> None:
        self._known.forget()
        await self._db.execute("DELETE FROM runtime_settings WHERE key = ?", (key,))
