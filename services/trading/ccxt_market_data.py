"""The public half of a ccxt exchange: markets, prices, candles — and the plumbing every
call shares (ccxt's exceptions as the port's, clock resync after a receive-window refusal).

`CcxtExchange` adds the account and orders on top; the paper exchange can use this half
alone for live prices (no keys needed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Self, TypeVar

from ccxt.async_support.base.exchange import Exchange as CcxtClient
from ccxt.base import errors as ccxt_errors

from services.clock import Clock, SystemClock
from services.trading.ccxt_client import ExchangeConfig, build_ccxt_client
from services.trading.ccxt_convert import (
    EPOCH,
    ONE,
    candle_from_ccxt,
    last_price_ticker,
    market_from_ccxt,
    ticker_from_ccxt,
)
from services.trading.ccxt_errors import translate
from services.trading.port import Candle, ExchangeError, Market, MarketKind, Ticker

T = TypeVar("T")

_STOP_CAPABILITIES = ("createStopLossOrder", "createTriggerOrder", "createStopMarketOrder",
                      "createStopOrder")


class CcxtMarketData:
    """Markets (cached), tickers and candles of one market kind over a ccxt async client,
    which it owns and closes."""

    def __init__(self, client: CcxtClient, kind: MarketKind, *,
                 clock: Clock | None = None) -> None:
        self.client = client
        self.kind = kind
        self._clock = clock or SystemClock()
        self._markets: dict[str, Market] | None = None

    @classmethod
    def from_settings(cls, settings: ExchangeConfig, *, clock: Clock | None = None) -> Self:
        """Built from EXCHANGE__* settings (see `ccxt_client.build_ccxt_client`)."""
        return cls(build_ccxt_client(settings), MarketKind(settings.market), clock=clock)

    @property
    def rate_limiter_enabled(self) -> bool:
        """ccxt's own throttle (a preflight WARN when off)."""
        return bool(self.client.enableRateLimit)

    # ---- plumbing --------------------------------------------------------------------------
    async def _call(self, fn: Callable[..., Awaitable[T]], *args: Any,
                    placing: bool = False) -> T:
        """`fn(*args)` with ccxt's exceptions as the port's. A timestamp outside the receive
        window (-1021: nothing was done) resyncs the clock and tries once more."""
        resynced = False
        while True:
            try:
                return await fn(*args)
            except ccxt_errors.InvalidNonce as exc:
                if resynced or not await self._resync_clock():
                    raise self._translate(exc, placing) from exc
                resynced = True
            except ccxt_errors.BaseError as exc:
                raise self._translate(exc, placing) from exc

    def _translate(self, exc: ccxt_errors.BaseError, placing: bool) -> ExchangeError:
        return translate(exc, placing=placing, exchange_id=self.client.id,
                         retry_after_s=self._retry_after())

    def _retry_after(self) -> float | None:
        headers = self.client.last_response_headers or {}
        value = next((v for k, v in headers.items() if str(k).lower() == "retry-after"), None)
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    async def _resync_clock(self) -> bool:
        try:
            await self.client.load_time_difference()
        except ccxt_errors.BaseError:
            return False
        return True

    # ---- markets and prices -----------------------------------------------------------------
    async def load_markets(self, reload: bool = False) -> dict[str, Market]:
        """Tradable markets of this kind by unified symbol; cached until `reload`."""
        if self._markets is not None and not reload:
            return self._markets
        raw = await self._call(self.client.load_markets, reload)
        stop_orders = any(self.client.has.get(name) for name in _STOP_CAPABILITIES)
        markets: dict[str, Market] = {}
        for entry in raw.values():
            if entry.get("active") is False:
                continue
            market = market_from_ccxt(entry, self.client.precisionMode, stop_orders=stop_orders)
            if market is not None and market.kind is self.kind:
                markets[market.symbol] = market
        self._markets = markets
        return markets

    async def market(self, symbol: str) -> Market:
        markets = await self.load_markets()
        if symbol not in markets:
            raise ExchangeError(f"{symbol} is not listed on {self.client.id} {self.kind}")
        return markets[symbol]

    async def _contract_size(self, symbol: str | None) -> Decimal:
        if symbol is None:
            return ONE
        markets = await self.load_markets()
        return markets[symbol].contract_size if symbol in markets else ONE

    async def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]:
        """One request for all `symbols` where the exchange can, else one per symbol.
        A symbol the exchange gave no price for is missing from the result."""
        if not symbols:
            return {}
        if self.client.has.get("fetchLastPrices"):
            # The last trade price is all the bot uses, and ccxt parses it at a fraction of
            # the cost of a full 24-hour ticker (a PnL tick over 1,000 positions).
            prices = await self._batched(self.client.fetch_last_prices, symbols)
            now = self._clock.now()
            found = (last_price_ticker(prices[s], now) for s in symbols if s in prices)
            return {ticker.symbol: ticker for ticker in found if ticker is not None}
        if self.client.has.get("fetchTickers"):
            raw = await self._batched(self.client.fetch_tickers, symbols)
            entries = list(raw.values())
        else:
            entries = list(await asyncio.gather(
                *(self._call(self.client.fetch_ticker, symbol) for symbol in symbols)))
        now, wanted = self._clock.now(), set(symbols)
        tickers = (ticker_from_ccxt(entry, now) for entry in entries
                   if entry.get("symbol") in wanted)
        return {ticker.symbol: ticker for ticker in tickers if ticker is not None}

    async def _batched(self, fetch: Callable[..., Awaitable[dict[str, Any]]],
                       symbols: list[str]) -> dict[str, Any]:
        """Every market's price in one call, for several symbols: ccxt checks a list of
        symbols against the answer one by one (quadratic: 0.9 s of a tick at 10,000
        positions), and exchanges like Binance answer with every market either way; we
        keep the wanted ones. One symbol, or an exchange that needs the list, gets it."""
        if len(symbols) > 1:
            try:
                return await self._call(fetch, None)
            except ExchangeError as exc:
                if not isinstance(exc.__cause__, ccxt_errors.ArgumentsRequired):
                    raise
        return await self._call(fetch, list(symbols))

    async def fetch_candles(self, symbol: str, timeframe: str, since: datetime | None = None,
                            limit: int = 200) -> list[Candle]:
        since_ms = (since - EPOCH) // timedelta(milliseconds=1) if since is not None else None
        rows = await self._call(self.client.fetch_ohlcv, symbol, timeframe, since_ms, limit)
        return [candle_from_ccxt(row) for row in rows]

    async def close(self) -> None:
        await self.client.close()
