"""/balance: what the account holds — equity, free, in margin or orders, per asset — and
what the open positions add unrealised."""

from __future__ import annotations

import html
from decimal import Decimal

from aiogram import Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.commands import command
from handlers.performance import signed
from handlers.position_text import money
from services.portfolio import AssetLine, BalanceView, Portfolio


def amount(value: Decimal) -> str:
    """A coin amount as the exchange gave it, without trailing zeros."""
    text = format(value.normalize(), "f")
    return text if "." in text or len(text) < 4 else money(value)


def asset_line(line: AssetLine, quote: str) -> str:
    b = line.balance
    if b.currency == quote:
        return _("<b>{currency}</b>: {total} · free {free} · in use {used}").format(
            currency=html.escape(b.currency), total=money(b.total), free=money(b.free),
            used=money(b.used))
    value = (_("≈ {value} {quote}").format(value=money(line.value), quote=quote)
             if line.value is not None else _("no price"))
    return _("<b>{currency}</b>: {total} ({value}) · free {free}").format(
        currency=html.escape(b.currency), total=amount(b.total), value=value,
        free=amount(b.free))


def balance_text(view: BalanceView, mode: str) -> str:
    lines = [_("<b>Balance</b> ({mode})").format(mode=mode)]
    lines += [asset_line(a, view.quote) for a in view.assets]
    lines.append(_("Equity: <b>{equity} {quote}</b>").format(equity=money(view.equity),
                                                           quote=view.quote))
    e = view.exposure
    if e.open or e.waiting:
        lines.append(_("Positions: {open} open ({pnl} {quote} unrealised), {waiting} "
                       "waiting").format(open=e.open, pnl=signed(e.unrealized_pnl),
                                         quote=view.quote, waiting=e.waiting))
    return "\n".join(lines)


async def balance(message: Message, portfolio: Portfolio, mode: str) -> None:
    await message.answer(balance_text(await portfolio.balance(), mode))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(balance, command("balance"))
    return router
