"""The scheduler: local times across DST, no overlap under a slow job, failures reported once,
a clean shutdown, and the jobs on /status.

The clock is driven with time-machine (tick=False): apscheduler reads `datetime.now()`, which
time-machine moves, while the event loop keeps real monotonic time. After moving the clock a
test calls `Scheduler.wakeup()` — the loop's timer was armed for the old "now" — so every run
happens at an exact, chosen instant and no test sleeps for more than a fraction of a second.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from loguru import logger

from bot.settings import ConfigError, load_settings
from services.scheduler import Scheduler
from services.trading.port import ExchangeError
from storage.database import Database
from tests.conftest import ADMIN, say

T0 = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


async def until(probe: Callable[[], object], expected: object = True,
                within_s: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while probe() != expected:
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.001)


async def settle() -> None:
    """Long enough for a due job to have been submitted and started (a few loop passes)."""
    await asyncio.sleep(0.02)


def at(clock: time_machine.Traveller, scheduler: Scheduler, moment: datetime) -> None:
    clock.move_to(moment)
    scheduler.wakeup()


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(("start", "expected"), [
    # Last Sunday of March: 21:00 CET is 20:00 UTC, 21:00 CEST (from the 29th) is 19:00 UTC.
    (utc(2026, 3, 27, 12), [utc(2026, 3, 27, 20), utc(2026, 3, 28, 20),
                            utc(2026, 3, 29, 19), utc(2026, 3, 30, 19)]),
    # Last Sunday of October: back from CEST (19:00 UTC) to CET (20:00 UTC) on the 25th.
    (utc(2026, 10, 23, 12), [utc(2026, 10, 23, 19), utc(2026, 10, 24, 19),
                             utc(2026, 10, 25, 20), utc(2026, 10, 26, 20)]),
], ids=["march", "october"])
async def test_a_daily_21_00_berlin_job_fires_at_the_right_utc_instant_around_dst(
        start: datetime, expected: list[datetime]) -> None:
    fired: list[datetime] = []

    async def daily_report() -> None:
        fired.append(datetime.now(UTC))

    with time_machine.travel(start, tick=False) as clock:
        scheduler = Scheduler(timezone="Europe/Berlin")
        scheduler.add_cron("daily_report", "21:00", daily_report)
        scheduler.start()
        try:
            for n, moment in enumerate(expected):
                assert scheduler.jobs()[0].next_run_at == moment
                at(clock, scheduler, moment - timedelta(seconds=1))
                await settle()
                assert len(fired) == n, f"fired early, before {moment}"
                at(clock, scheduler, moment)
                await until(lambda: len(fired), n + 1)
        finally:
            await scheduler.shutdown()
    assert fired == expected


async def test_a_weekly_job_runs_on_its_weekday_at_local_time() -> None:
    with time_machine.travel(utc(2026, 3, 25, 12), tick=False):  # a Wednesday
        scheduler = Scheduler(timezone="Europe/Berlin")
        scheduler.add_cron("weekly_summary", "sun 20:00", asyncio.sleep)  # never runs here
        scheduler.start()
        try:
            # Sunday 29 March, already summer time: 20:00 CEST is 18:00 UTC.
            assert scheduler.jobs()[0].next_run_at == utc(2026, 3, 29, 18)
        finally:
            await scheduler.shutdown()


async def test_a_slow_job_never_overlaps_itself_and_missed_ticks_collapse_into_one_run() -> None:
    release = asyncio.Event()
    started = running = peak = 0

    async def pnl_tick() -> None:
        nonlocal started, running, peak
        started += 1
        running += 1
        peak = max(peak, running)
        try:
            await release.wait()  # the exchange is slow
        finally:
            running -= 1

    with time_machine.travel(T0, tick=False) as clock:
        scheduler = Scheduler()
        scheduler.add_interval("pnl_tick", 10, pnl_tick)
        scheduler.start()
        try:
            at(clock, scheduler, T0 + timedelta(seconds=10))
            await until(lambda: started == 1)
            for later in (20, 30):  # two ticks come while the first run is still going
                at(clock, scheduler, T0 + timedelta(seconds=later))
                await settle()
            assert (started, peak, scheduler.jobs()[0].skipped) == (1, 1, 2)

            release.set()
            await until(lambda: running == 0)
            assert scheduler.jobs()[0].runs == 1  # the skipped ticks are not replayed

            # The loop stalled for four ticks (40, 50, 60, 70): one run catches up.
            at(clock, scheduler, T0 + timedelta(seconds=75))
            await until(lambda: started == 2)
            await settle()
            assert started == 2 and peak == 1
            assert scheduler.jobs()[0].next_run_at == T0 + timedelta(seconds=80)
        finally:
            await scheduler.shutdown()


async def test_a_slow_job_on_a_real_clock_runs_one_at_a_time() -> None:
    running = peak = 0

    async def reconcile() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.2)
        running -= 1

    scheduler = Scheduler()
    scheduler.add_interval("reconcile", 0.03, reconcile)
    scheduler.start()
    await asyncio.sleep(0.45)
    await scheduler.shutdown()
    info = scheduler.jobs()[0]
    assert peak == 1
    assert 1 <= info.runs <= 3 and info.skipped >= 1
    assert info.last_duration_s is not None and info.last_duration_s >= 0.19


async def test_a_failing_job_is_reported_once_per_run_of_failures_and_once_recovered() -> None:
    outcomes = iter([ExchangeError("binance timed out")] * 3 + [None, None]
                    + [RuntimeError("boom")] * 2)
    reports: list[tuple[str, ...]] = []
    logged: list[str] = []

    async def reconcile() -> None:
        error = next(outcomes)
        if error is not None:
            raise error

    async def on_failure(name: str, reason: str) -> None:
        reports.append(("failing", name, reason))

    async def on_recovered(name: str) -> None:
        reports.append(("recovered", name))

    sink = logger.add(logged.append, level="WARNING", format="{level} {message}")
    try:
        with time_machine.travel(T0, tick=False) as clock:
            scheduler = Scheduler(on_failure=on_failure, on_recovered=on_recovered)
            scheduler.add_interval("reconcile", 60, reconcile)
            scheduler.start()
            try:
                for n in range(1, 8):
                    at(clock, scheduler, T0 + timedelta(seconds=60 * n))
                    await until(lambda: scheduler.jobs()[0].runs, n)
                    await settle()
                    if n == 3:
                        info = scheduler.jobs()[0]
                        assert info.failing and info.last_error == "binance timed out"
            finally:
                await scheduler.shutdown()
    finally:
        logger.remove(sink)

    assert reports == [("failing", "reconcile", "binance timed out"),
                       ("recovered", "reconcile"),
                       ("failing", "reconcile", "RuntimeError: boom")]
    info = scheduler.jobs()[0]
    assert (info.runs, info.failures, info.failing) == (7, 5, True)
    # The traceback is logged when a failure starts, a short line while it repeats.
    assert sum("Traceback" in line for line in logged) == 2
    assert sum("failed again" in line for line in logged) == 3


async def test_shutdown_lets_a_quick_job_finish_cancels_a_stuck_one_and_leaves_no_task() -> None:
    before = asyncio.all_tasks()
    finished: list[str] = []
    cancelled: list[str] = []
    stuck_started = asyncio.Event()

    async def backup() -> None:
        await asyncio.sleep(0.05)
        finished.append("backup")

    async def stuck() -> None:
        stuck_started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append("stuck")
            raise

    with time_machine.travel(T0, tick=False) as clock:
        scheduler = Scheduler(shutdown_grace_s=0.2)
        scheduler.add_interval("backup", 10, backup)
        scheduler.add_interval("stuck", 10, stuck)
        scheduler.start()
        at(clock, scheduler, T0 + timedelta(seconds=10))
        await asyncio.wait_for(stuck_started.wait(), 2)
        loop = asyncio.get_running_loop()
        began = loop.time()
        await scheduler.shutdown()
        assert loop.time() - began < 1.0
    assert finished == ["backup"] and cancelled == ["stuck"]
    assert asyncio.all_tasks() == before
    assert [job.next_run_at for job in scheduler.jobs()] == [None, None]
    await scheduler.shutdown()  # a second call is harmless


def test_an_unknown_time_zone_is_one_clear_configuration_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTS__TIMEZONE", "Europe/Berln")
    monkeypatch.setenv("REPORTS__WEEKLY_AT", "20:00")
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None)
    assert raised.value.problems == [
        'REPORTS__TIMEZONE is invalid (got "Europe/Berln"): expected an IANA time zone name, '
        "e.g. Europe/Berlin or UTC.",
        'REPORTS__WEEKLY_AT is invalid (got "20:00"): expected a weekday and a local time, '
        "e.g. sun 20:00.",
    ]


async def test_status_lists_the_jobs_with_their_next_run_in_the_traders_time_zone(
        make_settings, start_app, telegram) -> None:
    app = await start_app(make_settings(reports={"timezone": "Europe/Berlin"},
                                        jobs={"maintenance_at": "04:30"}))
    reply = await say(telegram, ADMIN, "/status")
    assert "<b>Jobs</b> (times in Europe/Berlin):" in reply.text
    assert re.search(r"\napproval_expiry: next \d{4}-\d\d-\d\d \d\d:\d\d", reply.text)
    assert re.search(r"\ndb_maintenance: next \d{4}-\d\d-\d\d 04:30", reply.text)
    maintenance = next(job for job in app.scheduler.jobs() if job.name == "db_maintenance")
    assert maintenance.next_run_at is not None and maintenance.next_run_at.tzinfo is UTC


async def test_the_maintenance_job_truncates_the_write_ahead_log(tmp_path: Path) -> None:
    db = Database(tmp_path / "signaldesk.sqlite3")
    await db.open()
    try:
        await db.migrate()
        wal = db.path.with_name(db.path.name + "-wal")
        assert wal.stat().st_size > 0
        assert await db.maintenance() is True
        assert wal.stat().st_size == 0
    finally:
        await db.close()
