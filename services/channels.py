"""Followed channels: follow by @username, t.me link or id; enable, disable, mode, remove.

Every change is audited. Resolving a username to a channel id needs Telegram, so the
wiring hands in a `resolve` function (the bot's getChat, or the listener's session).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from services.audit import AuditTrail
from services.clock import Clock
from services.errors import UserFacingError
from services.parsing import normalize_channel_id
from services.trading.sizing import SizeMode, SizeRule
from storage.channels import ChannelRepository, ChannelRow
from storage.database import Database
from storage.posts import PostRepository
from storage.signals import SignalRepository

MODES = ("manual", "auto")
UPDATE_MODES = ("follow", "ignore")


@dataclass(frozen=True)
class ChannelIdentity:
    channel_id: int  # marked form
    title: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class ChannelReference:
    """What the user typed, understood: a channel id, or a username to look up."""

    channel_id: int | None = None
    username: str | None = None


@dataclass(frozen=True)
class ChannelSummary:
    channel: ChannelRow
    signals: int  # posts read as new trades
    not_understood: int
    updates: int


Resolver = Callable[[str], Awaitable[ChannelIdentity | None]]

_LINK = re.compile(r"^(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(.+)$", re.I)
_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")


def parse_reference(text: str) -> ChannelReference:
    """`@name`, `name`, `t.me/name`, `t.me/name/123`, `t.me/c/123/45`, `-100123`, `123`."""
    value = text.strip()
    link = _LINK.match(value)
    if link:
        parts = link.group(1).split("/")
        if parts[0] == "c" and len(parts) > 1 and parts[1].isdigit():
            return ChannelReference(channel_id=normalize_channel_id(parts[1]))
        value = parts[0].split("?")[0]
    if value.lstrip("-").isdigit():
        return ChannelReference(channel_id=normalize_channel_id(value))
    match = _USERNAME.match(value)
    if match:
        return ChannelReference(username=match.group(1))
    raise UserFacingError(
        "{ref} is not a channel: use @username, a t.me link, or the channel id (-100…).",
        ref=text.strip()[:64])


class ChannelService:
    def __init__(self, *, db: Database, channels: ChannelRepository, posts: PostRepository,
                 signals: SignalRepository, audit: AuditTrail, clock: Clock,
                 resolve: Resolver | None = None) -> None:
        self._db = db
        self._posts = posts
        self._channels = channels
        self._signals = signals
        self._audit = audit
        self._clock = clock
        self._resolve = resolve
        self._listeners: list[Callable[[], Awaitable[None]]] = []

    def on_change(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Called after the followed set changes (the listener refreshes its filter)."""
        self._listeners.append(callback)

    async def summaries(self) -> list[ChannelSummary]:
        counts = await self._signals.counts_by_channel()
        result = []
        for channel in await self._channels.all():
            c = counts.get(channel.channel_id, {})
            result.append(ChannelSummary(channel, signals=c.get("accepted", 0),
                                         not_understood=c.get("not_understood", 0),
                                         updates=c.get("linked", 0) + c.get("unlinked", 0)))
        return result

    async def enabled_ids(self) -> set[int]:
        return await self._channels.enabled_ids()

    async def get(self, channel_id: int) -> ChannelRow | None:
        return await self._channels.get(channel_id)

    async def find(self, text: str) -> ChannelRow:
        """The followed channel the user means, or a UserFacingError saying it is not followed."""
        ref = parse_reference(text)
        row = (await self._channels.get(ref.channel_id) if ref.channel_id is not None
               else await self._channels.by_username(ref.username or ""))
        if row is None:
            raise UserFacingError("{ref} is not followed. /channels lists the followed ones.",
                                  ref=text.strip()[:64])
        return row

    async def follow(self, text: str, *, actor_id: int, role: str,
                     identity: ChannelIdentity | None = None) -> ChannelRow:
        """Follow a channel (manual approval, enabled). `identity` skips the look-up."""
        if identity is None:
            identity = await self._identify(parse_reference(text))
        existing = await self._channels.get(identity.channel_id)
        if existing is not None:
            raise UserFacingError("{name} is already followed.", name=existing.name)
        async with self._db.transaction():
            await self._channels.add(identity.channel_id, title=identity.title,
                                     username=identity.username, by=actor_id,
                                     now=self._clock.now())
            await self._audit.record(actor_id=actor_id, role=role, action="channel_follow",
                                     outcome="done", channel_id=identity.channel_id,
                                     username=identity.username)
        await self._changed()
        row = await self._channels.get(identity.channel_id)
        assert row is not None
        return row

    async def unfollow(self, channel_id: int, *, actor_id: int, role: str) -> ChannelRow:
        row = await self._require(channel_id)
        async with self._db.transaction():
            await self._channels.remove(channel_id)
            await self._audit.record(actor_id=actor_id, role=role, action="channel_unfollow",
                                     outcome="done", channel_id=channel_id)
        await self._changed()
        return row

    async def set_enabled(self, channel_id: int, enabled: bool, *, actor_id: int,
                          role: str) -> ChannelRow:
        await self._require(channel_id)
        async with self._db.transaction():
            await self._channels.set_enabled(channel_id, enabled, self._clock.now())
            await self._audit.record(actor_id=actor_id, role=role,
                                     action="channel_enable" if enabled else "channel_disable",
                                     outcome="done", channel_id=channel_id)
        await self._changed()
        return await self._require(channel_id)

    async def set_mode(self, channel_id: int, mode: str, *, actor_id: int,
                       role: str) -> ChannelRow:
        if mode not in MODES:
            raise UserFacingError("Mode must be manual or auto.")
        await self._require(channel_id)
        async with self._db.transaction():
            await self._channels.set_mode(channel_id, mode, self._clock.now())
            await self._audit.record(actor_id=actor_id, role=role, action="channel_mode",
                                     outcome="done", channel_id=channel_id, mode=mode)
        return await self._require(channel_id)

    async def set_max_leverage(self, channel_id: int, text: str, *, actor_id: int,
                               role: str) -> ChannelRow:
        """The channel's leverage cap: a whole number from 1 to 125, or off."""
        value = text.strip().lower().removesuffix("x")
        if value in ("off", "none"):
            leverage = None
        elif value.isdigit() and 1 <= int(value) <= 125:
            leverage = int(value)
        else:
            raise UserFacingError("Leverage cap must be a whole number from 1 to 125, or off "
                                  "(got {value}).", value=text.strip()[:32])
        await self._require(channel_id)
        async with self._db.transaction():
            await self._channels.set_max_leverage(channel_id, leverage, self._clock.now())
            await self._audit.record(actor_id=actor_id, role=role, action="channel_leverage",
                                     outcome="done", channel_id=channel_id, max_leverage=leverage)
        return await self._require(channel_id)

    async def set_size(self, channel_id: int, mode: str, value: str | None, *, actor_id: int,
                       role: str) -> ChannelRow:
        """The channel's own position size (`default` returns to /set sizing.*)."""
        mode = mode.strip().lower()
        if mode == "default":
            size_mode, size_value = None, None
        else:
            try:
                rule = SizeRule(SizeMode(mode), Decimal((value or "").strip().rstrip("%")
                                                        .replace(",", ".")))
            except (ValueError, InvalidOperation):
                raise UserFacingError(
                    "Size must be quote <USDT>, equity_pct <%>, risk_pct <%> or default "
                    "(got {value}).", value=f"{mode} {value or ''}".strip()[:48]) from None
            size_mode, size_value = rule.mode.value, str(rule.value)
        await self._require(channel_id)
        async with self._db.transaction():
            await self._channels.set_size(channel_id, size_mode, size_value, self._clock.now())
            await self._audit.record(actor_id=actor_id, role=role, action="channel_size",
                                     outcome="done", channel_id=channel_id, size_mode=size_mode,
                                     size_value=size_value)
        return await self._require(channel_id)

    async def set_updates(self, channel_id: int, updates: str, *, actor_id: int,
                          role: str) -> ChannelRow:
        """Whether the channel's management posts change its positions (follow) or are
        only shown (ignore)."""
        updates = updates.strip().lower()
        if updates not in UPDATE_MODES:
            raise UserFacingError("Updates must be follow or ignore (got {value}).",
                                  value=updates[:32])
        await self._require(channel_id)
        async with self._db.transaction():
            await self._channels.set_updates(channel_id, updates, self._clock.now())
            await self._audit.record(actor_id=actor_id, role=role, action="channel_updates",
                                     outcome="done", channel_id=channel_id, updates=updates)
        return await self._require(channel_id)

    async def _require(self, channel_id: int) -> ChannelRow:
        row = await self._channels.get(channel_id)
        if row is None:
            raise UserFacingError("That channel is no longer followed.")
        return row

    async def _identify(self, ref: ChannelReference) -> ChannelIdentity:
        if ref.channel_id is not None:
            title, username = await self._posts.latest_names(ref.channel_id)
            return ChannelIdentity(ref.channel_id, title, username)
        username = ref.username or ""
        known = await self._channels.by_username(username)
        if known is not None:
            return ChannelIdentity(known.channel_id, known.title, known.username)
        found = await self._resolve(username) if self._resolve else None
        if found is None:
            raise UserFacingError(
                "Could not find @{username}. Check the name, or forward one of its posts here "
                "and press Follow.", username=username)
        return found

    async def _changed(self) -> None:
        for callback in self._listeners:
            await callback()
