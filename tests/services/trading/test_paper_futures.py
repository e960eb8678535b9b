"""Paper USDT-margined futures against the fake Binance's public prices: leverage and margin,
unrealised and realised PnL to the exact Decimal, reduce-only exits, stops and take-profits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.trading.port import (
    ExchangeError,
    MarketKind,
    OrderRejected,
    OrderSide,
    OrderStatus,
)
from tests.services.trading.test_paper_support import (
    BTC_PERP,
    D,
    PaperHarness,
    order,
    paper_harness,
)


@pytest.fixture
async def futures(tmp_path: Path) -> AsyncIterator[PaperHarness]:
    async with paper_harness(tmp_path, MarketKind.FUTURES) as harness:
        yield harness


async def open_long(h: PaperHarness, amount: str = "0.1", leverage: int = 10) -> None:
    await h.paper.set_leverage(BTC_PERP, leverage)
    entry = await h.paper.create_order(order("pos-1-entry", BTC_PERP, "buy", "market", amount))
    assert entry.status is OrderStatus.FILLED and entry.average_price == D("95047.5")


async def test_long_with_leverage_margin_pnl_partial_reduce_and_full_close(
        futures: PaperHarness) -> None:
    paper = futures.paper
    await open_long(futures)
    # Fee 0.05 % taker of 9504.75; margin = 0.1 × 95000 (mark) / 10.
    usdt = (await paper.fetch_balance())["USDT"]
    assert usdt.used == D("950")
    assert usdt.total == D("10000") - D("4.752375") + D("-4.75")
    assert usdt.free == usdt.total - D("950")
    [position] = await paper.fetch_positions()
    assert (position.symbol, position.side, position.amount) == (BTC_PERP, OrderSide.BUY, D("0.1"))
    assert (position.entry_price, position.leverage, position.margin_mode) == (
        D("95047.5"), 10, "cross")

    await futures.move(BTC_PERP, "96000")
    [position] = await paper.fetch_positions([BTC_PERP])
    assert position.unrealized_pnl == D("95.25")
    assert (await paper.fetch_balance())["USDT"].total == D("9995.247625") + D("95.25")

    part = await paper.create_order(order("pos-1-tp1", BTC_PERP, "sell", "market", "0.04",
                                          reduce_only=True))
    assert (part.average_price, part.fee) == (D("95952"), D("1.91904"))
    fills = await futures.repo.fills(int(part.exchange_id))
    assert [f.realized_pnl for f in fills] == [D("36.18")]  # (95952 - 95047.5) × 0.04
    [position] = await paper.fetch_positions()
    assert (position.amount, position.entry_price) == (D("0.06"), D("95047.5"))
    wallet = D("10000") - D("4.752375") + D("36.18") - D("1.91904")
    assert (await paper.fetch_balance())["USDT"].total == wallet + D("0.06") * D("952.5")

    rest = await paper.create_order(order("pos-1-close", BTC_PERP, "sell", "market", "0.06",
                                          reduce_only=True))
    fills = await futures.repo.fills(int(rest.exchange_id))
    assert [f.realized_pnl for f in fills] == [D("54.27")]
    assert await paper.fetch_positions() == []
    usdt = (await paper.fetch_balance())["USDT"]
    assert (usdt.total, usdt.free, usdt.used) == (D("10080.900025"), D("10080.900025"), 0)


async def test_adding_to_a_position_averages_the_entry(futures: PaperHarness) -> None:
    await open_long(futures, amount="0.1")
    futures.fake.set_price(BTC_PERP, "97000")
    futures.clock.advance(1)  # the 95000 seen a second ago is too old to fill against
    await futures.paper.create_order(order("pos-1-add", BTC_PERP, "buy", "market", "0.3"))
    [position] = await futures.paper.fetch_positions()
    # (0.1 × 95047.5 + 0.3 × 97048.5) / 0.4
    assert (position.amount, position.entry_price) == (D("0.4"), D("96548.25"))


async def test_stop_market_fires_on_a_crossing_price_and_realises_the_loss(
        futures: PaperHarness) -> None:
    await open_long(futures)
    stop = await futures.paper.create_order(order("pos-1-sl", BTC_PERP, "sell", "stop_market",
                                                  "0.1", trigger="94000", reduce_only=True))
    assert stop.status is OrderStatus.OPEN
    assert await futures.move(BTC_PERP, "94500") == []
    [fired] = await futures.move(BTC_PERP, "93900")
    # 93900 - 5 bps = 93853.05, on the 0.1 tick against the seller: 93853.0
    assert (fired.client_id, fired.status, fired.average_price) == ("pos-1-sl",
                                                                    OrderStatus.FILLED, D("93853"))
    [fill] = await futures.repo.fills(int(fired.exchange_id))
    assert fill.realized_pnl == D("-119.45") and fill.fee == D("4.69265")
    assert await futures.paper.fetch_positions() == []
    assert (await futures.paper.fetch_balance())["USDT"].total == (
        D("10000") - D("4.752375") - D("119.45") - D("4.69265"))


async def test_take_profit_market_fires_when_the_price_reaches_it(futures: PaperHarness) -> None:
    await open_long(futures)
    await futures.paper.create_order(order("pos-1-tp", BTC_PERP, "sell", "take_profit_market",
                                           "0.1", trigger="97000", reduce_only=True))
    assert await futures.move(BTC_PERP, "96999.9") == []
    [fired] = await futures.move(BTC_PERP, "97100")
    assert (fired.status, fired.average_price) == (OrderStatus.FILLED, D("97051.4"))
    [fill] = await futures.repo.fills(int(fired.exchange_id))
    assert fill.realized_pnl == D("200.39")  # (97051.4 - 95047.5) × 0.1


async def test_a_short_stop_buys_on_a_rising_price(futures: PaperHarness) -> None:
    await futures.paper.create_order(order("pos-2-entry", BTC_PERP, "sell", "market", "0.01"))
    await futures.paper.create_order(order("pos-2-sl", BTC_PERP, "buy", "stop_market", "0.01",
                                           trigger="96000", reduce_only=True))
    assert await futures.move(BTC_PERP, "94000") == []
    [fired] = await futures.move(BTC_PERP, "96000")
    assert fired.average_price == D("96048")
    [fill] = await futures.repo.fills(int(fired.exchange_id))
    assert fill.realized_pnl == D("-10.955")  # (94952.5 - 96048) × 0.01


async def test_reduce_only_that_would_flip_or_has_nothing_to_reduce_is_rejected(
        futures: PaperHarness) -> None:
    paper = futures.paper
    with pytest.raises(OrderRejected, match="no BTC/USDT:USDT position it could reduce"):
        await paper.create_order(order("r-1", BTC_PERP, "sell", "market", "0.1",
                                       reduce_only=True))
    await open_long(futures)
    with pytest.raises(OrderRejected) as refused:
        await paper.create_order(order("r-2", BTC_PERP, "sell", "market", "0.2",
                                       reduce_only=True))
    assert refused.value.reason == ("reduce-only order of 0.2 BTC exceeds the 0.1 long "
                                    "position: it would flip it")
    with pytest.raises(OrderRejected, match="could reduce"):
        await paper.create_order(order("r-3", BTC_PERP, "buy", "market", "0.1",
                                       reduce_only=True))
    [position] = await paper.fetch_positions()
    assert position.amount == D("0.1")


async def test_a_reduce_only_stop_left_over_after_the_position_closed_expires(
        futures: PaperHarness) -> None:
    await open_long(futures)
    await futures.paper.create_order(order("pos-1-sl", BTC_PERP, "sell", "stop_market", "0.1",
                                           trigger="94000", reduce_only=True))
    await futures.paper.create_order(order("pos-1-close", BTC_PERP, "sell", "market", "0.1",
                                           reduce_only=True))
    [expired] = await futures.move(BTC_PERP, "93000")
    assert (expired.client_id, expired.status, expired.filled) == ("pos-1-sl",
                                                                   OrderStatus.EXPIRED, 0)
    assert await futures.paper.fetch_positions() == []


async def test_margin_and_min_notional_are_checked_like_the_exchange(
        futures: PaperHarness) -> None:
    paper = futures.paper
    with pytest.raises(OrderRejected) as refused:
        await paper.create_order(order("m-1", BTC_PERP, "buy", "market", "0.2"))
    # leverage 1 by default: the whole notional plus the taker fee
    assert refused.value.reason == "insufficient balance: need 19019.00475 USDT, free 10000"
    with pytest.raises(OrderRejected) as refused:
        await paper.create_order(order("m-2", BTC_PERP, "buy", "market", "0.001"))
    assert refused.value.reason == "order value 95 USDT is below the minimum 100 USDT"

    await paper.set_leverage(BTC_PERP, 2)
    resting = await paper.create_order(order("m-3", BTC_PERP, "buy", "limit", "0.1",
                                             price="90000"))
    assert resting.status is OrderStatus.OPEN
    assert (await paper.fetch_balance())["USDT"].used == D("4500")  # 0.1 × 90000 / 2
    with pytest.raises(ExchangeError, match="at least 1x"):
        await paper.set_leverage(BTC_PERP, 0)


async def test_leverage_cannot_be_lowered_below_what_the_margin_allows(
        futures: PaperHarness) -> None:
    await open_long(futures, amount="0.5", leverage=10)  # 47,500 notional on 10,000
    with pytest.raises(ExchangeError, match="not enough margin to lower BTC/USDT:USDT"):
        await futures.paper.set_leverage(BTC_PERP, 2)
    await futures.paper.set_leverage(BTC_PERP, 5)
    [position] = await futures.paper.fetch_positions()
    assert position.leverage == 5
    assert (await futures.paper.fetch_balance())["USDT"].used == D("9500")


async def test_a_limit_entry_fills_as_maker_when_crossed(futures: PaperHarness) -> None:
    await futures.paper.set_leverage(BTC_PERP, 5)
    await futures.paper.create_order(order("pos-3-entry", BTC_PERP, "buy", "limit", "0.1",
                                           price="94000"))
    [filled] = await futures.move(BTC_PERP, "93500")
    assert (filled.average_price, filled.fee) == (D("94000"), D("1.88"))  # 0.02 % maker
    [position] = await futures.paper.fetch_positions()
    assert (position.entry_price, position.unrealized_pnl, position.leverage) == (
        D("94000"), D("-50"), 5)
