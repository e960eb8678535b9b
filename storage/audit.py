"""Repository of the `audit_log` table: every state-changing action and refused attempt."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.database import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_id: int | None
    role: str
    action: str
    outcome: str
    detail: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


class AuditLogRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, entry: AuditEntry) -> int:
        """Append one entry; return its id."""
        return await self._db.execute(
            "INSERT INTO audit_log (at, actor_id, role, action, outcome, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (to_db(entry.at), entry.actor_id, entry.role, entry.action, entry.outcome,
             json.dumps(entry.detail, ensure_ascii=False, default=str)),
        )

    async def recent(self, limit: int = 20, *, actor_id: int | None = None) -> list[AuditEntry]:
        """The newest entries first."""
        if actor_id is None:
            rows = await self._db.fetch_all(
                "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = await self._db.fetch_all(
                "SELECT * FROM audit_log WHERE actor_id = ? ORDER BY id DESC LIMIT ?",
                (actor_id, limit))
        return [
            AuditEntry(at=from_db(r["at"]), actor_id=r["actor_id"], role=r["role"],
                       action=r["action"], outcome=r["outcome"], detail=json.loads(r["detail"]),
                       id=r["id"])
            for r in rows
        ]

    async def count(self, *, action: str | None = None) -> int:
        if action is None:
            row = await self._db.fetch_one("SELECT COUNT(*) FROM audit_log")
        else:
            row = await self._db.fetch_one(
                "SELECT COUNT(*) FROM audit_log WHERE action = ?", (action,))
        return int(row[0]) if row else 0
