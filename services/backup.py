"""Backups of the database: SQLite's online backup API, integrity-checked, gzip, rotated.

`BackupService.create()` copies the database while the bot keeps running: the copy is
made on its own sqlite3 connection in a worker thread, in one backup step, so it is one
consistent snapshot (WAL lets the bot go on writing meanwhile). The copy is checked with
`PRAGMA integrity_check`, compressed to DATA_DIR/backups/signaldesk-YYYYmmdd-HHMMSS.sqlite3.gz
(UTC) through a `.tmp` file and a rename, and the newest `keep` backups are kept.

What a backup holds: the database and nothing else. The bot token, exchange keys and
Telethon credentials live in the environment, and the Telethon session in its own file
(DATA_DIR/signaldesk.session) — none of them is in the database. As a guard against a
future change putting one there, `runtime_settings` rows whose key names a secret are
left out of the copy (and the copy vacuumed so their bytes are gone), and so are backup
files still queued in the outbox, so a backup never nests the previous one.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from services.clock import Clock, SystemClock
from services.errors import UserFacingError

BACKUP_GLOB = "signaldesk-*.sqlite3.gz"
_BACKUP_NAME = re.compile(r"^signaldesk-(\d{8}-\d{6})(?:-(\d+))?\.sqlite3\.gz$")
_STAMP = "%Y%m%d-%H%M%S"
BUSY_TIMEOUT_S = 5.0
STALE_TMP_S = 24 * 3600  # a .tmp this old was left by a backup that died half-way
# A runtime_settings key naming a secret, as a whole dotted segment ("telethon.session",
# "exchange.api_key"), so that e.g. "config.session_hours" is not taken for one.
_SECRET_KEY = re.compile(r"(?:^|\.)(?:bot_token|token|secret|api_key|apikey|api_secret|"
                         r"api_hash|password|session|string_session)(?:$|\.)", re.I)


class BackupError(UserFacingError):
    """A backup could not be made; the message says why."""


@dataclass(frozen=True)
class BackupFile:
    """A backup on disk."""

    path: Path
    size_bytes: int
    at: datetime  # when it was taken, UTC (from its name)


@dataclass(frozen=True)
class BackupResult:
    """A backup just made. `integrity_ok` False means the *database* failed the check:
    the file is kept (it may be all there is) and older backups are not rotated out."""

    path: Path
    size_bytes: int
    at: datetime
    integrity_ok: bool
    integrity_detail: str = "ok"
    left_out: int = 0  # rows left out of the copy (secret-looking settings, queued backups)
    removed: tuple[Path, ...] = ()  # older backups rotated out


class BackupService:
    """Makes, lists and rotates backups of the database at `db_path` into `backups_dir`."""

    def __init__(self, db_path: Path | str, backups_dir: Path | str, *, keep: int = 7,
                 clock: Clock | None = None) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self.db_path = Path(db_path)
        self.backups_dir = Path(backups_dir)
        self.keep = keep
        self._clock = clock or SystemClock()
        self._lock = asyncio.Lock()  # the daily job and /backup never copy at once

    async def create(self) -> BackupResult:
        """Back the database up now (safe while the bot runs) and rotate old backups."""
        async with self._lock:
            at = self._clock.now().astimezone(UTC).replace(microsecond=0)
            return await asyncio.to_thread(self._create, at)

    def list(self) -> list[BackupFile]:
        """The backups in `backups_dir`, newest first."""
        found: list[tuple[tuple[str, int], BackupFile]] = []
        if not self.backups_dir.is_dir():
            return []
        for path in self.backups_dir.iterdir():
            match = _BACKUP_NAME.match(path.name)
            if match is None or not path.is_file():
                continue
            at = datetime.strptime(match[1], _STAMP).replace(tzinfo=UTC)
            found.append(((match[1], int(match[2] or 0)),
                          BackupFile(path, path.stat().st_size, at)))
        found.sort(key=lambda item: item[0], reverse=True)
        return [backup for _, backup in found]

    # -- in the worker thread ------------------------------------------------------------
    def _create(self, at: datetime) -> BackupResult:
        if not self.db_path.is_file():
            raise BackupError("There is no database at {path} to back up.",
                              path=str(self.db_path))
        self.backups_dir.mkdir(parents=True, exist_ok=True)
        self._remove_stale_tmp()
        target = self._free_name(at)
        raw = target.with_name(f"{target.name}.{os.getpid()}.raw.tmp")
        packed = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        try:
            try:
                online_copy(self.db_path, raw)
                left_out = _leave_out_secrets(raw)
                problems = integrity_problems(raw)
            except sqlite3.Error as exc:
                raise BackupError("Could not copy the database {path}: {error}.",
                                  path=str(self.db_path), error=str(exc)) from None
            _compress(raw, packed, inner_name=target.name.removesuffix(".gz"), at=at)
            os.replace(packed, target)
            fsync_dir(target.parent)
        finally:
            for leftover in (raw, packed):
                leftover.unlink(missing_ok=True)
        removed = self._rotate() if not problems else ()
        return BackupResult(path=target, size_bytes=target.stat().st_size, at=at,
                            integrity_ok=not problems,
                            integrity_detail="; ".join(problems) or "ok",
                            left_out=left_out, removed=removed)

    def _free_name(self, at: datetime) -> Path:
        stem = f"signaldesk-{at.strftime(_STAMP)}"
        path = self.backups_dir / f"{stem}.sqlite3.gz"
        n = 0
        while path.exists():  # two backups within one second
            n += 1
            path = self.backups_dir / f"{stem}-{n}.sqlite3.gz"
        return path

    def _rotate(self) -> tuple[Path, ...]:
        removed = []
        for old in self.list()[self.keep:]:
            old.path.unlink(missing_ok=True)
            removed.append(old.path)
        return tuple(removed)

    def _remove_stale_tmp(self) -> None:
        cutoff = time.time() - STALE_TMP_S
        for path in self.backups_dir.glob(BACKUP_GLOB + ".*tmp"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()


# -- helpers shared with services.restore ------------------------------------------------
def connect_existing(path: Path) -> sqlite3.Connection:
    """A sqlite3 connection to a file that must already exist (never creates one)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True,
                           timeout=BUSY_TIMEOUT_S)


