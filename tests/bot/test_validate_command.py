"""`python -m bot validate` as a trader runs it: a real process over the database in
DATA_DIR, the verdict printed line by line and saved under DATA_DIR/reports, exit 0 on GO
and 1 on NO-GO, one line and exit 2 for a bad argument — never a traceback."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from storage.database import Database
from tests.bot.test_backup_command import bot
from tests.services.test_validation import good_month


def seed(tmp_path: Path) -> None:
    async def write() -> None:
        db = Database(tmp_path / "data" / "signaldesk.sqlite3")
        await db.open()
        await db.migrate()
        try:
            await good_month(db, datetime.now(UTC))
        finally:
            await db.close()

    asyncio.run(write())


def test_a_good_month_is_go_and_saved(tmp_path: Path) -> None:
    seed(tmp_path)
    result = bot(tmp_path, "validate")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("validation of paper results,") and "(30 days)" in lines[0]
    assert "  PASS  trades: 12 (needs >= 10, margin +2)" in lines
    assert any(line.startswith("  PASS  win rate: 66.67 %") for line in lines)
    assert "  net profit +160.00 USDT over 12 trade(s)" in lines
    assert "validation: GO — next, `python -m bot preflight`" in lines
    saved = sorted((tmp_path / "data" / "reports").glob("validation-*.json"))
    assert len(saved) == 1 and lines[-1] == f"saved to {saved[0]}"
    assert json.loads(saved[0].read_text())["verdict"] == "GO"


def test_a_short_window_is_no_go_with_exit_1(tmp_path: Path) -> None:
    seed(tmp_path)
    result = bot(tmp_path, "validate", "--days", "5")
    assert result.returncode == 1
    assert "  FAIL  trades: 2 (needs >= 10, margin -8)" in result.stdout.splitlines()
    assert "validation: NO-GO" in result.stdout


def test_a_bad_window_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = bot(tmp_path, "validate", "--days", "a week")
    assert result.returncode == 2
    assert "'a week' is not a number of days from 1 to 365" in result.stderr
    assert not (tmp_path / "data" / "reports").exists()
