"""CcxtExchange: the real ccxt client, built from ExchangeSettings, against the fake Binance."""

from __future__ import annotations

import dataclasses

import pytest

from services.trading.ccxt_client import build_ccxt_client
from services.trading.ccxt_exchange import CcxtExchange
from services.trading.port import (
    AuthenticationFailed,
    DuplicateClientId,
    ExchangeError,
    MarketKind,
    OrderRejected,
    OrderSide,
    OrderStatus,
    OrderType,
)
from services.trading.precision import check_order
from tests.fakes.exchange import FakeExchange
from tests.services.trading.ccxt_support import (
    BTC,
    BTC_PERP,
    ETH,
    ETH_PERP,
    SOL,
    SOL_PERP,
    D,
    exchange_on,
    order,
    requests_to,
    settings_for,
)

BUY, SELL = OrderSide.BUY, OrderSide.SELL


# ---- building the client ---------------------------------------------------------------------
async def test_client_from_settings_has_rate_limiter_type_and_ccxt_config_over_sandbox(
        fake: FakeExchange) -> None:
    plain = build_ccxt_client(settings_for(fake, "futures", enableRateLimit=True))
    sandboxed = build_ccxt_client(settings_for(fake, "spot", sandbox=True))
    try:
        assert plain.enableRateLimit is True
        assert plain.options["defaultType"] == "future"
        assert plain.apiKey == "test-key" and plain.secret == "test-secret"
        assert sandboxed.options["defaultType"] == "spot"
        assert sandboxed.isSandboxModeEnabled
        # set_sandbox_mode copied Binance's testnet urls; EXCHANGE__CCXT_CONFIG came after
        assert sandboxed.urls["api"]["public"].startswith(fake.base_url)
    finally:
        await plain.close()
        await sandboxed.close()


async def test_sandbox_settings_still_talk_to_the_configured_urls(fake: FakeExchange) -> None:
    exchange = CcxtExchange.from_settings(settings_for(fake, "futures", sandbox=True))
    try:
        balance = await exchange.fetch_balance()
    finally:
        await exchange.close()
    assert balance["USDT"].free == D("10000")
    assert fake.unhandled == []


def test_unknown_exchange_id_is_a_readable_error(fake: FakeExchange) -> None:
    settings = settings_for(fake).model_copy(update={"id": "nosuchexchange"})
    with pytest.raises(ValueError, match="EXCHANGE__ID 'nosuchexchange'"):
        build_ccxt_client(settings)


def test_default_client_without_config_limits_its_own_rate() -> None:
    from bot.settings import ExchangeSettings
    client = build_ccxt_client(ExchangeSettings(id="bybit", market="futures"))
    assert client.enableRateLimit is True
    assert client.options["defaultType"] == "swap"
    assert CcxtExchange(client, MarketKind.FUTURES).rate_limiter_enabled


