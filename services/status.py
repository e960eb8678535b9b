"""What /status shows, as plain data: mode, trading state, health, listener, jobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.control import ControlState, TradingControl
from services.health import HealthMonitor
from services.scheduler import JobInfo


@dataclass(frozen=True)
class StatusSnapshot:
    mode: str
    exchange: str
    market: str
    control: ControlState
    uptime_s: float
    database_ok: bool
    polling_ok: bool
    listener: str
    jobs: tuple[JobInfo, ...] = ()
    timezone: str = "UTC"  # the trader's zone (REPORTS__TIMEZONE), for showing job times


class StatusService:
    def __init__(self, *, mode: str, exchange: str, market: str, control: TradingControl,
                 health: HealthMonitor, jobs: Callable[[], list[JobInfo]] | None = None,
                 timezone: str = "UTC") -> None:
        self._mode = mode
        self._exchange = exchange
        self._market = market
        self._control = control
        self._health = health
        self._jobs = jobs
        self._timezone = timezone

    async def snapshot(self) -> StatusSnapshot:
        report = await self._health.report()
        return StatusSnapshot(
            mode=self._mode, exchange=self._exchange, market=self._market,
            control=await self._control.state(), uptime_s=report.uptime_s,
            database_ok=report.database_ok, polling_ok=report.polling_ok,
            listener=report.listener,
            jobs=tuple(self._jobs()) if self._jobs else (), timezone=self._timezone,
        )
