"""`python -m bot run` as a user runs it: answers, serves /health, and stops cleanly on
SIGTERM (docker stop) or SIGINT (Ctrl-C) within 5 s with exit code 0."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import ADMIN, ADMIN_ID, TOKEN
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.telegram_objects import message_update

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def health(port: int) -> int | None:
    try:
        async with aiohttp.ClientSession() as http, http.get(
                f"http://127.0.0.1:{port}/health", timeout=aiohttp.ClientTimeout(total=2)) as r:
            return r.status
    except aiohttp.ClientError:
        return None


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
async def test_the_bot_runs_answers_and_stops_cleanly(
        tmp_path: Path, telegram: FakeBotAPI, stop_signal: signal.Signals) -> None:
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
           "TELEGRAM__BOT_TOKEN": TOKEN, "TELEGRAM__API_BASE": telegram.base_url,
           "TELEGRAM__ADMIN_IDS": f"[{ADMIN_ID}]", "TELEGRAM__POLLING_TIMEOUT_S": "1",
           "DATA_DIR": str(tmp_path / "data"), "HTTP__PORT": str(port)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await telegram.wait_for_call("getUpdates", timeout=20)
        telegram.push_update(message_update(ADMIN, "/start"))
        reply = await telegram.wait_for_call("sendMessage", timeout=10)
        assert "Hello, Ann!" in reply.text
        assert await health(port) == 200

        started = time.monotonic()
        proc.send_signal(stop_signal)
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=10)
        elapsed = time.monotonic() - started
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log = stderr.decode()
    assert proc.returncode == 0, log
    assert elapsed < 5, elapsed
    assert "stopped cleanly" in log
    assert "Traceback" not in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert (tmp_path / "data" / "signaldesk.sqlite3").exists()
    assert await health(port) is None  # the port is released
