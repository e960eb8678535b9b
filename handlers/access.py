"""The access gate: one outer middleware over every update type.

Resolves the user behind an update to an `Actor` (role + language) for the handlers,
and refuses what the role does not allow: strangers everything, viewers anything that
changes state. Refusals are audited every time and answered at most once a minute.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram.utils.i18n import I18n
from loguru import logger

from handlers.callbacks import required_role
from handlers.commands import command_name, spec_of
from services.access import AccessService, Actor, Role
from services.metrics import Metrics

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
_CHANNEL_UPDATES = {"channel_post", "edited_channel_post"}


def needed_role(event: TelegramObject) -> Role:
    """The least role that may cause this event to be handled."""
    if isinstance(event, Message):
        if event.forward_origin is not None or event.forward_from_chat is not None:
            return Role.ADMIN  # a forwarded post becomes a signal
        name = command_name(event.text or event.caption)
        spec = spec_of(name) if name else None
        return spec.role if spec else Role.VIEWER  # unknown commands and text get a hint
    if isinstance(event, CallbackQuery):
        return required_role(event.data) or Role.ADMIN
    return Role.ADMIN


def describe(event: TelegramObject) -> dict[str, Any]:
    """What was attempted, short, for the audit log."""
    if isinstance(event, Message):
        if event.forward_origin is not None or event.forward_from_chat is not None:
            return {"attempt": "forwarded post"}
        return {"attempt": (event.text or event.caption or event.content_type)[:100]}
    if isinstance(event, CallbackQuery):
        return {"attempt": f"button {event.data!r}"[:100]}
    return {"attempt": type(event).__name__}


class AccessGate(BaseMiddleware):
    def __init__(self, access: AccessService, i18n: I18n, metrics: Metrics) -> None:
        self._access = access
        self._i18n = i18n
        self._metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        kind = event.event_type
        self._metrics.updates.labels(kind).inc()
        user = data.get("event_from_user")
        if user is None:
            # Channel posts carry no user: they come from channels where the bot is admin.
            return await handler(event, data) if kind in _CHANNEL_UPDATES else None
        actor = await self._access.identify(user.id, first_name=user.first_name,
                                            username=user.username,
                                            language_code=user.language_code)
        data["actor"] = actor
        inner = event.event
        if actor.may(needed_role(inner)):
            return await handler(event, data)
        self._metrics.refusals.labels(actor.role.label).inc()
        tell = await self._access.refuse(actor, action=f"{kind}", **describe(inner))
        logger.info("refused {} from user {} ({})", kind, actor.user_id, actor.role.label)
        await self._answer_refusal(data["bot"], inner, actor, tell)
        return None

    async def _answer_refusal(self, bot: Bot, event: TelegramObject, actor: Actor,
                              tell: bool) -> None:
        text = self._refusal_text(actor)
        try:
            if isinstance(event, CallbackQuery):
                # Always answer a button press so the client stops its spinner.
                await event.answer(text if tell else None, show_alert=False)
            elif tell and isinstance(event, Message) and event.chat.type == ChatType.PRIVATE:
                await bot.send_message(event.chat.id, text)
        except Exception as exc:  # a refusal that cannot be delivered is not worth a crash
            logger.warning("could not deliver a refusal to {}: {}", actor.user_id, exc)

    def _refusal_text(self, actor: Actor) -> str:
        _ = self._i18n.gettext
        if actor.role is Role.STRANGER:
            return _("⛔ This is a private trading bot. Your Telegram id is {user_id}; "
                     "its owner can add it to TELEGRAM__ADMIN_IDS or TELEGRAM__VIEWER_IDS.",
                     locale=actor.language).format(user_id=html.escape(str(actor.user_id)))
        return _("⛔ Only admins can do that. /help lists what you can use.",
                 locale=actor.language)
