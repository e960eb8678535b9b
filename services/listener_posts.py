"""A Telethon message as the pipeline sees it: an `IncomingPost` from the listener."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telethon import types, utils

from services.parsing.channels import normalize_channel_id
from services.posts import IncomingPost, PostSource


def post_from_message(message: Any, *, edited: bool) -> IncomingPost:
    """The `IncomingPost` of a Telethon message (`telethon.tl.custom.Message`)."""
    chat = message.chat  # from the update's own entities; None when Telegram sent none
    return IncomingPost(
        channel_id=normalize_channel_id(message.chat_id),
        message_id=message.id,
        date=_utc(message.date),
        text=message.message or "",  # a media caption is in .message too
        source=PostSource.LISTENER,
        reply_to_id=_reply_to_id(message),
        edit_date=_utc(message.edit_date) if edited and message.edit_date else None,
        channel_title=getattr(chat, "title", None),
        channel_username=_username(chat),
    )


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _reply_to_id(message: Any) -> int | None:
    header = message.reply_to
    if not isinstance(header, types.MessageReplyHeader) or header.reply_to_msg_id is None:
        return None  # not a reply, or a reply to a story
    peer = header.reply_to_peer_id
    if peer is not None and utils.get_peer_id(peer) != message.chat_id:
        return None  # a reply to a message of another chat: not linkable in this channel
    value: int = header.reply_to_msg_id
    return value


def _username(chat: Any) -> str | None:
    username: str | None = getattr(chat, "username", None)
    if username:
        return username
    # Channels with collectible usernames list them in .usernames instead.
    for item in getattr(chat, "usernames", None) or ():
        if getattr(item, "active", False):
            return str(item.username)
    return None
