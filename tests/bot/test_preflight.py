"""Preflight against the fake Binance through real ccxt: PASS / WARN / FAIL per check, the
live start refused on a FAIL, and /preflight in the chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import Application, StartupError
from bot.preflight_command import preflight_report
from bot.settings import Settings
from services.audit import AuditTrail
from services.clock import SystemClock
from services.preflight import PreflightReport, ValidationOnRecord, Verdict
from services.runtime_config import RuntimeConfig
from storage.audit import AuditLogRepository
from storage.database import Database
from storage.runtime_settings import RuntimeSettingsRepository
from tests.conftest import ADMIN, ADMIN_ID, say
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.exchange import FakeExchange

KEYS: dict[str, object] = {"api_key": "test-key", "secret": "test-secret"}


@pytest.fixture(autouse=True)
def rate_limited(exchange: FakeExchange) -> None:
    """The fake's ccxt config turns ccxt's throttle off for speed; a live account has it
    on (the preflight checks it)."""
    config = {k: v for k, v in exchange.ccxt_config("futures").items()
              if k not in ("apiKey", "secret")}  # the keys come from EXCHANGE__API_KEY/SECRET
    KEYS["ccxt_config"] = {**config, "enableRateLimit": True, "rateLimit": 1}


async def go_on_record() -> ValidationOnRecord:
    return ValidationOnRecord(go=True, at=SystemClock().now() - timedelta(days=1))


async def nothing_on_record() -> None:
    return None


async def run(settings: Settings, tmp_path: Path, *, setting: tuple[str, str] | None = None,
              validation: Callable[[], Awaitable[ValidationOnRecord | None]] = go_on_record,
              ) -> PreflightReport:
    clock = SystemClock()
    db = Database(tmp_path / "preflight.sqlite3")
    await db.open()
    await db.migrate()
    try:
        config = RuntimeConfig(db, RuntimeSettingsRepository(db),
                               AuditTrail(AuditLogRepository(db), clock), clock)
        if setting is not None:
            await config.set(*setting, actor_id=ADMIN_ID, role="admin")
        return await preflight_report(settings, config=config, clock=clock,
                                      latest_validation=validation)
    finally:
        await db.close()


def verdicts(report: PreflightReport) -> dict[str, Verdict]:
    return {c.name: c.verdict for c in report.checks}


async def test_a_sound_account_passes_every_check(
        make_settings: Callable[..., Settings], exchange: FakeExchange, tmp_path: Path) -> None:
    exchange.set_balance("USDT", "1000", market="futures")
    report = await run(make_settings(exchange=KEYS), tmp_path)
    assert report.ok, [c.line() for c in report.checks]
    assert set(verdicts(report).values()) == {Verdict.PASS}
    assert {"API keys", "balance", "markets", "rate limiter", "stop loss", "daily loss limit",
            "admins", "validation"} <= set(verdicts(report))


async def test_wrong_keys_fail_with_what_to_do(
        make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    report = await run(make_settings(exchange={**KEYS, "api_key": "wrong", "secret": "nope"}),
                       tmp_path)
    assert not report.ok
    [keys] = report.failures
    assert keys.name == "API keys" and "EXCHANGE__API_KEY" in keys.detail
    assert "nope" not in keys.detail and "wrong" not in keys.detail


async def test_missing_keys_fail_without_asking_the_exchange(
        make_settings: Callable[..., Settings], exchange: FakeExchange, tmp_path: Path) -> None:
    before = len(exchange.requests)
    report = await run(make_settings(), tmp_path)
    assert [c.name for c in report.failures] == ["API keys"]
    assert len(exchange.requests) == before


async def test_balance_below_the_minimum_fails(
        make_settings: Callable[..., Settings], exchange: FakeExchange, tmp_path: Path) -> None:
    exchange.set_balance("USDT", "20", market="futures")
    report = await run(make_settings(exchange=KEYS, trading={"live_min_balance": "50"}),
                       tmp_path)
    [balance] = report.failures
    assert balance.name == "balance" and balance.detail.startswith("20 USDT (minimum 50)")


async def test_rate_limiter_off_and_stop_loss_not_required_fail(
        make_settings: Callable[..., Settings], exchange: FakeExchange, tmp_path: Path) -> None:
    exchange.set_balance("USDT", "1000", market="futures")
    config = {**exchange.ccxt_config("futures"), "enableRateLimit": False}
    report = await run(make_settings(exchange={**KEYS, "ccxt_config": config}), tmp_path,
                       setting=("risk.require_stop_loss", "off"))
    assert {c.name for c in report.failures} == {"rate limiter", "stop loss"}


async def test_no_admins_fails_and_a_missing_validation_warns(
        make_settings: Callable[..., Settings], exchange: FakeExchange, tmp_path: Path) -> None:
    exchange.set_balance("USDT", "1000", market="futures")
    settings = make_settings(exchange=KEYS, telegram={"admin_ids": [], "viewer_ids": []})
    report = await run(settings, tmp_path, validation=nothing_on_record)
    assert [c.name for c in report.failures] == ["admins"]
    assert [c.name for c in report.warnings] == ["validation"]


async def test_a_big_daily_loss_limit_warns(
        make_settings: Callable[..., Settings], exchange: FakeExchange, tmp_path: Path) -> None:
    exchange.set_balance("USDT", "1000", market="futures")
    report = await run(make_settings(exchange=KEYS), tmp_path,
                       setting=("risk.daily_loss_pct", "25"))
    assert report.ok
    assert [c.name for c in report.warnings] == ["daily loss limit"]


async def test_live_start_is_refused_when_a_check_fails(
        make_settings: Callable[..., Settings], exchange: FakeExchange) -> None:
    exchange.set_balance("USDT", "10", market="futures")
    app = Application(make_settings(exchange=KEYS, trading={"mode": "live"}))
    try:
        with pytest.raises(StartupError) as refused:
            await app.start()
    finally:
        await app.stop()
    message = str(refused.value)
    assert message.startswith("live mode refused by the preflight:")
    assert "FAIL balance: 10 USDT (minimum 50)" in message


async def test_preflight_command_shows_every_check(
        make_settings: Callable[..., Settings], exchange: FakeExchange, telegram: FakeBotAPI,
        start_app: Callable[[Settings], Awaitable[Application]]) -> None:
    exchange.set_balance("USDT", "1000", market="futures")
    await start_app(make_settings(exchange=KEYS))
    reply = await say(telegram, ADMIN, "/preflight")
    text = reply.params["text"]
    assert "✅ <b>API keys</b>" in text and "✅ <b>balance</b>: 1000 USDT" in text
    assert "⚠️ <b>validation</b>: no validation on record" in text
    assert "Ready for live trading (1 warning(s))." in text
