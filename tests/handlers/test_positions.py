"""/positions and /position through the real app: positions opened by a followed channel's
signals on the fake exchange's prices (BTC 30200, ETH 3000), pages turned in
place, details with orders and a chart, and the notifications of a position's life."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bot.app import Application
from services.trading.engine_events import PositionStuck
from tests.conftest import ADMIN, ADMIN_ID, STRANGER, VIEWER, say
from tests.fakes.bot_api import ApiCall, FakeBotAPI
from tests.fakes.exchange import FakeExchange
from tests.fakes.telegram_objects import channel_post_update, message_update

BARE, MARKED = 1234567890, -1001234567890
BTC = ("#BTC/USDT LONG\nEntry: 30000 - 30500\nTargets: 31000, 32000\nStop loss: 29000\n"
       "Leverage: 10x")
ETH_SHORT = ("#ETH/USDT SHORT\nEntry: 2990 - 3010\nTargets: 2900, 2800\nStop loss: 3100\n"
             "Leverage: 5x")
# ETH trades at 3000: this limit entry waits for its price.
ETH_WAITING = ("#ETH/USDT LONG\nEntry: 2900 - 2950\nTargets: 3100, 3200\nStop loss: 2800\n"
               "Leverage: 5x")


async def follow_auto(app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, f"/follow {MARKED}")
    await app.channels.set_mode(MARKED, "auto", actor_id=ADMIN_ID, role="admin")


async def post_signal(telegram: FakeBotAPI, text: str, message_id: int) -> ApiCall:
    """Post a signal in the followed channel; return the notification that it traded."""
    def traded(c: ApiCall) -> bool:
        return c.params["chat_id"] == ADMIN_ID and ("Opened" in c.text or "waiting for" in c.text)

    before = len([c for c in telegram.calls_of("sendMessage") if traded(c)])
    telegram.push_update(channel_post_update(BARE, text, message_id=message_id))
    return await telegram.wait_for_call("sendMessage", traded, count=before + 1)


async def open_two(app: Application, telegram: FakeBotAPI) -> None:
    """#1 BTC open, #2 ETH waiting for its entry."""
    await follow_auto(app, telegram)
    assert "Opened" in (await post_signal(telegram, BTC, 1)).text
    assert "waiting for the price" in (await post_signal(telegram, ETH_WAITING, 2)).text


def buttons(call: ApiCall) -> list[str]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


async def press(telegram: FakeBotAPI, who: dict[str, Any], chat_id: int, message_id: int,
                data: str, message: dict[str, Any] | None = None) -> ApiCall:
    """Press a button on the bot's message; return the answer to the press."""
    before = len(telegram.calls_of("answerCallbackQuery"))
    message = message or telegram.messages[(chat_id, message_id)]
    telegram.push_update(telegram.callback_update(who, data, message=message))
    return await telegram.wait_for_call("answerCallbackQuery", count=before + 1)


async def drained(app: Application) -> None:
    """Every notification queued so far has been sent (a reply awaited next is a reply)."""
    async def empty() -> int:
        return await app.outbox.pending() == 0

    await wait_until(empty)


async def notice(telegram: FakeBotAPI, words: str) -> ApiCall:
    return await telegram.wait_for_call(
        "sendMessage", lambda c: c.params["chat_id"] == ADMIN_ID and words in c.text)


