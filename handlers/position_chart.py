"""The chart under /position: candles around the position's life, with its entry, targets,
stop and fills drawn, sent as a photo."""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _
from loguru import logger

from handlers.position_text import position_head, reference_entry
from services.charts import ChartFill, ChartText, position_chart, render
from services.charts.series import MONTHS
from services.clock import Clock
from services.portfolio import PositionDetail
from services.trading.legs import leg_kind, target_number
from services.trading.port import Exchange, ExchangeError, OrderSide
from storage.position_orders import FILLED, PositionOrderRow

# Candle sizes, smallest first: the first that covers the position in at most MAX_CANDLES.
TIMEFRAMES = (("1m", 60), ("5m", 300), ("15m", 900), ("1h", 3600), ("4h", 14400),
              ("1d", 86400))
MAX_CANDLES = 150
CONTEXT_CANDLES = 20  # before the position: where the price came from


def candle_window(start: datetime, end: datetime) -> tuple[str, datetime, int]:
    """(timeframe, since, limit) of the candles that show a position from start to end."""
    span = max((end - start).total_seconds(), 60.0)
    name, seconds = next(((n, s) for n, s in TIMEFRAMES if span / s <= MAX_CANDLES),
                         TIMEFRAMES[-1])
    count = min(int(span // seconds), MAX_CANDLES) + CONTEXT_CANDLES + 1
    return name, start - timedelta(seconds=seconds * CONTEXT_CANDLES), count


def fill_label(leg: str) -> str:
    kind = leg_kind(leg)
    if kind == "tp":
        return f"TP{target_number(leg)}"
    return {"entry": _("Entry"), "sl": _("SL"), "close": _("Close")}.get(kind, leg)


def chart_fills(orders: Iterable[PositionOrderRow]) -> list[ChartFill]:
    return [ChartFill(o.updated_at, o.average_price, OrderSide(o.side), fill_label(o.leg))
            for o in orders if o.state == FILLED and o.average_price is not None]


def chart_text() -> ChartText:
    return ChartText(no_data=_("No data yet"), time=_("Time ({tz})"), price=_("Price"),
                     entry=_("Entry"), target=_("TP{number}"), stop=_("SL"),
                     months=tuple(_(month) for month in MONTHS))


async def send_position_chart(message: Message, detail: PositionDetail, *, exchange: Exchange,
                              clock: Clock, timezone: str) -> None:
    """Send the position's chart; when the exchange has no candles for it, say so briefly."""
    p = detail.view.position
    timeframe, since, limit = candle_window(p.opened_at or p.created_at,
                                            p.closed_at or clock.now())
    try:
        candles = await exchange.fetch_candles(p.symbol, timeframe, since, limit)
    except ExchangeError as exc:
        logger.warning("no candles for the chart of #{}: {}", p.id, exc.reason)
        await message.answer(_("No chart: the exchange did not send prices ({reason}).")
                             .format(reason=html.escape(exc.reason)))
        return
    side = _("LONG") if p.side == "long" else _("SHORT")
    png = await render(position_chart, candles, symbol=p.symbol, side=p.side,
                       entry=reference_entry(p), targets=p.targets, stop_loss=p.stop_loss,
                       fills=chart_fills(detail.orders), tz=ZoneInfo(timezone),
                       title=f"#{p.id} {p.symbol} · {side} · {timeframe}", text=chart_text())
    await message.answer_photo(BufferedInputFile(png, filename=f"position-{p.id}.png"),
                               caption=position_head(p))
