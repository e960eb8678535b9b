"""/positions (a page of active positions, ◀ ▶ in place) and /position <id> (in full, with
its orders and a chart)."""

from __future__ import annotations

import html
from decimal import ROUND_HALF_UP, Decimal

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import ClosePosition, ShowPosition, ShowPositions
from handlers.commands import command, usage_of
from handlers.position_chart import send_position_chart
from handlers.position_text import (
    entry_text,
    money,
    pnl_text,
    position_head,
    signed_money,
    status_label,
    targets_hit,
    targets_text,
)
from handlers.signal_text import price
from handlers.ui import answer_long, edit_in_place, format_duration, format_utc
from services.access import Actor, Role
from services.clock import Clock
from services.portfolio import Portfolio, PositionDetail, PositionsPage, PositionView
from services.trading.port import Exchange
from storage.position_orders import PositionOrderRow


def position_block(view: PositionView) -> str:
    """A few short lines per position, readable on a phone."""
    p = view.position
    now = price(view.last_price) if view.last_price is not None else "—"
    stop = price(p.stop_loss) if p.stop_loss is not None else _("none")
    pnl = (_("PnL <b>{pnl}</b>").format(pnl=pnl_text(view.net_pnl, view.pnl_pct))
           if p.filled_amount > 0 else _("nothing filled yet"))
    return "\n".join([
        f"{position_head(p)} · {html.escape(view.channel)} · {status_label(p)}",
        _("Entry {entry} · now {now}").format(entry=entry_text(p), now=now),
        _("SL {stop} · TP {targets}").format(stop=stop,
                                             targets=targets_text(p, targets_hit(p))),
        _("Margin {margin} USDT · {pnl}").format(margin=money(p.margin), pnl=pnl),
    ])


def page_text(page: PositionsPage) -> str:
    if not page.total:
        return _("No active positions. A signal from a followed channel becomes one: at once "
                 "in auto mode, after you approve its card in manual mode (/channels).")
    head = _("<b>Positions</b>: {total} active").format(total=page.total)
    if page.pages > 1:
        head += " · " + _("page {page} of {pages}").format(page=page.page + 1,
                                                           pages=page.pages)
    return "\n\n".join([head, *(position_block(v) for v in page.items)])


def page_keyboard(page: PositionsPage, actor: Actor) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    may_close = actor.may(Role.ADMIN)
    for view in page.items:
        builder.button(text=_("🔍 #{id}").format(id=view.id),
                       callback_data=ShowPosition(position_id=view.id))
        if may_close:
            builder.button(text=_("✖️ Close #{id}").format(id=view.id),
                           callback_data=ClosePosition(position_id=view.id, action="ask"))
    sizes = [2 if may_close else 1] * len(page.items)
    if page.pages > 1:
        if page.page > 0:
            builder.button(text="◀", callback_data=ShowPositions(page=page.page - 1))
        builder.button(text=f"{page.page + 1}/{page.pages}",
                       callback_data=ShowPositions(page=page.page))
        if page.page < page.pages - 1:
            builder.button(text="▶", callback_data=ShowPositions(page=page.page + 1))
        sizes.append(1 + (page.page > 0) + (page.page < page.pages - 1))
    builder.adjust(*sizes)
    return builder.as_markup() if page.items else None


def order_line(o: PositionOrderRow) -> str:
    kinds = {"market": _("market"), "limit": _("limit"), "stop_market": _("stop-market"),
             "take_profit_market": _("take-profit")}
    states = {"intent": _("not sent yet"), "sent": _("sent"), "open": _("open"),
              "filled": _("filled"), "canceled": _("cancelled"), "rejected": _("rejected"),
              "unknown": _("unknown, being checked")}
    side = _("buy") if o.side == "buy" else _("sell")
    line = f"<code>{html.escape(o.leg)}</code> · {kinds.get(o.type, html.escape(o.type))} " \
           f"{side} {price(o.amount)}"
    level = o.trigger_price if o.trigger_price is not None else o.price
    if level is not None:
        line += f" @ {price(level)}"
    line += " — " + states.get(o.state, html.escape(o.state))
    if o.filled > 0 and o.average_price is not None:
        line += " " + _("{amount} at {price}").format(amount=price(o.filled),
                                                    price=price(o.average_price))
    if o.fee:
        fee_value = o.fee.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        fee = f"{price(fee_value)} {o.fee_currency or ''}".strip()
        line += " · " + _("fee {fee}").format(fee=html.escape(fee))
    if o.error:
        line += " · " + html.escape(o.error[:120])
    return line


