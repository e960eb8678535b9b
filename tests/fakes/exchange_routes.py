"""Endpoint table of the fake Binance: which path answers what, public or signed."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from tests.fakes.exchange_common import BinanceError, Json, Params, fmt, invalid_symbol, now_ms
from tests.fakes.exchange_markets import (
    MarketSpec,
    empty_exchange_info,
    futures_exchange_info,
    spot_exchange_info,
)
from tests.fakes.exchange_prices import PriceTrack, day_stats, klines
from tests.fakes.exchange_server import Handler, Route

if TYPE_CHECKING:
    from tests.fakes.exchange import FakeExchange


def _stats(track: PriceTrack) -> Json:
    s = day_stats(track)
    places = track.places
    last, opening = track.last, Decimal(s["open"])
    volume = Decimal(s["volume"])
    return {
        "symbol": track.key.split(":")[1], "priceChange": fmt(last - opening, places),
        "priceChangePercent": fmt((last - opening) / opening * 100, 3),
        "weightedAvgPrice": fmt((last + opening) / 2, places), "lastPrice": fmt(last, places),
        "lastQty": "1.000", "openPrice": fmt(opening, places),
        "highPrice": fmt(Decimal(s["high"]), places), "lowPrice": fmt(Decimal(s["low"]), places),
        "volume": str(volume), "quoteVolume": fmt(volume * last, 2),
        "openTime": s["open_time"], "closeTime": s["close_time"],
        "firstId": 100, "lastId": 100 + int(volume), "count": int(volume) + 1,
    }


def _book(track: PriceTrack) -> Json:
    tick, places = track.filters.tick_size, track.places
    return {"symbol": track.key.split(":")[1], "bidPrice": fmt(track.last - tick, places),
            "bidQty": "1.000", "askPrice": fmt(track.last + tick, places), "askQty": "1.000"}


class MarketData:
    """Public endpoints of one market ("spot" or "futures")."""

    def __init__(self, fake: FakeExchange, market: str) -> None:
        self.fake, self.market = fake, market

    def track(self, market_id: str) -> PriceTrack:
        track = self.fake.tracks.get(f"{self.market}:{market_id}")
        if track is None:
            raise invalid_symbol()
        return track

    def selected(self, params: Params, advance: bool = True) -> list[PriceTrack] | PriceTrack:
        """The track(s) a ticker request asks for; scripted prices advance one step."""
        if params.get("symbol"):
            chosen: list[PriceTrack] = [self.track(params.require("symbol"))]
        elif params.get("symbols"):
            chosen = [self.track(i) for i in json.loads(params.require("symbols"))]
        else:
            chosen = [t for k, t in self.fake.tracks.items() if k.startswith(f"{self.market}:")]
        if advance:
            self.fake.advance_scripts(chosen)
        return chosen[0] if params.get("symbol") else chosen

    def each(self, params: Params, render: Callable[[PriceTrack], Json]) -> Json:
        chosen = self.selected(params)
        if isinstance(chosen, list):
            return [render(t) for t in chosen]
        return render(chosen)

    def ticker_24hr(self, params: Params) -> Json:
        if self.market == "spot":
            return self.each(params, lambda t: {
                **_stats(t), "prevClosePrice": fmt(t.price_at(now_ms() - 86_400_000),
                                                   t.places),
                **{k: v for k, v in _book(t).items() if k != "symbol"}})
        return self.each(params, _stats)

    def ticker_price(self, params: Params) -> Json:
        return self.each(params, lambda t: {
            "symbol": t.key.split(":")[1], "price": fmt(t.last, t.places),
            **({"time": now_ms()} if self.market == "futures" else {})})

    def book_ticker(self, params: Params) -> Json:
        return self.each(params, lambda t: {
            **_book(t), **({"time": now_ms(), "lastUpdateId": 1} if self.market == "futures"
                           else {})})

    def premium_index(self, params: Params) -> Json:
        def render(t: PriceTrack) -> Json:
            price = fmt(t.last, 8)
            return {"symbol": t.key.split(":")[1], "markPrice": price, "indexPrice": price,
                    "estimatedSettlePrice": price, "lastFundingRate": "0.00010000",
                    "interestRate": "0.00010000",
                    "nextFundingTime": (now_ms() // 28_800_000 + 1) * 28_800_000,
                    "time": now_ms()}
        return self.each(params, render)

    def depth(self, params: Params) -> Json:
        track = self.track(params.require("symbol"))
        levels = min(params.integer("limit") or 100, 20)
        tick, places = track.filters.tick_size, track.places
        bids = [[fmt(track.last - tick * (i + 1), places), "1.000"] for i in range(levels)]
        asks = [[fmt(track.last + tick * (i + 1), places), "1.000"] for i in range(levels)]
        body = {"lastUpdateId": 1, "bids": bids, "asks": asks}
        if self.market == "futures":
            body.update({"E": now_ms(), "T": now_ms()})
        return body

    def klines(self, params: Params) -> Json:
        track = self.track(params.require("symbol"))
        if self.market == "futures" and params.get("interval") == "1s":
            raise BinanceError(-1120, "Invalid interval.")
        return klines(track, params, 1000 if self.market == "spot" else 1500)


def build_routes(fake: FakeExchange) -> dict[tuple[str, str], Route]:
    spot_md, fut_md = MarketData(fake, "spot"), MarketData(fake, "futures")
    spot, fut, algo = fake.spot, fake.futures, fake.algo
    markets = fake.market_specs

    def public(handler: Handler) -> Route:
        return Route(handler, signed=False)

    def signed(handler: Handler) -> Route:
        return Route(handler, signed=True)

    def exchange_info(build: Callable[[list[MarketSpec], int], Json]) -> Handler:
        def handler(params: Params) -> Json:
            info = build(markets, now_ms())
            wanted = params.get("symbol") or params.get("symbols")
            if wanted:
                ids = json.loads(wanted) if wanted.startswith("[") else [wanted]
                info["symbols"] = [s for s in info["symbols"] if s["symbol"] in ids]
                if len(info["symbols"]) != len(ids):
                    raise invalid_symbol()
            return info
        return handler

    routes = {
        # ---- spot, public
        ("GET", "/api/v3/ping"): public(lambda p: {}),
        ("GET", "/api/v3/time"): public(lambda p: {"serverTime": now_ms()}),
        ("GET", "/api/v3/exchangeInfo"): public(exchange_info(spot_exchange_info)),
        ("GET", "/api/v3/ticker/24hr"): public(spot_md.ticker_24hr),
        ("GET", "/api/v3/ticker/price"): public(spot_md.ticker_price),
        ("GET", "/api/v3/ticker/bookTicker"): public(spot_md.book_ticker),
        ("GET", "/api/v3/depth"): public(spot_md.depth),
        ("GET", "/api/v3/klines"): public(spot_md.klines),
        ("GET", "/api/v3/uiKlines"): public(spot_md.klines),
        # ---- spot, signed
        ("GET", "/api/v3/account"): signed(spot.account),
        ("POST", "/api/v3/order"): signed(spot.create),
        ("GET", "/api/v3/order"): signed(spot.query),
        ("DELETE", "/api/v3/order"): signed(spot.cancel),
        ("GET", "/api/v3/openOrders"): signed(spot.open_orders),
        ("GET", "/api/v3/allOrders"): signed(spot.all_orders),
        ("GET", "/api/v3/myTrades"): signed(spot.my_trades),
        # ---- USD-M futures, public
        ("GET", "/fapi/v1/ping"): public(lambda p: {}),
        ("GET", "/fapi/v1/time"): public(lambda p: {"serverTime": now_ms()}),
        ("GET", "/fapi/v1/exchangeInfo"): public(exchange_info(futures_exchange_info)),
        ("GET", "/fapi/v1/ticker/24hr"): public(fut_md.ticker_24hr),
        ("GET", "/fapi/v1/ticker/price"): public(fut_md.ticker_price),
        ("GET", "/fapi/v2/ticker/price"): public(fut_md.ticker_price),
        ("GET", "/fapi/v1/ticker/bookTicker"): public(fut_md.book_ticker),
        ("GET", "/fapi/v1/premiumIndex"): public(fut_md.premium_index),
        ("GET", "/fapi/v1/depth"): public(fut_md.depth),
        ("GET", "/fapi/v1/klines"): public(fut_md.klines),
        ("GET", "/fapi/v1/markPriceKlines"): public(fut_md.klines),
        # ---- USD-M futures, signed
        ("POST", "/fapi/v1/order"): signed(fut.create),
        ("GET", "/fapi/v1/order"): signed(fut.query),
        ("DELETE", "/fapi/v1/order"): signed(fut.cancel),
        ("DELETE", "/fapi/v1/allOpenOrders"): signed(fut.cancel_all),
        ("GET", "/fapi/v1/openOrders"): signed(fut.open_orders),
        ("GET", "/fapi/v1/allOrders"): signed(fut.all_orders),
        ("GET", "/fapi/v1/userTrades"): signed(fut.user_trades),
        ("POST", "/fapi/v1/algoOrder"): signed(algo.create),
        ("GET", "/fapi/v1/algoOrder"): signed(algo.query),
        ("DELETE", "/fapi/v1/algoOrder"): signed(algo.cancel),
        ("DELETE", "/fapi/v1/algoOpenOrders"): signed(algo.cancel_all),
        ("GET", "/fapi/v1/openAlgoOrders"): signed(algo.open_orders),
        ("GET", "/fapi/v1/allAlgoOrders"): signed(algo.all_orders),
        ("GET", "/fapi/v3/account"): signed(fut.account),
        ("GET", "/fapi/v2/account"): signed(lambda p: fut.account(p, v2=True)),
        ("GET", "/fapi/v2/balance"): signed(fut.balance),
        ("GET", "/fapi/v3/balance"): signed(fut.balance),
        ("GET", "/fapi/v3/positionRisk"): signed(fut.position_risk),
        ("GET", "/fapi/v2/positionRisk"): signed(lambda p: fut.position_risk(p, v2=True)),
        ("GET", "/fapi/v1/leverageBracket"): signed(fut.leverage_bracket),
        ("GET", "/fapi/v1/symbolConfig"): signed(fut.symbol_config),
        ("POST", "/fapi/v1/leverage"): signed(fut.set_leverage),
        ("POST", "/fapi/v1/marginType"): signed(fut.set_margin_type),
        ("GET", "/fapi/v1/positionSide/dual"): signed(fut.get_dual),
        ("POST", "/fapi/v1/positionSide/dual"): signed(fut.set_dual),
        # ---- COIN-M: listed as empty so a default ccxt load_markets still works
        ("GET", "/dapi/v1/exchangeInfo"): public(lambda p: empty_exchange_info(now_ms())),
    }
    return routes
