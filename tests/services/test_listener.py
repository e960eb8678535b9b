"""The channel listener through real Telethon: a real TelegramClient (never connected), real
update objects, Telethon's own event builders and dispatch. Only the client's network
methods are replaced (OfflineClient), because Telegram's MTProto servers cannot run here."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from loguru import logger
from telethon import TelegramClient, errors, types

from services.clock import SystemClock
from services.listener import ChannelListener, ListenerAlert, reconnect_delay
from services.posts import IncomingPost, ListenerState, PostSource
from tests.fakes import mtproto
from tests.fakes.mtproto import Network, OfflineClient, dispatch

SIGNALS = 1234567890  # bare channel ids, as MTProto carries them
SIGNALS_MARKED = -1001234567890
OTHER = 2222222222
OTHER_MARKED = -1002222222222
PUBLISHED = datetime(2024, 5, 1, 15, 0, tzinfo=timezone(timedelta(hours=3)))  # 12:00 UTC


def channel(bare_id: int, title: str, username: str | None = None) -> types.Channel:
    return mtproto.channel(bare_id, title, username, date=PUBLISHED)


CHANNELS = {SIGNALS: channel(SIGNALS, "Crypto Signals", "cryptosignals"),
            OTHER: channel(OTHER, "Other Calls")}


def post(bare_id: int, message_id: int, text: str, **kw: Any) -> types.Message:
    return mtproto.post(bare_id, message_id, text, date=PUBLISHED, **kw)


def new_post_update(bare_id: int, message_id: int, text: str, **kw: Any) -> Any:
    return mtproto.new_post_update(CHANNELS[bare_id], message_id, text, date=PUBLISHED, **kw)


def edit_update(bare_id: int, message_id: int, text: str, **kw: Any) -> Any:
    return mtproto.edit_update(CHANNELS[bare_id], message_id, text, date=PUBLISHED, **kw)


class ShiftedClock(SystemClock):
    """The system clock, plus time the test declares passed (to read "61 s" in alerts)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return super().monotonic() + self.offset


class Harness:
    """A listener wired to recording callbacks and OfflineClients."""

    def __init__(self, *, alert_after_s: float = 5.0) -> None:
        self.network = Network()
        self.clients: list[OfflineClient] = []
        self.following = {SIGNALS_MARKED}
        self.posts: list[IncomingPost] = []
        self.states: list[tuple[ListenerState, str | None]] = []
        self.alerts: list[ListenerAlert] = []
        self.fail_posts_containing: str | None = None
        self.clock = ShiftedClock()
        self.listener = ChannelListener(
            client_factory=self._new_client, channels=self._channels, on_post=self._on_post,
            on_state=self._on_state, on_alert=self._on_alert, clock=self.clock,
            disconnect_alert_after_s=alert_after_s, base_backoff_s=0.005, max_backoff_s=0.02)
        self.task: asyncio.Task[None] | None = None

    def _new_client(self) -> TelegramClient:
        client = OfflineClient(self.network)
        self.clients.append(client)
        return client

    async def _channels(self) -> set[int]:
        return set(self.following)

    async def _on_post(self, incoming: IncomingPost) -> None:
        if self.fail_posts_containing and self.fail_posts_containing in incoming.text:
            raise RuntimeError("database is locked")
        self.posts.append(incoming)

    async def _on_state(self, state: ListenerState, detail: str | None) -> None:
        self.states.append((state, detail))

    async def _on_alert(self, alert: ListenerAlert) -> None:
        self.alerts.append(alert)

    @property
    def client(self) -> OfflineClient:
        return self.clients[-1]

    @property
    def state_names(self) -> list[ListenerState]:
        return [state for state, _ in self.states]

    async def start(self) -> None:
        self.task = asyncio.create_task(self.listener.run())
        await until(lambda: self.listener.state != ListenerState.CONNECTING
                    and self.listener.state != ListenerState.OFF)

    async def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await self.task


async def until(predicate: Callable[[], bool], within_s: float = 1.0) -> None:
    """Wait for the listener (running in its own task) to reach what `predicate` checks."""
    for _ in range(int(within_s / 0.002)):
        if predicate():
            return
        await asyncio.sleep(0.002)
    raise AssertionError(f"not reached within {within_s} s")


@pytest.fixture
async def new_harness() -> AsyncIterator[Callable[..., Harness]]:
    """Harnesses whose listeners are stopped at the end, even when the test failed."""
    made: list[Harness] = []

    def make(**kw: Any) -> Harness:
        made.append(Harness(**kw))
        return made[-1]

    yield make
    for h in made:
        await h.stop()


@pytest.fixture
async def harness(new_harness: Callable[..., Harness]) -> Harness:
    h = new_harness()
    await h.start()
    assert h.listener.state == ListenerState.CONNECTED
    return h


@pytest.fixture
def logged() -> Any:
    records: list[str] = []
    sink = logger.add(lambda m: records.append(str(m)), level="WARNING", format="{message}")
    yield records
    logger.remove(sink)


