"""/status: mode, trading state, health, scheduled jobs, with a refresh button."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import RefreshStatus
from handlers.commands import command
from handlers.i18n import N_
from handlers.performance import signed
from handlers.position_text import money
from handlers.ui import edit_in_place, format_duration, format_utc
from services.control import TradingState
from services.scheduler import JobInfo
from services.status import StatusService, StatusSnapshot, TradingFigures
from services.trading.breaker import BreakerState


def status_text(s: StatusSnapshot) -> str:
    if s.control.state is TradingState.PAUSED:
        state = _("⏸ paused — no new entries")
        if s.control.since:
            state += " " + _("(since {when})").format(when=format_utc(s.control.since))
    elif s.control.state is TradingState.HALTED:
        state = _("⛔ halted by the risk limits: {reason} — /resume when ready").format(
            reason=html.escape(s.control.reason or ""))
    elif s.control.state is TradingState.STOPPED:
        state = _("⏹ stopped — no new entries until /resume")
        if s.control.since:
            state += " " + _("(since {when})").format(when=format_utc(s.control.since))
    else:
        state = _("▶️ running")
    ok, bad = "✅", "❌"
    lines = [
        _("<b>Status</b>"),
        _("Mode: <b>{mode}</b>").format(mode=s.mode),
        _("Trading: {state}").format(state=state),
        _("Exchange: {exchange} ({market})").format(exchange=s.exchange, market=s.market),
        _("Channel listener: {state}").format(state=s.listener),
        _("Database: {mark}  Telegram polling: {mark2}").format(
            mark=ok if s.database_ok else bad, mark2=ok if s.polling_ok else bad),
        _("Uptime: {uptime}").format(uptime=format_duration(s.uptime_s)),
    ]
    if s.trading is not None:
        lines[4:4] = trading_lines(s.trading)
    if s.jobs:
        zone = ZoneInfo(s.timezone)
        lines.append(_("<b>Jobs</b> (times in {zone}):").format(zone=html.escape(s.timezone)))
        lines.extend(job_line(job, zone) for job in s.jobs)
    return "\n".join(lines)


CIRCUIT = {BreakerState.CLOSED: N_("✅ closed (orders go through)"),
           BreakerState.OPEN: N_("❌ open — the exchange keeps failing; new entries wait"),
           BreakerState.HALF_OPEN: N_("⚠️ half-open — trying the exchange again")}


def trading_lines(t: TradingFigures) -> list[str]:
    lines = [
        _("Exchange circuit: {state}").format(state=_(CIRCUIT[t.circuit])),
        _("Positions: {open} open, {waiting} waiting").format(open=t.open_positions,
                                                              waiting=t.waiting_positions),
        _("Today: {pnl} {quote} closed, {unrealized} {quote} open").format(
            pnl=signed(t.today_net_pnl), unrealized=signed(t.unrealized_pnl), quote=t.quote),
    ]
    if t.equity is not None and t.equity_at is not None:
        lines.append(_("Equity: {equity} {quote} (at {when})").format(
            equity=money(t.equity), quote=t.quote, when=format_utc(t.equity_at)))
    else:
        lines.append(_("Equity: not measured yet"))
    return lines


def job_line(job: JobInfo, zone: ZoneInfo) -> str:
    when = (job.next_run_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if job.next_run_at
            else _("not scheduled"))
    line = _("{name}: next {when}").format(name=html.escape(job.name), when=when)
    if job.failing:
        line += " — " + _("❌ failing: {reason}").format(reason=html.escape(job.last_error or ""))
    return line


def refresh_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔄 Refresh"), callback_data=RefreshStatus())
    return builder.as_markup()


async def status(message: Message, status_service: StatusService) -> None:
    await message.answer(status_text(await status_service.snapshot()),
                         reply_markup=refresh_keyboard())


async def refresh(query: CallbackQuery, status_service: StatusService) -> None:
    if isinstance(query.message, Message):
        await edit_in_place(query.message, status_text(await status_service.snapshot()),
                            reply_markup=refresh_keyboard())
    await query.answer()


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(status, command("status"))
    router.callback_query.register(refresh, RefreshStatus.filter())
    return router
