"""GET /health and GET /metrics of a running bot."""

from __future__ import annotations

import aiohttp

from bot.app import Application
from tests.conftest import ADMIN, STRANGER, say
from tests.fakes.bot_api import FakeBotAPI


async def get(app: Application, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{app.http.port}{path}") as response:
        return response.status, response.headers["Content-Type"], await response.text()


async def test_health_answers_200_with_mode_uptime_database_and_polling(
        app: Application, telegram: FakeBotAPI) -> None:
    await telegram.wait_for_call("getUpdates", count=2)  # at least one poll came back
    async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{app.http.port}/health") as response:
        assert response.status == 200
        body = await response.json()
    assert body["status"] == "ok" and body["mode"] == "paper"
    assert body["database_ok"] is True and body["polling_ok"] is True
    assert body["uptime_s"] >= 0 and body["last_poll_s_ago"] is not None
    assert body["listener"].startswith("off")


async def test_health_turns_503_when_the_database_is_gone(
        app: Application, telegram: FakeBotAPI) -> None:
    await app.db.close()
    async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{app.http.port}/health") as response:
        assert response.status == 503
        body = await response.json()
    assert body["status"] == "unhealthy" and body["database_ok"] is False


async def test_health_turns_503_when_polling_has_stopped(
        app: Application, telegram: FakeBotAPI) -> None:
    await app.dp.stop_polling()
    status, _, text = await get(app, "/health")
    assert status == 503 and '"polling_ok": false' in text


async def test_metrics_are_prometheus_text_with_the_bots_figures(
        app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, "/status")
    await say(telegram, STRANGER, "/status")
    status, content_type, text = await get(app, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    for line in ('signaldesk_info{exchange="binance",market="futures",mode="paper",version=',
                 'signaldesk_telegram_updates_total{type="message"} 2.0',
                 'signaldesk_access_refusals_total{role="stranger"} 1.0',
                 "signaldesk_database_up 1.0", "signaldesk_outbox_pending 0.0",
                 "signaldesk_uptime_seconds "):
        assert line in text, line
