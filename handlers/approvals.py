"""Approval card buttons: Approve / Reject / size ×½ / ×2. Deciding edits the card in place
with the decision, who made it and when; a second press is answered, never acted on."""

from __future__ import annotations

import html
from decimal import Decimal

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import DecideApproval
from handlers.ui import format_utc
from services.access import Actor
from services.clock import Clock
from services.trading.engine import Decision, TradingEngine

FACTORS = {"approve": Decimal(1), "half": Decimal("0.5"), "double": Decimal(2)}


def decision_line(decision: Decision, actor: Actor, clock: Clock) -> str:
    who = html.escape(actor.first_name or str(actor.user_id))
    when = format_utc(clock.now())
    if decision.outcome == "executed":
        return _("✅ Approved by {who} at {when}.").format(who=who, when=when)
    if decision.outcome == "rejected":
        return _("✖️ Rejected by {who} at {when}.").format(who=who, when=when)
    if decision.outcome == "expired":
        return _("⌛ Expired: not traded.")
    return _("⏭ Not traded: {reason}").format(reason=html.escape(decision.reason or ""))


async def decide(query: CallbackQuery, callback_data: DecideApproval, actor: Actor,
                 engine: TradingEngine, clock: Clock) -> None:
    pid = callback_data.position_id
    if callback_data.action == "reject":
        decision = await engine.reject(pid, actor_id=actor.user_id, role=actor.role.label)
    else:
        factor = FACTORS.get(callback_data.action, Decimal(1))
        decision = await engine.approve(pid, actor_id=actor.user_id, role=actor.role.label,
                                        factor=factor)
    if decision.outcome in ("already_decided", "not_found"):
        await query.answer(_("Already decided — nothing was done."), show_alert=True)
        return
    if isinstance(query.message, Message):
        card = query.message.html_text or ""
        await query.message.edit_text(f"{card}\n\n{decision_line(decision, actor, clock)}",
                                      reply_markup=None)
    await query.answer()


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(decide, DecideApproval.filter())
    return router
