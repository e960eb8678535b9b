"""The last routers: errors, unknown commands, stale buttons, text that is not a command.

No traceback ever reaches a chat: the error is logged with its id, and the user is told
plainly that it failed and that it was logged.
"""

from __future__ import annotations

import html
import uuid

from aiogram import Router
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _
from loguru import logger

from handlers.commands import command_name
from services.errors import UserFacingError
from services.metrics import Metrics
from services.text import Msg


async def on_error(event: ErrorEvent, metrics: Metrics) -> bool:
    exc = event.exception
    if isinstance(exc, UserFacingError):
        text = _(exc.reason).format(**{
            k: html.escape(_(v) if isinstance(v, Msg) else str(v)) for k, v in exc.params.items()})
    else:
        error_id = uuid.uuid4().hex[:8]
        metrics.handler_errors.inc()
        logger.opt(exception=exc).error("error {} while handling update {}", error_id,
                                        event.update.update_id)
        text = _("⚠️ Something went wrong and it was not done. The error was logged "
                 "(id {error_id}); try again, or check the logs.").format(error_id=error_id)
    try:
        if event.update.message is not None:
            await event.update.message.answer(text)
        elif event.update.callback_query is not None:
            await event.update.callback_query.answer(text[:200], show_alert=True)
    except Exception as send_exc:  # the report itself failed: log, never raise from here
        logger.warning("could not tell the user about error: {}", send_exc)
    return True


async def not_understood(message: Message) -> None:
    name = command_name(message.text)
    if name:
        await message.answer(_("Unknown command /{name}. Send /help for the list.").format(
            name=html.escape(name)))
    else:
        await message.answer(_("I work with commands — send /help for the list."))


async def stale_button(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=False)


def build_errors_router() -> Router:
    router = Router(name=f"{__name__}.errors")
    router.errors.register(on_error)
    return router


def build_fallback_router() -> Router:
    """Must be included last: it takes whatever no other router handled."""
    router = Router(name=f"{__name__}.fallback")
    router.message.register(not_understood)
    router.callback_query.register(stale_button)
    return router
