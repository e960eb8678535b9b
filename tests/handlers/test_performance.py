"""/pnl, /pnl_week, /daily, /weekly, /monthly, /stats, /risk and /chart through the real app
and the fake Bot API: per role, with bad arguments, exact numbers for known trades, halts
with their reasons, and charts that arrive as PNG photos."""

from __future__ import annotations

import asyncio
import struct
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.app import Application
from storage.channels import ChannelRepository
from storage.positions import NewPosition, PositionRepository
from tests.conftest import ADMIN, ADMIN_RU, STRANGER, STRANGER_ID, VIEWER, say
from tests.fakes.bot_api import ApiCall, FakeBotAPI
from tests.fakes.telegram_objects import message_update

D = Decimal
ALPHA, BETA = -1001, -1002
COMMANDS = ("/pnl", "/pnl_week", "/daily", "/weekly", "/monthly", "/stats", "/risk")


def today() -> datetime:
    """Local midnight of today (the app's time zone is UTC)."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


async def channels(app: Application) -> None:
    repo = ChannelRepository(app.db)
    now = datetime.now(UTC)
    await repo.add(ALPHA, title="Alpha Calls", username="alpha", by=None, now=now)
    await repo.add(BETA, title="Beta Signals", username=None, by=None, now=now)


async def trade(app: Application, *, channel: int = ALPHA, pnl: str, fees: str = "0",
                closed: datetime, hours: float = 2, margin: str = "100") -> None:
    """A position the engine filled and closed, written through the positions repository."""
    positions = PositionRepository(app.db)
    opened = closed - timedelta(hours=hours)
    position_id = await positions.add(NewPosition(
        signal_id=None, channel_id=channel, symbol="BTC/USDT:USDT", side="long",
        market_kind="futures", status="waiting_entry", entry_type="single", margin=D(margin),
        leverage=5), now=opened)
    await positions.update(position_id, now=closed, status="closed", filled_amount=D("0.01"),
                           realized_pnl=D(pnl), fees=D(fees), opened_at=opened,
                           closed_at=closed, reason="tp")


async def known_trades(app: Application) -> None:
    """Alpha: +50, −20, +30 (after 1 fee); Beta: −10 — all closed days ago."""
    await channels(app)
    start = today() - timedelta(days=3)
    await trade(app, pnl="50", closed=start + timedelta(hours=2), hours=1)
    await trade(app, pnl="-20", closed=start + timedelta(hours=4), hours=3)
    await trade(app, pnl="31", fees="1", closed=start + timedelta(hours=6), hours=2)
    await trade(app, channel=BETA, pnl="-10", closed=start + timedelta(hours=8), hours=4)


async def photo(telegram: FakeBotAPI, sender: dict, text: str) -> ApiCall:
    before = len(telegram.calls_of("sendPhoto"))
    telegram.push_update(message_update(sender, text))
    return await telegram.wait_for_call("sendPhoto", count=before + 1, timeout=15)


async def settle(telegram: FakeBotAPI) -> None:
    """Wait until the bot has fetched every pushed update and finished handling it."""
    await telegram.wait_for_call("getUpdates", lambda c: True,
                                 count=len(telegram.calls_of("getUpdates")) + 2)
    await asyncio.sleep(0.2)


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", content[16:24])


async def test_pnl_today_with_exact_numbers_and_share_of_equity(
        app: Application, telegram: FakeBotAPI) -> None:
    await channels(app)
    midnight = today()
    await trade(app, pnl="100", closed=midnight)
    await trade(app, channel=BETA, pnl="-38", fees="2", closed=midnight + timedelta(seconds=1))
    await trade(app, pnl="26", fees="1", closed=midnight + timedelta(seconds=2))
    await trade(app, pnl="1000", closed=midnight - timedelta(seconds=1))  # yesterday
    reply = await say(telegram, ADMIN, "/pnl")
    assert reply.text == (f"<b>PnL today</b> · {midnight.date().isoformat()} (UTC)\n"
                          "<b>+85.00 USDT</b> · +0.85 % of 10 000.00\n"
                          "Trades: 3 (won 2, lost 1)")
    week = await say(telegram, VIEWER, "/pnl_week")
    assert week.text.startswith("<b>PnL this week</b> · from ")
    assert "Trades: " in week.text


async def test_an_empty_history_gets_a_friendly_line(app: Application,
                                                     telegram: FakeBotAPI) -> None:
    assert "No trades closed yet in this period." in (await say(telegram, VIEWER, "/pnl")).text
    assert "No trades closed in these periods." in (await say(telegram, VIEWER, "/daily")).text
    assert (await say(telegram, VIEWER, "/stats")).text == (
        "No closed trades yet: statistics appear once the first trade closes.")


async def test_daily_weekly_monthly_list_each_period_and_the_total(
        app: Application, telegram: FakeBotAPI) -> None:
    await known_trades(app)
    daily = await say(telegram, VIEWER, "/daily 5")
    lines = daily.text.split("\n")
    assert lines[0] == "<b>Daily PnL</b>, last 5 days (UTC)"
    day = (today() - timedelta(days=3)).date().isoformat()
    assert lines[1:6] == [
        f"<code>{(today() - timedelta(days=4)).date().isoformat()}</code>  —",
        f"<code>{day}</code>  <b>+50.00</b> · trades: 4",  # before the paper account: no %
        *(f"<code>{(today() - timedelta(days=n)).date().isoformat()}</code>  —"
          for n in (2, 1, 0))]
    assert lines[6:] == ["Total: <b>+50.00 USDT</b>", "Trades: 4 (won 2, lost 2)"]
    assert (await say(telegram, VIEWER, "/daily")).text.count("<code>") == 7
    weekly = await say(telegram, ADMIN, "/weekly 2")
    assert weekly.text.startswith("<b>Weekly PnL</b>, last 2 weeks (UTC, from Monday)")
    assert weekly.text.count("<code>") == 2
    monthly = await say(telegram, ADMIN, "/monthly")
    assert monthly.text.count("<code>") == 3 and "Total: <b>+50.00 USDT</b>" in monthly.text


async def test_bad_counts_get_one_line_of_usage(app: Application, telegram: FakeBotAPI) -> None:
    for text, usage in (("/daily abc", "Usage: /daily [n] — n from 1 to 90 (default 7)."),
                        ("/daily 0", "Usage: /daily [n] — n from 1 to 90 (default 7)."),
                        ("/weekly 53", "Usage: /weekly [n] — n from 1 to 52 (default 4)."),
                        ("/monthly -1", "Usage: /monthly [n] — n from 1 to 24 (default 3).")):
        assert (await say(telegram, VIEWER, text)).text == usage
    assert (await say(telegram, VIEWER, "/chart pie")).text == (
        "Usage: /chart [equity|daily|channels] — equity by default.")
    assert (await say(telegram, VIEWER, "/stats @nosuch")).text == (
        "@nosuch is not followed. /channels lists the followed ones.")


async def test_stats_totals_and_one_block_per_channel(app: Application,
                                                      telegram: FakeBotAPI) -> None:
    await known_trades(app)
    reply = await say(telegram, VIEWER, "/stats")
    assert reply.text == "\n".join([
        "<b>Statistics</b> · all channels",
        "Trades: 4 (won 2, lost 2)",
        "Net: <b>+50.00 USDT</b>",
        "Win rate 50.0 % · profit factor 2.67",
        "Expectancy +12.50 per trade · Sharpe 0.38",
        "Max drawdown 20.00 (0.2 %)",
        "Best +50.00 · worst −20.00",
        "Average win +40.00 · average loss −15.00",
        "Average duration 2h 30m",
        "Drawdowns measured from a starting equity of 10 000.00",
        "",
        "<b>Beta Signals</b> · trades: 1 · won 0.0 % · net <b>−10.00</b>",
        "PF 0.00 · expectancy −10.00 · Sharpe — · max DD 10.00 (0.1 %)",
        "best −10.00 · worst −10.00 · average −10.00 · 4h 0m",
        "",
        "<b>@alpha</b> · trades: 3 · won 66.7 % · net <b>+60.00</b>",
        "PF 4.00 · expectancy +20.00 · Sharpe 0.55 · max DD 20.00 (0.2 %)",
        "best +50.00 · worst −20.00 · average +20.00 · 2h 0m",
    ])
    one = await say(telegram, ADMIN, "/stats @alpha")
    assert one.text.startswith("<b>Statistics</b> · @alpha\nTrades: 3 (won 2, lost 1)")
    assert "Beta" not in one.text
    by_id = await say(telegram, ADMIN, f"/stats {BETA}")
    assert by_id.text.startswith("<b>Statistics</b> · Beta Signals\nTrades: 1 (won 0, lost 1)")


async def test_risk_shows_each_limit_with_its_use(app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, VIEWER, "/risk")
    assert reply.text == "\n".join([
        "<b>Risk</b> · equity 10 000.00 USDT",
        "✅ Daily loss 0.0 % of 3 % (day started at 10 000.00)",
        "✅ Drawdown 0.0 % of 15 % (peak 10 000.00)",
        "✅ Open positions 0 of 5",
        "✅ Largest position margin 0.0 % of 25 % of equity",
        "One position per symbol: on · a channel is switched off after 3 losses in a row",
        "",
        "✅ No halts: new entries are allowed.",
    ])


async def test_risk_shows_the_halt_reason_and_switched_off_channels(
        app: Application, telegram: FakeBotAPI) -> None:
    await channels(app)
    await say(telegram, ADMIN, "/set risk.channel_allocation_pct 2.5")
    await PositionRepository(app.db).add(NewPosition(
        signal_id=None, channel_id=BETA, symbol="ETH/USDT:USDT", side="long",
        market_kind="futures", status="open", entry_type="single", margin=D("240")),
        now=datetime.now(UTC))
    await app.control.halt("drawdown 16.0% from the peak reached the 15% limit")
    await ChannelRepository(app.db).set_enabled(ALPHA, False, datetime.now(UTC),
                                                reason="3 losing trades in a row")
    reply = await say(telegram, VIEWER, "/risk")
    assert "⛔ Drawdown 0.0 % of 15 % (peak 10 000.00)" in reply.text
    assert "✅ Open positions 1 of 5" in reply.text
    assert "⚠️ Beta Signals: margin 2.4 % of its 2.5 % allocation" in reply.text
    assert ("⛔ Halted by the risk limits: drawdown 16.0% from the peak reached the 15% limit "
            "— /resume when ready") in reply.text
    assert reply.text.endswith("<b>Channels switched off</b> (/channels to switch on):\n"
                               "⏸ @alpha — 3 losing trades in a row")
    await app.control.resume(1001, "admin")
    await app.control.pause(1001, "admin")
    assert "⏸ Paused by an admin" in (await say(telegram, VIEWER, "/risk")).text


async def test_charts_arrive_as_png_photos_even_without_data(
        app: Application, telegram: FakeBotAPI) -> None:
    for text, name, caption in (("/chart", "equity.png", "📈 Equity, last 30 days"),
                                ("/chart daily", "daily.png", "📊 Daily PnL, last 30 days"),
                                ("/chart Channels", "channels.png",
                                 "📊 Results by channel, all closed trades")):
        call = await photo(telegram, VIEWER, text)
        upload = call.files["photo"]
        assert upload.filename == name and call.text == caption
        assert png_size(upload.content) == (1200, 700)


async def test_charts_with_trades_and_in_russian(app: Application, telegram: FakeBotAPI) -> None:
    await known_trades(app)
    empty = (await photo(telegram, ADMIN, "/chart daily")).files["photo"].content
    drawn = (await photo(telegram, ADMIN_RU, "/chart daily")).files["photo"].content
    assert png_size(drawn) == (1200, 700) and drawn != empty
    call = await photo(telegram, ADMIN_RU, "/chart channels")
    assert call.text == "📊 Результаты по каналам, все закрытые сделки"
    assert png_size(call.files["photo"].content) == (1200, 700)


async def test_russian_replies(app: Application, telegram: FakeBotAPI) -> None:
    await known_trades(app)
    assert (await say(telegram, ADMIN_RU, "/pnl")).text.startswith("<b>PnL за сегодня</b>")
    stats = await say(telegram, ADMIN_RU, "/stats")
    assert stats.text.startswith("<b>Статистика</b> · все каналы\nСделок: 4 (прибыльных 2, "
                                 "убыточных 2)")
    assert (await say(telegram, ADMIN_RU, "/risk")).text.startswith("<b>Риск</b> · капитал")
    assert (await say(telegram, ADMIN_RU, "/daily x")).text.startswith("Использование: /daily")


async def test_strangers_are_refused_every_one_of_these(app: Application,
                                                        telegram: FakeBotAPI) -> None:
    await known_trades(app)
    reply = await say(telegram, STRANGER, "/stats")
    assert "private trading bot" in reply.text and "Trades" not in reply.text
    for text in (*COMMANDS, "/chart"):
        telegram.push_update(message_update(STRANGER, text))
    await settle(telegram)
    refused = await app.db.fetch_all(
        "SELECT COUNT(*) FROM audit_log WHERE actor_id = ? AND outcome = 'refused'",
        (STRANGER_ID,))
    assert refused[0][0] == 1 + len(COMMANDS) + 1
    assert [c for c in telegram.calls_of("sendPhoto")] == []
    stranger_texts = [c.text for c in telegram.calls_of("sendMessage")
                      if c.params["chat_id"] == STRANGER_ID]
    assert len(stranger_texts) == 1  # one refusal a minute, and never the numbers


async def test_viewers_and_admins_may_run_every_one_of_these(
        app: Application, telegram: FakeBotAPI) -> None:
    await known_trades(app)
    for sender in (VIEWER, ADMIN):
        for text in COMMANDS:
            reply = await say(telegram, sender, text)
            assert "Only admins" not in reply.text and "went wrong" not in reply.text, text
        assert png_size((await photo(telegram, sender, "/chart")).files["photo"].content)
