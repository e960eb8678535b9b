"""The send queue, through the real Bot and the fake Bot API: flood waits, outages,
refusals, long text, files, and messages surviving a restart."""

from __future__ import annotations

from bot.app import Application
from services.html_split import MESSAGE_LIMIT
from services.outbox import OutgoingMessage
from tests.conftest import ADMIN_ID, VIEWER_ID
from tests.fakes.bot_api import FakeBotAPI


def delivered(telegram: FakeBotAPI, method: str = "sendMessage") -> list:
    return [c for c in telegram.calls_of(method) if c.answered_status == 200]


async def test_flood_wait_is_respected_and_nothing_is_lost_or_reordered(
        app: Application, telegram: FakeBotAPI) -> None:
    telegram.fail_next("sendMessage", status=429, retry_after=1)
    for i in range(5):
        await app.outbox.send(OutgoingMessage(chat_id=ADMIN_ID, text=f"event {i}"))
    assert await app.outbox.wait_idle(10)
    assert [c.text for c in delivered(telegram)] == [f"event {i}" for i in range(5)]
    first_try, retry = telegram.calls_of("sendMessage")[:2]
    assert first_try.answered_status == 429 and retry.text == "event 0"
    assert app.outbox.stats.flood_waits == 1
    assert await app.outbox.pending() == 0


async def test_server_errors_are_retried_with_backoff(app: Application, telegram: FakeBotAPI) -> None:
    app.outbox._base_backoff = 0.05  # keep the test quick; the policy is what is tested
    telegram.fail_next("sendMessage", status=502, times=3)
    await app.outbox.send(OutgoingMessage(chat_id=ADMIN_ID, text="<b>stop hit</b> BTC"))
    assert await app.outbox.wait_idle(10)
    statuses = [c.answered_status for c in telegram.calls_of("sendMessage")]
    assert statuses == [502, 502, 502, 200]
    assert app.outbox.stats.retries == 3
    assert delivered(telegram)[0].params["parse_mode"] == "HTML"


async def test_a_message_telegram_refuses_for_good_is_kept_as_failed_and_counted(
        app: Application, telegram: FakeBotAPI) -> None:
    telegram.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    await app.outbox.send(OutgoingMessage(chat_id=VIEWER_ID, text="report"))
    await app.outbox.send(OutgoingMessage(chat_id=ADMIN_ID, text="next one"))
    assert await app.outbox.wait_idle(10)
    assert [c.text for c in delivered(telegram)] == ["next one"]
    row = await app.db.fetch_one("SELECT chat_id, status, last_error FROM outbox")
    assert (row["chat_id"], row["status"]) == (VIEWER_ID, "failed")
    assert "blocked" in row["last_error"]
    assert b"signaldesk_outbox_failed 1.0" in await app.metrics.render()


async def test_long_text_is_split_under_the_limit_with_the_keyboard_on_the_last_piece(
        app: Application, telegram: FakeBotAPI) -> None:
    lines = [f"<b>#{i}</b> BTC/USDT long 30000 → 31000 &amp; more" for i in range(400)]
    keyboard = {"inline_keyboard": [[{"text": "Close", "callback_data": "x"}]]}
    await app.outbox.send(OutgoingMessage(chat_id=ADMIN_ID, text="\n".join(lines),
                                          reply_markup=keyboard))
    assert await app.outbox.wait_idle(10)
    pieces = delivered(telegram)
    assert len(pieces) >= 4
    assert all(len(p.text) <= MESSAGE_LIMIT for p in pieces)
    assert "\n".join(p.text for p in pieces) == "\n".join(lines)
    assert [("reply_markup" in p.params) for p in pieces] == [False] * (len(pieces) - 1) + [True]


async def test_a_photo_with_a_long_caption_goes_first_and_the_rest_follows_as_text(
        app: Application, telegram: FakeBotAPI) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    caption = "Daily report\n" + "\n".join(f"line {i}" for i in range(300))
    await app.outbox.send(OutgoingMessage(chat_id=ADMIN_ID, kind="photo", text=caption,
                                          file_name="equity.png", file_content=png))
    assert await app.outbox.wait_idle(10)
    photo = delivered(telegram, "sendPhoto")[0]
    assert photo.files["photo"].content == png and photo.files["photo"].filename == "equity.png"
    assert len(photo.params["caption"]) <= 1024
    rest = delivered(telegram)
    assert photo.params["caption"] + "\n" + "\n".join(r.text for r in rest) == caption


async def test_queued_messages_survive_a_restart(
        app: Application, telegram: FakeBotAPI, make_settings, start_app) -> None:
    telegram.fail_next("sendMessage", status=502, times=1000)
    await app.outbox.send(OutgoingMessage(chat_id=ADMIN_ID, text="position closed +12.5 USDT"))
    await telegram.wait_for_call("sendMessage")
    await app.stop()
    assert delivered(telegram) == []
    telegram._failures.clear()
    restarted = await start_app(make_settings())
    assert await restarted.outbox.wait_idle(10)
    assert [c.text for c in delivered(telegram)] == ["position closed +12.5 USDT"]


async def test_an_edit_goes_to_the_remembered_message_or_arrives_as_a_new_one(
        app: Application, telegram: FakeBotAPI) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Approve", "callback_data": "x"}]]}
    await app.outbox.send(OutgoingMessage(chat_id=ADMIN_ID, text="card v1", ref="card:1",
                                          reply_markup=keyboard))
    await app.outbox.send(OutgoingMessage(chat_id=ADMIN_ID, text="card v2", ref="card:1",
                                          replaces="card:1", reply_markup=keyboard))
    await app.outbox.send(OutgoingMessage(chat_id=ADMIN_ID, text="card v2",
                                          replaces="card:1", reply_markup=keyboard))
    # Nothing was ever sent under card:2: the edit arrives as a message of its own.
    await app.outbox.send(OutgoingMessage(chat_id=ADMIN_ID, text="expired 2", replaces="card:2"))
    assert await app.outbox.wait_idle(10)
    [card] = [c for c in delivered(telegram) if c.text == "card v1"]
    edits = telegram.calls_of("editMessageText")
    assert [e.params["message_id"] for e in edits] == [card.result["message_id"]] * 2
    assert edits[0].answered_status == 200  # the second: "not modified", taken as done
    assert [c.text for c in delivered(telegram)] == ["card v1", "expired 2"]

    # The message is gone (deleted in the chat): the edit is sent as a new message.
    del telegram.messages[(ADMIN_ID, card.result["message_id"])]
    await app.outbox.send(OutgoingMessage(chat_id=ADMIN_ID, text="expired 1",
                                          replaces="card:1"))
    assert await app.outbox.wait_idle(10)
    assert [c.text for c in delivered(telegram)][-1] == "expired 1"
    assert await app.outbox.pending() == 0 and app.outbox.stats.failed == 0


async def test_a_burst_of_notifications_through_429s_loses_nothing_and_keeps_order(
        app: Application, telegram: FakeBotAPI) -> None:
    from services.scheduler import JobFailed

    app.outbox._min_interval = 0  # as fast as Telegram lets it
    telegram.fail_next("sendMessage", status=429, retry_after=1, times=2)
    for i in range(40):  # events from the engine, rendered by the notifier
        await app.events.publish(JobFailed(f"job{i:02d}", "boom"))
    assert await app.outbox.wait_idle(20)
    texts = [c.text for c in delivered(telegram)]
    assert len(texts) == 40
    assert [t.split(" job", 2)[-1][:2] for t in texts] == [f"{i:02d}" for i in range(40)]
    assert app.outbox.stats.flood_waits == 2 and await app.outbox.pending() == 0