def detail_text(detail: PositionDetail, clock: Clock) -> str:
    view, p = detail.view, detail.view.position
    lines = [f"{position_head(p)} · {html.escape(view.channel)} · {status_label(p)}"]
    if p.opened_at is not None:
        held = (p.closed_at or clock.now()) - p.opened_at
        lines.append(_("Opened {when} · held {held}").format(
            when=format_utc(p.opened_at), held=format_duration(held.total_seconds())))
    else:
        lines.append(_("Created {when}").format(when=format_utc(p.created_at)))
    planned = " – ".join(price(v) for v in p.entry_prices) if p.entry_prices else _("market")
    entry = _("Entry: {planned}").format(planned=planned)
    if p.average_entry is not None:
        entry += " · " + _("filled at {avg}").format(avg=price(p.average_entry))
    lines.append(entry)
    if view.last_price is not None and p.status != "closed":
        lines.append(_("Now: {price}").format(price=price(view.last_price)))
    hit = targets_hit(p, detail.orders)
    lines.append(_("Targets: {targets}").format(targets=targets_text(p, hit)))
    stop = price(p.stop_loss) if p.stop_loss is not None else _("none")
    if p.initial_stop_loss is not None and p.initial_stop_loss != p.stop_loss:
        stop += " " + _("(signal's: {stop})").format(stop=price(p.initial_stop_loss))
    lines.append(_("Stop loss: {stop}").format(stop=stop))
    lines.append(_("Size {planned} · filled {filled} · closed {closed} · left {left}").format(
        planned=price(p.planned_amount), filled=price(p.filled_amount),
        closed=price(p.closed_amount), left=price(p.remaining)))
    lines.append(_("Margin {margin} USDT").format(margin=money(p.margin)))
    lines.append(_("PnL: realised {realized}, fees {fees}, unrealised {unrealized} → net "
                   "<b>{net}</b>").format(realized=signed_money(p.realized_pnl),
                                          fees=money(p.fees),
                                          unrealized=signed_money(view.unrealized_pnl),
                                          net=pnl_text(view.net_pnl, view.pnl_pct)))
    lines.append("")
    lines.append(_("<b>Orders</b>"))
    lines.extend(order_line(o) for o in detail.orders)
    if not detail.orders:
        lines.append(_("none yet"))
    return "\n".join(lines)


def parse_id(args: str | None) -> int | None:
    """The position id of `/position 12` or `/position #12`; None when there is none."""
    word = (args or "").strip().removeprefix("#")
    return int(word) if word.isdigit() and len(word) < 12 else None


async def positions(message: Message, actor: Actor, portfolio: Portfolio) -> None:
    page = await portfolio.page(0)
    await message.answer(page_text(page), reply_markup=page_keyboard(page, actor))


async def turn_page(query: CallbackQuery, callback_data: ShowPositions, actor: Actor,
                    portfolio: Portfolio) -> None:
    page = await portfolio.page(callback_data.page)
    if isinstance(query.message, Message):
        await edit_in_place(query.message, page_text(page),
                            reply_markup=page_keyboard(page, actor))
    await query.answer()


async def show_detail(message: Message, position_id: int, portfolio: Portfolio, clock: Clock,
                      exchange: Exchange | None, timezone: str) -> None:
    detail = await portfolio.detail(position_id)  # UserFacingError when there is none
    await answer_long(message, detail_text(detail, clock))
    if exchange is not None:  # candles come from the exchange; without it, text only
        await send_position_chart(message, detail, exchange=exchange, clock=clock,
                                  timezone=timezone)


async def position(message: Message, command: CommandObject, portfolio: Portfolio,
                   clock: Clock, exchange: Exchange | None = None,
                   timezone: str = "UTC") -> None:
    position_id = parse_id(command.args)
    if position_id is None:
        await message.answer(_("Usage: {usage} — the ids are in /positions.").format(
            usage=html.escape(usage_of("position"))))
        return
    await show_detail(message, position_id, portfolio, clock, exchange, timezone)


async def detail_button(query: CallbackQuery, callback_data: ShowPosition, portfolio: Portfolio,
                        clock: Clock, exchange: Exchange | None = None,
                        timezone: str = "UTC") -> None:
    if isinstance(query.message, Message):
        await show_detail(query.message, callback_data.position_id, portfolio, clock, exchange,
                          timezone)
    await query.answer()


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(positions, command("positions"))
    router.message.register(position, command("position"))
    router.callback_query.register(turn_page, ShowPositions.filter())
    router.callback_query.register(detail_button, ShowPosition.filter())
    return router
