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

    async def get(self, key: str, default: Any = None) -> Any:
        row = await self._db.fetch_one("SELECT value FROM runtime_settings WHERE key = ?", (key,))
        return json.loads(row["value"]) if row else default

    async def all(self) -> dict[str, Any]:
        rows = await self._db.fetch_all("SELECT key, value FROM runtime_settings ORDER BY key")
        return {r["key"]: json.loads(r["value"]) for r in rows}

    async def put(self, key: str, value: Any, *, by: int | None, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO runtime_settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (key, json.dumps(value, ensure_ascii=False, default=str), to_db(now), by),
        )

    async def delete(self, key: str) -> None:
        await self._db.execute("DELETE FROM runtime_settings WHERE key = ?", (key,))
