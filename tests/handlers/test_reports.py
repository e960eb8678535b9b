"""The daily report and the weekly summary through the real app and the fake Bot API: the
scheduled job fires at the local time on a DST day and the admin gets the text and both
charts, the day is cut at local midnight, /report and its choices, Russian, and roles."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import time_machine

from bot.app import Application
from bot.settings import Settings
from tests.conftest import ADMIN, ADMIN_ID, ADMIN_RU, STRANGER, VIEWER, say
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.telegram_objects import message_update
from tests.handlers.test_performance import (
    BETA,
    channels,
    known_trades,
    png_size,
    settle,
    today,
    trade,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


async def photos_after(telegram: FakeBotAPI, before: int, count: int = 2) -> list[str]:
    """The captions of the next `count` photos; each a 1200×700 PNG."""
    calls = telegram.calls_of("sendPhoto")
    await telegram.wait_for_call("sendPhoto", count=before + count, timeout=20)
    calls = telegram.calls_of("sendPhoto")[before:before + count]
    for call in calls:
        assert png_size(call.files["photo"].content) == (1200, 700)
    return [c.text for c in calls]


async def test_the_daily_report_fires_at_21_00_berlin_on_the_dst_day_with_its_charts(
        make_settings: Callable[..., Settings], telegram: FakeBotAPI,
        start_app: Callable[[Settings], Awaitable[Application]]) -> None:
    # 29 March 2026: the clocks go from CET to CEST at 02:00, so the local day is 23 hours
    # long — from 23:00 UTC on the 28th to 22:00 UTC on the 29th — and 21:00 is 19:00 UTC.
    with time_machine.travel(utc(2026, 3, 29, 18, 59, 50), tick=True) as clock:
        app = await start_app(make_settings(reports={"timezone": "Europe/Berlin"}))
        jobs = {j.name: j for j in app.scheduler.jobs()}
        assert jobs["daily_report"].next_run_at == utc(2026, 3, 29, 19)
        # Sunday 20:00 CEST was an hour ago: the next weekly summary is a week away.
        assert jobs["weekly_report"].next_run_at == utc(2026, 4, 5, 18)
        await say(telegram, ADMIN, "/start")  # the admin is known (language en)
        await channels(app)
        await trade(app, pnl="500", closed=utc(2026, 3, 28, 22, 59))  # 23:59 on the 28th
        await trade(app, pnl="40", closed=utc(2026, 3, 28, 23, 0))  # local midnight
        await trade(app, channel=BETA, pnl="-15", fees="1", closed=utc(2026, 3, 29, 17))
        sent = len(telegram.calls_of("sendMessage"))
        photos = len(telegram.calls_of("sendPhoto"))

        clock.move_to(utc(2026, 3, 29, 19, 0, 0))
        app.scheduler.wakeup()
        call = await telegram.wait_for_call(
            "sendMessage", lambda c: "Daily report" in c.text, count=1, timeout=20)
        await photos_after(telegram, photos)
        [job] = [j for j in app.scheduler.jobs() if j.name == "daily_report"]
        await app.scheduler.shutdown()  # before the clock jumps back to today
    assert call.params["chat_id"] == ADMIN_ID
    assert len(telegram.calls_of("sendMessage")) > sent
    lines = call.text.splitlines()
    assert lines[0] == "📋 <b>Daily report</b> · 2026-03-29 (Europe/Berlin) · so far"
    assert lines[1] == "<b>+24.00 USDT</b> · +0.24 % of 10 000.00"  # opened today
    assert lines[2] == "Trades: 2 (won 1, lost 1) · win rate 50.0 %"
    assert lines[3] == ("Best +40.00 (BTC/USDT:USDT long, @alpha) · "
                        "worst −16.00 (BTC/USDT:USDT long, Beta Signals)")
    assert "<b>By channel</b>" in lines
    assert "@alpha: <b>+40.00</b> · trades: 1 · won 100.0 %" in lines
    assert "Beta Signals: <b>−16.00</b> · trades: 1 · won 0.0 %" in lines
    assert "No open positions." in lines and not any("Margin in use" in x for x in lines)
    assert any(line.endswith("Daily loss 0.0 % of 3 % (day started at 10 000.00)")
               for line in lines), lines
    assert await photos_after(telegram, photos) == ["📈 Equity, last 30 days",
                                                   "📊 Daily PnL, last 30 days"]
    assert job.runs == 1 and not job.failing
    assert job.next_run_at == utc(2026, 3, 30, 19)


async def test_report_today_yesterday_week_and_a_wrong_choice(
        app: Application, telegram: FakeBotAPI) -> None:
    await known_trades(app)  # four trades, closed three days ago
    midnight = today()
    await trade(app, pnl="12.5", closed=midnight - timedelta(hours=1))  # yesterday
    photos = len(telegram.calls_of("sendPhoto"))
    text = (await say(telegram, VIEWER, "/report")).text
    assert text.startswith(f"📋 <b>Daily report</b> · {midnight.date().isoformat()} (UTC) · "
                           "so far\nNo trades closed in this period.\n")
    assert "Best " not in text and "<b>By channel</b>" not in text
    assert "✅ No halts: new entries are allowed." in text
    assert await photos_after(telegram, photos) == ["📈 Equity, last 30 days",
                                                   "📊 Daily PnL, last 30 days"]

    yesterday = (await say(telegram, ADMIN, "/report  Yesterday")).text.splitlines()
    day = (midnight - timedelta(days=1)).date().isoformat()
    assert yesterday[0] == f"📋 <b>Daily report</b> · {day} (UTC)"  # finished: no "so far"
    assert yesterday[1] == "<b>+12.50 USDT</b>"  # no share: the paper account opened today
    assert yesterday[2] == "Trades: 1 (won 1, lost 0) · win rate 100.0 %"
    await photos_after(telegram, photos + 2)

    monday = midnight - timedelta(days=midnight.weekday())
    for choice in ("week", "last week"):
        week = (await say(telegram, ADMIN, f"/report {choice}")).text
        first = monday - timedelta(days=7 if choice == "last week" else 0)
        last = first + timedelta(days=6)
        assert week.startswith(f"📋 <b>Weekly summary</b> · {first.date().isoformat()} – "
                               f"{last.date().isoformat()} (UTC)")
        assert ("so far" in week.splitlines()[0]) == (choice == "week")
        assert "Trades: " in week or "No trades closed in this period." in week

    wrong = (await say(telegram, ADMIN, "/report month")).text
    assert wrong == "Usage: /report [yesterday|week|last week] — today by default."


async def test_the_weekly_summary_goes_to_each_admin_in_their_language(
        app: Application, telegram: FakeBotAPI) -> None:
    await channels(app)
    await trade(app, pnl="30", closed=datetime.now(UTC) - timedelta(minutes=5))
    await trade(app, channel=BETA, pnl="-10", closed=datetime.now(UTC) - timedelta(minutes=4))
    await say(telegram, ADMIN_RU, "/start")  # the admin now reads Russian
    photos = len(telegram.calls_of("sendPhoto"))
    await app.report_sender.weekly()
    call = await telegram.wait_for_call("sendMessage", lambda c: "Итоги недели" in c.text,
                                        count=1, timeout=20)
    assert call.params["chat_id"] == ADMIN_ID
    assert "<b>По каналам</b>" in call.text and "Traceback" not in call.text
    captions = await photos_after(telegram, photos)
    assert captions == ["📈 Капитал, последние дни: 30", "📊 PnL по дням, последние дни: 30"]
    # Queued through the outbox: nothing is left behind once delivered.
    for _ in range(100):
        if await app.outbox.pending() == 0:
            break
        await asyncio.sleep(0.05)
    assert await app.outbox.pending() == 0


async def test_open_positions_and_margin_show_in_the_report(
        app: Application, telegram: FakeBotAPI) -> None:
    from tests.handlers.test_positions import BTC, follow_auto, post_signal

    await follow_auto(app, telegram)
    assert "Opened" in (await post_signal(telegram, BTC, 1)).text
    text = (await say(telegram, ADMIN, "/report")).text
    assert "Positions: 1 open (" in text
    assert "Margin in use: " in text and " of equity " in text


async def test_strangers_get_no_report(app: Application, telegram: FakeBotAPI) -> None:
    await known_trades(app)
    reply = await say(telegram, STRANGER, "/report")
    assert "private trading bot" in reply.text
    telegram.push_update(message_update(STRANGER, "/report week"))
    await settle(telegram)
    assert telegram.calls_of("sendPhoto") == []
