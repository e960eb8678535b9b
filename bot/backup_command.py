"""`python -m bot backup` and `python -m bot restore FILE`.

`backup` is safe while the bot runs (SQLite's online backup API). `restore` refuses while
it runs (the run lock in DATA_DIR) and refuses any file that is not a sound signaldesk
database; the database it replaces is kept beside it. Every failure is one line on
stderr and an exit code (2: refused, nothing changed; 1: anything else); no traceback.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.settings import Settings
from services.backup import BackupError, BackupService
from services.restore import RestoreRefused, restore

EXIT_OK, EXIT_ERROR, EXIT_REFUSED = 0, 1, 2


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _service(settings: Settings) -> BackupService:
    return BackupService(settings.database_path, settings.backups_dir,
                         keep=settings.backups.keep)


def backup(settings: Settings, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Back the database up now; print the file and its size."""
    try:
        result = asyncio.run(_service(settings).create())
    except (BackupError, OSError) as exc:
        print(f"backup failed: {exc}", file=err)
        return EXIT_ERROR
    print(f"backup written: {result.path} ({human_size(result.size_bytes)})", file=out)
    if result.left_out:
        print(f"left out of the backup: {result.left_out} row(s) that looked like secrets "
              "or queued backup files", file=out)
    if result.removed:
        print(f"removed {len(result.removed)} older backup(s), keeping the newest "
              f"{settings.backups.keep}", file=out)
    if not result.integrity_ok:
        print(f"warning: the database fails SQLite's integrity check "
              f"({result.integrity_detail}); older backups were kept — restore a sound one "
              "with `python -m bot restore FILE`", file=err)
        return EXIT_ERROR
    return EXIT_OK


def list_backups(settings: Settings, *, out: TextIO = sys.stdout) -> int:
    backups = _service(settings).list()
    if not backups:
        print(f"no backups in {settings.backups_dir}", file=out)
    for found in backups:
        print(f"{found.path}  {found.at:%Y-%m-%d %H:%M:%S} UTC  {human_size(found.size_bytes)}",
              file=out)
    return EXIT_OK


def restore_backup(settings: Settings, file: str, *, out: TextIO = sys.stdout,
                   err: TextIO = sys.stderr) -> int:
    """Restore `file` over the database (the bot must be stopped)."""
    try:
        result = restore(file, settings.database_path, lock_path=settings.run_lock_path)
    except RestoreRefused as exc:
        print(f"restore refused: {exc}", file=err)
        return EXIT_REFUSED
    except OSError as exc:
        print(f"restore failed: {exc}", file=err)
        return EXIT_ERROR
    print(f"restored {result.source} into {result.db_path} "
          f"(schema version {result.schema_version})", file=out)
    if result.kept_aside is not None:
        print(f"the previous database is kept as {result.kept_aside}", file=out)
    print("start the bot to use it (it applies any newer migrations at start)", file=out)
    return EXIT_OK
