"""/close <id>, /closeall and /stop: a confirmation with buttons first; Yes calls the closer
and edits the confirmation in place with the outcome. A confirmation acts once: a second
press (or two taps arriving together) is answered and never acted on twice."""

from __future__ import annotations

import html
from collections import OrderedDict
from decimal import Decimal

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import ClosePosition, ConfirmHalt
from handlers.commands import command, usage_of
from handlers.position_text import close_reason, pnl_text, position_head, status_label
from handlers.positions import parse_id
from handlers.signal_text import price
from handlers.ui import edit_in_place
from services.access import Actor
from services.portfolio import Portfolio, PositionView
from services.trading.closing import CloseResult, PositionCloser, StopResult
from services.trading.pnl import pnl_pct
from storage.positions import PositionRow

ACTIVE = ("waiting_entry", "open", "partially_closed")


# ---- what the messages say --------------------------------------------------------------
def close_question(view: PositionView) -> str:
    p = view.position
    if p.status == "waiting_entry":
        return _("Cancel the waiting entry of {position}? Anything filled meanwhile is sold "
                 "at market.").format(position=position_head(p))
    lines = [_("Close {position} at market?").format(position=position_head(p))]
    if view.last_price is not None:
        lines.append(_("Now {price} · PnL {pnl}").format(
            price=price(view.last_price), pnl=pnl_text(view.net_pnl, view.pnl_pct)))
    lines.append(_("Its stop and take-profits are cancelled first."))
    return "\n".join(lines)


def not_closable(p: PositionRow) -> str:
    if p.status == "pending_approval":
        return _("{position} is waiting for approval: reject it on its card.").format(
            position=position_head(p))
    if p.status == "closed":
        return _("{position} is already closed ({reason}).").format(
            position=position_head(p), reason=close_reason(p.reason))
    return _("{position} is not active ({status}): nothing to close.").format(
        position=position_head(p), status=status_label(p))


def net_result(p: PositionRow) -> str:
    return pnl_text(p.net_pnl, pnl_pct(p.net_pnl, p.margin))


def close_outcome(result: CloseResult, position_id: int) -> str:
    p = result.position
    if p is None:
        return _("There is no position #{id}.").format(id=position_id)
    head = position_head(p)
    if result.outcome == "closed":
        if p.filled_amount <= 0:
            return _("✖️ Entry of {position} cancelled: nothing was traded.").format(
                position=head)
        return _("✅ Closed {position} ({reason}): net PnL <b>{pnl}</b>.").format(
            position=head, reason=close_reason(p.reason), pnl=net_result(p))
    if result.outcome == "already_closed":
        text = _("ℹ️ {position} was already closed — nothing was done.").format(position=head)
        if p.status == "closed":
            text += " " + _("{reason}, net PnL {pnl}.").format(
                reason=close_reason(p.reason).capitalize(), pnl=net_result(p))
        return text
    if result.outcome == "not_open":
        return not_closable(p)
    # The closer's reasons are English; the fixed ones have a translation in the catalog.
    reason = _(result.reason) if result.reason else _("no reason given")
    return _("⚠️ Could not close {position}: {reason}").format(position=head,
                                                              reason=html.escape(reason))


def halt_question(what: str, active: int) -> str:
    if what == "stop":
        return _("Stop new entries and cancel every entry still waiting for its price? Open "
                 "positions keep their stop and take-profits. /resume starts again.")
    if not active:
        return _("Stop new entries? There are no positions to close. /resume starts again.")
    return _("Close ALL {count} active positions at market and stop new entries? "
             "/resume starts again.").format(count=active)


def halt_outcome(what: str, result: StopResult, actor: Actor) -> str:
    who = html.escape(actor.first_name or str(actor.user_id))
    closed = [r for r in result.results if r.outcome == "closed"]
    failed = [r for r in result.results if r.outcome == "failed"]
    if result.changed:
        lines = [_("⏹ Stopped by {who}: no new entries until /resume.").format(who=who)]
    else:
        lines = [_("⏹ Already stopped: no new entries until /resume.")]
    if what == "stop":
        if closed:
            lines.append(_("Waiting entries cancelled: {count}.").format(count=len(closed)))
    elif result.results:
        total = sum((r.position.net_pnl for r in closed if r.position), Decimal(0))
        lines.append(_("Closed: {closed} · failed: {failed} · net PnL of those closed: "
                       "<b>{pnl}</b>").format(closed=len(closed), failed=len(failed),
                                              pnl=pnl_text(total, None)))
    else:
        lines.append(_("There was nothing to close."))
    for r in failed:
        lines.append(close_outcome(r, r.position.id if r.position else 0))
    return "\n".join(lines)