async def test_followed_channel_post_becomes_incoming_post(harness: Harness) -> None:
    await dispatch(harness.client, new_post_update(SIGNALS, 41, "BTC/USDT LONG\nEntry 60000",
                                                   reply_to=40))
    assert harness.posts == [IncomingPost(
        channel_id=SIGNALS_MARKED, message_id=41, date=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        text="BTC/USDT LONG\nEntry 60000", source=PostSource.LISTENER, reply_to_id=40,
        edit_date=None, channel_title="Crypto Signals", channel_username="cryptosignals")]
    assert harness.posts[0].date.utcoffset() == timedelta(0)


async def test_edit_of_followed_post_carries_edit_date(harness: Harness) -> None:
    edited_at = datetime(2024, 5, 1, 12, 5, tzinfo=UTC)
    await dispatch(harness.client, edit_update(SIGNALS, 41, "BTC/USDT LONG\nEntry 60500",
                                               edit_date=edited_at))
    [edit] = harness.posts
    assert (edit.message_id, edit.text, edit.edit_date, edit.is_edit) == (
        41, "BTC/USDT LONG\nEntry 60500", edited_at, True)
    assert edit.reply_to_id is None


async def test_edit_without_edit_date_is_a_reaction_change_and_ignored(harness: Harness) -> None:
    await dispatch(harness.client, edit_update(SIGNALS, 41, "BTC/USDT LONG"))
    assert harness.posts == []


async def test_post_of_channel_not_followed_is_ignored(harness: Harness) -> None:
    await dispatch(harness.client, new_post_update(OTHER, 7, "ETH SHORT"))
    await dispatch(harness.client, edit_update(OTHER, 7, "ETH SHORT 2", edit_date=PUBLISHED))
    assert harness.posts == []


async def test_following_and_dropping_channels_takes_effect_without_reconnect(
        harness: Harness) -> None:
    harness.following = {OTHER}  # bare ids are accepted too
    await harness.listener.refresh_channels()
    assert harness.listener.followed == {OTHER_MARKED}
    await dispatch(harness.client, new_post_update(OTHER, 7, "ETH SHORT"))
    await dispatch(harness.client, new_post_update(SIGNALS, 42, "SOL LONG"))
    assert [(p.channel_id, p.text, p.channel_title, p.channel_username)
            for p in harness.posts] == [(OTHER_MARKED, "ETH SHORT", "Other Calls", None)]
    assert len(harness.clients) == 1 and harness.client.disconnect_calls == 0


async def test_failing_channels_source_keeps_the_previous_set(harness: Harness,
                                                              logged: list[str]) -> None:
    async def broken() -> set[int]:
        raise RuntimeError("database is locked")

    harness.listener._channels = broken
    await harness.listener.refresh_channels()
    assert harness.listener.followed == {SIGNALS_MARKED}
    assert any("could not read the followed channels" in line for line in logged)


async def test_failing_on_post_is_logged_and_listener_keeps_going(harness: Harness,
                                                                  logged: list[str]) -> None:
    harness.fail_posts_containing = "boom"
    await dispatch(harness.client, new_post_update(SIGNALS, 50, "boom"))
    await dispatch(harness.client, new_post_update(SIGNALS, 51, "BTC LONG"))
    assert [p.message_id for p in harness.posts] == [51]
    assert any("handling post 50 of channel -1001234567890 failed" in line for line in logged)
    assert any("RuntimeError: database is locked" in line for line in logged)
    assert harness.listener.state == ListenerState.CONNECTED


async def test_unauthorized_session_stops_with_login_hint(
        new_harness: Callable[..., Harness]) -> None:
    h = new_harness()
    h.network.authorized = False
    h.task = asyncio.create_task(h.listener.run())
    await asyncio.wait_for(h.task, 1)  # returns by itself: retrying cannot log in
    assert h.listener.state == ListenerState.UNAUTHORIZED
    assert "python -m bot login" in (h.listener.detail or "")
    assert h.states[-1][0] == ListenerState.UNAUTHORIZED
    assert [a.state for a in h.alerts] == [ListenerState.UNAUTHORIZED]
    assert len(h.clients) == 1 and h.client.disconnect_calls == 1


async def test_session_revoked_while_running_stops_with_login_hint(harness: Harness) -> None:
    harness.client.lose_connection(errors.AuthKeyUnregisteredError(request=None))
    await until(lambda: harness.task is not None and harness.task.done())
    assert harness.listener.state == ListenerState.UNAUTHORIZED
    assert "python -m bot login" in (harness.listener.detail or "")
    assert "AuthKeyUnregisteredError" in (harness.listener.detail or "")
    assert len(harness.clients) == 1


