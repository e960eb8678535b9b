"""Restore a backup over the database — only while the bot is stopped.

`restore()` holds the run lock for its whole duration (refusing at once if the bot holds
it), unpacks the backup next to the database, and refuses anything that is not a sound
signaldesk database this code can run: unreadable or damaged files, other SQLite
databases, and newer schema versions. Only then is the current database set aside as
`<db>.before-restore-<UTC stamp>` — its WAL checkpointed into it first, or kept beside
it if that cannot be done — and the restored file renamed into place. An older schema is
fine: the bot migrates it on its next start.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import sqlite3
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from services.backup import connect_existing, fsync_dir, integrity_problems
from services.clock import Clock, SystemClock
from services.errors import UserFacingError
from services.run_lock import LOCK_FILE_NAME, AlreadyRunning, RunLock
from storage.migrations import MIGRATIONS, Migration

SQLITE_MAGIC = b"SQLite format 3\x00"
GZIP_MAGIC = b"\x1f\x8b"
_SIDE_FILES = ("-wal", "-journal", "-shm")  # what SQLite may keep beside a database


class RestoreRefused(UserFacingError):
    """The restore was not done (nothing was changed); the message says why."""


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    db_path: Path
    kept_aside: Path | None  # the previous database, None when there was none
    schema_version: int  # of the restored database (the bot migrates it up at start)


def restore(backup_file: Path | str, db_path: Path | str, *, lock_path: Path | None = None,
            clock: Clock | None = None,
            migrations: Sequence[Migration] = MIGRATIONS) -> RestoreResult:
    """Replace the database at `db_path` with the backup; raise RestoreRefused if unsafe.

    Blocking file work: call it from the CLI (or `asyncio.to_thread`), never while the
    bot runs — the run lock (`lock_path`, default DATA_DIR/signaldesk.lock) enforces it.
    """
    source, db_path = Path(backup_file), Path(db_path)
    lock = RunLock(lock_path or db_path.parent / LOCK_FILE_NAME)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        holder = f"process {exc.pid}" if exc.pid else "another process"
        raise RestoreRefused("The bot is running ({holder} holds {lock}) — stop it first, "
                             "then restore.", holder=holder, lock=str(exc.path)) from None
    with lock:
        if not source.is_file():
            raise RestoreRefused("There is no backup file {file}.", file=str(source))
        if db_path.exists() and source.resolve() == db_path.resolve():
            raise RestoreRefused("{file} is the database itself; pick a backup file.",
                                 file=str(source))
        db_path.parent.mkdir(parents=True, exist_ok=True)
        staging = db_path.with_name(db_path.name + ".restore.tmp")
        try:
            _unpack(source, staging)
            version = _check_restorable(source, staging, migrations)
            stamp = (clock or SystemClock()).now().astimezone(UTC).strftime("%Y%m%d-%H%M%S")
            aside = _set_aside(db_path, stamp) if db_path.exists() else None
            os.replace(staging, db_path)
            fsync_dir(db_path.parent)
        finally:
            for path in (staging, *(_side(staging, s) for s in _SIDE_FILES)):
                path.unlink(missing_ok=True)
    return RestoreResult(source=source, db_path=db_path, kept_aside=aside,
                         schema_version=version)


def _side(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _unpack(source: Path, staging: Path) -> None:
    """Copy the backup (gzip, or a plain SQLite file) to `staging`, uncompressed."""
    with open(source, "rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(GZIP_MAGIC):
        try:
            with gzip.open(source, "rb") as packed, open(staging, "wb") as out:
                shutil.copyfileobj(packed, out, 1024 * 1024)
        except (OSError, EOFError, zlib.error) as exc:
            raise RestoreRefused("{file} cannot be decompressed ({error}) — it is damaged or "
                                 "incomplete.", file=str(source), error=str(exc)) from None
    elif head == SQLITE_MAGIC:
        shutil.copyfile(source, staging)
    else:
        raise RestoreRefused("{file} is not a signaldesk backup (.sqlite3.gz) nor an SQLite "
                             "database.", file=str(source))
    with open(staging, "rb") as f:
        if f.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise RestoreRefused("{file} does not hold an SQLite database.", file=str(source))
    with open(staging, "rb+") as f:
        os.fsync(f.fileno())


def _check_restorable(source: Path, staging: Path, migrations: Sequence[Migration]) -> int:
    """The schema version of the sound signaldesk database at `staging`, or a refusal."""
    file = str(source)
    try:
        problems = integrity_problems(staging)
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused("{file} is damaged: SQLite cannot read it ({error}).",
                             file=file, error=str(exc)) from None
    if problems:
        raise RestoreRefused("{file} fails SQLite's integrity check: {problem}.", file=file,
                             problem="; ".join(problems))
    conn = connect_existing(staging)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                            "AND name = 'schema_version'").fetchone():
            raise RestoreRefused("{file} is an SQLite database but not a signaldesk one (it "
                                 "has no schema_version table).", file=file)
        applied = conn.execute("SELECT version, name FROM schema_version").fetchall()
        version = max((int(v) for v, _ in applied), default=0)
        known = {m.version: m.name for m in migrations}
        newest = max(known, default=0)
        if version > newest:
            raise RestoreRefused("{file} has schema version {version}, newer than this "
                                 "signaldesk knows ({known}) — restore it with the newer "
                                 "version.", file=file, version=version, known=newest)
        if not applied or any(known.get(int(v)) != name for v, name in applied):
            raise RestoreRefused("{file} is not a signaldesk database (its schema_version does "
                                 "not match signaldesk's migrations).", file=file)
        # The bot turns WAL back on when it opens the file; until then, no side files.
        conn.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused("{file} is damaged: SQLite cannot read it ({error}).",
                             file=file, error=str(exc)) from None
    finally:
        conn.close()
    return version


def _set_aside(db_path: Path, stamp: str) -> Path:
    """Move the current database to `<db>.before-restore-<stamp>`, its WAL folded in."""
    aside = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    n = 0
    while aside.exists():
        n += 1
        aside = db_path.with_name(f"{db_path.name}.before-restore-{stamp}-{n}")
    # Fold the WAL into the file. A damaged database may not allow it: then its WAL and
    # journal move with it below, so whatever it held is still there to recover.
    with contextlib.suppress(sqlite3.Error):
        conn = connect_existing(db_path)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    os.replace(db_path, aside)
    for suffix in _SIDE_FILES:
        side = _side(db_path, suffix)
        if not side.exists():
            continue
        # A stale WAL beside the restored file would be replayed into it: never leave one.
        if suffix != "-shm" and side.stat().st_size > 0:
            os.replace(side, _side(aside, suffix))
        else:
            side.unlink()
    return aside
