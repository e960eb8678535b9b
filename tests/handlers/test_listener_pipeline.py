"""The Telethon listener inside the running bot: a followed channel's post, dispatched as a
real MTProto update, reaches the pipeline and the admins; /status shows the listener."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.app import Application
from tests.conftest import ADMIN, ADMIN_ID, say
from tests.fakes import mtproto
from tests.fakes.bot_api import FakeBotAPI

BARE = 1234567890
SIGNALS = mtproto.channel(BARE, "Crypto Signals", "cryptosignals",
                          date=datetime(2026, 11, 1, tzinfo=UTC))
SIGNAL = "#SOL/USDT SHORT\nEntry 150\nTP 140 130\nSL 160"


async def test_a_followed_channels_post_reaches_the_admins(
        make_settings, start_app, telegram: FakeBotAPI) -> None:
    network, clients = mtproto.Network(), []

    def client() -> mtproto.OfflineClient:
        clients.append(mtproto.OfflineClient(network))
        return clients[-1]

    settings = make_settings(telethon={"api_id": 1, "api_hash": "0123456789abcdef"})
    app = Application(settings, telethon_client_factory=client)
    await app.start()
    try:
        await say(telegram, ADMIN, f"/follow -100{BARE}")
        for _ in range(100):
            if app.listener and app.listener.followed:
                break
            await asyncio.sleep(0.01)
        status = await say(telegram, ADMIN, "/status")
        assert "Channel listener: connected" in status.text

        await mtproto.dispatch(clients[-1], mtproto.new_post_update(
            SIGNALS, 42, SIGNAL, date=datetime.now(UTC)))
        card = await telegram.wait_for_call(
            "sendMessage", lambda c: c.params["chat_id"] == ADMIN_ID and "Signal" in (c.text or ""))
        assert "from <b>@cryptosignals</b>" in card.text and "<b>SOL/USDT</b> SHORT" in card.text
        row = await app.db.fetch_one("SELECT source, message_id FROM posts")
        assert tuple(row) == ("listener", 42)
    finally:
        await app.stop()
    assert clients[-1].disconnect_calls >= 1