def confirm_keyboard(yes_text: str, yes: ClosePosition | ConfirmHalt,
                     no: ClosePosition | ConfirmHalt) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=yes_text, callback_data=yes)
    builder.button(text=_("Cancel"), callback_data=no)
    return builder.as_markup()


# ---- handlers ---------------------------------------------------------------------------
class PressedOnce:
    """Confirmations already acted on in this process (two taps can arrive together, both
    carrying the keyboard). After a restart the edited message has no keyboard left, and
    the closer is idempotent besides."""

    def __init__(self, keep: int = 2000) -> None:
        self._seen: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._keep = keep

    def first(self, query: CallbackQuery) -> bool:
        message = query.message
        if not isinstance(message, Message) or message.reply_markup is None:
            return False  # the outcome replaced the buttons already
        key = (message.chat.id, message.message_id)
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > self._keep:
            self._seen.popitem(last=False)
        return True


async def ask_close(message: Message, position_id: int, portfolio: Portfolio) -> None:
    view = (await portfolio.detail(position_id)).view  # UserFacingError when there is none
    if view.position.status not in ACTIVE:
        await message.answer(not_closable(view.position))
        return
    await message.answer(close_question(view), reply_markup=confirm_keyboard(
        _("Yes, close"), ClosePosition(position_id=position_id, action="yes"),
        ClosePosition(position_id=position_id, action="no")))


async def close(message: Message, command: CommandObject, portfolio: Portfolio) -> None:
    position_id = parse_id(command.args)
    if position_id is None:
        await message.answer(_("Usage: {usage} — the ids are in /positions.").format(
            usage=html.escape(usage_of("close"))))
        return
    await ask_close(message, position_id, portfolio)


async def stop(message: Message) -> None:
    await message.answer(halt_question("stop", 0), reply_markup=confirm_keyboard(
        _("Yes, stop"), ConfirmHalt(what="stop", action="yes"),
        ConfirmHalt(what="stop", action="no")))


async def close_all(message: Message, portfolio: Portfolio) -> None:
    active = (await portfolio.page(0)).total
    await message.answer(halt_question("closeall", active), reply_markup=confirm_keyboard(
        _("Yes, close all"), ConfirmHalt(what="closeall", action="yes"),
        ConfirmHalt(what="closeall", action="no")))


async def cancelled(query: CallbackQuery) -> None:
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        await edit_in_place(query.message, _("Cancelled — nothing was done."))
    await query.answer()


async def already_pressed(query: CallbackQuery) -> None:
    await query.answer(_("Already done — this confirmation acts once; nothing was done "
                         "twice."), show_alert=True)


def build_router() -> Router:
    router = Router(name=__name__)
    pressed = PressedOnce()

    async def close_button(query: CallbackQuery, callback_data: ClosePosition, actor: Actor,
                           portfolio: Portfolio, closer: PositionCloser) -> None:
        if callback_data.action == "ask":  # ✖️ under /positions
            if isinstance(query.message, Message):
                await ask_close(query.message, callback_data.position_id, portfolio)
            await query.answer()
            return
        if callback_data.action != "yes":
            await cancelled(query)
            return
        if not pressed.first(query):
            await already_pressed(query)
            return
        result = await closer.close(callback_data.position_id, actor_id=actor.user_id,
                                    role=actor.role.label)
        if isinstance(query.message, Message):
            await edit_in_place(query.message,
                                close_outcome(result, callback_data.position_id))
        if result.outcome == "already_closed":
            await query.answer(_("It was already closed — nothing was done twice."),
                               show_alert=True)
        else:
            await query.answer()

    async def halt_button(query: CallbackQuery, callback_data: ConfirmHalt, actor: Actor,
                          closer: PositionCloser) -> None:
        if callback_data.action != "yes":
            await cancelled(query)
            return
        if not pressed.first(query):
            await already_pressed(query)
            return
        if callback_data.what == "closeall":
            result = await closer.close_all(actor_id=actor.user_id, role=actor.role.label)
        else:
            result = await closer.stop(actor_id=actor.user_id, role=actor.role.label)
        if isinstance(query.message, Message):
            await edit_in_place(query.message, halt_outcome(callback_data.what, result, actor))
        await query.answer()

    router.message.register(close, command("close"))
    router.message.register(close_all, command("closeall"))
    router.message.register(stop, command("stop"))
    router.callback_query.register(close_button, ClosePosition.filter())
    router.callback_query.register(halt_button, ConfirmHalt.filter())
    return router
