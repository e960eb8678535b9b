"""Live mode end to end: the real app with TRADING__MODE=live trades on the fake Binance
through real ccxt — preflight at start, a channel's signal becomes real orders (entry,
reduce-only stop and take-profits), the exchange's fills are picked up by the tracker, and a
restart adopts what happened while the bot was down."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest

from bot.app import Application
from bot.settings import Settings
from storage.position_orders import PositionOrderRepository
from tests.bot.test_preflight import KEYS
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.exchange import FakeExchange
from tests.handlers.test_positions import BTC, follow_auto, post_signal


@pytest.fixture(autouse=True)
def live_account(exchange: FakeExchange) -> None:
    fund_live_account(exchange)


def fund_live_account(exchange: FakeExchange) -> None:
    """1000 USDT of futures balance and keys for it, the rate limiter kept on."""
    exchange.set_balance("USDT", "1000", market="futures")
    config = {k: v for k, v in exchange.ccxt_config("futures").items()
              if k not in ("apiKey", "secret")}
    KEYS["ccxt_config"] = {**config, "enableRateLimit": True, "rateLimit": 1}


def live(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(exchange=KEYS, trading={"mode": "live"})


def open_orders(exchange: FakeExchange) -> list[str]:
    """Client ids of the orders resting on the fake (algo orders: stops and take-profits)."""
    return [str(o.get("clientOrderId") or o.get("clientAlgoId"))
            for o in exchange.orders("futures") if o.get("status", o.get("algoStatus")) == "NEW"]


async def started_live(telegram: FakeBotAPI, app: Application) -> None:
    """The admins are told the live start's warnings (no validation on record here)."""
    await telegram.wait_for_call("sendMessage",
                                 lambda c: "Live trading started with warnings" in c.text)
    await follow_auto(app, telegram)


async def test_a_signal_becomes_real_orders_and_a_fill_on_the_exchange_is_followed(
        make_settings: Callable[..., Settings], exchange: FakeExchange, telegram: FakeBotAPI,
        start_app: Callable[[Settings], Awaitable[Application]]) -> None:
    app = await start_app(live(make_settings))
    assert app.live is not None
    await started_live(telegram, app)

    opened = await post_signal(telegram, BTC, 1)  # BTC trades at 30200, inside the zone

    assert "Opened" in opened.text
    [position] = await app.positions.active()
    assert (position.status, position.leverage) == ("open", 10)
    legs = {o.leg: o for o in await PositionOrderRepository(app.db).for_position(position.id)}
    assert legs["entry"].state == "filled"
    assert {legs[k].state for k in ("sl", "tp1", "tp2")} == {"open"}
    held = exchange.positions()
    assert [(p["symbol"], p["amount"]) for p in held] == [("BTCUSDT", position.filled_amount)]
    assert sorted(open_orders(exchange)) == [
        f"{app.engine.execution.ids.namespace}-{position.id}-{leg}" for leg in ("sl", "tp1",
                                                                              "tp2")]

    exchange.set_price("BTC/USDT", "31100")  # the exchange fills TP1 by itself
    await app.engine.tracker.tick()

    after = await app.positions.get(position.id)
    assert after.status == "partially_closed"
    assert after.realized_pnl > 0
    stop = await app.engine.exits.live_stop(position.id)
    assert stop is not None and stop.trigger_price == after.average_entry  # break-even
    assert stop.amount == after.remaining


async def test_a_fill_while_the_bot_was_down_is_adopted_at_start(
        make_settings: Callable[..., Settings], exchange: FakeExchange, telegram: FakeBotAPI,
        start_app: Callable[[Settings], Awaitable[Application]]) -> None:
    settings = live(make_settings)
    app = await start_app(settings)
    await started_live(telegram, app)
    await post_signal(telegram, BTC, 1)
    [position] = await app.positions.active()
    await app.stop()

    exchange.set_price("BTC/USDT", "28900")  # the stop fires while nobody watches

    again = await start_app(settings)
    closed = await again.positions.get(position.id)
    assert (closed.status, closed.reason) == ("closed", "sl")
    assert closed.net_pnl < Decimal(0)
    assert open_orders(exchange) == []  # the take-profits were cancelled
