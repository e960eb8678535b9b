"""Small presentation helpers shared by the routers."""

from __future__ import annotations

from datetime import datetime

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from services.html_split import MESSAGE_LIMIT, split_html


async def edit_in_place(message: Message, text: str,
                        reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit a bot message; pressing a button that changes nothing is not an error."""
    try:
        await message.edit_text(text, reply_markup=reply_markup)
    except TelegramBadRequest as exc:
        if "not modified" not in exc.message:
            raise


def format_duration(seconds: float) -> str:
    """3d 4h, 5h 12m, 7m 3s, 12s."""
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("{d}d {h}h").format(d=days, h=hours)
    if hours:
        return _("{h}h {m}m").format(h=hours, m=minutes)
    if minutes:
        return _("{m}m {s}s").format(m=minutes, s=secs)
    return _("{s}s").format(s=secs)


def format_utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


async def answer_long(message: Message, text: str,
                      reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer with as many messages as Telegram's length limit needs (markup on the last)."""
    pieces = split_html(text, MESSAGE_LIMIT)
    for i, piece in enumerate(pieces):
        await message.answer(piece, reply_markup=reply_markup if i == len(pieces) - 1 else None)
