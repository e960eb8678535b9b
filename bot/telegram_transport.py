"""Delivers the send queue's messages through aiogram, translating its errors."""

from __future__ import annotations

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, LinkPreviewOptions

from bot.telegram_session import retries_disabled
from services.outbox import OutgoingMessage, PermanentDeliveryError, RetryLater


class TelegramTransport:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def deliver(self, message: OutgoingMessage,
                      edit_message_id: int | None = None) -> int | None:
        markup = (InlineKeyboardMarkup.model_validate(message.reply_markup)
                  if message.reply_markup else None)
        token = retries_disabled.set(True)
        try:
            if edit_message_id is not None and message.kind == "text":
                edited = await self._edit(message, edit_message_id, markup)
                if edited is not None:
                    return edited
            if message.kind == "text":
                sent = await self._bot.send_message(
                    message.chat_id, message.text, parse_mode=ParseMode.HTML, reply_markup=markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    disable_notification=message.silent or None)
            else:
                upload = BufferedInputFile(message.file_content or b"",
                                           filename=message.file_name or "file")
                send = self._bot.send_photo if message.kind == "photo" else self._bot.send_document
                sent = await send(message.chat_id, upload, caption=message.text or None,
                                  parse_mode=ParseMode.HTML, reply_markup=markup,
                                  disable_notification=message.silent or None)
            return sent.message_id
        except TelegramRetryAfter as exc:
            raise RetryLater(float(exc.retry_after)) from None
        except (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound,
                TelegramEntityTooLarge) as exc:
            raise PermanentDeliveryError(exc.message) from None
        finally:
            retries_disabled.reset(token)

    async def _edit(self, message: OutgoingMessage, message_id: int,
                    markup: InlineKeyboardMarkup | None) -> int | None:
        """Edit the message in place; None when Telegram cannot (deleted, too old): the
        caller sends it as a new message instead, so the news still arrives."""
        try:
            await self._bot.edit_message_text(
                message.text, chat_id=message.chat_id, message_id=message_id,
                parse_mode=ParseMode.HTML, reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True))
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                return message_id  # it already reads this way
            return None
        return message_id