async def test_short_disconnect_reconnects_without_alerting_admins(harness: Harness) -> None:
    first = harness.client
    first.lose_connection()
    await until(lambda: len(harness.clients) == 2
                and harness.listener.state == ListenerState.CONNECTED)
    assert harness.state_names == [ListenerState.CONNECTING, ListenerState.CONNECTED,
                                   ListenerState.RECONNECTING, ListenerState.CONNECTED]
    assert "Connection reset by peer" in (harness.states[2][1] or "")
    assert (harness.states[3][1] or "").startswith("reconnected after")
    assert harness.alerts == []
    assert first.disconnect_calls >= 1
    # The new connection has the handlers too.
    await dispatch(harness.client, new_post_update(SIGNALS, 60, "after reconnect"))
    assert [p.text for p in harness.posts] == ["after reconnect"]


async def test_long_disconnect_alerts_once_then_reports_reconnection(
        new_harness: Callable[..., Harness]) -> None:
    h = new_harness(alert_after_s=0.05)
    await h.start()
    h.network.up = False
    h.client.lose_connection()
    await until(lambda: h.listener.state == ListenerState.RECONNECTING)
    h.clock.offset += 61  # the threshold (0.05 s here) stands for a minute
    await until(lambda: len(h.alerts) == 1)
    [alert] = h.alerts
    assert alert.state == ListenerState.RECONNECTING
    assert alert.detail.startswith("disconnected for 61 s (ConnectionError")
    assert alert.down_for_s is not None and alert.down_for_s >= 61
    assert (h.listener.detail or "").startswith("disconnected for 61 s")
    attempts = len(h.clients)
    await until(lambda: len(h.clients) >= attempts + 3)  # still retrying, with backoff
    await asyncio.sleep(0.06)  # another threshold's worth: still one alert
    assert len(h.alerts) == 1
    assert h.listener.state == ListenerState.RECONNECTING
    h.network.up = True
    await until(lambda: h.listener.state == ListenerState.CONNECTED)
    await until(lambda: len(h.alerts) == 2)
    assert h.alerts[1].state == ListenerState.CONNECTED
    assert h.alerts[1].detail.startswith("reconnected after")
    assert h.state_names == [ListenerState.CONNECTING, ListenerState.CONNECTED,
                             ListenerState.RECONNECTING, ListenerState.CONNECTED]
    await h.stop()


async def test_cannot_connect_at_start_keeps_retrying_then_connects(
        new_harness: Callable[..., Harness]) -> None:
    h = new_harness()
    h.network.up = False
    h.task = asyncio.create_task(h.listener.run())
    await until(lambda: len(h.clients) >= 3)
    assert h.listener.state == ListenerState.RECONNECTING
    assert [c.disconnect_calls for c in h.clients[:2]] == [1, 1]  # every failed client closed
    h.network.up = True
    await until(lambda: h.listener.state == ListenerState.CONNECTED)
    await h.stop()


async def test_cancel_disconnects_cleanly_without_warnings(
        new_harness: Callable[..., Harness], logged: list[str]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = new_harness(alert_after_s=0.05)
        await h.start()
        client = h.client
        await h.stop()
        assert client.disconnect_calls == 1
        assert h.listener.state == ListenerState.OFF
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    assert [str(w.message) for w in caught] == []
    assert logged == []


async def test_cancel_while_reconnecting_stops_retrying_and_alert_timer(
        new_harness: Callable[..., Harness]) -> None:
    h = new_harness(alert_after_s=0.05)
    await h.start()
    h.network.up = False
    h.client.lose_connection()
    await until(lambda: h.listener.state == ListenerState.RECONNECTING)
    await h.stop()
    attempts = len(h.clients)
    await asyncio.sleep(0.08)
    assert len(h.clients) == attempts and h.alerts == []
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


async def test_failing_state_callbacks_do_not_stop_the_listener(
        new_harness: Callable[..., Harness], logged: list[str]) -> None:
    h = new_harness()

    async def broken(*_: Any) -> None:
        raise RuntimeError("notifier down")

    h.listener._on_state = broken
    await h.start()
    assert h.listener.state == ListenerState.CONNECTED
    assert any("state callback" in line for line in logged)
    await dispatch(h.client, new_post_update(SIGNALS, 70, "still listening"))
    assert [p.message_id for p in h.posts] == [70]
    await h.stop()


@pytest.mark.parametrize("failures", [1, 2, 3, 10, 100])
def test_reconnect_delay_doubles_with_jitter_and_is_capped(failures: int) -> None:
    ceiling = min(60.0, 1.0 * 2 ** (failures - 1))
    for _ in range(50):
        delay = reconnect_delay(failures, 1.0, 60.0)
        assert ceiling / 2 <= delay <= ceiling


async def test_cancel_at_any_point_of_the_reconnect_loop_ends_the_listener(
        new_harness: Callable[..., Harness]) -> None:
    # Regression: with asyncio.wait_for around disconnect(), Python 3.11 could swallow a
    # cancellation arriving as the disconnect completed; the listener then ran on forever.
    for attempt in range(30):
        h = new_harness()
        h.network.up = False
        task = asyncio.create_task(h.listener.run())
        for _ in range(attempt % 7):
            await asyncio.sleep(0)
        await asyncio.sleep(0.001 * (attempt % 3))
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=1)
        assert task in done and task.cancelled(), f"attempt {attempt}: still running"
