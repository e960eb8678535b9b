"""Liveness as Docker and a trader see it: database answers, Telegram polling is alive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from services.clock import Clock
from storage.database import Database


@dataclass(frozen=True)
class HealthReport:
    status: str  # "ok" or "unhealthy"
    mode: str
    uptime_s: float
    database_ok: bool
    polling_ok: bool
    last_poll_s_ago: float | None
    listener: str

    @property
    def healthy(self) -> bool:
        return self.status == "ok"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class HealthMonitor:
    """Collects heartbeats; `report()` judges them.

    Polling counts as alive while a getUpdates call succeeded within `poll_stale_after_s`
    (long polls return at least every polling timeout), or during that long after start.
    """

    def __init__(self, *, db: Database, clock: Clock, mode: str, poll_stale_after_s: float,
                 listener_state: Callable[[], str] = lambda: "off") -> None:
        self._db = db
        self._clock = clock
        self._mode = mode
        self._stale_after = poll_stale_after_s
        self._listener_state = listener_state
        self._started = clock.monotonic()
        self._last_poll: float | None = None
        self._polling = False
        self._started_polling = self._started

    def polling_started(self) -> None:
        self._polling = True
        self._started_polling = self._clock.monotonic()

    def polling_stopped(self) -> None:
        self._polling = False

    def poll_succeeded(self) -> None:
        self._last_poll = self._clock.monotonic()

    @property
    def uptime_s(self) -> float:
        return self._clock.monotonic() - self._started

    def polling_ok(self) -> bool:
        if not self._polling:
            return False
        now = self._clock.monotonic()
        reference = self._last_poll if self._last_poll is not None else self._started_polling
        return now - reference <= self._stale_after

    async def report(self) -> HealthReport:
        database_ok = await self._db.ping()
        polling_ok = self.polling_ok()
        now = self._clock.monotonic()
        return HealthReport(
            status="ok" if database_ok and polling_ok else "unhealthy",
            mode=self._mode,
            uptime_s=round(now - self._started, 3),
            database_ok=database_ok,
            polling_ok=polling_ok,
            last_poll_s_ago=None if self._last_poll is None else round(now - self._last_poll, 3),
            listener=self._listener_state(),
        )
