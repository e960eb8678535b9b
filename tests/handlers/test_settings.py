"""/settings and /set: validated, persisted, audited, applied without restart."""

from __future__ import annotations

from decimal import Decimal

from bot.app import Application
from tests.conftest import ADMIN, ADMIN_RU, VIEWER, say
from tests.fakes.bot_api import FakeBotAPI


async def test_settings_lists_every_key_with_its_value(app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, VIEWER, "/settings")
    assert "<code>risk.daily_loss_pct</code> = <b>3</b>" in reply.text
    assert "<code>risk.channel_allocation_pct</code> = <b>off</b>" in reply.text
    assert "Daily loss limit" in reply.text


async def test_set_validates_persists_audits_and_applies_at_once(
        app: Application, telegram: FakeBotAPI, make_settings, start_app) -> None:
    reply = await say(telegram, ADMIN, "/set risk.daily_loss_pct 2,5%")
    assert reply.text == "✅ risk.daily_loss_pct: 3 → 2.5"
    assert (await app.config.risk_limits()).daily_loss_pct == Decimal("2.5")
    assert "<b>2.5</b> ✎" in (await say(telegram, ADMIN, "/settings")).text
    row = await app.db.fetch_one("SELECT detail FROM audit_log WHERE action = 'set'")
    assert '"old": "3"' in row[0] and '"new": "2.5"' in row[0]
    await app.stop()
    restarted = await start_app(make_settings())
    assert (await restarted.config.risk_limits()).daily_loss_pct == Decimal("2.5")


async def test_bad_values_and_unknown_keys_get_a_clear_answer_and_change_nothing(
        app: Application, telegram: FakeBotAPI) -> None:
    bad = await say(telegram, ADMIN, "/set risk.max_open_positions lots")
    assert bad.text == "risk.max_open_positions must be a whole number from 1 to 100 (got lots)."
    unknown = await say(telegram, ADMIN, "/set risk.yolo 1")
    assert unknown.text.startswith("Unknown setting risk.yolo. Settings: risk.daily_loss_pct,")
    assert "sizing.mode" in unknown.text
    assert "Usage: /set key value" in (await say(telegram, ADMIN, "/set")).text
    assert (await app.config.values())["risk.max_open_positions"] == 5


async def test_switches_and_choices(app: Application, telegram: FakeBotAPI) -> None:
    assert "on → off" in (await say(telegram, ADMIN, "/set risk.one_position_per_symbol off")).text
    assert "off → 40" in (await say(telegram, ADMIN, "/set risk.channel_allocation_pct 40")).text
    assert "quote → risk_pct" in (await say(telegram, ADMIN, "/set sizing.mode RISK_PCT")).text
    rule = await app.config.size_rule()
    assert rule.mode.value == "risk_pct"


async def test_viewers_cannot_set_and_russian_errors_are_russian(
        app: Application, telegram: FakeBotAPI) -> None:
    assert "Only admins" in (await say(telegram, VIEWER, "/set risk.daily_loss_pct 1")).text
    reply = await say(telegram, ADMIN_RU, "/set nope 1")
    assert reply.text.startswith("Неизвестная настройка nope.")
