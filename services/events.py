"""Typed events the services emit, and the bus that carries them to subscribers.

Services never talk to Telegram: they publish events like `SignalAccepted`; the control
plane subscribes and turns them into messages. A failing subscriber is logged and never
breaks the service that published.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from loguru import logger

from services.parsing import ParsedClose, ParsedSignal, ParsedUpdate
from services.posts import IncomingPost, ListenerState


@dataclass(frozen=True)
class ChannelRef:
    """Enough of a channel to name it in a message."""

    channel_id: int
    name: str  # @username, title, or id
    known: bool  # followed by the owner
    mode: str = "manual"


@dataclass(frozen=True)
class SignalAccepted:
    """A post read as a consistent new trade; next: risk gate, sizing, approval."""

    signal_id: int
    channel: ChannelRef
    post: IncomingPost
    signal: ParsedSignal  # prices rescaled when the channel wrote shorthand
    market_symbol: str | None = None  # the exchange's symbol, once checked
    rescaled: bool = False
    market_checked: bool = False  # False: the exchange could not be asked
    # The last price the market check read, and when: the engine sizes a signal handled
    # at once on it instead of asking the exchange a second time.
    market_price: Decimal | None = None
    priced_at: datetime | None = None


@dataclass(frozen=True)
class SignalNotUnderstood:
    """A post that looks like a signal but cannot be traded as written."""

    signal_id: int
    channel: ChannelRef
    post: IncomingPost
    reason: str


@dataclass(frozen=True)
class TradeUpdateReceived:
    """A management post (target hit, stop moved, close...) of an earlier signal."""

    signal_id: int
    channel: ChannelRef
    post: IncomingPost
    update: ParsedUpdate | ParsedClose
    linked_signal_id: int | None  # the signal it manages; None when it could not be linked


@dataclass(frozen=True)
class PostEdited:
    """A post the bot had already read was edited; `signal_id` is the new reading."""

    signal_id: int
    channel: ChannelRef
    post: IncomingPost
    previous_text: str
    previous_signal_id: int | None
    # The edited post read again, when it still is a sound signal (review applied: prices
    # rescaled like a new post's); None when the edit made it unreadable or not a signal.
    signal: ParsedSignal | None = None


@dataclass(frozen=True)
class ListenerStateChanged:
    state: ListenerState
    detail: str | None


Event = (SignalAccepted | SignalNotUnderstood | TradeUpdateReceived | PostEdited
         | ListenerStateChanged)
Subscriber = Callable[[Any], Awaitable[object]]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[tuple[type | tuple[type, ...] | None, Subscriber]] = []

    def subscribe(self, subscriber: Subscriber,
                  kinds: type | tuple[type, ...] | None = None) -> None:
        """Call `subscriber(event)` for every event (or only those of `kinds`)."""
        self._subscribers.append((kinds, subscriber))

    async def publish(self, event: Any) -> None:
        for kinds, subscriber in list(self._subscribers):
            if kinds is not None and not isinstance(event, kinds):
                continue
            try:
                await subscriber(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("subscriber {} failed on {}", getattr(subscriber, "__qualname__",
                                                                      subscriber),
                                 type(event).__name__)
