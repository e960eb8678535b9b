"""The Telethon channel listener: posts of the followed channels in, `IncomingPost`s out.

A user session (see `listener_session`) receives every channel the account has joined;
the listener hands on NewMessage and MessageEdited of the *followed* ones, checked by id
for each post, so following or dropping a channel takes effect at once
(`refresh_channels`) without touching the connection.

It keeps itself connected: when Telethon gives up on a connection (after its own quick
retries), the listener opens a fresh client with capped exponential backoff and jitter.
Its state is readable at any time (`state`, `detail`, for /status); every change goes to
`on_state`, and what admins should hear — a disconnect longer than
`disconnect_alert_after_s`, the recovery from it, a session that needs `bot login` — goes
to `on_alert` as a `ListenerAlert`. Nothing here knows about the bot or aiogram.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from loguru import logger
from telethon import TelegramClient, errors, events

from services.clock import Clock
from services.listener_posts import post_from_message
from services.parsing.channels import normalize_channel_id
from services.posts import IncomingPost, ListenerState

# Results are ignored (Awaitable[object]), so e.g. `SignalIntake.receive` fits `on_post` as is.
ChannelIds = Callable[[], Awaitable[set[int]]]  # the followed channels (marked or bare ids)
PostHandler = Callable[[IncomingPost], Awaitable[object]]
StateHandler = Callable[[ListenerState, str | None], Awaitable[object]]

LOGIN_HINT = ("the Telethon session is not logged in — run `python -m bot login` "
              "(in Docker: `docker run -it ... python -m bot login`)")
DISCONNECT_TIMEOUT_S = 5.0
# Errors after which reconnecting cannot help: the session was revoked, never logged in,
# or is used by another process at the same time.
_NEEDS_LOGIN = (errors.UnauthorizedError, errors.AuthKeyError, errors.AuthKeyNotFound)


@dataclass(frozen=True)
class ListenerAlert:
    """Something admins should be told (SPEC: "listener disconnected/reconnected").

    state RECONNECTING: not connected for longer than the alert threshold (once per
    outage); CONNECTED: back after such an alert; UNAUTHORIZED: the session needs
    `python -m bot login`; OFF: stopped by an error retrying cannot fix.
    `detail` is English for logs; a notifier localises from `state` and `down_for_s`.
    """

    state: ListenerState
    detail: str
    down_for_s: float | None = None


AlertHandler = Callable[[ListenerAlert], Awaitable[object]]


class ChannelListener:
    """Listens with a Telethon user session; run it as one background task.

    `client_factory` makes a fresh, unconnected client for each connection (see
    `listener_session.client_from_settings`); `channels` answers the followed ids (marked
    or bare) at start and on every `refresh_channels()`; `on_post` gets each post of a
    followed channel — keep it short (store, enqueue): posts are handed on one at a time,
    in order. A failing callback is logged and never stops the listener.
    """

    def __init__(self, *, client_factory: Callable[[], TelegramClient], channels: ChannelIds,
                 on_post: PostHandler, on_state: StateHandler | None = None,
                 on_alert: AlertHandler | None = None, clock: Clock,
                 disconnect_alert_after_s: float = 60.0, base_backoff_s: float = 1.0,
                 max_backoff_s: float = 60.0) -> None:
        self._client_factory = client_factory
        self._channels = channels
        self._on_post = on_post
        self._on_state = on_state
        self._on_alert = on_alert
        self._clock = clock
        self._alert_after = disconnect_alert_after_s
        self._base_backoff = base_backoff_s
        self._max_backoff = max_backoff_s
        self._followed: frozenset[int] = frozenset()
        self._down_since: float | None = None  # monotonic time the current outage began
        self._down_reason = "not connected yet"
        self._alerted = False
        self._alert_timer: asyncio.Task[None] | None = None
        self.state = ListenerState.OFF
        self._detail: str | None = "not started"

    @property
    def detail(self) -> str | None:
        """Why the listener is in its state, in English (for /status and logs)."""
        if self.state == ListenerState.RECONNECTING and self._down_since is not None:
            return f"disconnected for {self._down_for():.0f} s ({self._down_reason}); retrying"
        return self._detail

    @property
    def followed(self) -> frozenset[int]:
        """The marked ids of the channels whose posts are handed on."""
        return self._followed

    # -- the followed set ------------------------------------------------------------
    async def refresh_channels(self) -> None:
        """Ask `channels()` again and apply the answer to the very next post.

        A failing `channels()` keeps the previous set (and is logged); an id that is not
        a channel id is skipped with a warning.
        """
        try:
            ids = await self._channels()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("listener: could not read the followed channels; keeping {}",
                             len(self._followed))
            return
        followed: set[int] = set()
        for value in ids:
            try:
                followed.add(normalize_channel_id(value))
            except ValueError:
                logger.warning("listener: ignoring invalid channel id {!r}", value)
        self._followed = frozenset(followed)
        logger.debug("listener: following {} channel(s)", len(followed))

    # -- the connection ----------------------------------------------------------------
    async def run(self) -> None:
        """Listen until cancelled; returns by itself only when a login is needed (state
        UNAUTHORIZED) or the client cannot even be built (state OFF)."""
        await self.refresh_channels()
        failures = 0
        await self._change(ListenerState.CONNECTING, None)
        self._went_down("not connected yet")
        try:
            while True:
                try:
                    client = self._client_factory()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    await self._give_up(ListenerState.OFF,
                                        f"cannot create the Telegram client: {_describe(exc)}")
                    return
                connected_at: float | None = None
                self._register(client)
                try:
                    await client.connect()
                    if not await client.is_user_authorized():
                        await self._give_up(ListenerState.UNAUTHORIZED, LOGIN_HINT)
                        return
                    connected_at = self._clock.monotonic()
                    await self._came_up()
                    await client.run_until_disconnected()
                    reason = "the connection was closed"
                except asyncio.CancelledError:
                    raise
                except _NEEDS_LOGIN as exc:
                    await self._give_up(ListenerState.UNAUTHORIZED,
                                        f"{LOGIN_HINT} ({type(exc).__name__})")
                    return
                except Exception as exc:
                    reason = _describe(exc)
                finally:
                    await _disconnect(client)
                # A connection that held for a while starts the backoff again from the bottom;
                # one that drops at once keeps growing it, so a flapping link is not hammered.
                if (connected_at is not None
                        and self._clock.monotonic() - connected_at >= self._max_backoff):
                    failures = 0
                failures += 1
                delay = self._backoff(failures)
                self._went_down(reason)
                logger.warning("listener: {}; reconnecting in {:.1f} s", reason, delay)
                await self._change(ListenerState.RECONNECTING, reason)
                await asyncio.sleep(delay)
        finally:
            self._stop_alert_timer()
            self._down_since, self._alerted = None, False
            if self.state not in (ListenerState.UNAUTHORIZED, ListenerState.OFF):
                # Shutting down: no callbacks, their receivers may already be gone.
                self.state, self._detail = ListenerState.OFF, "stopped"

    def _backoff(self, failures: int) -> float:
        return reconnect_delay(failures, self._base_backoff, self._max_backoff)

    def _register(self, client: TelegramClient) -> None:
        # The id check runs per post (Telethon calls `func` for every event), so the
        # followed set can change at run time without re-registering anything.
        client.add_event_handler(self._on_new_message, events.NewMessage(func=self._is_followed))
        client.add_event_handler(self._on_edited_message,
                                 events.MessageEdited(func=self._is_followed))

    def _is_followed(self, event: Any) -> bool:
        return event.chat_id is not None and event.chat_id in self._followed

    # -- posts -------------------------------------------------------------------------
    async def _on_new_message(self, event: Any) -> None:
        await self._hand_on(event.message, edited=False)

    async def _on_edited_message(self, event: Any) -> None:
        if event.message.edit_date is None:
            # Telegram sends "edits" for reaction and view changes too; with no edit date
            # the text is the one first published, so there is nothing new to hand on.
            return
        await self._hand_on(event.message, edited=True)

    async def _hand_on(self, message: Any, *, edited: bool) -> None:
        try:
            post = post_from_message(message, edited=edited)
            await self._on_post(post)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("listener: handling post {} of channel {} failed",
                             getattr(message, "id", "?"), getattr(message, "chat_id", "?"))

    # -- state and alerts --------------------------------------------------------------
    async def _change(self, state: ListenerState, detail: str | None) -> None:
        changed = state != self.state
        self.state, self._detail = state, detail
        if changed and self._on_state is not None:
            await _call_safely(self._on_state, state, self.detail)

    async def _alert(self, alert: ListenerAlert) -> None:
        if self._on_alert is not None:
            await _call_safely(self._on_alert, alert)

    def _went_down(self, reason: str) -> None:
        """Start (or continue) an outage; its alert fires once, after the threshold."""
        self._down_reason = reason
        if self._down_since is None:
            self._down_since = self._clock.monotonic()
            self._alerted = False
            self._alert_timer = asyncio.create_task(self._alert_when_still_down(),
                                                    name="signaldesk:listener-alert")

    async def _alert_when_still_down(self) -> None:
        await asyncio.sleep(self._alert_after)
        if self._down_since is None:
            return
        down_for = self._down_for()
        self._alerted = True
        detail = f"disconnected for {down_for:.0f} s ({self._down_reason})"
        logger.error("listener: {}", detail)
        await self._alert(ListenerAlert(ListenerState.RECONNECTING, detail, down_for))

    def _down_for(self) -> float:
        if self._down_since is None:
            return 0.0
        return self._clock.monotonic() - self._down_since

    async def _came_up(self) -> None:
        down_for = self._down_for()
        was_reconnecting = self.state == ListenerState.RECONNECTING
        alerted = self._alerted
        self._stop_alert_timer()
        self._down_since, self._alerted = None, False
        detail = f"reconnected after {down_for:.0f} s" if was_reconnecting else None
        logger.info("listener: connected{}", f" ({detail})" if detail else "")
        await self._change(ListenerState.CONNECTED, detail)
        if alerted:
            await self._alert(ListenerAlert(ListenerState.CONNECTED,
                                            f"reconnected after {down_for:.0f} s", down_for))

    async def _give_up(self, state: ListenerState, detail: str) -> None:
        self._stop_alert_timer()
        self._down_since = None
        logger.error("listener stopped: {}", detail)
        await self._change(state, detail)
        await self._alert(ListenerAlert(state, detail))

    def _stop_alert_timer(self) -> None:
        if self._alert_timer is not None:
            self._alert_timer.cancel()
        self._alert_timer = None


def reconnect_delay(failures: int, base_s: float, max_s: float) -> float:
    """Seconds to wait after the `failures`-th failure in a row: doubling from `base_s`,
    capped at `max_s`, with jitter between half and all of it (so restarts don't stampede)."""
    ceiling = min(max_s, base_s * 2 ** min(failures - 1, 30))
    return random.uniform(ceiling / 2, ceiling)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


async def _call_safely(callback: Callable[..., Awaitable[object]], *args: Any) -> None:
    try:
        await callback(*args)
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("listener: state callback {} failed", getattr(callback, "__name__", "?"))


async def _disconnect(client: TelegramClient) -> None:
    try:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
        # that arrives as the disconnect completes, and shutdown would never end.
        async with asyncio.timeout(DISCONNECT_TIMEOUT_S):
            await client.disconnect()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        logger.warning("listener: disconnect failed: {}", _describe(exc))
