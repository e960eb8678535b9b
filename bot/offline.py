"""The database and runtime settings for a command that runs beside (or without) the bot:
`python -m bot preflight`, `python -m bot validate`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.settings import Settings
from services.audit import AuditTrail
from services.clock import Clock, SystemClock
from services.runtime_config import RuntimeConfig
from storage.audit import AuditLogRepository
from storage.database import Database
from storage.runtime_settings import RuntimeSettingsRepository


@dataclass(frozen=True)
class Offline:
    db: Database
    config: RuntimeConfig
    clock: Clock


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Offline]:
    """The migrated database of DATA_DIR with its settings, closed after; raises
    storage.database.DatabaseError when it cannot be opened."""
    clock = SystemClock()
    db = Database(settings.database_path)
    try:
        await db.open()
        await db.migrate()
        yield Offline(db, RuntimeConfig(db, RuntimeSettingsRepository(db),
                                        AuditTrail(AuditLogRepository(db), clock), clock), clock)
    finally:
        await db.close()
