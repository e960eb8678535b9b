"""The daily report and the weekly summary: their text, `/report [yesterday|week|last week]`,
and the scheduled send to every admin — text first, then the equity and daily-PnL charts,
all through the send queue and each admin in their own language."""

from __future__ import annotations

import html
from datetime import timedelta

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from loguru import logger

from handlers.charts import caption, chart_png
from handlers.commands import command, usage_of
from handlers.performance import percent, share, signed, trades_line, win_rate
from handlers.position_text import money
from handlers.risk import halt_lines, limit_lines
from handlers.ui import answer_long
from services.access import AccessService
from services.outbox import Outbox, OutgoingMessage
from services.performance import Performance
from services.reports import Report, ReportKind, Reports
from services.runtime_config import RuntimeConfig
from services.stats import ClosedTrade

CHARTS = ("equity", "daily")  # attached to every report, in this order
# /report's argument → (period, how many periods back)
CHOICES: dict[str, tuple[ReportKind, int]] = {
    "": ("day", 0), "today": ("day", 0), "day": ("day", 0), "yesterday": ("day", 1),
    "week": ("week", 0), "lastweek": ("week", 1), "last week": ("week", 1)}


def head(r: Report, tz: str) -> str:
    first = r.period.first_day
    if r.kind == "day":
        text = _("📋 <b>Daily report</b> · {day} ({tz})").format(day=first.isoformat(), tz=tz)
    else:
        last = first + timedelta(days=6)
        text = _("📋 <b>Weekly summary</b> · {first} – {last} ({tz})").format(
            first=first.isoformat(), last=last.isoformat(), tz=tz)
    return text if r.finished else text + " · " + _("so far")


def trade_name(t: ClosedTrade, channel: str) -> str:
    side = _("long") if t.side == "long" else _("short")
    return f"{html.escape(t.symbol)} {side}, {html.escape(channel)}"


def result_lines(r: Report, names: dict[int, str]) -> list[str]:
    s = r.stats
    if not s.trades:
        return [_("No trades closed in this period.")]
    total = f"<b>{signed(s.net_profit)} {r.quote}</b>"
    if share(r.period):
        total += " · " + share(r.period)
    lines = [total, trades_line(s.trades, s.wins, s.losses) + " · "
             + _("win rate {rate}").format(rate=win_rate(s))]
    if s.best is not None and s.worst is not None and s.trades > 1:
        lines.append(_("Best {best} ({best_trade}) · worst {worst} ({worst_trade})").format(
            best=signed(s.best.net_pnl), best_trade=trade_name(s.best, names[s.best.channel_id]),
            worst=signed(s.worst.net_pnl),
            worst_trade=trade_name(s.worst, names[s.worst.channel_id])))
    return lines


def channel_lines(r: Report) -> list[str]:
    if not r.stats.trades:
        return []
    lines = ["", _("<b>By channel</b>")]
    for c in r.channels:
        lines.append(_("{channel}: <b>{pnl}</b> · trades: {count} · won {rate}").format(
            channel=html.escape(c.name), pnl=signed(c.stats.net_profit), count=c.stats.trades,
            rate=win_rate(c.stats)))
    return lines


def account_lines(r: Report) -> list[str]:
    e = r.exposure
    lines = ["", _("<b>Now</b>")]
    if not (e.open or e.waiting):
        lines.append(_("No open positions."))
    else:
        lines.append(_("Positions: {open} open ({pnl} {quote} unrealised), {waiting} waiting")
                     .format(open=e.open, pnl=signed(e.unrealized_pnl), quote=r.quote,
                             waiting=e.waiting))
    in_use = r.margin_in_use_pct
    if (e.open or e.waiting) and r.risk.equity_known and in_use is not None:
        lines.append(_("Margin in use: {margin} {quote} ({pct} of equity {equity})").format(
            margin=money(e.margin), quote=r.quote, pct=percent(in_use),
            equity=money(r.risk.equity)))
    lines.extend(limit_lines(r.risk))
    lines.extend(halt_lines(r.risk) or [_("✅ No halts: new entries are allowed.")])
    return lines


def report_text(r: Report, names: dict[int, str]) -> str:
    """The whole report; `names` maps the channel ids of the best and worst trades."""
    tz = r.risk.tz.key
    return "\n".join([head(r, tz), *result_lines(r, names), *channel_lines(r),
                      *account_lines(r)])


async def report_names(r: Report, performance: Performance) -> dict[int, str]:
    ids = {t.channel_id for t in (r.stats.best, r.stats.worst) if t is not None}
    return await performance.channel_names(ids)


async def report(message: Message, command: CommandObject, reports: Reports,
                 performance: Performance) -> None:
    choice = " ".join((command.args or "").lower().split())
    if choice not in CHOICES:
        await message.answer(_("Usage: {usage} — today by default.").format(
            usage=html.escape(usage_of("report"))))
        return
    kind, ago = CHOICES[choice]
    built = await reports.build(kind, ago)
    await answer_long(message, report_text(built, await report_names(built, performance)))
    for chart in CHARTS:
        png = await chart_png(chart, performance)
        await message.answer_photo(BufferedInputFile(png, filename=f"{chart}.png"),
                                   caption=caption(chart))


class ReportSender:
    """The scheduled reports: built once, rendered per admin language, queued for sending."""

    def __init__(self, *, reports: Reports, performance: Performance, access: AccessService,
                 outbox: Outbox, i18n: I18n, config: RuntimeConfig | None = None) -> None:
        self._reports = reports
        self._performance = performance
        self._access = access
        self._outbox = outbox
        self._i18n = i18n
        self._config = config

    async def daily(self) -> None:
        await self.send("day")

    async def weekly(self) -> None:
        await self.send("week")

    async def send(self, kind: ReportKind) -> None:
        level = await self._config.get("notify.reports") if self._config else "on"
        if level == "off":
            logger.info("{} report not sent: notify.reports is off", kind)
            return
        built = await self._reports.build(kind)
        names = await report_names(built, self._performance)
        rendered: dict[str, list[OutgoingMessage]] = {}  # per language, charts drawn once
        admins = await self._access.admins()
        for admin in admins:
            if admin.language not in rendered:
                rendered[admin.language] = await self._render(built, names, admin.language)
            for message in rendered[admin.language]:
                await self._outbox.send(OutgoingMessage(
                    chat_id=admin.user_id, text=message.text, kind=message.kind,
                    file_name=message.file_name, file_content=message.file_content,
                    silent=level == "silent"))
        logger.info("{} report for {} queued for {} admin(s)", kind,
                    built.period.first_day.isoformat(), len(admins))

    async def _render(self, built: Report, names: dict[int, str],
                      language: str) -> list[OutgoingMessage]:
        with self._i18n.context(), self._i18n.use_locale(language):
            messages = [OutgoingMessage(chat_id=0, text=report_text(built, names))]
            for chart in CHARTS:
                png = await chart_png(chart, self._performance)
                messages.append(OutgoingMessage(chat_id=0, text=caption(chart), kind="photo",
                                                file_name=f"{chart}.png", file_content=png))
        return messages


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(report, command("report"))
    return router
