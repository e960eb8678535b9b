"""`python -m bot backup` / `restore FILE` as a trader runs them: real processes, real
files in DATA_DIR, exit codes and the lines they print — never a traceback."""

from __future__ import annotations

import asyncio
import gzip
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from services.run_lock import RunLock
from storage.database import Database

ROOT = Path(__file__).resolve().parents[2]


def bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, capture_output=True, text=True,
        timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                         "PYTHONPATH": str(ROOT), "DATA_DIR": str(tmp_path / "data"), **env})
    assert "Traceback" not in result.stdout + result.stderr
    return result


def audit_actions(db_path: Path) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        return [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    finally:
        conn.close()


def add_action(db_path: Path, action: str) -> None:
    async def add() -> None:
        db = Database(db_path)
        await db.open()
        await db.migrate()
        await db.execute("INSERT INTO audit_log (at, role, action, outcome) "
                         "VALUES ('t', 'admin', ?, 'ok')", (action,))
        await db.close()

    asyncio.run(add())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "signaldesk.sqlite3"
    add_action(path, "before-backup")
    return path


def test_backup_then_restore_round_trip(tmp_path: Path, db_path: Path) -> None:
    made = bot(tmp_path, "backup")
    assert made.returncode == 0, made.stderr
    match = re.fullmatch(r"backup written: (\S+signaldesk-\d{8}-\d{6}\.sqlite3\.gz) "
                         r"\(\d+(\.\d)? (B|KB)\)\n", made.stdout)
    assert match, made.stdout
    backup = Path(match[1])
    assert backup.parent == tmp_path / "data" / "backups"

    listed = bot(tmp_path, "backup", "--list")
    assert listed.returncode == 0 and listed.stdout.startswith(str(backup))
    assert " UTC " in listed.stdout

    add_action(db_path, "after-backup")
    restored = bot(tmp_path, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    lines = restored.stdout.splitlines()
    assert lines[0].startswith(f"restored {backup} into {db_path} (schema version ")
    aside = Path(lines[1].removeprefix("the previous database is kept as "))
    assert aside.name.startswith("signaldesk.sqlite3.before-restore-")
    assert "start the bot" in lines[2]
    assert audit_actions(db_path) == ["before-backup"]
    assert audit_actions(aside) == ["before-backup", "after-backup"]


def test_backups_keep_setting_rotates_old_ones(tmp_path: Path, db_path: Path) -> None:
    backups = tmp_path / "data" / "backups"
    backups.mkdir()
    for day in range(1, 4):  # three older backups already there
        (backups / f"signaldesk-2025010{day}-000000.sqlite3.gz").write_bytes(b"old")
    made = bot(tmp_path, "backup", BACKUPS__KEEP="2")
    assert made.returncode == 0
    assert "removed 2 older backup(s), keeping the newest 2" in made.stdout
    assert sorted(p.name for p in backups.iterdir())[0] == "signaldesk-20250103-000000.sqlite3.gz"
    assert len(list(backups.iterdir())) == 2


def test_bad_keep_setting_is_a_configuration_error(tmp_path: Path, db_path: Path) -> None:
    result = bot(tmp_path, "backup", BACKUPS__KEEP="0")
    assert result.returncode == 2
    assert "BACKUPS__KEEP is invalid (got \"0\"): expected a whole number" in result.stderr


def test_restore_while_the_bot_runs_is_refused_with_exit_2(tmp_path: Path,
                                                           db_path: Path) -> None:
    backup = Path(bot(tmp_path, "backup").stdout.split()[2])
    with RunLock(tmp_path / "data" / "signaldesk.lock"):  # as the running bot holds it
        result = bot(tmp_path, "restore", str(backup))
    assert result.returncode == 2
    assert result.stderr.startswith("restore refused: The bot is running (process ")
    assert "stop it first" in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""


@pytest.mark.parametrize("content, message", [
    (b"not a database at all\n", "is not a signaldesk backup (.sqlite3.gz) nor an SQLite"),
    (gzip.compress(b"SQLite format 3\x00" + b"\x00" * 200)[:-30], "cannot be decompressed"),
    (None, "There is no backup file"),
])
def test_restore_of_a_bad_file_is_one_line_and_exit_2(
        tmp_path: Path, db_path: Path, content: bytes | None, message: str) -> None:
    bad = tmp_path / "suspicious.sqlite3.gz"
    if content is not None:
        bad.write_bytes(content)
    result = bot(tmp_path, "restore", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith("restore refused: ") and message in result.stderr
    assert result.stderr.count("\n") == 1
    assert audit_actions(db_path) == ["before-backup"]


def test_backup_without_a_database_fails_with_one_line(tmp_path: Path) -> None:
    result = bot(tmp_path, "backup")
    assert result.returncode == 1
    assert result.stderr == (f"backup failed: There is no database at "
                             f"{tmp_path / 'data' / 'signaldesk.sqlite3'} to back up.\n")
    assert not (tmp_path / "data" / "signaldesk.sqlite3").exists()


def test_restore_needs_a_file_argument(tmp_path: Path) -> None:
    result = bot(tmp_path, "restore")
    assert result.returncode == 2 and "the following arguments are required: file" in result.stderr
