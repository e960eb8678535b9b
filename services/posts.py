"""A channel post as every source hands it to the signal pipeline.

Three sources — the Telethon listener, posts forwarded to the bot, and `channel_post`
updates of channels where the bot is admin — all produce an `IncomingPost`; from there
on the pipeline does not care where a post came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class PostSource(StrEnum):
    LISTENER = "listener"  # Telethon user session
    FORWARD = "forward"  # forwarded to the bot by an admin
    CHANNEL_POST = "channel_post"  # the bot is an admin of the channel


@dataclass(frozen=True)
class IncomingPost:
    channel_id: int  # always the marked form (-100…), see services.parsing.normalize_channel_id
    message_id: int  # the post's id inside its channel
    date: datetime  # when the channel published it, aware UTC
    text: str  # message text or media caption, as written
    source: PostSource
    reply_to_id: int | None = None  # the post it replies to, in the same channel
    edit_date: datetime | None = None  # set when this is an edited version
    channel_title: str | None = None
    channel_username: str | None = None
    forwarded_by: int | None = None  # the admin who forwarded it (FORWARD only)

    @property
    def is_edit(self) -> bool:
        return self.edit_date is not None


class ListenerState(StrEnum):
    OFF = "off"  # not configured, or stopped
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    UNAUTHORIZED = "unauthorized"  # the session is not logged in: run `python -m bot login`
