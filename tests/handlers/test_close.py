"""/close, /closeall and /stop through the real app: a confirmation first, Yes acts once and
edits the confirmation in place with the outcome; viewers and strangers are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import partial

from bot.app import Application
from handlers.closing import close_outcome
from services.control import TradingState
from services.trading.closing import CloseResult
from storage.positions import PositionRow
from tests.conftest import ADMIN, ADMIN_ID, STRANGER, VIEWER, say
from tests.fakes.bot_api import ApiCall, FakeBotAPI
from tests.fakes.telegram_objects import channel_post_update, message_update
from tests.handlers.test_positions import (
    BARE,
    BTC,
    ETH_SHORT,
    buttons,
    drained,
    follow_auto,
    notice,
    open_two,
    post_signal,
    press,
    refusals,
    wait_until,
)


async def position(app: Application, position_id: int) -> PositionRow:
    row = await app.engine._positions.get(position_id)
    assert row is not None
    return row


async def confirm(telegram: FakeBotAPI, text: str) -> ApiCall:
    return await say(telegram, ADMIN, text)


async def yes(telegram: FakeBotAPI, question: ApiCall, data: str) -> tuple[ApiCall, ApiCall]:
    """Press Yes on a confirmation; return (the edit of it, the answer to the press)."""
    message_id = question.result["message_id"]
    before = len(telegram.calls_of("editMessageText"))
    answer = await press(telegram, ADMIN, ADMIN_ID, message_id, data)
    edit = await telegram.wait_for_call("editMessageText", count=before + 1)
    assert edit.params["message_id"] == message_id and "reply_markup" not in edit.params
    return edit, answer


async def test_close_asks_then_closes_and_edits_the_confirmation(
        app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    question = await confirm(telegram, "/close 1")
    assert question.text.startswith("Close #1 <b>BTC/USDT:USDT</b> LONG ×10 at market?\nNow 30200")
    assert buttons(question) == ["close:1:yes", "close:1:no"]
    assert (await position(app, 1)).status == "open"  # nothing before Yes

    edit, _answer = await yes(telegram, question, "close:1:yes")
    assert edit.text.startswith("✅ Closed #1 <b>BTC/USDT:USDT</b> LONG ×10 (manual close): "
                                "net PnL <b>")
    p = await position(app, 1)
    assert p.status == "closed" and p.reason == "manual" and p.remaining == 0
    closed = await notice(telegram, "<b>Closed</b>")
    assert "#1 <b>BTC/USDT:USDT</b> LONG ×10: manual close\nNet PnL <b>" in closed.text
    rows = await app.db.fetch_all("SELECT outcome FROM audit_log WHERE action = 'close'")
    assert [r[0] for r in rows] == ["closed"]


async def test_a_second_press_is_answered_and_never_acted_on_twice(
        app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    question = await confirm(telegram, "/close 1")
    as_sent = dict(telegram.messages[(ADMIN_ID, question.result["message_id"])])
    await yes(telegram, question, "close:1:yes")
    await drained(app)
    edits = len(telegram.calls_of("editMessageText"))

    # The same message pressed again (its keyboard is gone) and a tap that arrived with the
    # keyboard still on it: both are answered, neither closes anything again.
    again = await press(telegram, ADMIN, ADMIN_ID, question.result["message_id"], "close:1:yes")
    assert "nothing was done twice" in again.params["text"]
    twin = await press(telegram, ADMIN, ADMIN_ID, 0, "close:1:yes", message=as_sent)
    assert "nothing was done twice" in twin.params["text"]
    assert len(telegram.calls_of("editMessageText")) == edits
    rows = await app.db.fetch_all("SELECT outcome FROM audit_log WHERE action = 'close'")
    assert [r[0] for r in rows] == ["closed"]
    legs = await app.db.fetch_all("SELECT leg FROM position_orders WHERE position_id = 1 "
                                  "AND leg LIKE 'close%'")
    assert len(legs) == 1

    # A new /close of a closed position does not even ask.
    reply = await confirm(telegram, "/close 1")
    assert reply.text == ("#1 <b>BTC/USDT:USDT</b> LONG ×10 is already closed (manual close).")
    assert "reply_markup" not in reply.params


async def test_yes_on_a_position_closed_meanwhile_says_nothing_was_done(
        app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    first = await confirm(telegram, "/close 1")
    second = await confirm(telegram, "/close 1")
    await yes(telegram, first, "close:1:yes")
    edit, answer = await yes(telegram, second, "close:1:yes")
    assert edit.text.startswith("ℹ️ #1 <b>BTC/USDT:USDT</b> LONG ×10 was already closed — "
                                "nothing was done. Manual close, net PnL ")
    assert answer.params["text"] == "It was already closed — nothing was done twice."


async def test_cancel_leaves_the_position_alone(app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    question = await confirm(telegram, "/close 1")
    await press(telegram, ADMIN, ADMIN_ID, question.result["message_id"], "close:1:no")
    edit = await telegram.wait_for_call("editMessageText")
    assert edit.text == "Cancelled — nothing was done."
    assert (await position(app, 1)).status == "open"


async def test_closing_a_waiting_entry_cancels_it(app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    question = await confirm(telegram, "/close 2")
    assert question.text.startswith("Cancel the waiting entry of #2 <b>ETH/USDT:USDT</b>")
    edit, _answer = await yes(telegram, question, "close:2:yes")
    assert edit.text == ("✖️ Entry of #2 <b>ETH/USDT:USDT</b> LONG ×5 cancelled: "
                         "nothing was traded.")
    p = await position(app, 2)
    assert p.status == "closed" and p.reason == "cancelled"
    notified = await notice(telegram, "nothing was traded.")
    assert notified.text == ("✖️ #2 <b>ETH/USDT:USDT</b> LONG ×5: entry cancelled, "
                             "nothing was traded.")


async def test_the_close_button_under_positions_asks_first(
        app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    page = await say(telegram, ADMIN, "/positions")
    await press(telegram, ADMIN, ADMIN_ID, page.result["message_id"], "close:1:ask")
    question = await telegram.wait_for_call(
        "sendMessage", lambda c: c.text.startswith("Close #1 "))
    assert buttons(question) == ["close:1:yes", "close:1:no"]
    assert (await position(app, 1)).status == "open"


async def test_viewers_and_strangers_cannot_close(app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    assert "Only admins" in (await say(telegram, VIEWER, "/close 1")).text
    question = await confirm(telegram, "/close 1")
    # The press is answered (the spinner stops) and audited; the refusal was told once above.
    await press(telegram, VIEWER, ADMIN_ID, question.result["message_id"], "close:1:yes")
    await wait_until(lambda: refusals(app, "close:1:yes"))
    stranger = await press(telegram, STRANGER, ADMIN_ID, question.result["message_id"],
                           "halt:closeall:yes")
    assert "private trading bot" in stranger.params["text"]
    assert (await position(app, 1)).status == "open"
    assert (await app.control.state()).state is TradingState.RUNNING
    for command in ("/closeall", "/stop"):  # refused and audited (told once a minute)
        telegram.push_update(message_update(VIEWER, command))
        await wait_until(partial(refusals, app, command))
    assert (await app.control.state()).state is TradingState.RUNNING


async def test_close_with_bad_arguments_answers_with_the_usage(
        app: Application, telegram: FakeBotAPI) -> None:
    for text in ("/close", "/close abc", "/close -3"):
        reply = await confirm(telegram, text)
        assert reply.text == "Usage: /close &lt;id&gt; — the ids are in /positions."
    assert (await confirm(telegram, "/close 999999")).text == (
        "There is no position #999999. /positions lists them.")


async def test_stop_halts_entries_and_cancels_waiting_ones(
        app: Application, telegram: FakeBotAPI) -> None:
    await open_two(app, telegram)
    question = await confirm(telegram, "/stop")
    assert question.text.startswith("Stop new entries and cancel every entry still waiting")
    assert buttons(question) == ["halt:stop:yes", "halt:stop:no"]
    edit, _answer = await yes(telegram, question, "halt:stop:yes")
    assert edit.text == ("⏹ Stopped by Ann: no new entries until /resume.\n"
                         "Waiting entries cancelled: 1.")
    assert (await app.control.state()).state is TradingState.STOPPED
    assert (await position(app, 1)).status == "open"  # keeps its stop and targets
    assert (await position(app, 2)).reason == "cancelled"
    await drained(app)

    again = await press(telegram, ADMIN, ADMIN_ID, question.result["message_id"],
                        "halt:stop:yes")
    assert "nothing was done twice" in again.params["text"]
    assert "Resumed" in (await say(telegram, ADMIN, "/resume")).text
    assert (await app.control.state()).state is TradingState.RUNNING


async def test_closeall_closes_everything_and_says_how_many(
        app: Application, telegram: FakeBotAPI) -> None:
    await say(telegram, ADMIN, "/set risk.one_position_per_symbol off")
    await open_two(app, telegram)
    await post_signal(telegram, ETH_SHORT, 3)
    question = await confirm(telegram, "/closeall")
    assert question.text.startswith("Close ALL 3 active positions at market")
    edit, _answer = await yes(telegram, question, "halt:closeall:yes")
    assert edit.text.startswith("⏹ Stopped by Ann: no new entries until /resume.\n"
                                "Closed: 3 · failed: 0 · net PnL of those closed: <b>")
    for pid in (1, 2, 3):
        assert (await position(app, pid)).status == "closed"
    assert [(await position(app, pid)).reason for pid in (1, 3)] == ["close_all", "close_all"]
    assert (await app.control.state()).state is TradingState.STOPPED
    await notice(telegram, "close-all\nNet PnL")
    await drained(app)

    second = await confirm(telegram, "/closeall")
    assert second.text.startswith("Stop new entries? There are no positions to close.")
    edit, _answer = await yes(telegram, second, "halt:closeall:yes")
    assert edit.text == ("⏹ Already stopped: no new entries until /resume.\n"
                         "There was nothing to close.")


async def test_a_stopped_bot_takes_no_new_signal(app: Application, telegram: FakeBotAPI) -> None:
    await follow_auto(app, telegram)
    await yes(telegram, await confirm(telegram, "/stop"), "halt:stop:yes")
    telegram.push_update(channel_post_update(BARE, BTC, message_id=9))
    skipped = await notice(telegram, "Not traded")
    assert "#1" in skipped.text
    assert (await position(app, 1)).status == "skipped"


async def test_a_failed_close_reads_in_words(app: Application) -> None:
    now = datetime(2026, 1, 5, tzinfo=UTC)
    row = PositionRow(id=4, signal_id=None, channel_id=1, symbol="BTC/USDT:USDT", side="long",
                      market_kind="futures", status="open", reason=None, leverage=10,
                      margin=Decimal(20), planned_amount=Decimal("0.006"), entry_type="zone",
                      entry_prices=(), targets=(), stop_loss=None,
                      filled_amount=Decimal("0.006"), average_entry=Decimal(30200),
                      realized_pnl=Decimal(0), fees=Decimal(0), created_at=now, updated_at=now,
                      opened_at=now, closed_at=None, approval_expires_at=None, decided_by=None,
                      decided_at=None)
    reason = ("the exchange did not confirm the cancel of its orders; nothing was sold — "
              "try again")
    with app.i18n.context():
        with app.i18n.use_locale("en"):
            text = close_outcome(CloseResult("failed", row, reason), 4)
        assert text == f"⚠️ Could not close #4 <b>BTC/USDT:USDT</b> LONG ×10: {reason}"
        with app.i18n.use_locale("ru"):
            text = close_outcome(CloseResult("failed", row, reason), 4)
        assert text.startswith("⚠️ Не удалось закрыть #4") and "биржа не подтвердила" in text
