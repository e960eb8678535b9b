"""/chart [equity|daily|channels]: the account's charts as PNG photos, rendered off the event
loop, every word on them in the user's language."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from handlers.commands import command
from services.charts import (
    ChartText,
    channels_chart,
    daily_pnl_chart,
    equity_chart,
    render,
)
from services.charts.series import MONTHS
from services.performance import Performance

KINDS = ("equity", "daily", "channels")
DAYS = 30  # how far back the equity curve and the daily bars reach


def chart_text() -> ChartText:
    """Every word a chart draws, translated."""
    return ChartText(
        no_data=_("No data yet"), equity=_("Equity"), drawdown=_("Drawdown, %"),
        equity_summary=_("now {equity} {currency} · {change} · max drawdown {max_drawdown}"),
        time=_("Time ({tz})"), daily_pnl=_("Daily PnL"),
        daily_summary=_("total {total} {currency} · {green} green / {red} red days"),
        day=_("Day ({tz})"), channels=_("Results by channel"),
        channel_stats=_("{trades} trades · {win_rate} won"),
        net_pnl=_("Net PnL, {currency}"), hidden_channels=_("{count} more channels not shown"),
        price=_("Price"), entry=_("Entry"), target=_("TP{number}"), stop=_("SL"),
        months=tuple(_(month) for month in MONTHS))


async def chart_png(kind: str, performance: Performance) -> bytes:
    text, tz, quote = chart_text(), performance.tz, performance.quote
    if kind == "daily":
        return await render(daily_pnl_chart, await performance.daily_pnl(DAYS), tz=tz,
                            currency=quote, text=text)
    if kind == "channels":
        return await render(channels_chart, await performance.channel_results(),
                            currency=quote, text=text)
    return await render(equity_chart, await performance.equity_points(DAYS), tz=tz,
                        currency=quote, text=text)


def caption(kind: str) -> str:
    if kind == "daily":
        return _("📊 Daily PnL, last {days} days").format(days=DAYS)
    if kind == "channels":
        return _("📊 Results by channel, all closed trades")
    return _("📈 Equity, last {days} days").format(days=DAYS)


async def chart(message: Message, command: CommandObject, performance: Performance) -> None:
    kind = (command.args or "equity").strip().lower()
    if kind not in KINDS:
        await message.answer(_("Usage: /chart [equity|daily|channels] — equity by default."))
        return
    png = await chart_png(kind, performance)
    await message.answer_photo(BufferedInputFile(png, filename=f"{kind}.png"),
                               caption=caption(kind))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(chart, command("chart"))
    return router
