"""Posts reaching the bot: forwarded by an admin, or channel posts; stored once, read,
linked, and announced to the admins."""

from __future__ import annotations

import asyncio

from bot.app import Application
from tests.conftest import ADMIN, ADMIN_ID, say
from tests.fakes.bot_api import ApiCall, FakeBotAPI
from tests.fakes.telegram_objects import channel_post_update, forwarded_channel_post_update

SIGNAL = """#BTC/USDT LONG
Entry: 30000 - 30500
Targets: 31000, 32000, 33000
Stop loss: 29000
Leverage: 10x"""
CHANNEL = 1234567890
MARKED = -1001234567890


async def admin_message(telegram: FakeBotAPI, contains: str) -> ApiCall:
    """The first message to the admin whose text contains `contains` (waiting for it)."""
    return await telegram.wait_for_call(
        "sendMessage", lambda c: c.params["chat_id"] == ADMIN_ID and contains in c.text)


async def notifications(telegram: FakeBotAPI, count: int = 1) -> list:
    await telegram.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ADMIN_ID
                                 and c.answered_status == 200, count=count)
    return [c for c in telegram.calls_of("sendMessage")
            if c.params["chat_id"] == ADMIN_ID and c.answered_status == 200]


async def test_a_forwarded_signal_is_stored_read_and_announced_with_a_follow_offer(
        app: Application, telegram: FakeBotAPI) -> None:
    telegram.push_update(forwarded_channel_post_update(
        ADMIN, SIGNAL, channel_id=CHANNEL, channel_title="Alpha Calls",
        channel_username="alphacalls", channel_message_id=77))
    card = (await notifications(telegram))[0]
    assert "📡 <b>Signal</b> from <b>@alphacalls</b>" in card.text
    assert "<b>BTC/USDT</b> LONG ×10" in card.text
    assert "Entry: 30000 – 30500" in card.text and "Targets: 31000 · 32000 · 33000" in card.text
    assert "Stop loss: 29000" in card.text
    button = card.params["reply_markup"]["inline_keyboard"][0][0]
    assert button["callback_data"] == f"follow:{MARKED}"
    post = await app.db.fetch_one("SELECT * FROM posts")
    assert (post["channel_id"], post["message_id"], post["source"]) == (MARKED, 77, "forward")
    signal = await app.db.fetch_one("SELECT kind, status, symbol FROM signals")
    assert tuple(signal) == ("open", "accepted", "BTC/USDT")


async def test_the_same_post_forwarded_twice_is_stored_and_announced_once(
        app: Application, telegram: FakeBotAPI) -> None:
    update = dict(channel_id=CHANNEL, channel_message_id=5, channel_username="alphacalls")
    telegram.push_update(forwarded_channel_post_update(ADMIN, SIGNAL, **update))
    await notifications(telegram)
    telegram.push_update(forwarded_channel_post_update(ADMIN, SIGNAL, **update))
    reply = await telegram.wait_for_call("sendMessage", lambda c: "Already seen" in (c.text or ""))
    assert reply.params["chat_id"] == ADMIN_ID
    assert (await app.db.fetch_one("SELECT COUNT(*) FROM posts"))[0] == 1
    assert (await app.db.fetch_one("SELECT COUNT(*) FROM signals"))[0] == 1


async def test_legacy_forward_fields_and_the_bare_channel_id_are_the_same_channel(
        app: Application, telegram: FakeBotAPI) -> None:
    telegram.push_update(forwarded_channel_post_update(
        ADMIN, SIGNAL, channel_id=CHANNEL, channel_message_id=9, legacy_fields=True))
    await notifications(telegram)
    assert (await app.db.fetch_one("SELECT channel_id FROM posts"))[0] == MARKED


async def test_a_broken_signal_is_shown_as_not_understood_with_the_reason_and_the_text(
        app: Application, telegram: FakeBotAPI) -> None:
    text = "ETH/USDT LONG\nEntry 3000\nTargets 3100, 3200\nStop loss 3050"
    telegram.push_update(forwarded_channel_post_update(ADMIN, text, channel_id=CHANNEL))
    card = (await notifications(telegram))[0]
    assert "❓ <b>Not understood</b>" in card.text and "stop" in card.text.lower()
    assert "<blockquote>ETH/USDT LONG" in card.text
    assert (await app.db.fetch_one("SELECT status FROM signals"))[0] == "not_understood"


async def test_noise_is_stored_and_only_the_forwarder_hears_about_it(
        app: Application, telegram: FakeBotAPI) -> None:
    telegram.push_update(forwarded_channel_post_update(
        ADMIN, "Good morning traders! Market review at 18:00 🚀", channel_id=CHANNEL))
    reply = await telegram.wait_for_call("sendMessage")
    assert reply.text.startswith("Stored — not a trade signal")
    assert reply.params["reply_parameters"]["message_id"] > 0
    assert (await app.db.fetch_one("SELECT status FROM signals"))[0] == "noise"


async def test_follow_button_follows_the_channel_and_later_posts_name_it(
        app: Application, telegram: FakeBotAPI) -> None:
    telegram.push_update(forwarded_channel_post_update(
        ADMIN, SIGNAL, channel_id=CHANNEL, channel_title="Alpha Calls",
        channel_username="alphacalls"))
    card = (await notifications(telegram))[0]
    message = telegram.messages[(ADMIN_ID, card.result["message_id"])]
    telegram.push_update(telegram.callback_update(ADMIN, f"follow:{MARKED}", message=message))
    answer = await telegram.wait_for_call("answerCallbackQuery")
    assert "Following @alphacalls" in answer.params["text"]
    await telegram.wait_for_call("editMessageReplyMarkup")
    listing = await say(telegram, ADMIN, "/channels")
    assert "@alphacalls" in listing.text and "manual approval" in listing.text
    assert "1 signals" in listing.text


