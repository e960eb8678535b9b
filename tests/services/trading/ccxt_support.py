"""Shared harness of the ccxt adapter / resilient wrapper tests (no tests here): the real
ccxt client built from ExchangeSettings, talking to the fake Binance on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, Literal

from pydantic import SecretStr

from bot.settings import ExchangeSettings
from services.trading.ccxt_client import deep_merge
from services.trading.ccxt_exchange import CcxtExchange
from services.trading.port import OrderRequest, OrderSide, OrderType
from tests.fakes.clock import ManualClock
from tests.fakes.exchange import FakeExchange

D = Decimal
BTC, ETH, SOL = "BTC/USDT", "ETH/USDT", "SOL/USDT"
BTC_PERP, ETH_PERP, SOL_PERP = "BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"
Kind = Literal["spot", "futures"]


def settings_for(fake: FakeExchange, market: Kind = "futures", *, secret: str | None = None,
                 sandbox: bool = False, production_errors: bool = True,
                 **config: Any) -> ExchangeSettings:
    """EXCHANGE__* as a user pointing the bot at the fake would write them: keys in their
    own variables, the fake's urls and options in EXCHANGE__CCXT_CONFIG."""
    ccxt_config = {k: v for k, v in fake.ccxt_config(
        market, production_errors=production_errors).items()
                   if k not in ("apiKey", "secret")}
    return ExchangeSettings(
        id="binance", market=market, api_key=SecretStr(fake.api_key),
        secret=SecretStr(secret or fake.secret), sandbox=sandbox,
        ccxt_config=deep_merge(ccxt_config, config))


@asynccontextmanager
async def exchange_on(fake: FakeExchange, market: Kind = "futures", *,
                      production_errors: bool = True,
                      **config: Any) -> AsyncIterator[CcxtExchange]:
    exchange = CcxtExchange.from_settings(
        settings_for(fake, market, production_errors=production_errors, **config))
    try:
        yield exchange
    finally:
        await exchange.close()


def order(client_id: str, symbol: str = BTC_PERP, side: OrderSide = OrderSide.BUY,
          type: OrderType = OrderType.MARKET, amount: str = "0.01", price: str | None = None,
          trigger: str | None = None, reduce_only: bool = False) -> OrderRequest:
    return OrderRequest(client_id=client_id, symbol=symbol, side=side, type=type,
                        amount=D(amount), price=D(price) if price else None,
                        trigger_price=D(trigger) if trigger else None,
                        reduce_only=reduce_only)


def requests_to(fake: FakeExchange, path: str, method: str | None = None) -> int:
    return sum(1 for r in fake.requests
               if r.path == path and (method is None or r.method == method))




class RecordedSleep:
    """An injectable sleep that records the delays and advances a ManualClock by them."""

    def __init__(self, clock: ManualClock | None = None) -> None:
        self.clock = clock
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds)
