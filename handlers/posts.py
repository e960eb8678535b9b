"""Posts that reach the bot itself: forwarded by an admin, or posted in a channel where
the bot is an admin. Both become an `IncomingPost` for the signal pipeline."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.types import Chat, Message, MessageOriginChannel
from aiogram.utils.i18n import gettext as _

from services.intake import SignalIntake
from services.parsing import normalize_channel_id
from services.posts import IncomingPost, PostSource


def channel_names(chat: Chat) -> tuple[str | None, str | None]:
    return chat.title, chat.username


def forwarded_post(message: Message) -> IncomingPost | None:
    """The channel post a forwarded message carries; None if it was not a channel's."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel):
        chat, message_id, date = origin.chat, origin.message_id, origin.date
    elif message.forward_from_chat is not None and message.forward_from_chat.type == "channel":
        # Older clients send only the legacy fields.
        chat, message_id = message.forward_from_chat, message.forward_from_message_id or 0
        date = message.forward_date or message.date
    else:
        return None
    title, username = channel_names(chat)
    return IncomingPost(
        channel_id=normalize_channel_id(chat.id), message_id=message_id,
        date=date.astimezone(UTC), text=message.text or message.caption or "",
        source=PostSource.FORWARD, channel_title=title, channel_username=username,
        forwarded_by=message.from_user.id if message.from_user else None)


def channel_post(message: Message) -> IncomingPost:
    title, username = channel_names(message.chat)
    reply = message.reply_to_message
    return IncomingPost(
        channel_id=normalize_channel_id(message.chat.id), message_id=message.message_id,
        date=message.date.astimezone(UTC), text=message.text or message.caption or "",
        source=PostSource.CHANNEL_POST, reply_to_id=reply.message_id if reply else None,
        edit_date=datetime.fromtimestamp(message.edit_date, UTC) if message.edit_date else None,
        channel_title=title, channel_username=username)


async def on_forward(message: Message, intake: SignalIntake) -> None:
    post = forwarded_post(message)
    if post is None:
        await message.answer(_("Forward posts from a signal channel: this one did not come "
                               "from a channel."))
        return
    outcome = await intake.receive(post)
    # Signals, updates and "not understood" are announced to every admin by the notifier;
    # here the forwarder only hears about what is announced to nobody.
    if outcome.status == "duplicate":
        await message.reply(_("Already seen: this post was read before."))
    elif outcome.status == "noise":
        await message.reply(_("Stored — not a trade signal ({reason}).").format(
            reason=html.escape(outcome.reason or "")))
    elif outcome.status == "ignored":
        await message.reply(_("Stored — the channel is disabled in /channels."))


async def on_channel_post(message: Message, intake: SignalIntake) -> None:
    await intake.receive(channel_post(message))


def build_router() -> Router:
    router = Router(name=__name__)
    forwarded = F.forward_origin.is_not(None) | F.forward_from_chat.is_not(None)
    router.message.register(on_forward, forwarded)
    router.channel_post.register(on_channel_post)
    router.edited_channel_post.register(on_channel_post)
    return router
