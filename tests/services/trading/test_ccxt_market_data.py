"""Prices and candles through the real ccxt client against the fake Binance: one request
for many symbols, the fallbacks, public data without keys."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

import pytest

from services.trading.ccxt_exchange import CcxtExchange
from services.trading.ccxt_market_data import CcxtMarketData
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
    settings_for,
)


@pytest.mark.parametrize(("market", "symbols"), [
    ("spot", [BTC, ETH, SOL]), ("futures", [BTC_PERP, ETH_PERP, SOL_PERP])])
async def test_tickers_of_three_symbols_take_one_request(
        fake: FakeExchange, market: str, symbols: list[str]) -> None:
    fake.set_price("ETH/USDT", "3600.5")
    async with exchange_on(fake, market) as exchange:  # type: ignore[arg-type]
        await exchange.load_markets()
        before = len(fake.requests)
        tickers = await exchange.fetch_tickers(symbols)
        assert len(fake.requests) == before + 1
        assert await exchange.fetch_tickers([]) == {}
    assert set(tickers) == set(symbols)
    eth = tickers[symbols[1]]
    assert eth.last == D("3600.5") and isinstance(eth.last, Decimal)
    assert eth.at.tzinfo is not None and eth.at.utcoffset() == timedelta(0)


async def test_prices_fall_back_to_one_request_per_symbol_where_there_is_no_batch_call(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    await futures.load_markets()
    futures.client.has["fetchTickers"] = futures.client.has["fetchLastPrices"] = False
    before = len(fake.requests)
    tickers = await futures.fetch_tickers([BTC_PERP, ETH_PERP, SOL_PERP])
    assert len(fake.requests) == before + 3
    assert tickers[SOL_PERP].last == D("180")


async def test_an_exchange_that_needs_the_symbols_listed_is_asked_with_them(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    """Several symbols are asked for as "every market" (ccxt filters a list quadratically);
    an exchange whose batch call requires the list gets it on a second try."""
    from ccxt.base.errors import ArgumentsRequired

    await futures.load_markets()
    real = futures.client.fetch_last_prices
    asked: list[object] = []

    async def needs_symbols(symbols: list[str] | None = None, params: dict = {}) -> object:  # noqa: B006
        asked.append(symbols)
        if symbols is None:
            raise ArgumentsRequired("binance fetchLastPrices() requires a symbols argument")
        return await real(symbols, params)

    futures.client.fetch_last_prices = needs_symbols  # type: ignore[method-assign]
    tickers = await futures.fetch_tickers([BTC_PERP, SOL_PERP])
    assert asked == [None, [BTC_PERP, SOL_PERP]]
    assert set(tickers) == {BTC_PERP, SOL_PERP} and tickers[SOL_PERP].last == D("180")


async def test_public_market_data_needs_no_keys(fake: FakeExchange) -> None:
    settings = settings_for(fake, "futures").model_copy(update={"api_key": None,
                                                                "secret": None})
    prices = CcxtMarketData.from_settings(settings)
    try:
        assert (await prices.market(BTC_PERP)).min_notional == 100
        assert (await prices.fetch_tickers([BTC_PERP]))[BTC_PERP].last == D("95000")
        since = (await prices.fetch_candles(BTC_PERP, "1h", limit=3))[1].at
        candles = await prices.fetch_candles(BTC_PERP, "1h", since=since, limit=2)
        assert candles[0].at == since
    finally:
        await prices.close()
    assert not any(r.signed for r in fake.requests)


async def test_candles_are_decimal_and_utc(futures: CcxtExchange) -> None:
    candles = await futures.fetch_candles(BTC_PERP, "1h", limit=3)
    assert len(candles) == 3
    assert candles[1].at - candles[0].at == timedelta(hours=1)
    assert candles[-1].close == D("95000") and candles[-1].at.tzinfo == UTC


# ---- orders ----------------------------------------------------------------------------------
