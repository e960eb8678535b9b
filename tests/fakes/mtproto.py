"""Telethon offline: real TelegramClient objects with only their network methods replaced,
and real MTProto update objects to dispatch through Telethon's own event machinery.
(Telegram's MTProto servers cannot run here; everything else is Telethon's code.)"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from telethon import TelegramClient, types
from telethon.sessions import StringSession


def channel(bare_id: int, title: str, username: str | None = None, *,
            date: datetime) -> types.Channel:
    return types.Channel(id=bare_id, title=title, photo=types.ChatPhotoEmpty(), date=date,
                         username=username, access_hash=bare_id * 7, broadcast=True)


def post(bare_id: int, message_id: int, text: str, *, date: datetime,
         reply_to: int | None = None, edit_date: datetime | None = None) -> types.Message:
    header = types.MessageReplyHeader(reply_to_msg_id=reply_to) if reply_to else None
    return types.Message(id=message_id, peer_id=types.PeerChannel(bare_id), date=date,
                         message=text, post=True, reply_to=header, edit_date=edit_date)


def with_entities(update: Any, chat: types.Channel) -> Any:
    # Telethon attaches the chats that came with an update as `_entities`, keyed by marked
    # id; its event builders require the attribute.
    update._entities = {-(10**12 + chat.id): chat}
    return update


def new_post_update(chat: types.Channel, message_id: int, text: str, **kw: Any) -> Any:
    return with_entities(types.UpdateNewChannelMessage(
        message=post(chat.id, message_id, text, **kw), pts=message_id, pts_count=1), chat)


def edit_update(chat: types.Channel, message_id: int, text: str, **kw: Any) -> Any:
    return with_entities(types.UpdateEditChannelMessage(
        message=post(chat.id, message_id, text, **kw), pts=message_id + 1000, pts_count=1),
        chat)


async def dispatch(client: TelegramClient, update: Any) -> None:
    # Private Telethon API: the call its update loop makes for each update Telegram sends.
    # Kept in this one helper so a Telethon upgrade that renames it breaks one line.
    await client._dispatch_update(update)


class Network:
    """What the offline clients see: is Telegram reachable, is the session logged in."""

    def __init__(self) -> None:
        self.up = True
        self.authorized = True


class OfflineClient(TelegramClient):
    """A real TelegramClient with only its network methods replaced."""

    def __init__(self, network: Network) -> None:
        super().__init__(StringSession(), 1, "x", sequential_updates=True)
        self._network = network
        self._lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.disconnect_calls = 0

    async def connect(self) -> None:
        if not self._network.up:
            raise ConnectionError("Connection to Telegram failed 5 time(s)")

    async def is_user_authorized(self) -> bool:
        return self._network.authorized

    async def run_until_disconnected(self) -> None:
        await self._lost  # Telethon: resolves (or raises) when the connection is gone

    async def disconnect(self) -> None:
        self.disconnect_calls += 1
        if not self._lost.done():
            self._lost.set_result(None)

    def lose_connection(self, error: BaseException | None = None) -> None:
        self._lost.set_exception(error or ConnectionError("Connection reset by peer"))