async def test_positions_shows_each_position_in_a_compact_block(
        app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    reply = await say(telegram, ADMIN, "/positions")
    assert reply.text.startswith("<b>Positions</b>: 2 active")
    btc, eth = reply.text.split("\n\n")[1:]
    assert btc.startswith("#1 <b>BTC/USDT:USDT</b> LONG ×10 · Signals · 🟢 open")
    assert "· now 30200" in btc and "SL 29000 · TP 31000 · 32000" in btc
    assert "Margin 20.00 USDT · PnL <b>" in btc and " USDT (" in btc and "%)</b>" in btc
    assert eth.startswith("#2 <b>ETH/USDT:USDT</b> LONG ×5 · Signals · ⏳ waiting")
    assert "Entry 2900 – 2950 · now 3000" in eth and "nothing filled yet" in eth
    assert buttons(reply) == ["posd:1", "close:1:ask", "posd:2", "close:2:ask"]


async def test_a_viewer_sees_positions_without_close_buttons_and_a_stranger_is_refused(
        app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    reply = await say(telegram, VIEWER, "/positions")
    assert "#1 <b>BTC/USDT:USDT</b>" in reply.text
    assert buttons(reply) == ["posd:1", "posd:2"]
    assert "private trading bot" in (await say(telegram, STRANGER, "/positions")).text
    telegram.push_update(message_update(STRANGER, "/position 1"))
    await wait_until(lambda: refusals(app, "/position 1"))
    assert not [c for c in telegram.calls_of("sendMessage")
                if c.params["chat_id"] == STRANGER["id"] and "BTC" in c.text]


async def refusals(app: Application, attempt: str) -> int:
    rows = await app.db.fetch_all("SELECT detail FROM audit_log WHERE outcome = 'refused'")
    return sum(attempt in row[0] for row in rows)


async def wait_until(check: Callable[[], Awaitable[int]]) -> None:
    for _ in range(100):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("never happened")


async def test_no_positions_says_how_signals_become_positions(
        app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, VIEWER, "/positions")
    assert reply.text.startswith("No active positions.")
    assert "auto mode" in reply.text and "approve its card" in reply.text
    assert "reply_markup" not in reply.params


async def test_pages_turn_in_place(app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, "/set risk.max_open_positions 10")
    await say(telegram, ADMIN, "/set risk.one_position_per_symbol off")
    await follow_auto(app, telegram)
    for n in range(1, 7):
        await post_signal(telegram, BTC if n % 2 else ETH_SHORT, n)

    first = await say(telegram, VIEWER, "/positions")
    assert "6 active · page 1 of 2" in first.text
    assert "#5 " in first.text and "#6 " not in first.text
    assert buttons(first)[-2:] == ["pos:0", "pos:1"]  # "1/2" and ▶, no ◀ on the first page

    message_id = first.result["message_id"]
    await press(telegram, VIEWER, VIEWER["id"], message_id, "pos:1")
    second = await telegram.wait_for_call("editMessageText")
    assert second.params["message_id"] == message_id
    assert "page 2 of 2" in second.text and "#6 <b>ETH/USDT:USDT</b> SHORT ×5" in second.text
    assert "#1 " not in second.text
    assert buttons(second) == ["posd:6", "pos:0", "pos:1"]  # ◀ and "2/2", no ▶

    await press(telegram, VIEWER, VIEWER["id"], message_id, "pos:0")
    back = await telegram.wait_for_call("editMessageText", count=2)
    assert "page 1 of 2" in back.text


async def test_position_detail_lists_its_orders_and_pnl(
        app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    reply = await say(telegram, VIEWER, "/position 1")
    assert reply.text.startswith("#1 <b>BTC/USDT:USDT</b> LONG ×10 · Signals · 🟢 open")
    assert "Entry: 30000 – 30500 · filled at " in reply.text
    assert "Targets: 31000 · 32000" in reply.text and "Stop loss: 29000" in reply.text
    assert "PnL: realised 0.00, fees " in reply.text and "→ net <b>" in reply.text
    orders = reply.text.split("<b>Orders</b>\n")[1].splitlines()
    assert orders[0].startswith("<code>entry</code> · limit buy 0.006 @ 30500 — filled 0.006 at ")
    assert "· fee " in orders[0]
    assert orders[1:] == ["<code>sl</code> · stop-market sell 0.006 @ 29000 — open",
                          "<code>tp1</code> · take-profit sell 0.003 @ 31000 — open",
                          "<code>tp2</code> · take-profit sell 0.003 @ 32000 — open"]

    waiting = await say(telegram, VIEWER, "/position #2")
    assert "⏳ waiting" in waiting.text and "Created " in waiting.text
    assert "<code>entry</code> · limit buy" in waiting.text and "— open" in waiting.text


async def test_position_with_bad_arguments_answers_with_the_usage(
        app: Application, telegram: FakeBotAPI) -> None:
    for text in ("/position", "/position abc", "/position 1.5"):
        reply = await say(telegram, VIEWER, text)
        assert reply.text == "Usage: /position &lt;id&gt; — the ids are in /positions."
    missing = await say(telegram, VIEWER, "/position 999999")
    assert missing.text == "There is no position #999999. /positions lists them."
    assert not [c for c in telegram.calls_of("sendMessage") if "Traceback" in c.text]


async def test_the_detail_button_sends_the_detail(app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    page = await say(telegram, VIEWER, "/positions")
    await press(telegram, VIEWER, VIEWER["id"], page.result["message_id"], "posd:2")
    detail = await telegram.wait_for_call(
        "sendMessage", lambda c: c.params["chat_id"] == VIEWER["id"] and "<b>Orders</b>" in c.text)
    assert detail.text.startswith("#2 <b>ETH/USDT:USDT</b>")


async def test_position_sends_a_chart_when_the_exchange_is_wired_in(
        app: Application, telegram: FakeBotAPI) -> None:
    app.dp["exchange"] = app.exchange  # what bot/app.py is asked to pass to the Dispatcher
    await open_two(app, telegram)
    await say(telegram, VIEWER, "/position 1")
    photo = await telegram.wait_for_call("sendPhoto")
    assert photo.params["chat_id"] == VIEWER["id"]
    assert photo.params["caption"] == "#1 <b>BTC/USDT:USDT</b> LONG ×10"
    png = photo.files["photo"].content
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(png[16:20], "big") == 1200 and int.from_bytes(png[20:24], "big") == 700


async def test_target_hit_break_even_and_close_are_notified(
        app: Application, telegram: FakeBotAPI, exchange: FakeExchange) -> None:
    await open_two(app, telegram)
    exchange.set_price("BTC/USDT", "31100")
    await app.engine.tracker.tick()
    hit = await notice(telegram, "TP1 hit")
    assert hit.text.startswith("🎯 <b>TP1 hit</b>: #1 <b>BTC/USDT:USDT</b> LONG ×10 at ")
    assert ", 0.003 closed, <b>+" in hit.text and "USDT</b>. Left: 0.003." in hit.text
    moved = await notice(telegram, "stop moved")
    assert "#1 <b>BTC/USDT:USDT</b> LONG ×10: stop moved to break-even (" in moved.text

    partial = await say(telegram, VIEWER, "/positions")
    assert "🟡 partial" in partial.text and "TP ✅ 31000 · 32000" in partial.text

    exchange.set_price("BTC/USDT", "30100")
    await app.engine.tracker.tick()
    closed = await notice(telegram, "<b>Closed</b>")
    assert closed.text.startswith("🟢 <b>Closed</b> #1 <b>BTC/USDT:USDT</b> LONG ×10: "
                                  "break-even stop\nNet PnL <b>+")
    assert "% of margin) · held " in closed.text
    detail = await say(telegram, VIEWER, "/position 1")
    assert "🏁 closed" in detail.text and "Targets: ✅ 31000 · 32000" in detail.text


async def test_notifications_speak_the_admins_language(
        app: Application, telegram: FakeBotAPI, exchange: FakeExchange) -> None:
    await open_two(app, telegram)
    await say(telegram, ADMIN, "/lang ru")
    exchange.set_price("BTC/USDT", "31100")
    await app.engine.tracker.tick()
    hit = await notice(telegram, "TP1")
    assert "закрыто" in hit.text


async def test_a_stuck_position_is_reported(app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    row = await app.engine._positions.get(1)
    await app.events.publish(PositionStuck(row, timedelta(hours=80)))
    stuck = await notice(telegram, "⏰")
    assert stuck.text == ("⏰ #1 <b>BTC/USDT:USDT</b> LONG ×10 has been open for 3d 8h: "
                          "worth a look, /position 1.")


async def test_positions_in_russian(app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    await say(telegram, ADMIN, "/lang ru")
    reply = await say(telegram, ADMIN, "/positions")
    assert "<b>Позиции</b>" in reply.text and "ждёт" in reply.text
