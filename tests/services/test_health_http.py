"""GET /health and GET /metrics of a running bot."""

from __future__ import annotations

from datetime import timedelta

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


def sample(text: str, name: str) -> float:
    """The value of one series in Prometheus text ("name{labels} value")."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


async def test_metrics_carry_the_trading_figures_orders_circuit_and_jobs(
        app: Application, telegram: FakeBotAPI) -> None:
    from tests.handlers.test_performance import channels, today, trade
    from tests.handlers.test_positions import BTC, follow_auto, post_signal

    await channels(app)
    await trade(app, pnl="30", closed=today())
    await trade(app, pnl="-10", closed=today())
    await trade(app, pnl="5", closed=today() - timedelta(days=2))
    await follow_auto(app, telegram)
    assert "Opened" in (await post_signal(telegram, BTC, 1)).text
    await app.engine.tracker.tick()  # prices, the first equity snapshot
    _, _, text = await get(app, "/metrics")

    assert sample(text, 'signaldesk_positions{state="open"}') == 1
    assert sample(text, 'signaldesk_positions{state="waiting"}') == 0
    assert sample(text, "signaldesk_daily_pnl") == 20
    assert sample(text, "signaldesk_win_rate_ratio") == 2 / 3
    assert sample(text, "signaldesk_equity") > 0
    assert "signaldesk_unrealized_pnl " in text
    assert sample(text, "signaldesk_margin_in_use") > 0
    assert 0 < sample(text, "signaldesk_capital_at_risk") < sample(text, "signaldesk_equity")
    assert sample(text, 'signaldesk_orders_total{outcome="placed"}') >= 2  # entry and stop
    assert sample(text, 'signaldesk_orders_total{outcome="failed"}') == 0
    assert sample(text, 'signaldesk_exchange_circuit{signaldesk_exchange_circuit="closed"}') == 1
    assert sample(text, 'signaldesk_exchange_circuit{signaldesk_exchange_circuit="open"}') == 0
    assert sample(text, "signaldesk_listener_connected") == 0  # not configured here
    for job in ("pnl_tick", "daily_report", "backup"):
        assert sample(text, f'signaldesk_job_runs_total{{job="{job}"}}') >= 0
        assert sample(text, f'signaldesk_job_failing{{job="{job}"}}') == 0
    assert "_created" not in text
