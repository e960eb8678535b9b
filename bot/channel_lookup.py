"""Finding a channel's id from its @username through the Bot API (getChat)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
)
from loguru import logger

from services.channels import ChannelIdentity, Resolver
from services.parsing import normalize_channel_id


def bot_resolver(bot: Bot) -> Resolver:
    async def resolve(username: str) -> ChannelIdentity | None:
        try:
            chat = await bot.get_chat(f"@{username}")
        except (TelegramBadRequest, TelegramNotFound, TelegramForbiddenError):
            return None
        except ClientDecodeError as exc:  # Telegram's answer no longer fits aiogram's model
            logger.warning("getChat @{} answered something aiogram cannot read: {}", username,
                           exc.message)
            return None
        if chat.type != "channel":
            return None
        return ChannelIdentity(normalize_channel_id(chat.id), chat.title, chat.username)

    return resolve
