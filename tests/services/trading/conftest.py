"""Fixtures of the ccxt tests: the fake Binance with balances, and the real ccxt client on
its futures and spot markets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.trading.ccxt_exchange import CcxtExchange
from tests.fakes.exchange import FakeExchange
from tests.services.trading.ccxt_support import exchange_on


@pytest.fixture
async def fake() -> AsyncIterator[FakeExchange]:
    async with FakeExchange() as exchange:
        exchange.set_balance("USDT", "10000", market="spot")
        exchange.set_balance("USDT", "10000", market="futures")
        yield exchange


@pytest.fixture
async def futures(fake: FakeExchange) -> AsyncIterator[CcxtExchange]:
    async with exchange_on(fake, "futures") as exchange:
        yield exchange


@pytest.fixture
async def spot(fake: FakeExchange) -> AsyncIterator[CcxtExchange]:
    async with exchange_on(fake, "spot") as exchange:
        yield exchange