def online_copy(source: Path, target: Path) -> None:
    """Copy `source` into a new file `target` with SQLite's online backup API."""
    src = connect_existing(source)
    try:
        dst = sqlite3.connect(target)
        try:
            # One step (pages=-1): a single read transaction, so one consistent snapshot;
            # under WAL the bot's writers are not blocked meanwhile.
            src.backup(dst)
            # The copy is a standalone file: no -wal/-shm beside it, wherever it goes.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def integrity_problems(path: Path) -> list[str]:
    """`PRAGMA integrity_check` of the database at `path`: empty when it is sound."""
    conn = connect_existing(path)
    try:
        rows = conn.execute("PRAGMA integrity_check(5)").fetchall()
    finally:
        conn.close()
    return [str(row[0]) for row in rows if row[0] != "ok"]


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (a power cut cannot undo it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _leave_out_secrets(copy: Path) -> int:
    conn = connect_existing(copy)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        left_out = 0
        if "runtime_settings" in tables:
            keys = [r[0] for r in conn.execute("SELECT key FROM runtime_settings")]
            secret = [(k,) for k in keys if _SECRET_KEY.search(k)]
            conn.executemany("DELETE FROM runtime_settings WHERE key = ?", secret)
            left_out += len(secret)
        if "outbox" in tables:
            left_out += conn.execute(
                "DELETE FROM outbox WHERE kind = 'document' AND file_name LIKE ?",
                (BACKUP_GLOB.replace("*", "%"),)).rowcount
        conn.commit()
        if left_out:
            conn.execute("VACUUM")  # deleted rows must not linger in free pages
        return left_out
    finally:
        conn.close()


def _compress(source: Path, target: Path, *, inner_name: str, at: datetime) -> None:
    with open(target, "wb") as out:
        with gzip.GzipFile(filename=inner_name, mode="wb", fileobj=out,
                           mtime=int(at.timestamp())) as packed, open(source, "rb") as raw:
            shutil.copyfileobj(raw, packed, 1024 * 1024)
        out.flush()
        os.fsync(out.fileno())
