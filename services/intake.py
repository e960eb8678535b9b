"""The signal pipeline's front door: store every post, read it, link it, tell the others.

Every source (listener, forwarded post, channel post) calls `SignalIntake.receive`. The raw
post is stored first, in the same transaction as its reading, so a crash never leaves a
post read but not stored or the other way round; a post seen twice is stored once and read
once; an edited post gets a new revision and a new reading.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from services.clock import Clock
from services.events import (
    ChannelRef,
    EventBus,
    PostEdited,
    SignalAccepted,
    SignalNotUnderstood,
    TradeUpdateReceived,
)
from services.market_check import MarketCheck, MarketReview
from services.parsing import (
    ParsedClose,
    ParsedSignal,
    ParsedUpdate,
    ParseResult,
    not_understood_reason,
    parse_post,
    validate_signal,
)
from services.posts import IncomingPost, PostSource
from storage.channels import ChannelRepository, ChannelRow
from storage.database import Database
from storage.posts import PostRepository, StoredPost
from storage.signals import SignalRepository


@dataclass(frozen=True)
class IntakeOutcome:
    """What became of a post (for the caller's reply and for tests)."""

    status: str  # accepted / not_understood / noise / linked / unlinked / ignored / duplicate
    signal_id: int | None = None
    reason: str | None = None
    channel_known: bool = True


def parse_to_json(result: ParseResult) -> dict[str, Any]:
    """The parse as JSON-safe data (Decimals as strings, enums as values)."""

    def convert(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, Enum):
            return value.value
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: convert(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, tuple | list):
            return [convert(v) for v in value]
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value

    return {"kind": result.kind, **convert(result)}


class SignalIntake:
    def __init__(self, *, db: Database, channels: ChannelRepository, posts: PostRepository,
                 signals: SignalRepository, events: EventBus, clock: Clock,
                 market_check: MarketCheck | None = None) -> None:
        self._db = db
        self._market_check = market_check
        self._channels = channels
        self._posts = posts
        self._signals = signals
        self._events = events
        self._clock = clock

    async def receive(self, post: IncomingPost) -> IntakeOutcome:
        """Store, read and announce one post. Safe to call twice with the same post."""
        now = self._clock.now()
        async with self._db.transaction():  # the raw post first, before anything can fail
            channel = await self._channels.get(post.channel_id)
            if channel is not None and (post.channel_title or post.channel_username):
                await self._channels.update_names(post.channel_id, title=post.channel_title,
                                                  username=post.channel_username, now=now)
                channel = await self._channels.get(post.channel_id)
            stored = await self._posts.store(
                channel_id=post.channel_id, message_id=post.message_id, posted_at=post.date,
                text=post.text, reply_to_id=post.reply_to_id, source=post.source.value,
                edited_at=post.edit_date, now=now, channel_title=post.channel_title,
                channel_username=post.channel_username)
            readings = await self._signals.for_post(stored.post.id)
        if any(r.revision == stored.post.revision for r in readings):
            return IntakeOutcome("duplicate", channel_known=channel is not None)
        # Stored but never read (a crash in between, or this is an edit): read it now. The
        # exchange may be asked here, so no transaction is held open meanwhile.
        previous_id = readings[-1].id if readings else None
        reading = await self._read(post, channel)
        async with self._db.transaction():
            status = reading.status
            linked = None
            if status == "unlinked":
                linked = await self._link(post, reading.result)
                status = "linked" if linked is not None else "unlinked"
            signal_id = await self._signals.add(
                post_id=stored.post.id, revision=stored.post.revision,
                channel_id=post.channel_id, kind=reading.result.kind, status=status,
                symbol=getattr(reading.result, "symbol", None), reason=reading.reason,
                parsed=parse_to_json(reading.result), linked_signal_id=linked, now=now)
        ref = _channel_ref(post, channel)
        await self._announce(stored, ref, post, reading, status, signal_id, linked, previous_id)
        return IntakeOutcome(status, signal_id, reading.reason, channel_known=channel is not None)

    async def _read(self, post: IncomingPost, channel: ChannelRow | None) -> _Reading:
        if channel is not None and not channel.enabled and post.source is not PostSource.FORWARD:
            return _Reading(parse_post(post.text), "ignored", "channel disabled")
        result = parse_post(post.text)
        if isinstance(result, ParsedSignal):
            cap = channel.max_leverage if channel else None
            if self._market_check is None:
                reasons = validate_signal(result, max_leverage=cap)
                return _Reading(result, "not_understood" if reasons else "accepted",
                                "; ".join(reasons) or None)
            review = await self._market_check.review(result, leverage_cap=cap)
            if review.reasons:
                return _Reading(result, "not_understood", "; ".join(review.reasons), review)
            return _Reading(result, "accepted", None, review)
        if isinstance(result, ParsedUpdate | ParsedClose):
            return _Reading(result, "unlinked", None)
        reason = not_understood_reason(result)
        return _Reading(result, "not_understood" if reason else "noise", reason or result.reason)

    async def _link(self, post: IncomingPost, result: ParseResult) -> int | None:
        """The signal an update manages: the post it replies to, else the channel's latest
        signal for the same symbol."""
        if post.reply_to_id is not None:
            replied = await self._posts.get(post.channel_id, post.reply_to_id)
            if replied is not None:
                signal = await self._signals.latest_open(post.channel_id, post_id=replied.id)
                if signal is not None:
                    return signal.id
        symbol = getattr(result, "symbol", None)
        if symbol:
            signal = await self._signals.latest_open(post.channel_id, symbol=symbol)
            if signal is not None:
                return signal.id
        return None

    async def _announce(self, stored: StoredPost, channel: ChannelRef, post: IncomingPost,
                        reading: _Reading, status: str, signal_id: int, linked: int | None,
                        previous_signal_id: int | None) -> None:
        if stored.revised and previous_signal_id is not None:
            # An edit of a post that was already a trade signal must never change anything
            # silently: the control plane shows the difference and asks. An edit that turns
            # noise into a signal (channels often post first and add levels later) is read
            # like a new post.
            previous = await self._signals.get(previous_signal_id)
            if previous is not None and previous.status == "accepted":
                edited = reading.result if status == "accepted" and isinstance(
                    reading.result, ParsedSignal) else None
                if edited is not None and reading.review is not None:
                    edited = reading.review.signal
                await self._events.publish(PostEdited(signal_id, channel, post,
                                                      stored.previous_text or "",
                                                      previous_signal_id, edited))
                return
        result = reading.result
        if status == "accepted" and isinstance(result, ParsedSignal):
            review = reading.review
            await self._events.publish(SignalAccepted(
                signal_id, channel, post, review.signal if review else result,
                market_symbol=review.market_symbol if review else None,
                rescaled=review.rescaled if review else False,
                market_checked=review.checked if review else False,
                market_price=review.price if review else None,
                priced_at=self._clock.now() if review and review.price else None))
        elif status == "not_understood":
            await self._events.publish(
                SignalNotUnderstood(signal_id, channel, post, reading.reason or ""))
        elif status in ("linked", "unlinked") and isinstance(result, ParsedUpdate | ParsedClose):
            await self._events.publish(
                TradeUpdateReceived(signal_id, channel, post, result, linked))


@dataclass(frozen=True)
class _Reading:
    result: ParseResult
    status: str
    reason: str | None
    review: MarketReview | None = None


def _channel_ref(post: IncomingPost, channel: ChannelRow | None) -> ChannelRef:
    if channel is not None:
        return ChannelRef(channel.channel_id, channel.name, known=True, mode=channel.mode)
    if post.channel_username:
        name = f"@{post.channel_username}"
    else:
        name = post.channel_title or str(post.channel_id)
    return ChannelRef(post.channel_id, name, known=False, mode="manual")

