"""The database: pragmas, numbered migrations on empty and existing files, transactions."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.database import Database, DatabaseError
from storage.migrations import MIGRATIONS, Migration

ROOT = Path(__file__).resolve().parents[2]


async def open_db(path: Path) -> Database:
    db = Database(path)
    await db.open()
    return db


async def test_empty_database_gets_every_migration_and_the_pragmas(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "sub" / "bot.sqlite3")
    try:
        applied = await db.migrate()
        assert [m.version for m in applied] == [m.version for m in MIGRATIONS]
        assert await db.schema_version() == MIGRATIONS[-1].version
        tables = {r[0] for r in await db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"users", "audit_log", "runtime_settings", "outbox", "schema_version"} <= tables
        assert (await db.fetch_one("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetch_one("PRAGMA foreign_keys"))[0] == 1
        assert (await db.fetch_one("PRAGMA busy_timeout"))[0] == 5000
    finally:
        await db.close()


async def test_existing_database_keeps_its_rows_and_gets_only_new_migrations(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await open_db(path)
    await db.migrate()
    await db.execute("INSERT INTO runtime_settings (key, value, updated_at) VALUES ('k', '1', 'now')")
    await db.close()

    later = [*MIGRATIONS, Migration(len(MIGRATIONS) + 1, "add_notes",
                                    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n"
                                    "INSERT INTO notes (body) VALUES ('a;b');\n")]
    db = await open_db(path)
    try:
        applied = await db.migrate(later)
        assert [m.name for m in applied] == ["add_notes"]
        assert (await db.fetch_one("SELECT body FROM notes"))[0] == "a;b"
        assert (await db.fetch_one("SELECT value FROM runtime_settings WHERE key='k'"))[0] == "1"
        assert await db.migrate(later) == []  # a second start applies nothing
    finally:
        await db.close()


async def test_a_failing_migration_leaves_the_database_at_the_previous_version(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "bot.sqlite3")
    try:
        await db.migrate()
        broken = [*MIGRATIONS, Migration(len(MIGRATIONS) + 1, "broken",
                                         "CREATE TABLE half (id INTEGER);\nINSERT INTO nope VALUES (1);\n")]
        with pytest.raises(sqlite3.OperationalError):
            await db.migrate(broken)
        assert await db.schema_version() == len(MIGRATIONS)
        assert await db.fetch_one("SELECT name FROM sqlite_master WHERE name = 'half'") is None
    finally:
        await db.close()


async def test_a_database_from_a_newer_version_is_refused_with_advice(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "bot.sqlite3")
    try:
        await db.migrate()
        await db.execute("INSERT INTO schema_version VALUES (99, 'future', 'now')")
        with pytest.raises(DatabaseError, match="newer than this program knows"):
            await db.migrate()
    finally:
        await db.close()


async def test_transaction_rolls_back_everything_when_the_block_fails(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "bot.sqlite3")
    try:
        await db.migrate()
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.execute("INSERT INTO runtime_settings VALUES ('a', '1', 'now', NULL)")
                raise RuntimeError("boom")
        assert await db.fetch_one("SELECT * FROM runtime_settings WHERE key = 'a'") is None
        async with db.transaction():
            await db.execute("INSERT INTO runtime_settings VALUES ('b', '2', 'now', NULL)")
        assert (await db.fetch_one("SELECT value FROM runtime_settings WHERE key = 'b'"))[0] == "2"
    finally:
        await db.close()


def test_migrate_command_creates_and_then_reports_up_to_date(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    first = subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "applied 0001_foundation" in first.stdout
    second = subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 0 and "up to date" in second.stdout
    assert (tmp_path / "data" / "signaldesk.sqlite3").exists()
