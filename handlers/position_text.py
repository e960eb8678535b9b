"""How a position reads in a message: approval cards, trade notifications and the words
/positions, /position and /close share (status, PnL, close reasons, targets hit)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder, InlineKeyboardMarkup

from handlers.callbacks import DecideApproval
from handlers.signal_text import price
from handlers.ui import format_utc
from services.trading.legs import leg_kind, target_number
from storage.position_orders import FILLED, PositionOrderRow
from storage.positions import PositionRow


def money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}".replace(",", " ")


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
        held = p.filled_amount if p.filled_amount > 0 else p.planned_amount  # what is at risk
        risk = abs(ref - p.stop_loss) * held
        lines.append(_("Risk to stop: {risk} USDT").format(risk=money(risk)))
    return lines


def approval_card(p: PositionRow, channel_name: str,
                  split_prices: tuple[Decimal, ...] = ()) -> str:
    head = _("🟡 <b>Approve?</b> {position} from {channel}").format(
        position=position_head(p), channel=f"<b>{html.escape(channel_name)}</b>")
    lines = [head, *plan_lines(p)]
    if split_prices:
        lines.append(_("Entry split into {n} orders: {prices}").format(
            n=len(split_prices), prices=" · ".join(price(v) for v in split_prices)))
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


def signed_money(value: Decimal) -> str:
    """+1.23 / −1.23 / 0.00: the sign a trader scans for first."""
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "+" if rounded > 0 else "−" if rounded < 0 else ""
    return sign + money(abs(rounded))


def signed_pct(pct: Decimal) -> str:
    rounded = pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    sign = "+" if rounded > 0 else "−" if rounded < 0 else ""
    return f"{sign}{abs(rounded)} %"


def pnl_text(pnl: Decimal, pct: Decimal | None) -> str:
    """"+1.23 USDT (+6.2 %)", the percentage of the margin when there is one."""
    text = f"{signed_money(pnl)} USDT"
    if pct is not None:
        text += f" ({signed_pct(pct)})"
    return text


def status_label(p: PositionRow) -> str:
    labels = {
        "waiting_entry": _("⏳ waiting"),
        "open": _("🟢 open"),
        "partially_closed": _("🟡 partial"),
        "closed": _("🏁 closed"),
        "pending_approval": _("🟡 waiting for approval"),
        "rejected": _("✖️ rejected"),
        "skipped": _("⏭ not traded"),
    }
    return labels.get(p.status, html.escape(p.status))


def close_reason(reason: str | None) -> str:
    """Why a position closed, in words (`PositionRow.reason` of a closed position)."""
    words = {
        "tp": _("take-profit"),
        "sl": _("stop loss"),
        "break_even": _("break-even stop"),
        "manual": _("manual close"),
        "close_all": _("close-all"),
        "expired": _("entry expired"),
        "cancelled": _("entry cancelled"),
        "channel": _("closed by the channel"),
    }
    return words.get(reason or "", html.escape(reason or _("closed")))


def entry_text(p: PositionRow) -> str:
    """The average fill once something filled, else the planned entry."""
    if p.average_entry is not None:
        return price(p.average_entry)
    if p.entry_prices:
        return " – ".join(price(v) for v in p.entry_prices)
    return _("market")


def targets_hit(p: PositionRow, orders: Iterable[PositionOrderRow] | None = None) -> set[int]:
    """Numbers of the take-profits that filled: from the orders when given, else estimated
    from how much has been closed (the ladder splits the amount about equally)."""
    if orders is not None:
        return {target_number(o.leg) for o in orders
                if leg_kind(o.leg) == "tp" and o.state == FILLED}
    if not p.targets or p.filled_amount <= 0 or p.closed_amount <= 0:
        return set()
    share = p.closed_amount * len(p.targets) / p.filled_amount
    count = int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return set(range(1, min(count, len(p.targets)) + 1))


def targets_text(p: PositionRow, hit: set[int]) -> str:
    if not p.targets:
        return _("none given")
    return " · ".join(("✅ " if n in hit else "") + price(t)
                      for n, t in enumerate(p.targets, start=1))
