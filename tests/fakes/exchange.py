"""A fake Binance (spot /api/v3 + USD-M futures /fapi) on 127.0.0.1 for the real ccxt client.

    async with FakeExchange() as fake:
        fake.set_balance("USDT", "1000", market="futures")
        client = await make_client(fake, "futures")
        try:
            await client.create_order("BTC/USDT:USDT", "market", "buy", 0.01)
        finally:
            await client.close()

See tests/fakes/EXCHANGE_FAKE.md for the endpoint map, the error -> ccxt exception table and
the ccxt 4.5.90 gotchas.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urlsplit

import ccxt.async_support as ccxt_async

from tests.fakes.exchange_common import dec, now_ms
from tests.fakes.exchange_futures import FuturesAccount
from tests.fakes.exchange_futures_algo import FuturesAlgoOrders
from tests.fakes.exchange_markets import DEFAULT_MARKETS, MarketSpec, SymbolFilters
from tests.fakes.exchange_prices import PriceTrack, take_scripted
from tests.fakes.exchange_routes import build_routes
from tests.fakes.exchange_server import FailRule, HttpFake, RecordedRequest
from tests.fakes.exchange_spot import SpotAccount

__all__ = ["DEFAULT_MARKETS", "FakeExchange", "MarketSpec", "RecordedRequest", "SymbolFilters",
           "make_client"]

Market = Literal["spot", "futures"]
Num = Decimal | str | float | int


@lru_cache(maxsize=1)
def _binance_description() -> dict[str, Any]:
    # describe() holds ccxt's own URL and error tables; no session is opened here.
    return ccxt_async.binance().describe()


class ErrorTablesByPath:
    """Stand-in for binance.get_exceptions_by_url that classifies by path, not host.

    ccxt picks its spot / linear error table by the URL's host (https://fapi.binance.com/...).
    On http://127.0.0.1 no host matches, only the generic table is used and e.g. -4116 or
    -4164 come out as a bare ExchangeError instead of production's InvalidOrder. Passing an
    instance as config key 'get_exceptions_by_url' restores production's mapping.
    """

    PREFIXES = (("/api/", "spot"), ("/sapi/", "spot"), ("/fapi/", "linear"),
                ("/futures/data", "linear"), ("/dapi/", "inverse"), ("/eapi/", "option"),
                ("/papi/", "portfolioMargin"))

    def __call__(self, url: str | None, exact_or_broad: str) -> dict[str, Any]:
        path = urlsplit(url or "").path
        tables = _binance_description()["exceptions"]
        for prefix, market_type in self.PREFIXES:
            if path.startswith(prefix):
                return dict(tables.get(market_type, {}).get(exact_or_broad, {}))
        return {}


class FakeExchange:
    """In-memory Binance spot + USD-M futures account behind an aiohttp server."""

    def __init__(self, *, api_key: str = "test-key", secret: str = "test-secret",
                 markets: list[MarketSpec] | None = None, spot_fee_rate: Num = "0.001",
                 futures_taker_fee_rate: Num = "0.0005", futures_maker_fee_rate: Num = "0.0002",
                 client_id_scope: Literal["open", "all"] = "open") -> None:
        self.api_key, self.secret = api_key, secret
        self.market_specs = list(markets if markets is not None else DEFAULT_MARKETS)
        self.tracks: dict[str, PriceTrack] = {}
        start = now_ms()
        for spec in self.market_specs:
            for market, filters in (("spot", spec.spot), ("futures", spec.futures)):
                if filters is not None:
                    track = PriceTrack(f"{market}:{spec.market_id}", filters)
                    track.record(spec.price, start)
                    self.tracks[track.key] = track
        self.spot = SpotAccount(
            {s.market_id: s for s in self.market_specs if s.spot is not None},
            lambda market_id: self.tracks[f"spot:{market_id}"].last,
            dec(spot_fee_rate), client_id_scope)
        self.futures = FuturesAccount(
            {s.market_id: s for s in self.market_specs if s.futures is not None},
            lambda market_id: self.tracks[f"futures:{market_id}"].last,
            dec(futures_taker_fee_rate), dec(futures_maker_fee_rate), client_id_scope)
        self.algo = FuturesAlgoOrders(self.futures)
        self._http = HttpFake(api_key, secret)
        self._http.routes = build_routes(self)

    # ---- lifecycle --------------------------------------------------------------------------
    async def start(self) -> str:
        """Listen on a free 127.0.0.1 port; returns the base url."""
        return await self._http.start()

    async def stop(self) -> None:
        await self._http.stop()

    async def __aenter__(self) -> FakeExchange:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def settle(self) -> None:
        """Wait for requests still in progress (a `fail_next(..., delay=...)` outlives the
        client's timeout; the order it carries is placed only when the delay is over)."""
        await self._http.settle()

    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._http.requests

    @property
    def unhandled(self) -> list[str]:
        """'METHOD /path' of requests no route answered (they got a 404 with code -1)."""
        return self._http.unhandled

    # ---- driving the market -------------------------------------------------------------------
    def spec(self, symbol: str) -> MarketSpec:
        """Market by unified ('BTC/USDT', 'BTC/USDT:USDT') or exchange id ('BTCUSDT')."""
        wanted = symbol.split(":")[0].replace("/", "")
        for spec in self.market_specs:
            if spec.market_id == wanted:
                return spec
        raise KeyError(f"unknown market {symbol!r}")

    def _tracks(self, symbol: str, market: str) -> list[PriceTrack]:
        spec = self.spec(symbol)
        markets = ("spot", "futures") if market == "both" else (market,)
        found = [self.tracks[k] for m in markets if (k := f"{m}:{spec.market_id}") in self.tracks]
        if not found:
            raise KeyError(f"{symbol!r} is not listed on {market}")
        return found

    def set_price(self, symbol: str, price: Num, market: str = "both") -> None:
        """Move the last/mark price; crosses resting limits and fires reached triggers."""
        for track in self._tracks(symbol, market):
            self._move(track, dec(price))

    def _move(self, track: PriceTrack, price: Decimal) -> None:
        track.record(price, now_ms())
        market, market_id = track.key.split(":")
        if market == "spot":
            self.spot.on_price(market_id, price)
        else:
            self.futures.on_price(market_id, price)
            self.algo.on_price(market_id, price)

    def script_prices(self, symbol: str, prices: Iterable[Num], market: str = "both") -> None:
        """Queue prices: each later ticker / price / book / mark request moves one step."""
        for track in self._tracks(symbol, market):
            track.script.extend(dec(p) for p in prices)

    def advance_scripts(self, tracks: Iterable[PriceTrack]) -> None:
        for track, price in take_scripted(tracks):
            self._move(track, price)

    def price(self, symbol: str, market: Market = "futures") -> Decimal:
        return self._tracks(symbol, market)[0].last

    # ---- accounts ------------------------------------------------------------------------------
    def set_balance(self, asset: str, free: Num, market: Market = "spot") -> None:
        if market == "spot":
            self.spot.free[asset] = dec(free)
            self.spot.update_time = now_ms()
        else:
            self.futures.wallet[asset] = dec(free)
            self.futures.wallet_time[asset] = now_ms()

    def balance(self, asset: str, market: Market = "spot") -> Decimal:
        """Spot free balance, or futures wallet balance."""
        return self.spot.free[asset] if market == "spot" else self.futures.wallet[asset]

    def orders(self, market: Market) -> list[dict[str, Any]]:
        """Every order the server holds, in Binance's query shape (futures: algo orders last)."""
        if market == "spot":
            return [o.query_json() for o in self.spot.orders]
        return [o.json() for o in self.futures.orders] + [a.json() for a in self.algo.orders]

    def positions(self) -> list[dict[str, Any]]:
        """Open futures positions: symbol, positionSide, amount (signed), entry price."""
        return [{"symbol": p.spec.market_id, "positionSide": p.side, "amount": p.amount,
                 "entryPrice": p.entry} for p in self.futures.positions.values() if p.amount]

    # ---- failures --------------------------------------------------------------------------------
    def fail_next(self, path_or_endpoint: str, *, status: int = 500, code: int | None = None,
                  msg: str = "Internal error; unable to process your request. Please try again.",
                  times: int = 1, delay: float = 0, retry_after: int | None = None) -> None:
        """Make the next `times` calls of '/fapi/v1/order' (or 'POST /fapi/v1/order') fail.

        The fake waits `delay` seconds first. A status below 400 means "slow but successful":
        after the delay the request is processed normally (an order is really placed even if
        the client timed out). With `code` the body is Binance JSON, otherwise plain text.
        418/429 carry a Retry-After header (`retry_after`, default 1).
        """
        method, _, path = path_or_endpoint.strip().rpartition(" ")
        self._http.add_failure(FailRule(method.upper() or None, path, status, code, msg, times,
                                        delay, retry_after))

    # ---- ccxt ----------------------------------------------------------------------------------
    def ccxt_config(self, market: Market = "futures", *,
                    production_errors: bool = True) -> dict[str, Any]:
        """Constructor config for ccxt.binance / binanceusdm pointing at this fake.

        Loads spot + linear markets only (no /sapi margin or currency calls). With
        `production_errors` the config carries an ErrorTablesByPath (not JSON-serialisable);
        without it the dict is plain data but error codes map as described in
        EXCHANGE_FAKE.md ("on 127.0.0.1 without production_errors").
        """
        if not self.base_url:
            raise RuntimeError("start() the FakeExchange before asking for its ccxt config")
        config: dict[str, Any] = {
            "apiKey": self.api_key,
            "secret": self.secret,
            "enableRateLimit": False,
            "timeout_on_exit": 0,  # close() sleeps 250 ms by default (an SSL workaround)
            "urls": {name: self.rewrite_urls(_binance_description()["urls"][name])
                     for name in ("api", "test", "demo")},
            "options": {
                "defaultType": "future" if market == "futures" else "spot",
                "fetchMarkets": {"types": ["spot", "linear"]},
                "fetchMargins": False,
                "fetchCurrencies": False,
                "warnOnFetchOpenOrdersWithoutSymbol": False,
            },
        }
        if production_errors:
            config["get_exceptions_by_url"] = ErrorTablesByPath()
        return config

    def rewrite_urls(self, table: dict[str, str]) -> dict[str, str]:
        """Point every https://<binance host>/<path> of a ccxt url table at this fake."""
        return {name: self.base_url + urlsplit(url).path for name, url in table.items()}


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


async def make_client(fake: FakeExchange, market: Market = "futures", *,
                      exchange_class: type[ccxt_async.binance] = ccxt_async.binance,
                      sandbox: bool = False, **overrides: Any) -> ccxt_async.binance:
    """A real ccxt async client wired to `fake`; the caller must `await client.close()`.

    `overrides` deep-merge into the config (e.g. timeout=200). The url tables are applied
    again after set_sandbox_mode, which would otherwise copy Binance's testnet urls in.
    """
    config = _deep_merge(fake.ccxt_config(market), overrides)
    client = exchange_class(config)
    if sandbox:
        client.set_sandbox_mode(True)
    client.urls["api"] = copy.deepcopy(config["urls"]["api"])
    return client
