"""/validate [days]: GO or NO-GO for going live, judged on the results of the last days."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from handlers.commands import command
from handlers.performance import percent, signed
from services.performance import Performance
from services.validation import Criterion, Validation, ValidationReport

MAX_DAYS = 365
NAMES = {"trades": __("Trades"), "win_rate": __("Win rate"), "sharpe": __("Sharpe"),
         "max_drawdown": __("Max drawdown")}


def _value(c: Criterion, value: Decimal) -> str:
    if c.name == "trades":
        return str(int(value))
    if c.unit == "%":
        return percent(value)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def criterion_line(c: Criterion) -> str:
    mark = "✅" if c.passed else "❌"
    rule = (_("at least {threshold}") if c.at_least else _("at most {threshold}")).format(
        threshold=_value(c, c.threshold))
    if c.value is None:
        value = _("not measurable yet")
    else:
        value = _value(c, c.value)
        assert c.margin is not None
        margin = _value(c, abs(c.margin)) if c.name == "trades" or c.unit != "%" else (
            percent(abs(c.margin)).removesuffix(" %"))
        rule += (f", +{margin}" if c.margin >= 0 else f", −{margin}")
    return f"{mark} {NAMES[c.name]}: {value} ({rule})"


def report_text(report: ValidationReport, quote: str) -> str:
    verdict = _("GO ✅") if report.go else _("NO-GO ❌")
    days = round((report.end - report.start).total_seconds() / 86400)
    whose = _("paper results") if report.mode == "paper" else _("live results")
    lines = [_("<b>Validation: {verdict}</b>").format(verdict=verdict),
             _("{whose}, last {days} day(s)").format(whose=whose.capitalize(), days=days)]
    lines += [criterion_line(c) for c in report.criteria]
    lines.append(_("Net profit: {pnl} {quote} over {trades} trade(s)").format(
        pnl=signed(report.net_profit), quote=quote, trades=report.trades))
    if report.go:
        lines.append(_("Next: /preflight, then set TRADING__MODE=live and restart."))
    else:
        lines.append(_("Keep trading on paper, or change the thresholds with "
                       "/set validation.… (see /settings), then /validate again."))
    return "\n".join(lines)


def parse_days(args: str | None) -> int | None:
    """The window in days from "/validate 14"; 0 for the configured default; None if bad."""
    if not args or not args.strip():
        return 0
    text = args.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        return None
    return int(text)


async def validate(message: Message, command: CommandObject, validation: Validation,
                   performance: Performance) -> None:
    days = parse_days(command.args)
    if days is None:
        await message.answer(_("Usage: /validate [days] — days from 1 to {max}, e.g. "
                               "/validate 30").format(max=MAX_DAYS))
        return
    report, _path = await validation.run(days or None)
    await message.answer(report_text(report, performance.quote))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(validate, command("validate"))
    return router
