"""/pause and /resume: the trader's switches for new entries."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.commands import command
from services.access import Actor
from services.control import TradingControl


async def pause(message: Message, actor: Actor, control: TradingControl) -> None:
    result = await control.pause(actor.user_id, actor.role.label)
    if result.changed:
        await message.answer(_("⏸ Paused: no new entries will be taken. Open positions stay "
                               "managed. /resume to continue."))
    else:
        await message.answer(_("Already paused. /resume to continue."))


async def resume(message: Message, actor: Actor, control: TradingControl) -> None:
    result = await control.resume(actor.user_id, actor.role.label)
    if result.changed:
        await message.answer(_("▶️ Resumed: new signals will be taken again."))
    else:
        await message.answer(_("Already running."))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(pause, command("pause"))
    router.message.register(resume, command("resume"))
    return router
