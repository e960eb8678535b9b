"""How a parsed signal or update reads in a message (localized, HTML-escaped)."""

from __future__ import annotations

import html
from decimal import Decimal

from aiogram.utils.i18n import gettext as _

from services.parsing import ParsedClose, ParsedSignal, ParsedUpdate, Side, UpdateAction, UpdateKind

EXCERPT_CHARS = 600


def price(value: Decimal) -> str:
    """A price as the channel wrote it, without exponent or trailing zeros."""
    text = format(value.normalize(), "f")
    return text


def signal_lines(signal: ParsedSignal) -> list[str]:
    side = _("LONG") if signal.side is Side.LONG else _("SHORT")
    head = f"<b>{html.escape(signal.symbol)}</b> {side}"
    if signal.leverage:
        head += f" ×{signal.leverage}"
    if signal.market_type:
        market = _("futures") if signal.market_type.value == "futures" else _("spot")
        head += f" ({market})"
    if signal.entries:
        entry = " – ".join(price(p) for p in signal.entries)
    else:
        entry = _("market")
    lines = [head, _("Entry: {entry}").format(entry=entry)]
    if signal.targets:
        lines.append(_("Targets: {targets}").format(
            targets=" · ".join(price(p) for p in signal.targets)))
    stop = price(signal.stop_loss) if signal.stop_loss is not None else _("none given")
    lines.append(_("Stop loss: {stop}").format(stop=stop))
    return lines


def action_text(action: UpdateAction) -> str:
    n = action.target
    texts = {
        UpdateKind.TP_HIT: _("target {n} hit").format(n=n) if n else _("targets hit"),
        UpdateKind.ALL_TARGETS_HIT: _("all targets hit"),
        UpdateKind.ENTRY_FILLED: _("entry filled"),
        UpdateKind.MOVE_SL: _("stop moved to {price}").format(
            price=price(action.price) if action.price is not None else "?"),
        UpdateKind.SL_TO_BREAKEVEN: _("stop moved to break-even"),
        UpdateKind.CLOSE_PCT: _("close {pct}% of the position").format(
            pct=price(action.percent) if action.percent is not None else "?"),
        UpdateKind.MODIFY_TP: _("targets changed to {targets}").format(
            targets=" · ".join(price(p) for p in action.targets) or "?"),
        UpdateKind.CANCEL_PENDING: _("pending entry cancelled"),
        UpdateKind.HOLD: _("hold"),
        UpdateKind.SL_HIT: _("stop loss hit"),
        UpdateKind.CLOSE: _("close the position"),
        UpdateKind.CLOSE_REMAINING: _("close the rest of the position"),
        UpdateKind.CANCEL: _("signal cancelled"),
    }
    text = texts.get(action.kind, action.kind.value)
    if action.symbol:
        text = f"{html.escape(action.symbol)}: {text}"
    return text


def update_lines(update: ParsedUpdate | ParsedClose) -> list[str]:
    lines = []
    if update.symbol:
        lines.append(f"<b>{html.escape(update.symbol)}</b>")
    lines.extend("• " + action_text(a) for a in update.actions)
    return lines


def post_excerpt(text: str) -> str:
    """The post as a quote, shortened for a notification."""
    shown = text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"
    return f"<blockquote>{html.escape(shown)}</blockquote>"
