"""/pnl, /pnl_week, /daily [n], /weekly [n], /monthly [n] and /stats [channel]: profit per
period and trade statistics, a few short lines each, readable on a phone."""

from __future__ import annotations

import html
from decimal import ROUND_HALF_UP, Decimal

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.commands import command
from handlers.position_text import money
from handlers.ui import answer_long, format_duration
from services.channels import ChannelService
from services.performance import Performance, StatsReport
from services.periods import PeriodKind, PeriodPnl
from services.stats import TradeStats

# /daily, /weekly, /monthly: (period kind, default count, largest count)
PERIODS: dict[str, tuple[PeriodKind, int, int]] = {
    "daily": ("day", 7, 90), "weekly": ("week", 4, 52), "monthly": ("month", 3, 24)}


def signed(value: Decimal) -> str:
    """+1 234.50 / −12.00 / 0.00: the sign a trader scans for first."""
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "+" if rounded > 0 else "−" if rounded < 0 else ""
    return sign + money(abs(rounded))


def percent(value: Decimal, places: int = 1, *, sign: bool = False) -> str:
    """A percentage (1.2 is 1.2 %): "1.2 %", with sign "+1.2 %" / "−1.2 %"."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    mark = ("+" if rounded > 0 else "−" if rounded < 0 else "") if sign else (
        "−" if rounded < 0 else "")
    return f"{mark}{abs(rounded)} %"


def period_label(p: PeriodPnl) -> str:
    if p.kind == "month":
        return p.first_day.strftime("%Y-%m")
    return p.first_day.isoformat()


def share(p: PeriodPnl) -> str:
    """"+0.12 % of 10 000.00" — of the equity the period started with, when known."""
    if p.equity_return is None or p.starting_equity is None:
        return ""
    return _("{pct} of {equity}").format(pct=percent(p.equity_return * 100, 2, sign=True),
                                        equity=money(p.starting_equity))


def trades_line(trades: int, wins: int, losses: int) -> str:
    return _("Trades: {count} (won {wins}, lost {losses})").format(count=trades, wins=wins,
                                                                  losses=losses)


def current_text(p: PeriodPnl, tz: str, quote: str) -> str:
    """/pnl and /pnl_week: the period now running."""
    if p.kind == "day":
        head = _("<b>PnL today</b> · {day} ({tz})").format(day=period_label(p), tz=tz)
    else:
        head = _("<b>PnL this week</b> · from {day} ({tz})").format(day=period_label(p), tz=tz)
    if not p.trades:
        return head + "\n" + _("No trades closed yet in this period.")
    total = f"<b>{signed(p.net_pnl)} {quote}</b>"
    if share(p):
        total += " · " + share(p)
    return "\n".join([head, total, trades_line(p.trades, p.wins, p.losses)])


def periods_text(periods: list[PeriodPnl], tz: str, quote: str) -> str:
    """/daily, /weekly, /monthly: one line per period, oldest first, then the total."""
    count, kind = len(periods), periods[0].kind
    heads = {"day": _("<b>Daily PnL</b>, last {n} days ({tz})"),
             "week": _("<b>Weekly PnL</b>, last {n} weeks ({tz}, from Monday)"),
             "month": _("<b>Monthly PnL</b>, last {n} months ({tz})")}
    head = heads[kind].format(n=count, tz=tz)
    traded = [p for p in periods if p.trades]
    if not traded:
        return head + "\n" + _("No trades closed in these periods.")
    lines = [head]
    for p in periods:
        if not p.trades:
            lines.append(f"<code>{period_label(p)}</code>  —")
            continue
        parts = [f"<b>{signed(p.net_pnl)}</b>"]
        if p.equity_return is not None:
            parts.append(percent(p.equity_return * 100, 2, sign=True))
        parts.append(_("trades: {count}").format(count=p.trades))
        lines.append(f"<code>{period_label(p)}</code>  " + " · ".join(parts))
    net = sum((p.net_pnl for p in periods), Decimal(0))
    lines.append(_("Total: <b>{pnl} {quote}</b>").format(pnl=signed(net), quote=quote))
    lines.append(trades_line(sum(p.trades for p in periods), sum(p.wins for p in periods),
                             sum(p.losses for p in periods)))
    return "\n".join(lines)


def optional(value: Decimal | None, show: str = "{:.2f}") -> str:
    return show.format(value) if value is not None else "—"


def profit_factor(s: TradeStats) -> str:
    if s.profit_factor is not None:
        return f"{s.profit_factor:.2f}"
    return "∞" if s.gross_profit > 0 else "—"


def drawdown(s: TradeStats) -> str:
    text = money(s.max_drawdown)
    if s.max_drawdown_ratio is not None:
        text += f" ({percent(s.max_drawdown_ratio * 100)})"
    return text


def win_rate(s: TradeStats) -> str:
    return percent(s.win_rate * 100) if s.win_rate is not None else "—"


def totals_block(s: TradeStats, quote: str) -> list[str]:
    best = signed(s.best.net_pnl) if s.best else "—"
    worst = signed(s.worst.net_pnl) if s.worst else "—"
    return [
        trades_line(s.trades, s.wins, s.losses),
        _("Net: <b>{pnl} {quote}</b>").format(pnl=signed(s.net_profit), quote=quote),
        _("Win rate {rate} · profit factor {pf}").format(rate=win_rate(s), pf=profit_factor(s)),
        _("Expectancy {exp} per trade · Sharpe {sharpe}").format(
            exp=signed(s.expectancy) if s.expectancy is not None else "—",
            sharpe=optional(s.sharpe)),
        _("Max drawdown {dd}").format(dd=drawdown(s)),
        _("Best {best} · worst {worst}").format(best=best, worst=worst),
        _("Average win {win} · average loss {loss}").format(
            win=signed(s.average_win) if s.average_win is not None else "—",
            loss=signed(s.average_loss) if s.average_loss is not None else "—"),
        _("Average duration {duration}").format(
            duration=format_duration(s.average_duration.total_seconds())
            if s.average_duration is not None else "—"),
    ]


def channel_block(name: str, s: TradeStats) -> list[str]:
    best = signed(s.best.net_pnl) if s.best else "—"
    worst = signed(s.worst.net_pnl) if s.worst else "—"
    average = signed(s.expectancy) if s.expectancy is not None else "—"
    duration = (format_duration(s.average_duration.total_seconds())
                if s.average_duration is not None else "—")
    return [
        _("<b>{channel}</b> · trades: {count} · won {rate} · net <b>{pnl}</b>").format(
            channel=html.escape(name), count=s.trades, rate=win_rate(s), pnl=signed(s.net_profit)),
        _("PF {pf} · expectancy {exp} · Sharpe {sharpe} · max DD {dd}").format(
            pf=profit_factor(s), exp=average, sharpe=optional(s.sharpe), dd=drawdown(s)),
        _("best {best} · worst {worst} · average {average} · {duration}").format(
            best=best, worst=worst, average=average, duration=duration),
    ]


def stats_text(report: StatsReport, quote: str, channel: str | None = None) -> str:
    total = report.stats.total
    if not total.trades:
        if channel is not None:
            return _("No closed trades from {channel} yet.").format(channel=html.escape(channel))
        return _("No closed trades yet: statistics appear once the first trade closes.")
    head = (_("<b>Statistics</b> · {channel}").format(channel=html.escape(channel))
            if channel is not None else _("<b>Statistics</b> · all channels"))
    lines = [head, *totals_block(total, quote)]
    if report.starting_equity is not None:
        lines.append(_("Drawdowns measured from a starting equity of {equity}").format(
            equity=money(report.starting_equity)))
    if channel is None:
        for channel_id, stats in report.stats.channels.items():
            lines.append("")
            lines.extend(channel_block(report.names[channel_id], stats))
    return "\n".join(lines)


def parse_count(args: str | None, default: int, largest: int) -> int | None:
    """The [n] of /daily, /weekly, /monthly; None when it is not a number in range."""
    text = (args or "").strip()
    if not text:
        return default
    return int(text) if text.isdigit() and 1 <= int(text) <= largest else None


async def pnl_today(message: Message, performance: Performance) -> None:
    [today] = await performance.pnl("day", 1)
    await message.answer(current_text(today, performance.tz.key, performance.quote))


async def pnl_week(message: Message, performance: Performance) -> None:
    [week] = await performance.pnl("week", 1)
    await message.answer(current_text(week, performance.tz.key, performance.quote))


async def pnl_periods(message: Message, command: CommandObject,
                      performance: Performance) -> None:
    kind, default, largest = PERIODS[command.command.lower()]
    count = parse_count(command.args, default, largest)
    if count is None:
        await message.answer(_("Usage: /{command} [n] — n from 1 to {max} (default {default}).")
                             .format(command=command.command.lower(), max=largest,
                                     default=default))
        return
    periods = await performance.pnl(kind, count)
    await answer_long(message, periods_text(periods, performance.tz.key, performance.quote))


async def stats(message: Message, command: CommandObject, performance: Performance,
                channel_service: ChannelService) -> None:
    arg = (command.args or "").strip()
    if arg:
        channel = await channel_service.find(arg)
        report = await performance.stats(channel.channel_id)
        text = stats_text(report, performance.quote, channel=channel.name)
    else:
        text = stats_text(await performance.stats(), performance.quote)
    await answer_long(message, text)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(pnl_today, command("pnl"))
    router.message.register(pnl_week, command("pnl_week"))
    for name in PERIODS:
        router.message.register(pnl_periods, command(name))
    router.message.register(stats, command("stats"))
    return router
