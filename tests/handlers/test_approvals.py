"""Approval cards end to end: a manual channel's signal → card → Approve / Reject / ×½ →
paper trade on the fake exchange's prices; double presses, viewers, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.app import Application
from tests.conftest import ADMIN, ADMIN_ID, VIEWER, say
from tests.fakes.bot_api import ApiCall, FakeBotAPI
from tests.fakes.telegram_objects import channel_post_update

BARE, MARKED = 1234567890, -1001234567890
SIGNAL = "#BTC/USDT LONG\nEntry: 30000 - 30500\nTargets: 31000, 32000\nStop loss: 29000\nLeverage: 10x"


async def card_for(telegram: FakeBotAPI, message_id: int, text: str = SIGNAL) -> ApiCall:
    telegram.push_update(channel_post_update(BARE, text, message_id=message_id,
                                             channel_username="alphacalls"))
    return await telegram.wait_for_call(
        "sendMessage", lambda c: c.params["chat_id"] == ADMIN_ID and "Approve?" in c.text,
        count=message_id)


async def press(telegram: FakeBotAPI, who: dict, card: ApiCall, data: str) -> ApiCall:
    before = len(telegram.calls_of("answerCallbackQuery"))
    message = telegram.messages[(ADMIN_ID, card.result["message_id"])]
    telegram.push_update(telegram.callback_update(who, data, message=message))
    return await telegram.wait_for_call("answerCallbackQuery", count=before + 1)


async def position(app: Application, position_id: int):
    return await app.engine._positions.get(position_id)


async def test_approve_trades_on_paper_and_edits_the_card(app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    card = await card_for(telegram, 1)
    assert "#1 <b>BTC/USDT:USDT</b> LONG ×10 from <b>@alphacalls</b>" in card.text
    assert "Risk to stop:" in card.text and "R:R" in card.text
    buttons = [b["callback_data"] for row in card.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["appr:1:approve", "appr:1:reject", "appr:1:half", "appr:1:double"]

    await press(telegram, ADMIN, card, "appr:1:approve")
    edit = await telegram.wait_for_call("editMessageText")
    assert "✅ Approved by Ann at" in edit.text and "reply_markup" not in edit.params
    opened = await telegram.wait_for_call("sendMessage", lambda c: "Opened" in c.text)
    assert "#1 <b>BTC/USDT:USDT</b>" in opened.text
    p = await position(app, 1)
    assert p.status == "open" and p.filled_amount > 0

    again = await press(telegram, ADMIN, card, "appr:1:approve")
    assert "Already decided" in again.params["text"]
    legs = await app.db.fetch_all("SELECT leg FROM position_orders WHERE position_id = 1 ORDER BY id")
    assert [r[0] for r in legs] == ["entry", "sl", "tp1", "tp2"]


async def test_reject_and_half_size(app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    first = await card_for(telegram, 1)
    await press(telegram, ADMIN, first, "appr:1:reject")
    assert "✖️ Rejected by Ann" in (await telegram.wait_for_call("editMessageText")).text
    assert (await position(app, 1)).status == "rejected"

    second = await card_for(telegram, 2, SIGNAL.replace("BTC", "ETH").replace("30000 - 30500", "2990 - 3010")
                            .replace("31000, 32000", "3100, 3200").replace("29000", "2900"))
    planned = (await position(app, 2)).planned_amount
    await press(telegram, ADMIN, second, "appr:2:half")
    await telegram.wait_for_call("sendMessage", lambda c: "Opened" in c.text)
    p = await position(app, 2)
    assert p.status == "open" and p.filled_amount <= planned / 2


async def test_viewers_cannot_decide(app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    card = await card_for(telegram, 1)
    answer = await press(telegram, VIEWER, card, "appr:1:approve")
    assert "Only admins" in answer.params["text"]
    assert (await position(app, 1)).status == "pending_approval"


async def test_a_card_can_be_decided_after_a_restart(
        app: Application, telegram: FakeBotAPI, make_settings, start_app) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    card = await card_for(telegram, 1)
    await app.stop()
    restarted = await start_app(make_settings())
    await press(telegram, ADMIN, card, "appr:1:approve")
    await telegram.wait_for_call("sendMessage", lambda c: "Opened" in c.text)
    assert (await position(restarted, 1)).status == "open"


async def test_an_auto_channel_trades_without_a_card(app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    await app.channels.set_mode(MARKED, "auto", actor_id=ADMIN_ID, role="admin")
    telegram.push_update(channel_post_update(BARE, SIGNAL, message_id=7))
    opened = await telegram.wait_for_call("sendMessage", lambda c: "Opened" in c.text)
    assert "#1" in opened.text
    assert not [c for c in telegram.calls_of("sendMessage") if "Approve?" in c.text]


async def test_a_paused_bot_does_not_trade_and_says_why(app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    await say(telegram, ADMIN, "/pause")
    telegram.push_update(channel_post_update(BARE, SIGNAL, message_id=3))
    skipped = await telegram.wait_for_call("sendMessage", lambda c: "Not traded" in c.text)
    assert "trading is paused" in skipped.text
    assert (await position(app, 1)).status == "skipped"
    assert (await position(app, 1)).margin == Decimal("20")


async def test_an_expired_card_is_edited_in_place_and_its_buttons_removed(
        app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    card = await card_for(telegram, 1)
    assert await app.outbox.wait_idle(5)  # delivered: the card's message id is remembered
    past = datetime.now(UTC) - timedelta(seconds=1)
    await app.engine._positions.update(1, now=past, approval_expires_at=past)
    sent = len(telegram.calls_of("sendMessage"))
    await app.engine.expire_approvals()
    edit = await telegram.wait_for_call("editMessageText")
    assert (edit.params["chat_id"], edit.params["message_id"]) == (ADMIN_ID,
                                                                   card.result["message_id"])
    assert edit.text.startswith("🟡 <b>Approve?</b> #1 <b>BTC/USDT:USDT</b> LONG ×10 from "
                                "<b>@alphacalls</b>")
    assert edit.text.endswith("⌛ Expired: not traded.") and "reply_markup" not in edit.params
    assert len(telegram.calls_of("sendMessage")) == sent  # no second message
    late = await press(telegram, ADMIN, card, "appr:1:approve")
    assert "Already decided" in late.params["text"]
    assert (await position(app, 1)).status == "skipped"
