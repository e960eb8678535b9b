"""The audit trail: who did what, when, and how it ended."""

from __future__ import annotations

from typing import Any

from services.clock import Clock
from storage.audit import AuditEntry, AuditLogRepository


class AuditTrail:
    def __init__(self, repo: AuditLogRepository, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

    async def record(self, *, actor_id: int | None, role: str, action: str, outcome: str,
                     **detail: Any) -> int:
        """Append one entry (e.g. action="pause", outcome="done"); return its id."""
        return await self._repo.add(AuditEntry(
            at=self._clock.now(), actor_id=actor_id, role=role, action=action,
            outcome=outcome, detail=detail,
        ))

    async def recent(self, limit: int = 20) -> list[AuditEntry]:
        """The newest entries first."""
        return await self._repo.recent(limit)
