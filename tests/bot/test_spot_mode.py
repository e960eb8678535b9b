"""Spot end to end, paper and live: the real app with EXCHANGE__MARKET=spot trades a
channel's signal on the fake Binance's spot market through real ccxt — a buy of the coin
(no leverage); the stop and the take-profits watched by the bot (spot has no reduce-only
trigger orders, and a resting sell locks the coins), the first target sold by the bot when
the price reaches it, the stop moved to break-even, and the watched stop selling the rest."""

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

D = Decimal


def spot(make_settings: Callable[..., Settings], exchange: FakeExchange, *,
         live: bool) -> Settings:
    config = exchange.ccxt_config("spot")
    if not live:
        return make_settings(exchange={"market": "spot", "ccxt_config": config})
    keyless = {k: v for k, v in config.items() if k not in ("apiKey", "secret")}
    return make_settings(
        exchange={**KEYS, "market": "spot",
                  "ccxt_config": {**keyless, "enableRateLimit": True, "rateLimit": 1}},
        trading={"mode": "live"})


async def started(live: bool, make_settings: Callable[..., Settings], exchange: FakeExchange,
                  telegram: FakeBotAPI,
                  start_app: Callable[[Settings], Awaitable[Application]]) -> Application:
    """The app on spot with 1,000 USDT; live: once its start-up warnings were sent."""
    exchange.set_balance("USDT", "1000", market="spot")
    app = await start_app(spot(make_settings, exchange, live=live))
    assert (app.live is not None) is live
    if live:
        await telegram.wait_for_call("sendMessage",
                                     lambda c: "Live trading started with warnings" in c.text)
    return app


async def legs(app: Application, position_id: int) -> dict[str, str]:
    return {o.leg: o.state
            for o in await PositionOrderRepository(app.db).for_position(position_id)}


@pytest.mark.parametrize("live", [False, True], ids=["paper", "live"])
async def test_a_spot_signal_is_bought_its_target_sold_and_its_stop_closes_the_rest(
        live: bool, make_settings: Callable[..., Settings], exchange: FakeExchange,
        telegram: FakeBotAPI, start_app: Callable[[Settings], Awaitable[Application]]) -> None:
    app = await started(live, make_settings, exchange, telegram, start_app)
    await follow_auto(app, telegram)

    opened = await post_signal(telegram, BTC, 1)  # BTC at 30200, inside the 30000-30500 zone

    assert "Opened" in opened.text
    [position] = await app.positions.active()
    assert position.market_kind == "spot" and position.symbol == "BTC/USDT"
    assert position.leverage in (None, 1)  # spot: the coin itself, no leverage
    assert position.filled_amount > 0
    states = await legs(app, position.id)
    assert states == {"entry": "filled"}  # nothing rests: stop and targets are watched
    assert position.stop_loss == D(29000)
    if live:
        coins = exchange.balance("BTC", market="spot")
        assert coins >= position.filled_amount * D("0.99")  # bought (less a fee in BTC)
        assert not [o for o in exchange.orders("spot") if o.get("status") == "NEW"]

    exchange.set_price("BTC/USDT", "31050")  # through the first target (31000)
    await app.engine.tracker.tick()
    after_tp = await app.positions.get(position.id)
    assert after_tp.status == "partially_closed"
    assert D(0) < after_tp.remaining < position.filled_amount
    assert after_tp.realized_pnl > 0
    assert (await legs(app, position.id)).get("tp1") == "filled"
    assert after_tp.stop_loss == after_tp.average_entry  # break-even after TP1
    if live:
        sold = position.filled_amount - after_tp.remaining
        assert exchange.balance("BTC", market="spot") < coins - sold * D("0.99")

    exchange.set_price("BTC/USDT", "30100")  # below the entry: the watched stop sells
    await app.engine.tracker.tick()
    closed = await app.positions.get(position.id)
    assert closed.status == "closed" and closed.remaining == 0
    assert str(closed.reason) in ("sl", "break_even")
    assert closed.realized_pnl > 0  # TP1's profit kept; the rest sold near the entry
    assert await app.positions.active() == []
    if live:
        assert not [o for o in exchange.orders("spot") if o.get("status") == "NEW"]


BTC_ZONE_BELOW = ("#BTC/USDT LONG\nEntry: 29800 - 30100\nTargets: 31000, 32000\n"
                  "Stop loss: 29000")


@pytest.mark.parametrize("live", [False, True], ids=["paper", "live"])
async def test_a_split_zone_on_spot_buys_part_by_part_and_sells_everything_it_bought(
        live: bool, make_settings: Callable[..., Settings], exchange: FakeExchange,
        telegram: FakeBotAPI, start_app: Callable[[Settings], Awaitable[Application]]) -> None:
    app = await started(live, make_settings, exchange, telegram, start_app)
    await app.config.set("entry.zone_mode", "split", actor_id=1, role="admin")
    await follow_auto(app, telegram)

    waiting = await post_signal(telegram, BTC_ZONE_BELOW, 1)  # BTC at 30200, above the zone
    assert "split into 3 orders" in waiting.text
    [position] = await app.positions.active()
    assert await legs(app, position.id) == {"entry1": "open", "entry2": "open",
                                            "entry3": "open"}
    if live:
        resting = [o for o in exchange.orders("spot") if o.get("status") == "NEW"]
        assert sorted(D(o["price"]) for o in resting) == [D(29800), D(29950), D(30100)]

    exchange.set_price("BTC/USDT", "30050")  # the first part fills
    await app.engine.tracker.tick()
    first = await app.positions.get(position.id)
    assert (first.status, first.average_entry) == ("open", D(30100))

    exchange.set_price("BTC/USDT", "29900")  # the second
    await app.engine.tracker.tick()
    grown = await app.positions.get(position.id)
    assert grown.filled_amount > first.filled_amount
    assert grown.average_entry == D(30025)
    states = await legs(app, position.id)
    assert (states["entry1"], states["entry2"], states["entry3"]) == ("filled", "filled", "open")

    exchange.set_price("BTC/USDT", "31050")  # TP1, watched by the bot, sells its share
    await app.engine.tracker.tick()
    assert (await app.positions.get(position.id)).status == "partially_closed"

    await app.engine.closer.close(position.id, actor_id=1)  # the rest, by hand
    closed = await app.positions.get(position.id)
    assert (closed.status, closed.remaining) == ("closed", D(0))
    assert (await legs(app, position.id))["entry3"] == "canceled"
    assert closed.realized_pnl > 0
    if live:
        assert not [o for o in exchange.orders("spot") if o.get("status") == "NEW"]
        assert exchange.balance("BTC", market="spot") < D("0.001")  # nothing left bought
