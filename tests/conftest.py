"""Fixtures that start the real application (settings → wiring → Dispatcher → real Bot)
against a fake Telegram Bot API on 127.0.0.1, so tests talk to the bot as Telegram does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import Application
from bot.settings import Settings, load_settings
from tests.fakes.bot_api import ApiCall, FakeBotAPI
from tests.fakes.exchange import FakeExchange
from tests.fakes.telegram_objects import message_update, user

TOKEN = "123456:TEST-token-abcdef"
ADMIN_ID = 1001
VIEWER_ID = 2002
STRANGER_ID = 3003

ADMIN = user(ADMIN_ID, first_name="Ann", language_code="en")
ADMIN_RU = user(ADMIN_ID, first_name="Аня", language_code="ru")
VIEWER = user(VIEWER_ID, first_name="Vic", language_code="en")
STRANGER = user(STRANGER_ID, first_name="Eve", language_code="en")


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotAPI]:
    fake = FakeBotAPI()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def exchange() -> AsyncIterator[FakeExchange]:
    """The fake Binance the bot's ccxt client talks to, priced for the tests' signals."""
    fake = FakeExchange()
    await fake.start()
    for symbol, price in (("BTC/USDT", "30200"), ("ETH/USDT", "3000"), ("SOL/USDT", "150")):
        fake.set_price(symbol, price)
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
def make_settings(tmp_path: Path, telegram: FakeBotAPI,
                  exchange: FakeExchange) -> Callable[..., Settings]:
    """Settings for a bot wired to the fake Bot API; keyword groups override the defaults."""

    def build(**groups: dict[str, Any]) -> Settings:
        base: dict[str, dict[str, Any]] = {
            "telegram": {"bot_token": TOKEN, "api_base": telegram.base_url,
                         "admin_ids": [ADMIN_ID], "viewer_ids": [VIEWER_ID],
                         "polling_timeout_s": 1},
            "http": {"host": "127.0.0.1", "port": 0},
            "exchange": {"ccxt_config": exchange.ccxt_config("futures")},
        }
        for name, values in groups.items():
            base[name] = {**base.get(name, {}), **values}
        return load_settings(_env_file=None, data_dir=tmp_path / "data", **base)

    return build


@pytest.fixture
async def start_app() -> AsyncIterator[Callable[[Settings], Awaitable[Application]]]:
    """Start as many applications as a test needs; each is stopped at the end."""
    started: list[Application] = []

    async def start(settings: Settings) -> Application:
        app = Application(settings)
        await app.start()
        started.append(app)
        return app

    yield start
    for app in reversed(started):
        await app.stop()


@pytest.fixture
async def app(make_settings: Callable[..., Settings],
              start_app: Callable[[Settings], Awaitable[Application]]) -> Application:
    return await start_app(make_settings())


async def say(telegram: FakeBotAPI, sender: dict[str, Any], text: str, **extra: Any) -> ApiCall:
    """Send `text` as `sender` and return the bot's next message to that chat."""
    chat_id = extra.pop("chat_id", sender["id"])
    before = len([c for c in telegram.calls_of("sendMessage") if c.params["chat_id"] == chat_id])
    telegram.push_update(message_update(sender, text, chat_id=chat_id, **extra))
    return await telegram.wait_for_call(
        "sendMessage", lambda c: c.params["chat_id"] == chat_id, count=before + 1)
