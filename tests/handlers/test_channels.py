"""/channels, /follow, /unfollow and the channel buttons, per role."""

from __future__ import annotations

from bot.app import Application
from tests.conftest import ADMIN, ADMIN_ID, STRANGER, VIEWER, say
from tests.fakes.bot_api import ApiError, FakeBotAPI

MARKED = -1001234567890


def get_chat(call):  # what Telegram answers to getChat for a public channel or a user
    if call.params["chat_id"] == "@alphacalls":
        return {"id": MARKED, "type": "channel", "title": "Alpha Calls", "username": "alphacalls",
                "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}
    raise ApiError(400, "Bad Request: chat not found")


async def test_an_empty_list_says_how_to_add_a_channel(app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, VIEWER, "/channels")
    assert "No channels followed yet" in reply.text and "/follow" in reply.text


async def test_follow_by_username_link_and_id(app: Application, telegram: FakeBotAPI) -> None:
    telegram.stub("getChat", get_chat)
    assert "Following @alphacalls" in (await say(telegram, ADMIN, "/follow @alphacalls")).text
    assert "already followed" in (await say(telegram, ADMIN, "/follow https://t.me/alphacalls")).text
    assert "Following -1009876543210" in (await say(telegram, ADMIN, "/follow t.me/c/9876543210/15")).text
    assert "Could not find @nosuchchan" in (await say(telegram, ADMIN, "/follow @nosuchchan")).text
    assert "is not a channel" in (await say(telegram, ADMIN, "/follow what?")).text
    assert "Usage: /follow" in (await say(telegram, ADMIN, "/follow")).text
    rows = await app.db.fetch_all("SELECT channel_id, username, mode, enabled FROM channels ORDER BY added_at")
    assert [tuple(r) for r in rows] == [(MARKED, "alphacalls", "manual", 1),
                                        (-1009876543210, None, "manual", 1)]
    audit = await app.db.fetch_all("SELECT action FROM audit_log WHERE action LIKE 'channel_%'")
    assert [r[0] for r in audit] == ["channel_follow", "channel_follow"]


async def test_buttons_toggle_mode_and_state_and_remove(app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    listing = await say(telegram, ADMIN, "/channels")
    buttons = [b["callback_data"] for row in listing.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == [f"chan:{MARKED}:off", f"chan:{MARKED}:auto", f"chan:{MARKED}:remove"]
    message = telegram.messages[(ADMIN_ID, listing.result["message_id"])]

    telegram.push_update(telegram.callback_update(ADMIN, f"chan:{MARKED}:auto", message=message))
    edit = await telegram.wait_for_call("editMessageText")
    assert "— auto" in edit.text
    telegram.push_update(telegram.callback_update(ADMIN, f"chan:{MARKED}:off", message=message))
    edit = await telegram.wait_for_call("editMessageText", count=2)
    assert edit.text.count("⏸") == 1
    assert (await app.channels.enabled_ids()) == set()
    telegram.push_update(telegram.callback_update(ADMIN, f"chan:{MARKED}:remove", message=message))
    edit = await telegram.wait_for_call("editMessageText", count=3)
    assert "No channels followed yet" in edit.text


async def test_viewers_see_the_list_without_buttons_and_cannot_change_it(
        app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    listing = await say(telegram, VIEWER, "/channels")
    assert str(MARKED) in listing.text and "reply_markup" not in listing.params
    admin_listing = await say(telegram, ADMIN, "/channels")
    message = telegram.messages[(ADMIN_ID, admin_listing.result["message_id"])]
    telegram.push_update(telegram.callback_update(VIEWER, f"chan:{MARKED}:remove", message=message))
    answer = await telegram.wait_for_call("answerCallbackQuery")
    assert "Only admins" in answer.params["text"]
    assert await app.channels.get(MARKED) is not None


async def test_strangers_cannot_list_channels(app: Application, telegram: FakeBotAPI) -> None:
    assert "private trading bot" in (await say(telegram, STRANGER, "/channels")).text


async def test_unfollow(app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    assert "Stopped following" in (await say(telegram, ADMIN, "/unfollow 1234567890")).text
    assert "is not followed" in (await say(telegram, ADMIN, "/unfollow 1234567890")).text


async def test_per_channel_leverage_cap_and_size(app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    reply = await say(telegram, ADMIN, f"/channel {MARKED} leverage 10x")
    assert "leverage ≤ 10x, size: global" in reply.text
    reply = await say(telegram, ADMIN, f"/channel {MARKED} size risk_pct 1,5")
    assert "size risk_pct 1.5%" in reply.text
    listing = await say(telegram, VIEWER, "/channels")
    assert "leverage ≤ 10x, size risk_pct 1.5%" in listing.text
    assert "from 1 to 125" in (await say(telegram, ADMIN, f"/channel {MARKED} leverage 500")).text
    assert "Size must be" in (await say(telegram, ADMIN, f"/channel {MARKED} size lots 5")).text
    assert "Usage: /channel" in (await say(telegram, ADMIN, "/channel")).text
    assert "size: global" in (await say(telegram, ADMIN, f"/channel {MARKED} size default")).text
    row = await app.channels.get(MARKED)
    assert (row.max_leverage, row.size_mode) == (10, None)


async def test_a_signal_above_the_channels_leverage_cap_is_not_understood(
        app: Application, telegram: FakeBotAPI) -> None:
    from tests.fakes.telegram_objects import channel_post_update
    await say(telegram, ADMIN, f"/follow {MARKED}")
    await say(telegram, ADMIN, f"/channel {MARKED} leverage 5")
    telegram.push_update(channel_post_update(1234567890, "BTC/USDT LONG\nEntry 30000\nTP 31000\n"
                                             "SL 29500\nLeverage 20x", message_id=1))
    card = await telegram.wait_for_call("sendMessage", lambda c: "Not understood" in (c.text or ""))
    assert "leverage 20x is above the cap of 5x" in card.text
