"""Each kind of notification on / silent / off (`/set notify.<kind>`), through the real app
and the fake Bot API; the exchange failing and recovering, told once per outage."""

from __future__ import annotations

import asyncio

from bot.app import Application
from services.trading.breaker import BreakerState
from tests.conftest import ADMIN, ADMIN_ID, say
from tests.fakes.bot_api import ApiCall, FakeBotAPI
from tests.fakes.telegram_objects import channel_post_update
from tests.handlers.test_positions import BARE, BTC, ETH_WAITING, follow_auto, post_signal


def to_admin(telegram: FakeBotAPI, contains: str) -> list[ApiCall]:
    return [c for c in telegram.calls_of("sendMessage")
            if c.params["chat_id"] == ADMIN_ID and contains in c.text]


async def test_silent_kinds_arrive_without_a_sound_and_off_kinds_not_at_all(
        app: Application, telegram: FakeBotAPI) -> None:
    await follow_auto(app, telegram)
    assert (await say(telegram, ADMIN, "/set notify.signals silent")).text == (
        "✅ notify.signals: on → silent")
    assert (await say(telegram, ADMIN, "/set notify.entries off")).text == (
        "✅ notify.entries: on → off")

    telegram.push_update(channel_post_update(BARE, BTC, message_id=1))
    signal = await telegram.wait_for_call("sendMessage", lambda c: "📡 <b>Signal</b>" in c.text)
    assert signal.params.get("disable_notification") is True
    for _ in range(100):  # traded all the same, only not told
        if await app.positions.active():
            break
        await asyncio.sleep(0.05)
    assert (await app.positions.active())[0].status == "open"
    await app.outbox.wait_idle(5)
    assert to_admin(telegram, "Opened") == []


async def test_every_kind_is_on_by_default_with_a_sound(app: Application,
                                                        telegram: FakeBotAPI) -> None:
    await follow_auto(app, telegram)
    opened = await post_signal(telegram, BTC, 1)
    assert "disable_notification" not in opened.params
    waiting = await post_signal(telegram, ETH_WAITING, 2)
    assert "waiting for the price" in waiting.text
    settings = (await say(telegram, ADMIN, "/settings")).text
    assert "notify.targets" in settings and "notify.approvals" in settings


async def test_approval_cards_can_be_silent_but_never_off(app: Application,
                                                          telegram: FakeBotAPI) -> None:
    refused = (await say(telegram, ADMIN, "/set notify.approvals off")).text
    assert "on or silent" in refused
    assert await app.config.get("notify.approvals") == "on"
    wrong = (await say(telegram, ADMIN, "/set notify.targets loud")).text
    assert "on, silent or off" in wrong


async def test_the_exchange_failing_is_told_once_per_outage_and_its_recovery_once(
        app: Application, telegram: FakeBotAPI) -> None:
    breaker = app.exchange.breaker
    await breaker.trip("the exchange is unavailable (503)", 0)
    opened = await telegram.wait_for_call(
        "sendMessage", lambda c: "The exchange keeps failing" in c.text)
    assert "the exchange is unavailable (503)" in opened.text
    assert breaker.state is BreakerState.HALF_OPEN  # cooldown 0: probing at once
    await breaker.before_call()  # the probe…
    await breaker.trip("still 503", 0)  # …fails: open again, no second message
    await breaker.before_call()  # the next probe…
    await breaker.record_success()  # …is answered: closed
    await telegram.wait_for_call("sendMessage",
                                 lambda c: "The exchange answers again" in c.text)
    await asyncio.sleep(0.1)
    assert len(to_admin(telegram, "The exchange keeps failing")) == 1
    assert len(to_admin(telegram, "The exchange answers again")) == 1

    await say(telegram, ADMIN, "/set notify.exchange off")
    await breaker.trip("down again", 0)
    await breaker.record_success()
    await app.outbox.wait_idle(5)
    assert len(to_admin(telegram, "The exchange keeps failing")) == 1


async def test_reports_off_sends_no_report(app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, "/set notify.reports off")
    await app.report_sender.daily()
    await app.outbox.wait_idle(5)
    assert to_admin(telegram, "Daily report") == []
    await say(telegram, ADMIN, "/set notify.reports silent")
    await app.report_sender.daily()
    report = await telegram.wait_for_call("sendMessage", lambda c: "Daily report" in c.text)
    assert report.params.get("disable_notification") is True
    photo = await telegram.wait_for_call("sendPhoto")
    assert photo.params.get("disable_notification") is True
