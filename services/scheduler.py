"""Scheduled work inside the process: interval jobs and daily / weekly jobs at local times.

A thin layer over apscheduler's AsyncIOScheduler that fixes the rules every job follows:
one run at a time (a tick that comes while the previous run is still going is skipped,
and missed ticks collapse into one, so a slow exchange delays a job instead of piling
runs up); a job that raises is logged and reported once per run of failures, with a
second report when it recovers — never one message per tick. Times are aware UTC inside;
the configured zone matters only for the local times of cron jobs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from loguru import logger

Job = Callable[[], Awaitable[object]]
FailureCallback = Callable[[str, str], Awaitable[object]]
RecoveryCallback = Callable[[str], Awaitable[object]]

CRON_GRACE_S = 3600  # a daily job up to an hour late (slow start, busy loop) still runs
SHUTDOWN_GRACE_S = 2.0
REASON_LIMIT = 200


@dataclass(frozen=True)
class JobInfo:
    """One job as /status and /metrics see it (times aware UTC, counters since start)."""

    name: str
    schedule: str  # "every 30s", "04:00", "sun 20:00"
    next_run_at: datetime | None  # None before start and after shutdown
    last_run_at: datetime | None
    last_duration_s: float | None
    failing: bool
    last_error: str | None = None
    runs: int = 0
    failures: int = 0
    skipped: int = 0  # ticks dropped: the previous run was still going, or far too late
    total_duration_s: float = 0.0


@dataclass(frozen=True)
class JobFailed:
    """A job started failing (published once per run of failures)."""

    name: str
    reason: str


@dataclass(frozen=True)
class JobRecovered:
    """A failing job succeeded again."""

    name: str


@dataclass
class _JobState:
    job: Job
    schedule: str
    last_run_at: datetime | None = None
    last_duration_s: float | None = None
    failing: bool = False
    last_error: str | None = None
    runs: int = 0
    failures: int = 0
    failures_in_a_row: int = 0
    skipped: int = 0
    total_duration_s: float = 0.0


def cron_fields(at: str | Mapping[str, Any]) -> dict[str, Any]:
    """CronTrigger fields for a local time: "21:00" is every day at 21:00, "sun 20:00"
    (any apscheduler day_of_week, e.g. "mon-fri") those days; a mapping passes as it is."""
    if isinstance(at, Mapping):
        return dict(at)
    parts = at.split()
    hours, colon, minutes = parts[-1].partition(":") if parts else ("", "", "")
    if (len(parts) not in (1, 2) or not colon or not hours.isdigit() or not minutes.isdigit()
            or int(hours) > 23 or int(minutes) > 59):
        raise ValueError(f"{at!r} is not a time like 21:00 or sun 20:00")
    fields: dict[str, Any] = {"hour": int(hours), "minute": int(minutes), "second": 0}
    if len(parts) == 2:
        fields["day_of_week"] = parts[0].lower()
    return fields


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None)  # our domain errors carry a readable reason
    if not isinstance(reason, str) or not reason:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return reason[:REASON_LIMIT]


class Scheduler:
    """Runs async jobs on intervals or at local times; see the module docstring for the rules.

    Add jobs (before or after `start()`), `start()` inside the running loop, and
    `await shutdown()` before closing what the jobs use.
    """

    def __init__(self, *, timezone: str = "UTC", on_failure: FailureCallback | None = None,
                 on_recovered: RecoveryCallback | None = None,
                 shutdown_grace_s: float = SHUTDOWN_GRACE_S) -> None:
        self.timezone = ZoneInfo(timezone)
        self._on_failure = on_failure
        self._on_recovered = on_recovered
        self._grace_s = shutdown_grace_s
        self._jobs: dict[str, _JobState] = {}
        self._running: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self._scheduler = AsyncIOScheduler(timezone=self.timezone)
        self._scheduler.add_listener(self._skipped, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
        # Our wrapper logs failures and timings; apscheduler's own INFO lines would be two
        # lines per tick of every job.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)

    # -- adding jobs --------------------------------------------------------------------
    def add_interval(self, name: str, seconds: float, job: Job) -> None:
        """Run `job()` every `seconds`, the first time `seconds` after the start."""
        if seconds <= 0:
            raise ValueError(f"job {name}: the interval must be positive (got {seconds})")
        # A run later than one whole interval is superseded by the next tick anyway.
        self._add(name, f"every {seconds:g}s", IntervalTrigger(seconds=seconds, timezone=UTC),
                  job, grace_s=max(1, math.ceil(seconds)))

    def add_cron(self, name: str, at: str | Mapping[str, Any], job: Job) -> None:
        """Run `job()` at a local time in the scheduler's zone: "21:00" (daily), "sun 20:00"
        (weekly), or CronTrigger fields such as {"day": 1, "hour": 6}."""
        fields = cron_fields(at)
        schedule = at if isinstance(at, str) else " ".join(f"{k}={v}" for k, v in fields.items())
        self._add(name, schedule, CronTrigger(timezone=self.timezone, **fields), job,
                  grace_s=CRON_GRACE_S)

    def _add(self, name: str, schedule: str, trigger: BaseTrigger, job: Job,
             grace_s: int) -> None:
        if name in self._jobs:
            raise ValueError(f"a job named {name!r} is already scheduled")
        self._jobs[name] = _JobState(job=job, schedule=schedule)
        self._scheduler.add_job(self._run, trigger, args=(name,), id=name, name=name,
                                max_instances=1, coalesce=True, misfire_grace_time=grace_s)

    # -- life cycle ---------------------------------------------------------------------
    def start(self) -> None:
        """Start timing the jobs (call from inside the running event loop)."""
        self._stopping = False
        self._scheduler.start()

    def wakeup(self) -> None:
        """Run whatever is due now and re-arm the timer; for a clock that jumped (tests
        move it with time-machine) — the loop's timer follows the monotonic clock."""
        if self._scheduler.running:
            self._scheduler.wakeup()

    async def shutdown(self) -> None:
        """No new runs; running jobs get a short grace, then are cancelled and awaited."""
        if not self._scheduler.running:
            return
        self._stopping = True
        self._scheduler.pause()
        running = set(self._running)
        if running:
            _, late = await asyncio.wait(running, timeout=self._grace_s)
            if late:
                logger.warning("cancelling job(s) still running at shutdown: {}",
                               ", ".join(sorted(t.get_name() for t in late)))
                for task in late:
                    task.cancel()
                await asyncio.wait(late, timeout=self._grace_s)
        self._scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # apscheduler finishes its shutdown on the next loop pass

    # -- what /status shows -------------------------------------------------------------
    def jobs(self) -> list[JobInfo]:
        """Every job, in the order added, with its next run (aware UTC) and counters."""
        infos = []
        for name, state in self._jobs.items():
            job = self._scheduler.get_job(name) if self._scheduler.running else None
            next_run: datetime | None = getattr(job, "next_run_time", None)
            infos.append(JobInfo(
                name=name, schedule=state.schedule,
                next_run_at=next_run.astimezone(UTC) if next_run else None,
                last_run_at=state.last_run_at, last_duration_s=state.last_duration_s,
                failing=state.failing, last_error=state.last_error, runs=state.runs,
                failures=state.failures, skipped=state.skipped,
                total_duration_s=state.total_duration_s))
        return infos

    # -- running ------------------------------------------------------------------------
    async def _run(self, name: str) -> None:
        state = self._jobs[name]
        task = asyncio.current_task()
        assert task is not None
        task.set_name(f"signaldesk:job:{name}")
        self._running.add(task)
        try:
            error = await self._timed(state)
            if error is None:
                await self._succeeded(name, state)
            else:
                await self._failed(name, state, error)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # Cancelled by shutdown(): ending quietly keeps apscheduler from logging the
            # cancellation as a job crash.
            logger.info("job {} cancelled at shutdown", name)
        finally:
            self._running.discard(task)

    @staticmethod
    async def _timed(state: _JobState) -> Exception | None:
        state.last_run_at = datetime.now(UTC)
        started = time.monotonic()
        try:
            await state.job()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return exc
        finally:
            state.runs += 1
            state.last_duration_s = time.monotonic() - started
            state.total_duration_s += state.last_duration_s
        return None

    async def _failed(self, name: str, state: _JobState, error: Exception) -> None:
        reason = _reason(error)
        first = not state.failing
        state.failing = True
        state.failures += 1
        state.failures_in_a_row += 1
        if first or reason != state.last_error:
            logger.opt(exception=error).error("job {} failed: {}", name, reason)
        else:
            logger.warning("job {} failed again ({} runs in a row): {}", name,
                           state.failures_in_a_row, reason)
        state.last_error = reason
        if first and self._on_failure is not None:
            on_failure = self._on_failure
            await self._report(name, lambda: on_failure(name, reason))

    async def _succeeded(self, name: str, state: _JobState) -> None:
        if not state.failing:
            return
        logger.info("job {} recovered after {} failed run(s)", name, state.failures_in_a_row)
        state.failing = False
        state.failures_in_a_row = 0
        if self._on_recovered is not None:
            on_recovered = self._on_recovered
            await self._report(name, lambda: on_recovered(name))

    @staticmethod
    async def _report(name: str, callback: Callable[[], Awaitable[object]]) -> None:
        try:
            await callback()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("could not report the state of job {}", name)

    def _skipped(self, event: JobEvent) -> None:
        state = self._jobs.get(event.job_id)
        if state is not None:
            state.skipped += 1
