"""Apply / Ignore under a channel's edit of a traded signal: the message is edited in place
with what was done; a second press is answered, never acted on twice."""

from __future__ import annotations

import html

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import DecideEdit
from services.access import Actor
from services.trading.edits import SignalEdits


async def decide(query: CallbackQuery, callback_data: DecideEdit, actor: Actor,
                 edits: SignalEdits) -> None:
    decision = await edits.decide(callback_data.position_id, callback_data.apply,
                                  actor_id=actor.user_id, role=actor.role.label)
    if decision.outcome == "nothing_pending":
        await query.answer(_("Already decided — nothing was done."), show_alert=True)
        return
    who = html.escape(actor.first_name or str(actor.user_id))
    if decision.outcome == "applied":
        line = _("✅ Applied by {who}.").format(who=who)
    elif decision.outcome == "ignored":
        line = _("✖️ Ignored by {who}: the position keeps its levels.").format(who=who)
    elif decision.outcome == "closed":
        line = _("The position is closed already: nothing to change.")
    else:
        line = _("⚠️ Not applied.")
    notes = "".join(f"\n• {html.escape(n)}" for n in decision.notes)
    if isinstance(query.message, Message):
        card = query.message.html_text or ""
        await query.message.edit_text(f"{card}\n\n{line}{notes}", reply_markup=None)
    await query.answer()


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(decide, DecideEdit.filter())
    return router
