"""Telegram's command menu (setMyCommands), from the command registry, per role and language.

Everyone's default menu holds only what a stranger may try; each admin's and viewer's
private chat gets the commands of their role. English is the default, Russian is set for
users whose Telegram speaks Russian.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from loguru import logger

from handlers.commands import commands_for
from services.access import SUPPORTED_LANGUAGES, Role

PUBLIC = ("start", "help")


def menu(role: Role, i18n: I18n, language: str) -> list[BotCommand]:
    if role is Role.STRANGER:
        specs = [s for s in commands_for(Role.VIEWER) if s.name in PUBLIC]
    else:
        specs = [s for s in commands_for(role) if s.menu]
    return [BotCommand(command=s.name, description=i18n.gettext(s.description, locale=language))
            for s in specs]


async def publish_commands(bot: Bot, i18n: I18n, *, admin_ids: Iterable[int],
                           viewer_ids: Iterable[int]) -> int:
    """Register every menu; return how many calls failed (a user who never opened the
    chat makes Telegram answer 'chat not found' — logged, not fatal)."""
    targets: list[tuple[Role, BotCommandScopeDefault | BotCommandScopeChat]] = [
        (Role.STRANGER, BotCommandScopeDefault())
    ]
    targets += [(Role.ADMIN, BotCommandScopeChat(chat_id=uid)) for uid in admin_ids]
    targets += [(Role.VIEWER, BotCommandScopeChat(chat_id=uid)) for uid in viewer_ids]
    failures = 0
    for role, scope in targets:
        for language in SUPPORTED_LANGUAGES:
            code = None if language == "en" else language
            try:
                await bot.set_my_commands(menu(role, i18n, language), scope=scope,
                                          language_code=code)
            except TelegramAPIError as exc:
                failures += 1
                logger.warning("could not set the {} command menu ({}) for {}: {}",
                               role.label, language, scope.type, exc.message)
    return failures
