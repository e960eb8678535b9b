"""Paper spot trading against the fake Binance's public prices through the real ccxt client:
fills with slippage and fees to the exact Decimal, resting limits, exchange-like refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.trading.port import (
    DuplicateClientId,
    ExchangeError,
    MarketKind,
    OrderNotFound,
    OrderRejected,
    OrderStatus,
)
from tests.services.trading.test_paper_support import BTC, D, PaperHarness, order, paper_harness


@pytest.fixture
async def spot(tmp_path: Path) -> AsyncIterator[PaperHarness]:
    async with paper_harness(tmp_path, MarketKind.SPOT) as harness:
        yield harness


async def test_market_buy_then_sell_pays_slippage_and_fees_to_the_exact_decimal(
        spot: PaperHarness) -> None:
    paper = spot.paper
    bought = await paper.create_order(order("b-1", BTC, "buy", "market", "0.01"))
    # 95000 moved 5 bps against the buyer; the 0.1 % fee is taken from the BTC received.
    assert bought.status is OrderStatus.FILLED
    assert (bought.filled, bought.average_price) == (D("0.01"), D("95047.5"))
    assert (bought.fee, bought.fee_currency) == (D("0.00001"), "BTC")
    balance = await paper.fetch_balance()
    assert balance["USDT"].total == D("9049.525")
    assert balance["BTC"].total == balance["BTC"].free == D("0.00999")

    spot.fake.set_price(BTC, "96000")
    spot.clock.advance(1)  # the 95000 seen a second ago is too old to fill against
    sold = await paper.create_order(order("s-1", BTC, "sell", "market", "0.00999"))
    # 96000 - 5 bps = 95952; the fee is 0.1 % of the USDT received.
    assert (sold.average_price, sold.fee, sold.fee_currency) == (D("95952"), D("0.95856048"),
                                                                 "USDT")
    balance = await paper.fetch_balance()
    assert balance["USDT"].total == D("9049.525") + D("958.56048") - D("0.95856048")
    assert balance["USDT"].total == D("10007.12691952")
    assert "BTC" not in balance


async def test_limit_buy_rests_with_its_quote_locked_and_fills_at_its_price_when_crossed(
        spot: PaperHarness) -> None:
    paper = spot.paper
    resting = await paper.create_order(order("l-1", BTC, "buy", "limit", "0.01", price="94000"))
    assert resting.status is OrderStatus.OPEN and resting.filled == 0
    usdt = (await paper.fetch_balance())["USDT"]
    assert (usdt.total, usdt.free, usdt.used) == (D("10000"), D("9060"), D("940"))

    assert await spot.move(BTC, "94500") == []  # above the limit: nothing happens
    changed = await spot.move(BTC, "93990")
    assert [o.client_id for o in changed] == ["l-1"]
    filled = changed[0]
    # A resting order is a maker: its own price, the maker fee, no slippage.
    assert (filled.status, filled.average_price, filled.filled) == (OrderStatus.FILLED,
                                                                    D("94000"), D("0.01"))
    assert filled.fee == D("0.00001") and filled.fills[0].at == spot.clock.now()
    balance = await paper.fetch_balance()
    assert (balance["USDT"].total, balance["USDT"].used) == (D("9060"), D("0"))
    assert balance["BTC"].total == D("0.00999")
    assert await paper.fetch_open_orders() == []
    assert await spot.move(BTC, "90000") == []  # filled once, never again


async def test_marketable_limit_fills_at_once_as_taker_never_above_its_limit(
        spot: PaperHarness) -> None:
    taken = await spot.paper.create_order(order("l-2", BTC, "buy", "limit", "0.01",
                                                price="96000"))
    assert (taken.status, taken.average_price) == (OrderStatus.FILLED, D("95047.5"))
    capped = await spot.paper.create_order(order("l-3", BTC, "buy", "limit", "0.01",
                                                 price="95010"))
    assert (capped.status, capped.average_price) == (OrderStatus.FILLED, D("95010"))
    # A market order's price (sent for sizing, say) is no limit: it still takes at the market.
    market = await spot.paper.create_order(order("m-1", BTC, "buy", "market", "0.01",
                                                 price="90000"))
    assert market.average_price == D("95047.5")


async def test_sell_stop_triggers_on_a_falling_price_and_fills_like_a_market_order(
        spot: PaperHarness) -> None:
    paper = spot.paper
    await paper.create_order(order("b-2", BTC, "buy", "market", "0.01"))  # 0.00999 after fee
    stop = await paper.create_order(order("sl-1", BTC, "sell", "stop_market", "0.00999",
                                          trigger="94000"))
    assert stop.status is OrderStatus.OPEN
    btc = (await paper.fetch_balance())["BTC"]
    assert (btc.free, btc.used) == (0, D("0.00999"))
    assert await spot.move(BTC, "94000.01") == []
    [fired] = await spot.move(BTC, "93000")  # a gap through the stop slips with it
    assert (fired.client_id, fired.status, fired.average_price) == ("sl-1", OrderStatus.FILLED,
                                                                    D("92953.5"))
    assert fired.fee == D("0.00999") * D("92953.5") * D("0.001")
    balance = await paper.fetch_balance()
    assert "BTC" not in balance
    assert balance["USDT"].total == D("10000") - D("950.475") + D("928.60546500") - fired.fee


async def test_cancel_releases_the_lock_and_a_second_cancel_finds_nothing(
        spot: PaperHarness) -> None:
    paper = spot.paper
    placed = await paper.create_order(order("l-4", BTC, "buy", "limit", "0.01", price="90000"))
    canceled = await paper.cancel_order(BTC, placed.exchange_id)
    assert canceled.status is OrderStatus.CANCELED
    assert (await paper.fetch_balance())["USDT"].free == D("10000")
    with pytest.raises(OrderNotFound):
        await paper.cancel_order(BTC, placed.exchange_id)
    found = await paper.fetch_order_by_client_id(BTC, "l-4")
    assert found is not None and found.status is OrderStatus.CANCELED


async def test_refusals_read_like_the_exchange_and_change_nothing(spot: PaperHarness) -> None:
    paper = spot.paper
    cases = {
        order("x-1", BTC, "buy", "market", "0.2"):
            "insufficient balance: need 19009.5 USDT, free 10000",
        order("x-2", BTC, "sell", "market", "0.01"): "insufficient balance: need 0.01 BTC, free 0",
        order("x-3", BTC, "buy", "market", "0.00005"):
            "order value 4.75 USDT is below the minimum 5 USDT",
        order("x-4", BTC, "buy", "market", "0.000015"):
            "amount 0.000015 BTC is not a multiple of the lot size 0.00001",
        order("x-5", BTC, "buy", "limit", "0.01", price="94000.005"):
            "price 94000.005 is not a multiple of the tick size 0.01",
        order("x-6", BTC, "buy", "limit", "0.01"): "limit orders need a price",
        order("x-7", BTC, "sell", "stop_market", "0.01", trigger="96000"):
            "stop_market sell would trigger immediately: trigger 96000, price 95000",
        order("x 8", BTC, "buy", "market", "0.01"):
            "client order id 'x 8' must be 1-36 characters of letters, digits and .:/_-",
        order("x-9", "BTC/USDT:USDT", "buy", "market", "0.01"):
            "BTC/USDT:USDT is not a spot market of this exchange",
    }
    for request, reason in cases.items():
        with pytest.raises(OrderRejected) as refused:
            await paper.create_order(request)
        assert refused.value.reason == reason
    assert (await paper.fetch_balance())["USDT"].free == D("10000")
    assert await paper.fetch_order_by_client_id(BTC, "x-1") is None


async def test_a_client_id_already_used_is_a_duplicate_open_or_filled(spot: PaperHarness) -> None:
    paper = spot.paper
    await paper.create_order(order("pos-1-entry", BTC, "buy", "limit", "0.01", price="90000"))
    with pytest.raises(DuplicateClientId):
        await paper.create_order(order("pos-1-entry", BTC, "buy", "limit", "0.01",
                                       price="90000"))
    await paper.create_order(order("pos-2-entry", BTC, "buy", "market", "0.01"))
    with pytest.raises(DuplicateClientId):
        await paper.create_order(order("pos-2-entry", BTC, "buy", "market", "0.01"))
    assert len(await paper.fetch_open_orders(BTC)) == 1
    found = await paper.fetch_order_by_client_id(BTC, "pos-2-entry")
    assert found is not None and found.status is OrderStatus.FILLED
    assert [f.price for f in found.fills] == [D("95047.5")]
    assert (await paper.fetch_balance())["BTC"].total == D("0.00999")


async def test_candles_and_tickers_come_from_the_price_source(spot: PaperHarness) -> None:
    candles = await spot.paper.fetch_candles(BTC, "1h", limit=3)
    assert len(candles) == 3 and candles[-1].close == D("95000")
    spot.fake.set_price(BTC, "95500")
    assert (await spot.paper.fetch_tickers([BTC]))[BTC].last == D("95500")


async def test_a_buy_stop_that_cannot_pay_its_slipped_price_is_rejected_when_it_fires(
        tmp_path: Path) -> None:
    async with paper_harness(tmp_path, MarketKind.SPOT, starting_balance=D("960")) as h:
        await h.paper.create_order(order("e-1", BTC, "buy", "stop_market", "0.01",
                                         trigger="96000"))
        assert (await h.paper.fetch_balance())["USDT"].free == 0  # all locked at the trigger
        [fired] = await h.move(BTC, "96000")
        assert (fired.status, fired.filled) == (OrderStatus.REJECTED, 0)
        row = await h.repo.order_by_client_id("spot", "e-1")
        assert row is not None and row.reason == "insufficient balance: need 960.48 USDT, free 960"
        assert (await h.paper.fetch_balance())["USDT"].free == D("960")


async def test_configured_fees_and_slippage_replace_the_market_ones(tmp_path: Path) -> None:
    async with paper_harness(tmp_path, MarketKind.SPOT, slippage_bps=D("0"),
                             fee_override=(D("0.002"), D("0"))) as h:
        bought = await h.paper.create_order(order("f-1", BTC, "buy", "market", "0.01"))
        assert (bought.average_price, bought.fee) == (D("95000"), D("0.00002"))
        await h.paper.create_order(order("f-2", BTC, "sell", "limit", "0.009", price="96000"))
        [sold] = await h.move(BTC, "96000")
        assert sold.fee == 0  # maker
        balance = await h.paper.fetch_balance()
        assert (balance["USDT"].total, balance["BTC"].total) == (D("9914"), D("0.00098"))
        with pytest.raises(ExchangeError, match="futures only"):
            await h.paper.set_leverage(BTC, 5)
