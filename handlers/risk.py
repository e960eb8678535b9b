"""/risk: every limit with its current use ("Daily loss 1.2 % of 3 %"), then what halts new
entries now and why."""

from __future__ import annotations

import html
from decimal import Decimal

from aiogram import Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.commands import command
from handlers.performance import percent
from handlers.position_text import money
from handlers.ui import answer_long
from services.control import TradingState
from services.performance import Performance, RiskReport
from services.trading.risk import LimitUse

WARN_AT = Decimal("0.8")  # of a limit: close enough to say so


def limit(value: Decimal) -> str:
    """A limit as the trader set it: 3 → "3 %", 2.5 → "2.5 %"."""
    return format(value.normalize(), "f") + " %"


def mark(use: LimitUse) -> str:
    if use.blocking:
        return "⛔"
    if use.used > use.limit or (use.limit > 0 and use.used >= use.limit * WARN_AT):
        return "⚠️"
    return "✅"


def limit_lines(r: RiskReport) -> list[str]:
    daily, drawdown, positions, largest = r.limits
    return [
        mark(daily) + " " + _("Daily loss {used} of {limit} (day started at {equity})").format(
            used=percent(daily.used), limit=limit(daily.limit),
            equity=money(r.start_of_day_equity)),
        mark(drawdown) + " " + _("Drawdown {used} of {limit} (peak {equity})").format(
            used=percent(drawdown.used), limit=limit(drawdown.limit),
            equity=money(r.peak_equity)),
        mark(positions) + " " + _("Open positions {used} of {limit}").format(
            used=int(positions.used), limit=int(positions.limit)),
        mark(largest) + " " + _("Largest position margin {used} of {limit} of equity").format(
            used=percent(largest.used), limit=limit(largest.limit)),
        *(mark(a) + " " + _("{channel}: margin {used} of its {limit} allocation").format(
            channel=html.escape(a.name), used=percent(a.used), limit=limit(a.limit))
          for a in r.allocations),
    ]


def halt_lines(r: RiskReport) -> list[str]:
    lines = []
    state = r.control.state
    if state is TradingState.HALTED:
        lines.append(_("⛔ Halted by the risk limits: {reason} — /resume when ready").format(
            reason=html.escape(r.control.reason or "")))
    elif state is TradingState.PAUSED:
        lines.append(_("⏸ Paused by an admin — /resume to take new entries"))
    elif state is TradingState.STOPPED:
        lines.append(_("⏹ Stopped by an admin — /resume to start again"))
    if r.daily_halt_until is not None:
        when = r.daily_halt_until.astimezone(r.tz).strftime("%Y-%m-%d %H:%M")
        lines.append(_("⛔ Daily loss limit reached: no new entries until {when} ({tz})")
                     .format(when=when, tz=r.tz.key))
    if r.circuit_open:
        lines.append(_("⛔ The exchange is failing (circuit breaker open): new entries wait"))
    if state is TradingState.RUNNING and r.limits[1].blocking:
        lines.append(_("⛔ Drawdown limit reached: new entries are refused"))
    return lines


def risk_text(r: RiskReport, quote: str) -> str:
    equity = (_("equity {equity} {quote}").format(equity=money(r.equity), quote=quote)
              if r.equity_known else _("equity unknown (no balance and no snapshot yet)"))
    lines = [_("<b>Risk</b> · {equity}").format(equity=equity), *limit_lines(r)]
    lines.append(_("One position per symbol: {switch} · a channel is switched off after "
                   "{count} losses in a row").format(
        switch=_("on") if r.settings.one_position_per_symbol else _("off"),
        count=r.settings.max_consecutive_losses))
    lines.append("")
    halts = halt_lines(r)
    lines.extend(halts or [_("✅ No halts: new entries are allowed.")])
    if r.switched_off:
        lines.append("")
        lines.append(_("<b>Channels switched off</b> (/channels to switch on):"))
        for channel in r.switched_off:
            why = (html.escape(channel.reason) if channel.reason is not None
                   else _("by an admin"))
            lines.append(f"⏸ {html.escape(channel.name)} — {why}")
    return "\n".join(lines)


async def risk(message: Message, performance: Performance) -> None:
    await answer_long(message, risk_text(await performance.risk(), performance.quote))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(risk, command("risk"))
    return router
