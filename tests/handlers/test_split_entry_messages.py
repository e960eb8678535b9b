"""A split entry zone as the trader sees it, through the real app and the fake Bot API:
`/set entry.zone_mode split`, the parts resting, each fill told, /position listing them."""

from __future__ import annotations

from bot.app import Application
from tests.conftest import ADMIN, VIEWER, say
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.exchange import FakeExchange
from tests.fakes.telegram_objects import channel_post_update
from tests.handlers.test_positions import (
    BARE,
    ETH_WAITING,
    MARKED,
    follow_auto,
    notice,
    post_signal,
)


async def test_a_split_zone_is_told_part_by_part(
        app: Application, telegram: FakeBotAPI, exchange: FakeExchange) -> None:
    changed = await say(telegram, ADMIN, "/set entry.zone_mode split")
    assert changed.text == "✅ entry.zone_mode: edge → split"
    await follow_auto(app, telegram)

    waiting = await post_signal(telegram, ETH_WAITING, 1)  # ETH at 3000, zone 2900–2950
    assert waiting.text == ("⏳ #1 <b>ETH/USDT:USDT</b> LONG ×5: entry split into 3 orders "
                            "across the zone, waiting for the price.")

    exchange.set_price("ETH/USDT", "2940")
    await app.engine.tracker.tick()
    opened = await notice(telegram, "<b>Opened</b>")
    assert opened.text.startswith("✅ <b>Opened</b> #1 <b>ETH/USDT:USDT</b> LONG ×5")
    assert opened.text.endswith("\nEntry part 1/3 filled: 0.011 at 2950; the other orders rest "
                                "across the zone.")
    assert "\nRisk to stop: 1.65 USDT\n" in opened.text  # what is held: 0.011 × (2950 − 2800)

    exchange.set_price("ETH/USDT", "2920")
    await app.engine.tracker.tick()
    added = await notice(telegram, "entry part 2/3")
    assert added.text.startswith("➕ #1 <b>ETH/USDT:USDT</b> LONG ×5: entry part 2/3 filled "
                                 "at 2925. Now ")
    assert "at an average of 2937.5; stop and targets resized." in added.text
    position = await app.positions.get(1)
    assert position is not None and position.average_entry == 2937.5

    detail = await say(telegram, VIEWER, "/position 1")  # the exits resized before the news
    assert "<code>entry3</code> · limit buy 0.012 @ 2900 — open" in detail.text
    assert "<code>sl1</code> · stop-market sell 0.022 @ 2800 — open" in detail.text
    assert "<code>tp1r1</code> · take-profit sell 0.011 @ 3100 — open" in detail.text


async def test_a_wrong_zone_mode_is_refused_with_the_choices(
        app: Application, telegram: FakeBotAPI) -> None:
    refused = (await say(telegram, ADMIN, "/set entry.zone_mode spread")).text
    assert "edge, middle or split" in refused
    assert await app.config.get("entry.zone_mode") == "edge"
    parts = (await say(telegram, ADMIN, "/set entry.split_parts 11")).text
    assert "from 2 to 10" in parts


async def test_the_approval_card_lists_the_orders_of_a_split_zone(
        app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, "/set entry.zone_mode split")
    await say(telegram, ADMIN, f"/follow {MARKED}")  # manual: a card to decide
    telegram.push_update(channel_post_update(BARE, ETH_WAITING, message_id=1))
    card = await telegram.wait_for_call("sendMessage", lambda c: "Approve?" in c.text)
    assert "\nEntry split into 3 orders: 2950 · 2925 · 2900\n" in card.text
