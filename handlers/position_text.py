"""How a position reads in a message: approval cards and trade notifications."""

from __future__ import annotations

import html
from decimal import Decimal

from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder, InlineKeyboardMarkup

from handlers.callbacks import DecideApproval
from handlers.signal_text import price
from handlers.ui import format_utc
from storage.positions import PositionRow


def money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}".replace(",", " ")


def position_head(p: PositionRow) -> str:
    side = _("LONG") if p.side == "long" else _("SHORT")
    lev = f" ×{p.leverage}" if p.market_kind == "futures" else ""
    return f"#{p.id} <b>{html.escape(p.symbol)}</b> {side}{lev}"


def reference_entry(p: PositionRow) -> Decimal | None:
    if p.average_entry is not None:
        return p.average_entry
    if p.entry_prices:
        return (min(p.entry_prices) + max(p.entry_prices)) / 2
    return None


def plan_lines(p: PositionRow) -> list[str]:
    entry = " – ".join(price(v) for v in p.entry_prices) if p.entry_prices else _("market")
    lines = [_("Entry: {entry}").format(entry=entry)]
    ref = reference_entry(p)
    if p.targets:
        parts = []
        for target in p.targets:
            text = price(target)
            if ref is not None and p.stop_loss is not None and ref != p.stop_loss:
                text += f" (R:R {abs(target - ref) / abs(ref - p.stop_loss):.1f})"
            parts.append(text)
        lines.append(_("Targets: {targets}").format(targets=" · ".join(parts)))
    stop = price(p.stop_loss) if p.stop_loss is not None else _("none given")
    lines.append(_("Stop loss: {stop}").format(stop=stop))
    lines.append(_("Size: {amount} · margin {margin} USDT").format(
        amount=price(p.planned_amount), margin=money(p.margin)))
    if ref is not None and p.stop_loss is not None:
        risk = abs(ref - p.stop_loss) * p.planned_amount
        lines.append(_("Risk to stop: {risk} USDT").format(risk=money(risk)))
    return lines


def approval_card(p: PositionRow, channel_name: str) -> str:
    head = _("🟡 <b>Approve?</b> {position} from {channel}").format(
        position=position_head(p), channel=f"<b>{html.escape(channel_name)}</b>")
    lines = [head, *plan_lines(p)]
    if p.approval_expires_at:
        lines.append(_("Expires at {when}.").format(when=format_utc(p.approval_expires_at)))
    return "\n".join(lines)


def approval_keyboard(position_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action, label in (("approve", _("✅ Approve")), ("reject", _("✖️ Reject")),
                          ("half", _("Size ×½")), ("double", _("Size ×2"))):
        builder.button(text=label, callback_data=DecideApproval(position_id=position_id,
                                                                action=action))
    builder.adjust(2, 2)
    return builder.as_markup()