# ---- markets and prices ----------------------------------------------------------------------
async def test_futures_markets_carry_binance_ticks_steps_and_minimums(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    markets = await futures.load_markets()
    assert set(markets) == {BTC_PERP, ETH_PERP, SOL_PERP, "DOGE/USDT:USDT",
                            "1000PEPE/USDT:USDT"}
    btc = markets[BTC_PERP]
    assert (btc.kind, btc.base, btc.quote) == (MarketKind.FUTURES, "BTC", "USDT")
    assert (btc.price_step, btc.amount_step) == (D("0.1"), D("0.001"))
    assert (btc.min_amount, btc.min_notional) == (D("0.001"), D("100"))
    assert btc.contract_size == 1 and btc.supports_stop_orders
    assert (btc.taker_fee, btc.maker_fee) == (D("0.0005"), D("0.0002"))
    pepe = markets["1000PEPE/USDT:USDT"]
    assert (pepe.price_step, pepe.amount_step, pepe.min_notional) == (D("1E-7"), 1, 5)
    assert markets[SOL_PERP].amount_step == 1


async def test_spot_markets_have_their_own_rules_and_no_exchange_stops(
        spot: CcxtExchange) -> None:
    markets = await spot.load_markets()
    assert set(markets) == {BTC, ETH, SOL, "DOGE/USDT"}
    btc = markets[BTC]
    assert (btc.price_step, btc.amount_step, btc.min_notional) == (D("0.01"), D("0.00001"), 5)
    assert btc.kind is MarketKind.SPOT and not btc.supports_stop_orders


async def test_markets_are_loaded_once_and_reloaded_on_demand(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    await futures.load_markets()
    await futures.load_markets()
    await futures.market(BTC_PERP)
    assert requests_to(fake, "/fapi/v1/exchangeInfo") == 1
    await futures.load_markets(reload=True)
    assert requests_to(fake, "/fapi/v1/exchangeInfo") == 2
    with pytest.raises(ExchangeError, match="NOPE/USDT:USDT is not listed"):
        await futures.market("NOPE/USDT:USDT")


async def test_market_order_with_a_client_id_is_found_by_that_id(
        futures: CcxtExchange) -> None:
    placed = await futures.create_order(order("sd-1-entry"))
    assert placed.status is OrderStatus.FILLED and placed.client_id == "sd-1-entry"
    assert (placed.filled, placed.average_price) == (D("0.01"), D("95000"))
    found = await futures.fetch_order_by_client_id(BTC_PERP, "sd-1-entry")
    assert found is not None and found.exchange_id == placed.exchange_id
    assert found.status is OrderStatus.FILLED and found.created_at is not None
    assert await futures.fetch_order_by_client_id(BTC_PERP, "sd-1-never") is None
    [position] = await futures.fetch_positions([BTC_PERP])
    assert (position.side, position.amount, position.entry_price) == (BUY, D("0.01"), 95000)


async def test_spot_market_buy_reports_its_fee_in_the_bought_asset(
        fake: FakeExchange, spot: CcxtExchange) -> None:
    placed = await spot.create_order(order("sd-2-entry", symbol=BTC, amount="0.01"))
    assert (placed.fee, placed.fee_currency) == (D("0.00001"), "BTC")
    assert [(f.price, f.amount) for f in placed.fills] == [(D("95000"), D("0.01"))]
    balances = await spot.fetch_balance()
    assert balances["BTC"].total == D("0.00999") and balances["USDT"].free == D("9050")


async def test_limit_order_rests_then_fills_when_the_price_crosses(
        fake: FakeExchange, spot: CcxtExchange) -> None:
    placed = await spot.create_order(order("sd-3-entry", symbol=BTC, type=OrderType.LIMIT,
                                           amount="0.01", price="94000"))
    assert placed.status is OrderStatus.OPEN and placed.price == D("94000")
    assert [o.client_id for o in await spot.fetch_open_orders()] == ["sd-3-entry"]
    assert (await spot.fetch_balance())["USDT"].used == D("940")
    fake.set_price(BTC, "93900")
    filled = await spot.fetch_order_by_client_id(BTC, "sd-3-entry")
    assert filled is not None and filled.status is OrderStatus.FILLED
    assert filled.average_price == D("94000") and await spot.fetch_open_orders(BTC) == []


async def test_reduce_only_stop_market_goes_to_the_algo_endpoint_and_cancels_as_trigger(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    await futures.create_order(order("sd-4-entry", amount="0.02"))
    stop = await futures.create_order(order("sd-4-sl", side=SELL, type=OrderType.STOP_MARKET,
                                            amount="0.02", trigger="93000", reduce_only=True))
    sent = fake.requests[-1]
    assert (sent.path, sent.params["type"]) == ("/fapi/v1/algoOrder", "STOP_MARKET")
    assert sent.params["reduceOnly"] == "true" and sent.params["clientAlgoId"] == "sd-4-sl"
    assert (stop.type, stop.status, stop.trigger_price) == (OrderType.STOP_MARKET,
                                                            OrderStatus.OPEN, D("93000"))
    assert stop.reduce_only
    # without trigger=True Binance looks in the plain order book and finds nothing
    assert await futures.fetch_order_by_client_id(BTC_PERP, "sd-4-sl") is None
    found = await futures.fetch_order_by_client_id(BTC_PERP, "sd-4-sl", trigger=True)
    assert found is not None and found.exchange_id == stop.exchange_id
    assert [o.client_id for o in await futures.fetch_open_orders()] == ["sd-4-sl"]
    cancelled = await futures.cancel_order(BTC_PERP, stop.exchange_id, trigger=True)
    assert cancelled.status is OrderStatus.CANCELED and cancelled.client_id == "sd-4-sl"
    assert await futures.fetch_open_orders(BTC_PERP) == []


async def test_take_profit_that_fires_reports_the_fill_of_the_order_it_placed(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    await futures.create_order(order("sd-5-entry", amount="0.02"))
    target = await futures.create_order(order(
        "sd-5-tp1", side=SELL, type=OrderType.TAKE_PROFIT_MARKET, trigger="99000",
        reduce_only=True))
    assert fake.requests[-1].params["type"] == "TAKE_PROFIT_MARKET"
    assert target.type is OrderType.TAKE_PROFIT_MARKET
    fake.set_price(BTC, "99100")
    fired = await futures.fetch_order_by_client_id(BTC_PERP, "sd-5-tp1", trigger=True)
    assert fired is not None and fired.status is OrderStatus.FILLED
    assert (fired.filled, fired.average_price) == (D("0.01"), D("99100"))
    [position] = await futures.fetch_positions()
    assert position.amount == D("0.01")


async def test_amounts_go_out_in_contracts_and_come_back_in_base_units(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    # Binance's contracts are 1 BTC; pretend 0.001 (as OKX-style markets have) to see both
    # conversions through the real client.
    markets = await futures.load_markets()
    markets[BTC_PERP] = dataclasses.replace(markets[BTC_PERP], contract_size=D("0.001"))
    fake.set_balance("USDT", "10000000", market="futures")
    placed = await futures.create_order(order("sd-12-entry", amount="0.01"))
    assert fake.requests[-1].params["quantity"] == "10"  # contracts
    assert (placed.amount, placed.filled) == (D("0.01"), D("0.01"))
    [position] = await futures.fetch_positions()
    assert position.amount == D("0.01")


async def test_order_below_min_notional_is_skipped_before_and_rejected_readably(
        fake: FakeExchange, spot: CcxtExchange, futures: CcxtExchange) -> None:
    spot_btc = await spot.market(BTC)
    assert check_order(spot_btc, D("0.00004"), D("95000")) == \
        "order of 3.80 USDT is below the market's minimum of 5 USDT"
    with pytest.raises(OrderRejected, match=r"value is below the market's minimum .*-1013"):
        await spot.create_order(order("sd-6-entry", symbol=BTC, amount="0.00004"))
    perp_btc = await futures.market(BTC_PERP)
    assert check_order(perp_btc, D("0.001"), D("95000")) == \
        "order of 95.00 USDT is below the market's minimum of 100 USDT"
    with pytest.raises(OrderRejected, match=r"value is below the market's minimum .*-4164"):
        await futures.create_order(order("sd-6-entry", amount="0.001"))


async def test_refusals_name_their_reason(fake: FakeExchange, futures: CcxtExchange) -> None:
    with pytest.raises(OrderRejected, match="no position to reduce"):
        await futures.create_order(order("sd-7-sl", side=SELL, type=OrderType.STOP_MARKET,
                                         trigger="90000", reduce_only=True))
    with pytest.raises(OrderRejected, match="not enough"):
        await futures.create_order(order("sd-7-entry", amount="5"))
    with pytest.raises(OrderRejected, match="needs a trigger price"):
        await futures.create_order(order("sd-7-tp1", type=OrderType.TAKE_PROFIT_MARKET))


@pytest.mark.parametrize("production_errors", [True, False])
async def test_duplicate_client_id_of_an_open_order(
        fake: FakeExchange, production_errors: bool) -> None:
    # without production_errors ccxt's generic table makes -4116 a plain ExchangeError
    for market, symbol, amount, price in (("spot", BTC, "0.001", "90000"),
                                          ("futures", BTC_PERP, "0.002", "91000")):
        async with exchange_on(fake, market,  # type: ignore[arg-type]
                               production_errors=production_errors) as exchange:
            request = order("sd-8-entry", symbol=symbol, type=OrderType.LIMIT, amount=amount,
                            price=price)
            await exchange.create_order(request)
            with pytest.raises(DuplicateClientId):
                await exchange.create_order(request)
    assert len(fake.orders("spot")) == len(fake.orders("futures")) == 1


async def test_wrong_secret_and_revoked_key_are_authentication_failures(
        fake: FakeExchange, spot: CcxtExchange) -> None:
    wrong = CcxtExchange.from_settings(settings_for(fake, "futures", secret="not-the-secret"))
    try:
        with pytest.raises(AuthenticationFailed, match="-1022"):
            await wrong.fetch_balance()
    finally:
        await wrong.close()
    await spot.fetch_balance()
    spot.client.apiKey = "revoked"  # ccxt raises DDoSProtection here; the code says better
    with pytest.raises(AuthenticationFailed, match="-2015"):
        await spot.fetch_balance()


async def test_timestamp_outside_the_receive_window_resyncs_the_clock_once(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    futures.client.options["timeDifference"] = 30_000  # our clock runs 30 s ahead of theirs
    placed = await futures.create_order(order("sd-9-entry"))
    assert placed.status is OrderStatus.FILLED
    order_posts = [r.status for r in fake.requests if r.path == "/fapi/v1/order"]
    assert order_posts == [400, 200]  # -1021, then accepted: one order
    assert requests_to(fake, "/fapi/v1/time") == 1
    assert len(fake.orders("futures")) == 1


async def test_leverage_margin_mode_twice_and_positions_report_the_leverage(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    await futures.set_leverage(BTC_PERP, 5)
    await futures.set_margin_mode(BTC_PERP, "isolated")
    await futures.set_margin_mode(BTC_PERP, "isolated")  # -4046: already so, fine
    with pytest.raises(ValueError):
        await futures.set_margin_mode(BTC_PERP, "crossed")
    await futures.create_order(order("sd-10-entry", amount="0.1"))
    [position] = await futures.fetch_positions([BTC_PERP])
    assert (position.leverage, position.margin_mode) == (5, "isolated")
    balance = (await futures.fetch_balance())["USDT"]
    assert balance.used == D("9500") / 5


async def test_hedge_mode_is_read_once_after_a_position_side_refusal(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    await futures.client.set_position_mode(True)
    await futures.create_order(order("sd-11-entry", amount="0.02"))  # -4061, mode read, resent
    assert requests_to(fake, "/fapi/v1/positionSide/dual", "GET") == 1
    assert [r.status for r in fake.requests if r.path == "/fapi/v1/order"] == [400, 200]
    assert fake.requests[-1].params["positionSide"] == "LONG"
    await futures.create_order(order("sd-11-sl", side=SELL, type=OrderType.STOP_MARKET,
                                     amount="0.02", trigger="93000", reduce_only=True))
    assert fake.requests[-1].params["positionSide"] == "LONG"
    assert "reduceOnly" not in fake.requests[-1].params  # hedge mode refuses it (-1106)
    await futures.create_order(order("sd-11-close", side=SELL, amount="0.02", reduce_only=True))
    assert fake.positions() == []
    assert requests_to(fake, "/fapi/v1/positionSide/dual", "GET") == 1


async def test_spot_has_no_positions_leverage_or_margin_mode(
        fake: FakeExchange, spot: CcxtExchange) -> None:
    before = len(fake.requests)
    assert await spot.fetch_positions() == []
    await spot.set_leverage(BTC, 5)
    await spot.set_margin_mode(BTC, "isolated")
    assert len(fake.requests) == before
