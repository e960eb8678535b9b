"""Backups taken while the bot writes, rotation, the run lock, and restore's refusals —
on real SQLite files in tmp_path."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.backup import BackupError, BackupService
from services.restore import RestoreRefused, restore
from services.run_lock import AlreadyRunning, RunLock
from storage.database import Database
from storage.migrations import MIGRATIONS

START = datetime(2025, 3, 30, 0, 59, 58, tzinfo=UTC)


class SteppingClock:
    """Test clock: each `now()` is `step` later than the previous one."""

    def __init__(self, start: datetime = START, step: timedelta = timedelta(hours=1)) -> None:
        self.at, self.step = start - step, step

    def now(self) -> datetime:
        self.at += self.step
        return self.at

    def monotonic(self) -> float:
        return self.at.timestamp()


async def new_database(path: Path) -> Database:
    db = Database(path)
    await db.open()
    await db.migrate()
    return db


async def add_audit_rows(db: Database, n: int, *, first: int = 0, pad: int = 0) -> None:
    await db.execute_many(
        "INSERT INTO audit_log (at, role, action, outcome, detail) VALUES (?, ?, ?, ?, ?)",
        [("2025-01-01T00:00:00Z", "admin", f"act-{i}", "ok", json.dumps({"i": i, "p": "x" * pad}))
         for i in range(first, first + n)])


def rows(path: Path, table: str = "audit_log") -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "signaldesk.sqlite3"


@pytest.fixture
def service(db_path: Path) -> BackupService:
    return BackupService(db_path, db_path.parent / "backups", keep=3, clock=SteppingClock())


async def make_backup(db_path: Path, service: BackupService, n: int = 5) -> Path:
    db = await new_database(db_path)
    await add_audit_rows(db, n)
    await db.close()
    return (await service.create()).path


# -- backups while the bot writes --------------------------------------------------------
async def test_backup_taken_while_writes_go_on_restores_to_an_identical_database(
        db_path: Path, service: BackupService, tmp_path: Path) -> None:
    db = await new_database(db_path)
    await add_audit_rows(db, 20_000, pad=200)  # a few MB, so the copy takes a while
    written = 20_000
    stop = asyncio.Event()

    async def keep_writing() -> None:
        nonlocal written
        while not stop.is_set():
            async with db.transaction():  # two rows per transaction: never half of one
                await add_audit_rows(db, 2, first=written)
            written += 2
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.05)
    before = written
    result = await service.create()
    after = written
    await asyncio.sleep(0.05)
    stop.set()
    await writer
    assert after > before  # the writer really wrote during the backup
    await db.close()
    source_rows = rows(db_path)
    assert len(source_rows) == written

    assert result.integrity_ok and result.path.parent == db_path.parent / "backups"
    assert result.path.name == "signaldesk-20250330-005958.sqlite3.gz"
    restored = restore(result.path, db_path, clock=SteppingClock())
    got = rows(db_path)
    # A snapshot at one moment: every row up to it, intact, nothing after, whole transactions.
    assert before <= len(got) <= after and len(got) % 2 == 0
    assert got == source_rows[:len(got)]
    assert restored.schema_version == max(m.version for m in MIGRATIONS)
    assert rows(restored.kept_aside) == source_rows  # type: ignore[arg-type]
    reopened = await new_database(db_path)  # the bot opens it and finds nothing to migrate
    assert (await reopened.fetch_one("PRAGMA integrity_check"))[0] == "ok"
    assert (await reopened.fetch_one("SELECT COUNT(*) FROM audit_log"))[0] == len(got)
    await reopened.close()


async def test_rotation_keeps_the_newest_n_and_nothing_else(
        db_path: Path, service: BackupService) -> None:
    await make_backup(db_path, service)
    unrelated = service.backups_dir / "notes.txt"
    unrelated.write_text("mine")
    results = [await service.create() for _ in range(4)]
    kept = service.list()
    assert [b.path for b in kept] == [r.path for r in reversed(results[-3:])]
    assert [b.at for b in kept] == [START + timedelta(hours=h) for h in (4, 3, 2)]
    assert results[-1].removed == (results[0].path,)
    assert unrelated.exists()
    assert sorted(p.name for p in service.backups_dir.iterdir()) == sorted(
        [unrelated.name, *(b.path.name for b in kept)])  # no .tmp left behind


async def test_two_backups_in_the_same_second_get_distinct_names(
        db_path: Path) -> None:
    service = BackupService(db_path, db_path.parent / "backups",
                            clock=SteppingClock(step=timedelta(0)))
    first = await make_backup(db_path, service)
    second = (await service.create()).path
    assert first != second and second.name == "signaldesk-20250330-005958-1.sqlite3.gz"
    assert [b.path for b in service.list()] == [second, first]


async def test_backup_never_holds_secret_looking_settings_or_an_earlier_backup(
        db_path: Path, service: BackupService, tmp_path: Path) -> None:
    db = await new_database(db_path)
    for key, value in (("telethon.session", "1BVtsOSECRETSESSION"), ("config.risk.max", 3),
                       ("exchange.api_key", "KEYSECRET123")):
        await db.execute("INSERT INTO runtime_settings VALUES (?, ?, '2025-01-01', NULL)",
                         (key, json.dumps(value)))
    await db.execute(
        "INSERT INTO outbox (chat_id, kind, file_name, file_content, created_at, "
        "next_attempt_at) VALUES (1, 'document', 'signaldesk-20250101-000000.sqlite3.gz', "
        "?, 'x', 'x')", (b"OLDBACKUPBYTES" * 100,))
    await db.close()

    result = await service.create()
    assert result.left_out == 3
    plain = gzip.decompress(result.path.read_bytes())
    for secret in (b"SECRETSESSION", b"KEYSECRET123", b"OLDBACKUPBYTES"):
        assert secret not in plain
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(plain)
    assert rows(copy, "runtime_settings")[0][:2] == ("config.risk.max", "3")
    assert rows(copy, "outbox") == []
    assert len(rows(db_path, "runtime_settings")) == 3  # the live database is untouched


async def test_backup_of_a_missing_database_says_so(service: BackupService) -> None:
    with pytest.raises(BackupError, match=r"There is no database at .*signaldesk\.sqlite3"):
        await service.create()
    assert not service.db_path.exists()  # and does not create an empty one


# -- the run lock ------------------------------------------------------------------------
def test_run_lock_is_exclusive_per_open_file_and_released_on_exit(tmp_path: Path) -> None:
    path = tmp_path / "signaldesk.lock"
    probe = RunLock(path)
    assert not probe.is_held()
    with RunLock(path) as held:
        assert held.is_held() and probe.is_held()
        with pytest.raises(AlreadyRunning, match=rf"process {held.holder_pid()} holds"):
            RunLock(path).acquire()
    assert not probe.is_held()
    assert path.exists()  # never deleted: deleting a lock file is how two holders happen


def test_run_lock_held_by_another_process_is_seen_and_dropped_when_it_dies(
        tmp_path: Path) -> None:
    path = tmp_path / "signaldesk.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from services.run_lock import RunLock; "
         f"RunLock({str(path)!r}).acquire(); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert RunLock(path).is_held()
        assert RunLock(path).holder_pid() == holder.pid
    finally:
        holder.kill()
        holder.wait()
    assert not RunLock(path).is_held()  # a killed bot leaves no stale lock


# -- restore -----------------------------------------------------------------------------
async def test_restore_refuses_while_the_bot_holds_the_run_lock(
        db_path: Path, service: BackupService) -> None:
    backup = await make_backup(db_path, service)
    before = digest(db_path)
    with RunLock(db_path.parent / "signaldesk.lock"), pytest.raises(
            RestoreRefused, match=r"The bot is running \(process \d+ holds .*signaldesk.lock\)"):
        restore(backup, db_path)
    assert digest(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == [
        "backups", "signaldesk.lock", "signaldesk.sqlite3"]


def _corrupt_pages(tmp_path: Path, backup: Path) -> Path:
    plain = bytearray(gzip.decompress(backup.read_bytes()))
    page = int.from_bytes(plain[16:18], "big")
    for n in range(2, len(plain) // page):  # every page but the first: tables, indexes
        plain[n * page + 8:n * page + 64] = b"\xff" * 56
    bad = tmp_path / "corrupt.sqlite3.gz"
    bad.write_bytes(gzip.compress(bytes(plain)))
    return bad


def _foreign_database(tmp_path: Path) -> Path:
    path = tmp_path / "other-app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.commit()
    conn.close()
    return path


def _impostor_database(tmp_path: Path) -> Path:
    path = tmp_path / "impostor.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER, name TEXT, applied_at TEXT)")
    conn.execute("INSERT INTO schema_version VALUES (1, 'something_else', 'x')")
    conn.commit()
    conn.close()
    return path


async def _newer_backup(tmp_path: Path, service: BackupService) -> Path:
    newer = tmp_path / "newer.sqlite3"
    db = await new_database(newer)
    await db.execute("INSERT INTO schema_version VALUES (999, 'from_the_future', 'x')")
    await db.close()
    return (await BackupService(newer, tmp_path / "newer-backups").create()).path


@pytest.mark.parametrize("case, message", [
    ("truncated", r"cannot be decompressed .* damaged or incomplete"),
    ("corrupt", r"(fails SQLite's integrity check|is damaged: SQLite cannot read it)"),
    ("text", r"is not a signaldesk backup \(\.sqlite3\.gz\) nor an SQLite database"),
    ("gzipped text", r"does not hold an SQLite database"),
    ("foreign", r"is an SQLite database but not a signaldesk one"),
    ("impostor", r"is not a signaldesk database \(its schema_version does not match"),
    ("newer", r"has schema version 999, newer than this signaldesk knows"),
    ("missing", r"There is no backup file"),
])
async def test_restore_refuses_what_it_cannot_trust_and_changes_nothing(
        db_path: Path, service: BackupService, tmp_path: Path, case: str, message: str) -> None:
    good = await make_backup(db_path, service)
    files = {
        "truncated": lambda: tmp_path / "t.gz",
        "text": lambda: tmp_path / "notes.txt",
        "gzipped text": lambda: tmp_path / "notes.txt.gz",
        "missing": lambda: tmp_path / "nope.sqlite3.gz",
    }
    (tmp_path / "t.gz").write_bytes(good.read_bytes()[:-200])
    (tmp_path / "notes.txt").write_text("hello, not a database\n" * 50)
    (tmp_path / "notes.txt.gz").write_bytes(gzip.compress(b"hello" * 500))
    if case == "corrupt":
        bad = _corrupt_pages(tmp_path, good)
    elif case == "foreign":
        bad = _foreign_database(tmp_path)
    elif case == "impostor":
        bad = _impostor_database(tmp_path)
    elif case == "newer":
        bad = await _newer_backup(tmp_path, service)
    else:
        bad = files[case]()
    before = digest(db_path)
    with pytest.raises(RestoreRefused, match=message):
        restore(bad, db_path)
    assert digest(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == [
        "backups", "signaldesk.lock", "signaldesk.sqlite3"]  # no aside, no temp left


async def test_restore_keeps_the_previous_database_aside_with_its_unfolded_wal(
        db_path: Path, service: BackupService) -> None:
    backup = await make_backup(db_path, service, n=5)
    # A bot killed mid-run: rows only in the WAL, never checkpointed.
    killed = await asyncio.create_subprocess_exec(sys.executable, "-c", (
        "import os, sqlite3; c = sqlite3.connect(os.environ['DB'], isolation_level=None); "
        "c.execute('PRAGMA wal_autocheckpoint = 0'); "
        "c.executemany(\"INSERT INTO audit_log (at, role, action, outcome) VALUES "
        "('t', 'admin', 'after-backup', 'ok')\", [()] * 7); os._exit(0)"),
        env={"DB": str(db_path)})
    assert await killed.wait() == 0
    assert (db_path.parent / "signaldesk.sqlite3-wal").stat().st_size > 0

    result = restore(backup, db_path, clock=SteppingClock(datetime(2025, 6, 1, tzinfo=UTC)))
    aside_name = "signaldesk.sqlite3.before-restore-20250601-000000"
    assert result.kept_aside == db_path.with_name(aside_name)
    assert len(rows(db_path)) == 5
    assert len(rows(result.kept_aside)) == 12  # the WAL's rows were folded in
    assert not (db_path.parent / "signaldesk.sqlite3-wal").exists()
    assert not result.kept_aside.with_name(result.kept_aside.name + "-wal").exists()


async def test_restore_onto_an_empty_data_dir_and_of_an_older_schema(
        tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    db = Database(old)
    await db.open()
    await db.migrate(MIGRATIONS[:2])
    await db.close()
    target = tmp_path / "fresh" / "signaldesk.sqlite3"
    result = restore(old, target)  # a plain (uncompressed) SQLite file is accepted too
    assert result.kept_aside is None and result.schema_version == 2
    reopened = await new_database(target)  # the bot migrates it up at start
    assert await reopened.schema_version() == max(m.version for m in MIGRATIONS)
    await reopened.close()
