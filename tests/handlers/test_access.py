"""The access gate over every update type: strangers refused and audited, viewers read-only."""

from __future__ import annotations

import asyncio

from bot.app import Application
from tests.conftest import ADMIN, STRANGER, STRANGER_ID, VIEWER, VIEWER_ID, say
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.telegram_objects import forwarded_channel_post_update, message_update, user


async def audit_rows(app: Application, action_like: str = "%") -> list:
    return await app.db.fetch_all(
        "SELECT actor_id, role, action, outcome, detail FROM audit_log WHERE action LIKE ? "
        "ORDER BY id", (action_like,))


async def settle(telegram: FakeBotAPI, app: Application) -> None:
    """Wait until the bot has fetched every pushed update and finished handling it."""
    await telegram.wait_for_call("getUpdates", lambda c: True,
                                 count=len(telegram.calls_of("getUpdates")) + 2)
    await asyncio.sleep(0.05)


async def test_a_stranger_gets_one_short_refusal_with_their_id_and_it_is_audited(
        app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, STRANGER, "/start")
    assert "private trading bot" in reply.text
    assert str(STRANGER_ID) in reply.text and "TELEGRAM__ADMIN_IDS" in reply.text
    rows = await audit_rows(app)
    assert [(r["actor_id"], r["role"], r["outcome"]) for r in rows] == [
        (STRANGER_ID, "stranger", "refused")]
    assert '"/start"' in rows[0]["detail"]


async def test_a_stranger_is_answered_at_most_once_a_minute_but_every_attempt_is_audited(
        app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, STRANGER, "/status")
    for text in ("/pause", "hello", "/closeall"):
        telegram.push_update(message_update(STRANGER, text))
    await settle(telegram, app)
    replies = [c for c in telegram.calls_of("sendMessage") if c.params["chat_id"] == STRANGER_ID]
    assert len(replies) == 1
    assert len(await audit_rows(app)) == 4
    assert (await app.control.state()).state.value == "running"


async def test_a_stranger_in_russian_is_refused_in_russian(
        app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, user(4004, first_name="Иван", language_code="ru"), "/start")
    assert "частный торговый бот" in reply.text


async def test_a_strangers_button_press_is_answered_never_acted_on(
        app: Application, telegram: FakeBotAPI) -> None:
    admin_card = await say(telegram, ADMIN, "/status")
    message = telegram.messages[(ADMIN["id"], admin_card.result["message_id"])]
    telegram.push_update(telegram.callback_update(STRANGER, "status", message=message))
    answer = await telegram.wait_for_call("answerCallbackQuery")
    assert "private trading bot" in answer.params["text"]
    await settle(telegram, app)
    assert telegram.calls_of("editMessageText") == []
    rows = await audit_rows(app, "callback_query")
    assert rows and rows[0]["actor_id"] == STRANGER_ID and "button" in rows[0]["detail"]


async def test_a_strangers_forwarded_post_is_refused_and_audited(
        app: Application, telegram: FakeBotAPI) -> None:
    update = forwarded_channel_post_update(STRANGER, "BUY BTC 30000 TP 31000 SL 29000",
                                           channel_id=777)
    telegram.push_update(update)
    reply = await telegram.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == STRANGER_ID)
    assert "private trading bot" in reply.text
    rows = await audit_rows(app)
    assert '"forwarded post"' in rows[-1]["detail"]


async def test_a_stranger_in_a_group_is_not_answered_but_audited(
        app: Application, telegram: FakeBotAPI) -> None:
    telegram.push_update(message_update(STRANGER, "/status", chat_id=-555))
    await settle(telegram, app)
    assert [c for c in telegram.calls_of("sendMessage") if c.params["chat_id"] == -555] == []
    assert len(await audit_rows(app)) == 1


async def test_a_viewer_reads_but_cannot_change_state(app: Application, telegram: FakeBotAPI) -> None:
    assert "<b>Status</b>" in (await say(telegram, VIEWER, "/status")).text
    refused = await say(telegram, VIEWER, "/pause")
    assert "Only admins can do that" in refused.text
    assert (await app.control.state()).state.value == "running"
    rows = await audit_rows(app)
    assert [(r["actor_id"], r["role"], r["outcome"]) for r in rows] == [
        (VIEWER_ID, "viewer", "refused")]


async def test_a_viewer_cannot_forward_posts_for_trading(
        app: Application, telegram: FakeBotAPI) -> None:
    telegram.push_update(forwarded_channel_post_update(VIEWER, "LONG ETH", channel_id=42))
    reply = await telegram.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == VIEWER_ID)
    assert "Only admins can do that" in reply.text


async def test_admin_pause_and_resume_are_persisted_idempotent_and_audited(
        app: Application, telegram: FakeBotAPI) -> None:
    assert "Paused" in (await say(telegram, ADMIN, "/pause")).text
    assert "Already paused" in (await say(telegram, ADMIN, "/pause")).text
    status = await say(telegram, VIEWER, "/status")
    assert "paused" in status.text
    assert "Resumed" in (await say(telegram, ADMIN, "/resume")).text
    assert "Already running" in (await say(telegram, ADMIN, "/resume")).text
    rows = await audit_rows(app)
    assert [(r["action"], r["outcome"]) for r in rows] == [
        ("pause", "done"), ("pause", "unchanged"), ("resume", "done"), ("resume", "unchanged")]


async def test_admin_sees_refusals_in_logs(app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, STRANGER, "/closeall")
    logs = await say(telegram, ADMIN, "/logs 5")
    assert f"{STRANGER_ID} (stranger)" in logs.text and "refused" in logs.text
    assert "Usage: /logs" in (await say(telegram, ADMIN, "/logs lots")).text
    assert "Only admins" in (await say(telegram, VIEWER, "/logs")).text


async def test_status_refresh_button_edits_the_card_in_place(
        app: Application, telegram: FakeBotAPI) -> None:
    card = await say(telegram, VIEWER, "/status")
    await say(telegram, ADMIN, "/pause")
    message = telegram.messages[(VIEWER_ID, card.result["message_id"])]
    telegram.push_update(telegram.callback_update(VIEWER, "status", message=message))
    edit = await telegram.wait_for_call("editMessageText")
    assert "paused" in edit.text and edit.params["message_id"] == card.result["message_id"]
    await telegram.wait_for_call("answerCallbackQuery")
