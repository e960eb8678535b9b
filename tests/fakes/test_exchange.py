"""The fake Binance behaves like Binance for the real ccxt 4.5.90 async client."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from decimal import Decimal

import ccxt.async_support as ccxt_async
import pytest
from ccxt.base.errors import (
    AuthenticationError,
    BadRequest,
    DDoSProtection,
    ExchangeError,
    ExchangeNotAvailable,
    InsufficientFunds,
    InvalidOrder,
    MarginModeAlreadySet,
    OperationRejected,
    OrderImmediatelyFillable,
    OrderNotFound,
    RequestTimeout,
)

from tests.fakes.exchange import FakeExchange, make_client

BTC_PERP = "BTC/USDT:USDT"


@pytest.fixture
async def fake() -> AsyncIterator[FakeExchange]:
    async with FakeExchange() as exchange:
        exchange.set_balance("USDT", "10000", market="spot")
        exchange.set_balance("USDT", "10000", market="futures")
        yield exchange


@pytest.fixture
async def futures(fake: FakeExchange) -> AsyncIterator[ccxt_async.binance]:
    client = await make_client(fake, "futures")
    await client.load_markets()
    yield client
    await client.close()


@pytest.fixture
async def spot(fake: FakeExchange) -> AsyncIterator[ccxt_async.binance]:
    client = await make_client(fake, "spot")
    await client.load_markets()
    yield client
    await client.close()


# ---- market data ---------------------------------------------------------------------------
async def test_load_markets_gives_binance_tick_sizes_and_limits(fake: FakeExchange) -> None:
    client = await make_client(fake, "futures")
    try:
        markets = await client.load_markets()
    finally:
        await client.close()
    spot_btc, perp_btc = markets["BTC/USDT"], markets[BTC_PERP]
    assert spot_btc["precision"]["price"] == 0.01
    assert spot_btc["precision"]["amount"] == 0.00001
    assert spot_btc["limits"]["amount"]["min"] == 0.00001
    assert spot_btc["limits"]["cost"]["min"] == 5
    assert perp_btc["swap"] and perp_btc["linear"] and perp_btc["settle"] == "USDT"
    assert perp_btc["precision"]["price"] == 0.1
    assert perp_btc["precision"]["amount"] == 0.001
    assert perp_btc["limits"]["cost"]["min"] == 100
    assert "1000PEPE/USDT:USDT" in markets and "1000PEPE/USDT" not in markets
    assert [r.path for r in fake.requests] == ["/api/v3/exchangeInfo", "/fapi/v1/exchangeInfo"]


async def test_tickers_for_several_symbols_take_one_request(
        fake: FakeExchange, spot: ccxt_async.binance, futures: ccxt_async.binance) -> None:
    fake.set_price("ETH/USDT", "3600.5")
    before = len(fake.requests)
    spot_tickers = await spot.fetch_tickers(["BTC/USDT", "ETH/USDT"])
    perp_tickers = await futures.fetch_tickers([BTC_PERP, "ETH/USDT:USDT"])
    assert len(fake.requests) == before + 2
    assert set(spot_tickers) == {"BTC/USDT", "ETH/USDT"}
    assert spot_tickers["ETH/USDT"]["last"] == 3600.5
    assert spot_tickers["BTC/USDT"]["bid"] < 95000 < spot_tickers["BTC/USDT"]["ask"]
    assert set(perp_tickers) == {BTC_PERP, "ETH/USDT:USDT"}
    assert (await futures.fetch_ticker(BTC_PERP))["last"] == 95000
    assert (await futures.fetch_mark_price(BTC_PERP))["markPrice"] == 95000


async def test_scripted_prices_advance_once_per_ticker_fetch(
        fake: FakeExchange, futures: ccxt_async.binance) -> None:
    fake.script_prices(BTC_PERP, ["95100", "95200"], market="futures")
    seen = [(await futures.fetch_ticker(BTC_PERP))["last"] for _ in range(3)]
    assert seen == [95100, 95200, 95200]


async def test_ohlcv_respects_interval_since_and_limit(
        fake: FakeExchange, futures: ccxt_async.binance) -> None:
    hour = 3_600_000
    latest = await futures.fetch_ohlcv(BTC_PERP, "1h", limit=5)
    assert len(latest) == 5
    assert all(b[0] - a[0] == hour for a, b in itertools.pairwise(latest))
    assert latest[-1][4] == 95000  # the open candle closes at the current price
    assert all(c[2] >= max(c[1], c[4]) and c[3] <= min(c[1], c[4]) for c in latest)
    since = latest[0][0] + 1  # not aligned: Binance starts at the next candle
    window = await futures.fetch_ohlcv(BTC_PERP, "1h", since=since, limit=2)
    assert [c[0] for c in window] == [latest[1][0], latest[2][0]]
    assert window == latest[1:3]  # deterministic
    fake.set_price(BTC_PERP, "97000", market="futures")
    now_candle = (await futures.fetch_ohlcv(BTC_PERP, "1h", limit=1))[0]
    assert now_candle[4] == 97000 and now_candle[2] >= 97000


# ---- balances and orders -------------------------------------------------------------------
async def test_fetch_balance_spot_and_futures(
        fake: FakeExchange, spot: ccxt_async.binance, futures: ccxt_async.binance) -> None:
    fake.set_balance("BTC", "0.5", market="spot")
    spot_balance = await spot.fetch_balance()
    perp_balance = await futures.fetch_balance()
    assert spot_balance["BTC"]["free"] == 0.5 and spot_balance["USDT"]["total"] == 10000
    assert perp_balance["USDT"] == {"free": 10000, "used": 0, "total": 10000}
    assert fake.requests[-1].path == "/fapi/v3/account"  # ccxt 4.5.90 uses v3 for linear


async def test_market_order_with_client_id_is_found_by_that_id(
        fake: FakeExchange, futures: ccxt_async.binance) -> None:
    placed = await futures.create_order(BTC_PERP, "market", "buy", 0.01,
                                        params={"clientOrderId": "pos-1-entry"})
    found = await futures.fetch_order(None, BTC_PERP, {"clientOrderId": "pos-1-entry"})
    assert placed["status"] == found["status"] == "closed"
    assert found["id"] == placed["id"] and found["clientOrderId"] == "pos-1-entry"
    assert found["filled"] == 0.01 and found["average"] == 95000
    [position] = await futures.fetch_positions([BTC_PERP])
    assert position["side"] == "long" and position["contracts"] == 0.01
    assert position["entryPrice"] == 95000
    fee = Decimal("950") * Decimal("0.0005")
    assert fake.balance("USDT", "futures") == Decimal("10000") - fee


async def test_spot_market_buy_pays_fee_in_the_bought_asset(
        fake: FakeExchange, spot: ccxt_async.binance) -> None:
    order = await spot.create_order("BTC/USDT", "market", "buy", 0.01,
                                    params={"clientOrderId": "spot-1"})
    assert order["status"] == "closed" and order["fee"] == {"currency": "BTC", "cost": 0.00001}
    assert fake.balance("BTC") == Decimal("0.00999")
    assert fake.balance("USDT") == Decimal("9050")
    by_id = await spot.fetch_order(None, "BTC/USDT", {"clientOrderId": "spot-1"})
    assert by_id["id"] == order["id"]


async def test_duplicate_client_id_of_an_open_order_is_rejected(
        fake: FakeExchange, spot: ccxt_async.binance, futures: ccxt_async.binance) -> None:
    await spot.create_order("BTC/USDT", "limit", "buy", 0.001, 90000, {"clientOrderId": "dup"})
    with pytest.raises(InvalidOrder, match="-2010"):
        await spot.create_order("BTC/USDT", "limit", "buy", 0.001, 90000,
                                {"clientOrderId": "dup"})
    await futures.create_order(BTC_PERP, "limit", "buy", 0.01, 91000, {"clientOrderId": "dup"})
    with pytest.raises(InvalidOrder, match="-4116"):
        await futures.create_order(BTC_PERP, "limit", "buy", 0.01, 91000,
                                   {"clientOrderId": "dup"})
    assert len(fake.orders("spot")) == len(fake.orders("futures")) == 1


async def test_client_id_of_a_filled_order_is_accepted_again(fake: FakeExchange,
                                                             futures: ccxt_async.binance) -> None:
    # Binance: "unique among open orders" - a resent market order is placed twice.
    await futures.create_order(BTC_PERP, "market", "buy", 0.01, params={"clientOrderId": "x1"})
    await futures.create_order(BTC_PERP, "market", "buy", 0.01, params={"clientOrderId": "x1"})
    assert fake.positions()[0]["amount"] == Decimal("0.02")


async def test_strict_client_id_scope_rejects_any_reuse() -> None:
    async with FakeExchange(client_id_scope="all") as fake:
        fake.set_balance("USDT", "10000", market="futures")
        client = await make_client(fake)
        try:
            await client.create_order(BTC_PERP, "market", "buy", 0.01, None, {"clientOrderId": "a"})
            with pytest.raises(InvalidOrder, match="-4116"):
                await client.create_order(BTC_PERP, "market", "buy", 0.01, None,
                                          {"clientOrderId": "a"})
        finally:
            await client.close()


async def test_limit_order_rests_until_the_price_crosses_it(
        fake: FakeExchange, spot: ccxt_async.binance, futures: ccxt_async.binance) -> None:
    perp = await futures.create_order(BTC_PERP, "limit", "buy", 0.01, 94000)
    fake.set_balance("ETH", "1", market="spot")
    held = await spot.create_order("ETH/USDT", "limit", "sell", 0.5, 3600)
    assert (await futures.fetch_order(perp["id"], BTC_PERP))["status"] == "open"
    assert (await spot.fetch_balance())["ETH"] == {"free": 0.5, "used": 0.5, "total": 1.0}
    fake.set_price("BTC/USDT", "94500")
    assert (await futures.fetch_order(perp["id"], BTC_PERP))["status"] == "open"
    fake.set_price("BTC/USDT", "93900")
    fake.set_price("ETH/USDT", "3650")
    filled = await futures.fetch_order(perp["id"], BTC_PERP)
    assert filled["status"] == "closed" and filled["average"] == 94000  # at its limit
    assert (await spot.fetch_order(held["id"], "ETH/USDT"))["status"] == "closed"
    assert fake.balance("ETH") == Decimal("0.5")
    assert await futures.fetch_open_orders(BTC_PERP) == []


async def test_reduce_only_stop_market_triggers_and_closes_the_position(
        fake: FakeExchange, futures: ccxt_async.binance) -> None:
    await futures.create_order(BTC_PERP, "market", "buy", 0.02)
    stop = await futures.create_order(BTC_PERP, "market", "sell", 0.02, None,
                                      {"stopPrice": 93000, "reduceOnly": True})
    target = await futures.create_order(BTC_PERP, "market", "sell", 0.01, None,
                                        {"takeProfitPrice": 99000, "reduceOnly": True})
    assert fake.requests[-1].path == "/fapi/v1/algoOrder"  # not /fapi/v1/order since 2025-12
    assert stop["type"] == "market" and stop["triggerPrice"] == 93000
    assert target["takeProfitPrice"] == 99000
    assert [o["type"] for o in await futures.fetch_open_orders(BTC_PERP, params={"trigger": True})
            ] == ["market", "market"]
    fake.set_price("BTC/USDT", "92500")  # gaps through the stop: fills at 92500
    fired = await futures.fetch_order(stop["id"], BTC_PERP, {"trigger": True})
    assert fired["status"] == "closed" and fired["filled"] == 0  # algo order carries no fill
    real = await futures.fetch_order(fired["info"]["actualOrderId"], BTC_PERP)
    assert real["status"] == "closed" and real["average"] == 92500 and real["filled"] == 0.02
    assert fake.positions() == []
    trades = await futures.fetch_my_trades(BTC_PERP)
    assert trades[-1]["info"]["realizedPnl"] == "-50.00000000"
    fake.set_price("BTC/USDT", "99500")  # take-profit fires but there is nothing to reduce
    assert (await futures.fetch_order(target["id"], BTC_PERP, {"trigger": True}))["status"] == \
        "closed"
    assert fake.positions() == []


async def test_trigger_price_param_and_cancel_of_a_trigger_order(
        fake: FakeExchange, futures: ccxt_async.binance) -> None:
    await futures.create_order(BTC_PERP, "market", "sell", 0.01)
    stop = await futures.create_order(BTC_PERP, "market", "buy", 0.01, None,
                                      {"triggerPrice": 97000, "reduceOnly": True,
                                       "clientOrderId": "pos-7-sl"})
    assert stop["clientOrderId"] == "pos-7-sl"
    await futures.cancel_order(stop["id"], BTC_PERP, {"trigger": True})
    fake.set_price(BTC_PERP, "98000", market="futures")
    assert fake.positions()[0]["amount"] == Decimal("-0.01")
    with pytest.raises(OrderImmediatelyFillable):  # -2021
        await futures.create_order(BTC_PERP, "market", "buy", 0.01, None, {"stopPrice": 97500})


async def test_close_position_stop_closes_whatever_is_open(
        fake: FakeExchange, futures: ccxt_async.binance) -> None:
    await futures.create_order("SOL/USDT:USDT", "market", "sell", 10)
    stop = await futures.create_order("SOL/USDT:USDT", "market", "buy", None, None,
                                      {"stopPrice": 190, "closePosition": True})
    assert fake.requests[-1].params["closePosition"] == "true"
    assert "quantity" not in fake.requests[-1].params
    await futures.create_order("SOL/USDT:USDT", "market", "sell", 5)
    fake.set_price("SOL/USDT", "191")
    assert fake.positions() == []
    fired = await futures.fetch_order(stop["id"], "SOL/USDT:USDT", {"trigger": True})
    real = await futures.fetch_order(fired["info"]["actualOrderId"], "SOL/USDT:USDT")
    assert real["filled"] == 15 and real["average"] == 191


async def test_plain_order_endpoint_refuses_conditional_types(
        futures: ccxt_async.binance) -> None:
    with pytest.raises(InvalidOrder, match="-4120"):
        await futures.fapiPrivatePostOrder({"symbol": "BTCUSDT", "side": "SELL",
                                            "type": "STOP_MARKET", "quantity": "0.01",
                                            "stopPrice": "90000"})


# ---- account settings ------------------------------------------------------------------------
async def test_leverage_and_margin_mode(fake: FakeExchange, futures: ccxt_async.binance) -> None:
    assert (await futures.set_leverage(5, BTC_PERP))["leverage"] == 5
    await futures.set_margin_mode("isolated", BTC_PERP)
    # the same mode again: Binance answers -4046; ccxt raises unless its option says not to
    with pytest.raises(MarginModeAlreadySet):
        await futures.set_margin_mode("isolated", BTC_PERP)
    futures.options["setMarginMode"]["throwMarginModeAlreadySet"] = False
    assert (await futures.set_margin_mode("isolated", BTC_PERP))["code"] == -4046
    leverage = await futures.fetch_leverage(BTC_PERP)
    assert leverage["longLeverage"] == 5 and leverage["marginMode"] == "isolated"
    await futures.create_order(BTC_PERP, "market", "buy", 0.1)
    [position] = await futures.fetch_positions([BTC_PERP])
    assert position["initialMargin"] == 9500 / 5 and position["marginMode"] == "isolated"
    with pytest.raises(InsufficientFunds):  # -2019: 5x on what is left is not enough
        await futures.create_order(BTC_PERP, "market", "buy", 1)


async def test_position_side_must_match_the_position_mode(futures: ccxt_async.binance) -> None:
    with pytest.raises(OperationRejected, match="-4061"):
        await futures.create_order(BTC_PERP, "market", "buy", 0.01, None,
                                   {"positionSide": "LONG"})
    await futures.set_position_mode(True)
    assert (await futures.fetch_position_mode())["hedged"] is True
    await futures.create_order(BTC_PERP, "market", "buy", 0.01, None, {"positionSide": "LONG"})
    await futures.create_order(BTC_PERP, "market", "sell", 0.01, None,
                               {"hedged": True, "reduceOnly": True})
    assert await futures.fetch_positions([BTC_PERP]) == []


# ---- rejections and failures -----------------------------------------------------------------
async def test_order_below_min_notional_is_rejected(
        spot: ccxt_async.binance, futures: ccxt_async.binance) -> None:
    with pytest.raises(InvalidOrder, match="-4164"):
        await futures.create_order(BTC_PERP, "market", "buy", 0.001)  # 95 < 100 USDT
    with pytest.raises(BadRequest, match="NOTIONAL"):  # spot -1013 is BadRequest, not InvalidOrder
        await spot.create_order("BTC/USDT", "market", "buy", 0.00004)


async def test_unknown_order_is_order_not_found(
        spot: ccxt_async.binance, futures: ccxt_async.binance) -> None:
    with pytest.raises(OrderNotFound, match="-2013"):
        await futures.fetch_order("42", BTC_PERP)
    with pytest.raises(OrderNotFound, match="-2013"):
        await spot.fetch_order(None, "BTC/USDT", {"clientOrderId": "never-sent"})
    with pytest.raises(OrderNotFound, match="-2011"):
        await futures.cancel_order("42", BTC_PERP)


async def test_wrong_credentials_are_authentication_errors(fake: FakeExchange) -> None:
    wrong_secret = await make_client(fake, "spot", secret="not-the-secret")
    wrong_key = await make_client(fake, "futures", apiKey="not-the-key")
    try:
        with pytest.raises(AuthenticationError, match="-1022"):
            await wrong_secret.fetch_balance()
        with pytest.raises(AuthenticationError, match="-2015"):
            await wrong_key.fetch_balance()
    finally:
        await wrong_secret.close()
        await wrong_key.close()
    signed = [r for r in fake.requests if r.signed]
    assert signed and {r.api_key for r in signed} == {"test-key", "not-the-key"}


async def test_spot_key_rejected_after_a_success_is_reported_as_ddos(
        spot: ccxt_async.binance) -> None:
    # ccxt quirk: once a spot private call worked, -2015 raises DDoSProtection
    await spot.fetch_balance()
    spot.apiKey = "revoked"
    with pytest.raises(DDoSProtection, match="-2015"):
        await spot.fetch_balance()


async def test_injected_failures_become_ccxt_network_errors(
        fake: FakeExchange, futures: ccxt_async.binance) -> None:
    fake.fail_next("/fapi/v1/ticker/24hr", status=503, msg="Service Unavailable")
    with pytest.raises(ExchangeNotAvailable):
        await futures.fetch_ticker(BTC_PERP)
    fake.fail_next("GET /fapi/v1/ticker/24hr", status=429, code=-1003, msg="Too many requests",
                   retry_after=7)
    with pytest.raises(DDoSProtection) as raised:  # not RateLimitExceeded: 429 is checked first
        await futures.fetch_ticker(BTC_PERP)
    assert type(raised.value) is DDoSProtection
    assert futures.last_response_headers["Retry-After"] == "7"
    futures.timeout = 150
    fake.fail_next("/fapi/v1/ticker/24hr", delay=0.4)
    with pytest.raises(RequestTimeout):
        await futures.fetch_ticker(BTC_PERP)
    assert (await futures.fetch_ticker(BTC_PERP))["last"] == 95000  # one failure only


async def test_slow_order_times_out_on_the_client_but_is_placed(
        fake: FakeExchange, futures: ccxt_async.binance) -> None:
    futures.timeout = 150
    fake.fail_next("POST /fapi/v1/order", status=200, delay=0.4)
    with pytest.raises(RequestTimeout):
        await futures.create_order(BTC_PERP, "market", "buy", 0.01, None,
                                   {"clientOrderId": "pos-9-entry"})
    futures.timeout = 10_000
    await fake.settle()  # the server finishes the request the client gave up on
    found = await futures.fetch_order(None, BTC_PERP, {"clientOrderId": "pos-9-entry"})
    assert found["status"] == "closed"


async def test_without_production_errors_futures_codes_are_plain_exchange_errors(
        fake: FakeExchange) -> None:
    client = ccxt_async.binance(fake.ccxt_config("futures", production_errors=False))
    try:
        with pytest.raises(ExchangeError, match="-4164") as raised:
            await client.create_order(BTC_PERP, "market", "buy", 0.001)
        assert type(raised.value) is ExchangeError
    finally:
        await client.close()


# ---- wiring ----------------------------------------------------------------------------------
async def test_binanceusdm_and_sandbox_mode_still_talk_to_the_fake(fake: FakeExchange) -> None:
    usdm = await make_client(fake, exchange_class=ccxt_async.binanceusdm, sandbox=True)
    try:
        balance = await usdm.fetch_balance()
    finally:
        await usdm.close()
    assert balance["USDT"]["free"] == 10000
    assert fake.unhandled == []
    assert all(r.path.startswith(("/fapi/", "/api/")) for r in fake.requests)
