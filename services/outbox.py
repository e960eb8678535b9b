"""The one way notifications leave the bot: a persisted, ordered send queue.

A message is written to the database before any attempt to send it and removed only once
Telegram accepted it. Flood waits (retry-after) pause the whole queue for as long as
Telegram asks; server and network errors are retried with capped exponential backoff and
jitter, forever; a message Telegram refuses for good (bad request, bot blocked) is marked
failed and logged — never dropped silently. Text over Telegram's limits is split.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, Protocol

from loguru import logger

from services.clock import Clock
from services.html_split import CAPTION_LIMIT, MESSAGE_LIMIT, split_html
from storage.database import Database
from storage.outbox import OutboxRepository, OutboxRow


@dataclass(frozen=True)
class OutgoingMessage:
    """A message for one chat. `text` is Telegram HTML; `reply_markup` is Bot API JSON."""

    chat_id: int
    text: str = ""
    kind: Literal["text", "photo", "document"] = "text"
    reply_markup: dict[str, Any] | None = None
    file_name: str | None = None
    file_content: bytes | None = field(default=None, repr=False)
    ref: str | None = None  # remember the delivered message under this (e.g. "approval:7")
    replaces: str | None = None  # edit the message remembered under this ref, if there is one
    silent: bool = False  # delivered without a sound


class DeliveryError(Exception):
    """Base of what a transport raises when Telegram did not take the message."""


class RetryLater(DeliveryError):
    def __init__(self, seconds: float, reason: str = "flood control") -> None:
        super().__init__(f"{reason}: retry after {seconds:g} s")
        self.seconds = seconds


class TransientDeliveryError(DeliveryError):
    """Server or network trouble: try again later."""


class PermanentDeliveryError(DeliveryError):
    """Telegram will never take this message (bad request, blocked, chat not found)."""


class Transport(Protocol):
    async def deliver(self, message: OutgoingMessage,
                      edit_message_id: int | None = None) -> int | None:
        """Send `message` (or, with `edit_message_id`, edit that message of the chat to
        it); returns the id of the message Telegram shows."""
        ...


@dataclass
class OutboxStats:
    sent: int = 0
    retries: int = 0
    failed: int = 0
    flood_waits: int = 0


class Outbox:
    def __init__(self, db: Database, repo: OutboxRepository, transport: Transport, clock: Clock,
                 *, base_backoff_s: float = 1.0, max_backoff_s: float = 60.0,
                 min_interval_s: float = 0.05,
                 sleep: Callable[[float], Any] = asyncio.sleep) -> None:
        self._db = db
        self._repo = repo
        self._transport = transport
        self._clock = clock
        self._base_backoff = base_backoff_s
        self._max_backoff = max_backoff_s
        self._min_interval = min_interval_s
        self._sleep = sleep
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()  # set by the worker whenever it finds nothing to send
        self.stats = OutboxStats()

    async def send(self, message: OutgoingMessage) -> None:
        """Queue a message (split to Telegram's limits); returns once it is stored."""
        pieces = self._pieces(message)
        now = self._clock.now()
        async with self._db.transaction():
            for piece in pieces:
                await self._repo.add(chat_id=piece.chat_id, kind=piece.kind, text=piece.text,
                                     reply_markup=piece.reply_markup, file_name=piece.file_name,
                                     file_content=piece.file_content, now=now, ref=piece.ref,
                                     replaces=piece.replaces, silent=message.silent)
        self._idle.clear()
        self._wake.set()

    async def pending(self) -> int:
        return await self._repo.count("pending")

    async def wait_idle(self, within_s: float | None = None) -> bool:
        """Wait until nothing is pending (tests and shutdown use this)."""
        try:
            await asyncio.wait_for(self._idle.wait(), within_s)
        except TimeoutError:
            return False
        return True

    async def run(self) -> None:
        """Deliver queued messages until cancelled."""
        while True:
            row = await self._repo.next_pending()
            if row is None:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            delay = (row.next_attempt_at - self._clock.now()).total_seconds()
            if delay > 0:
                self._wake.clear()
                try:  # a new message does not jump the queue; it only re-checks the head
                    await asyncio.wait_for(self._wake.wait(), delay)
                except TimeoutError:
                    pass
                continue
            await self._attempt(row)
            if self._min_interval:
                await self._sleep(self._min_interval)

    async def _attempt(self, row: OutboxRow) -> None:
        message = OutgoingMessage(chat_id=row.chat_id, text=row.text, kind=row.kind,  # type: ignore[arg-type]
                                  reply_markup=row.reply_markup, file_name=row.file_name,
                                  file_content=row.file_content, silent=row.silent)
        try:
            editing = (await self._repo.sent_message_id(row.replaces, row.chat_id)
                       if row.replaces else None)
            shown = await self._transport.deliver(message, editing)
        except asyncio.CancelledError:
            raise
        except RetryLater as exc:
            self.stats.flood_waits += 1
            logger.warning("Telegram flood control: waiting {}s before message {}",
                           exc.seconds, row.id)
            await self._repo.postpone(row.id, until=self._later(exc.seconds), error=str(exc))
        except PermanentDeliveryError as exc:
            self.stats.failed += 1
            logger.error("Telegram refused message {} to chat {} for good: {}",
                         row.id, row.chat_id, exc)
            await self._repo.give_up(row.id, error=str(exc))
        except Exception as exc:  # transient or unknown: keep it and back off
            self.stats.retries += 1
            delay = min(self._max_backoff, self._base_backoff * 2 ** min(row.attempts, 16))
            delay *= random.uniform(0.8, 1.2)
            logger.warning("sending message {} failed ({}); retry {} in {:.1f}s",
                           row.id, exc, row.attempts + 1, delay)
            await self._repo.postpone(row.id, until=self._later(delay), error=repr(exc))
        else:
            self.stats.sent += 1
            async with self._db.transaction():
                if row.ref and shown is not None:
                    await self._repo.remember(row.ref, row.chat_id, shown, now=self._clock.now())
                await self._repo.delivered(row.id)

    def _later(self, seconds: float) -> Any:
        return self._clock.now() + timedelta(seconds=seconds)

    @staticmethod
    def _pieces(message: OutgoingMessage) -> list[OutgoingMessage]:
        if message.kind == "text":
            chunks = split_html(message.text, MESSAGE_LIMIT)
            last = len(chunks) - 1
            return [OutgoingMessage(chat_id=message.chat_id, text=chunk,
                                    reply_markup=message.reply_markup if i == last else None,
                                    ref=message.ref if i == last else None,
                                    replaces=message.replaces if len(chunks) == 1 else None)
                    for i, chunk in enumerate(chunks)]
        # A file goes first with as much caption as fits; the rest follows as text.
        caption, *rest = split_html(message.text, CAPTION_LIMIT) if message.text else [""]
        tail = split_html("\n".join(rest), MESSAGE_LIMIT) if rest else []
        head = OutgoingMessage(chat_id=message.chat_id, text=caption, kind=message.kind,
                               reply_markup=None if tail else message.reply_markup,
                               file_name=message.file_name, file_content=message.file_content)
        return [head] + [OutgoingMessage(chat_id=message.chat_id, text=t,
                                         reply_markup=message.reply_markup if i == len(tail) - 1
                                         else None)
                         for i, t in enumerate(tail)]