async def test_channel_posts_replies_and_edits_from_a_followed_channel(
        app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    telegram.push_update(channel_post_update(CHANNEL, SIGNAL, message_id=100,
                                             channel_username="alphacalls"))
    first = await admin_message(telegram, "📡")
    assert "reply_markup" not in first.params  # followed: no follow offer

    update = channel_post_update(CHANNEL, "Target 1 reached ✅", message_id=101)
    update["channel_post"]["reply_to_message"] = {
        "message_id": 100, "date": update["channel_post"]["date"] - 60,
        "chat": update["channel_post"]["chat"]}
    telegram.push_update(update)
    linked = await admin_message(telegram, "🔁")
    assert "🔁 <b>Update</b>" in linked.text and "target 1 hit" in linked.text
    signal_id = (await app.db.fetch_one("SELECT id FROM signals WHERE post_id = 1"))[0]
    assert f"For signal #{signal_id}." in linked.text

    telegram.push_update(channel_post_update(CHANNEL, SIGNAL.replace("29000", "28500"),
                                             message_id=100, edited=True))
    edited = await admin_message(telegram, "✏️")
    assert "✏️" in edited.text and "edited signal" in edited.text and "Before:" in edited.text
    assert "28500" in edited.text and "29000" in edited.text
    # The signal waits for approval (manual channel): its card takes the new stop, in place.
    card = await admin_message(telegram, "Approve?")
    revised = await telegram.wait_for_call("editMessageText",
                                           lambda c: "the new levels" in c.text)
    assert revised.params["message_id"] == card.result["message_id"]
    assert "Stop loss: 28500" in revised.text and "reply_markup" in revised.params
    assert not [c for c in telegram.calls_of("sendMessage") if "the new levels" in c.text]
    revisions = await app.db.fetch_all("SELECT revision, text FROM post_revisions WHERE post_id = 1")
    assert [r[0] for r in revisions] == [0, 1]


async def test_posts_of_a_disabled_channel_are_stored_but_not_announced(
        app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    row = await app.channels.find(str(MARKED))
    await app.channels.set_enabled(row.channel_id, False, actor_id=ADMIN_ID, role="admin")
    telegram.push_update(channel_post_update(CHANNEL, SIGNAL, message_id=300))
    await telegram.wait_for_call("getUpdates", count=len(telegram.calls_of("getUpdates")) + 2)
    await asyncio.sleep(0.1)
    assert (await app.db.fetch_one("SELECT status FROM signals"))[0] == "ignored"
    assert len(await notifications(telegram)) == 1  # only the /follow answer


async def test_a_forward_of_a_users_message_is_explained(app: Application, telegram: FakeBotAPI) -> None:
    from tests.fakes.telegram_objects import message_update
    telegram.push_update(message_update(ADMIN, "buy btc", forward_origin={
        "type": "user", "sender_user": {"id": 5, "is_bot": False, "first_name": "Bob"},
        "date": 1700000000}))
    reply = await telegram.wait_for_call("sendMessage")
    assert "did not come from a channel" in reply.text


async def test_a_symbol_the_exchange_does_not_list_is_not_understood(
        app: Application, telegram: FakeBotAPI) -> None:
    text = SIGNAL.replace("BTC/USDT", "NOPE/USDT")
    telegram.push_update(forwarded_channel_post_update(ADMIN, text, channel_id=CHANNEL))
    card = (await notifications(telegram))[0]
    assert "unknown symbol NOPE/USDT on the futures market" in card.text


async def test_an_entry_far_from_the_market_is_not_understood_with_the_distance(
        app: Application, telegram: FakeBotAPI, exchange) -> None:
    exchange.set_price("BTC/USDT", "45000")
    telegram.push_update(forwarded_channel_post_update(ADMIN, SIGNAL, channel_id=CHANNEL))
    card = (await notifications(telegram))[0]
    assert "Not understood" in card.text and "from the market price 45000" in card.text


async def test_shorthand_prices_are_rescaled_when_one_power_of_ten_fits(
        app: Application, telegram: FakeBotAPI, exchange) -> None:
    exchange.set_price("DOGE/USDT", "0.3512")
    text = "#DOGE/USDT LONG\nEntry 3500\nTargets 3600, 3700\nStop 3400"
    telegram.push_update(forwarded_channel_post_update(ADMIN, text, channel_id=CHANNEL))
    card = (await notifications(telegram))[0]
    assert "Entry: 0.35" in card.text and "Targets: 0.36 · 0.37" in card.text
    assert "Stop loss: 0.34" in card.text and "rescaled" in card.text


async def test_an_unreachable_exchange_lets_the_signal_through_unchecked(
        app: Application, telegram: FakeBotAPI, exchange) -> None:
    await exchange.stop()
    telegram.push_update(forwarded_channel_post_update(ADMIN, SIGNAL, channel_id=CHANNEL))
    card = (await notifications(telegram))[0]
    assert "📡 <b>Signal</b>" in card.text and "Not checked against the exchange" in card.text
    assert (await app.db.fetch_one("SELECT status FROM signals"))[0] == "accepted"
