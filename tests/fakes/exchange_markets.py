"""Market definitions of the fake Binance and their exchangeInfo / leverageBracket JSON."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tests.fakes.exchange_common import Json, decimals_of, fmt, plain

D = Decimal

# Binance's "never delivers" date that marks a perpetual.
PERPETUAL_DELIVERY = 4133404800000
PERCENT_DOWN, PERCENT_UP = D("0.9500"), D("1.0500")


@dataclass(frozen=True)
class SymbolFilters:
    """The trading rules of one symbol in one market (spot or USD-M futures)."""

    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal
    market_max_qty: Decimal
    min_price: Decimal
    max_price: Decimal
    # futures PERCENT_PRICE: limit prices must stay within last * [down, up]
    percent_down: Decimal = PERCENT_DOWN
    percent_up: Decimal = PERCENT_UP
    # futures pricePrecision / quantityPrecision; default: the decimals of tick / step
    price_precision: int | None = None
    quantity_precision: int | None = None

    @property
    def price_places(self) -> int:
        if self.price_precision is not None:
            return self.price_precision
        return decimals_of(self.tick_size)

    @property
    def qty_places(self) -> int:
        if self.quantity_precision is not None:
            return self.quantity_precision
        return decimals_of(self.step_size)


@dataclass(frozen=True)
class MarketSpec:
    """One trading pair; `spot` / `futures` is None when that market does not list it."""

    base: str
    quote: str
    price: Decimal
    spot: SymbolFilters | None
    futures: SymbolFilters | None
    max_leverage: int = 125

    @property
    def symbol(self) -> str:
        return f"{self.base}/{self.quote}"

    @property
    def market_id(self) -> str:
        return f"{self.base}{self.quote}"


def _f(tick: str, step: str, min_qty: str, max_qty: str, notional: str, market_max: str,
       min_price: str, max_price: str, down: str = "0.9500", up: str = "1.0500",
       precision: tuple[int, int] | None = None) -> SymbolFilters:
    price_precision, quantity_precision = precision or (None, None)
    return SymbolFilters(D(tick), D(step), D(min_qty), D(max_qty), D(notional), D(market_max),
                         D(min_price), D(max_price), D(down), D(up), price_precision,
                         quantity_precision)


# Values as Binance listed them in 2025 (spot / USD-M perpetual).
DEFAULT_MARKETS: tuple[MarketSpec, ...] = (
    MarketSpec(
        "BTC", "USDT", D("95000"),
        spot=_f("0.01", "0.00001", "0.00001", "9000", "5", "115", "0.01", "1000000"),
        futures=_f("0.10", "0.001", "0.001", "1000", "100", "120", "261.10", "809484",
                   precision=(2, 3)),
        max_leverage=125,
    ),
    MarketSpec(
        "ETH", "USDT", D("3500"),
        spot=_f("0.01", "0.0001", "0.0001", "9000", "5", "2500", "0.01", "1000000"),
        futures=_f("0.01", "0.001", "0.001", "10000", "20", "2000", "39.86", "306177",
                   precision=(2, 3)),
        max_leverage=125,
    ),
    MarketSpec(
        "SOL", "USDT", D("180"),
        spot=_f("0.01", "0.001", "0.001", "90000", "5", "35000", "0.01", "10000"),
        futures=_f("0.0100", "1", "1", "1000000", "5", "5000", "0.4200", "6857", "0.9000", "1.1000",
                   precision=(4, 0)),
        max_leverage=100,
    ),
    MarketSpec(
        "1000PEPE", "USDT", D("0.0120000"),
        spot=None,
        futures=_f("0.0000001", "1", "1", "80000000", "5", "20000000", "0.0000010", "200",
                   "0.8500", "1.1500", precision=(7, 0)),
        max_leverage=50,
    ),
    MarketSpec(
        "DOGE", "USDT", D("0.35"),
        spot=_f("0.00001", "1", "1", "9000000", "1", "1500000", "0.00001", "1000"),
        futures=_f("0.000010", "1", "1", "50000000", "5", "30000000", "0.002440", "30",
                   "0.9000", "1.1000", precision=(6, 0)),
        max_leverage=75,
    ),
)


RATE_LIMITS = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
    {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
]

SPOT_ORDER_TYPES = ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT",
                    "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"]
FUTURES_ORDER_TYPES = ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
                       "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"]


def spot_symbol_info(spec: MarketSpec) -> Json:
    f = spec.spot
    assert f is not None

    def p8(value: Decimal) -> str:
        return fmt(value, 8)

    return {
        "symbol": spec.market_id,
        "status": "TRADING",
        "baseAsset": spec.base,
        "baseAssetPrecision": 8,
        "quoteAsset": spec.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": SPOT_ORDER_TYPES,
        "icebergAllowed": True,
        "ocoAllowed": True,
        "otoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": True,
        "cancelReplaceAllowed": True,
        "amendAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": True,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": p8(f.min_price),
             "maxPrice": p8(f.max_price), "tickSize": p8(f.tick_size)},
            {"filterType": "LOT_SIZE", "minQty": p8(f.min_qty), "maxQty": p8(f.max_qty),
             "stepSize": p8(f.step_size)},
            {"filterType": "ICEBERG_PARTS", "limit": 10},
            {"filterType": "MARKET_LOT_SIZE", "minQty": p8(D(0)), "maxQty": p8(f.market_max_qty),
             "stepSize": p8(D(0))},
            {"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": 10,
             "maxTrailingAboveDelta": 2000, "minTrailingBelowDelta": 10,
             "maxTrailingBelowDelta": 2000},
            {"filterType": "PERCENT_PRICE_BY_SIDE", "bidMultiplierUp": "5",
             "bidMultiplierDown": "0.2", "askMultiplierUp": "5", "askMultiplierDown": "0.2",
             "avgPriceMins": 5},
            {"filterType": "NOTIONAL", "minNotional": p8(f.min_notional),
             "applyMinToMarket": True, "maxNotional": "9000000.00000000",
             "applyMaxToMarket": False, "avgPriceMins": 5},
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
        ],
        "permissions": [],
        "permissionSets": [["SPOT", "MARGIN"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def futures_symbol_info(spec: MarketSpec) -> Json:
    f = spec.futures
    assert f is not None
    return {
        "symbol": spec.market_id,
        "pair": spec.market_id,
        "contractType": "PERPETUAL",
        "deliveryDate": PERPETUAL_DELIVERY,
        "onboardDate": 1569398400000,
        "status": "TRADING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": spec.base,
        "quoteAsset": spec.quote,
        "marginAsset": spec.quote,
        "pricePrecision": f.price_places,
        "quantityPrecision": f.qty_places,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": plain(f.min_price),
             "maxPrice": plain(f.max_price), "tickSize": fmt(f.tick_size, f.price_places)},
            {"filterType": "LOT_SIZE", "stepSize": plain(f.step_size), "maxQty": plain(f.max_qty),
             "minQty": plain(f.min_qty)},
            {"filterType": "MARKET_LOT_SIZE", "stepSize": plain(f.step_size),
             "maxQty": plain(f.market_max_qty), "minQty": plain(f.min_qty)},
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": plain(f.min_notional)},
            {"filterType": "PERCENT_PRICE", "multiplierUp": fmt(f.percent_up, 4),
             "multiplierDown": fmt(f.percent_down, 4), "multiplierDecimal": "4"},
            {"filterType": "POSITION_RISK_CONTROL", "positionControlSide": "NONE"},
        ],
        "orderTypes": FUTURES_ORDER_TYPES,
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
        "permissionSets": ["GRID", "COPY"],
    }


def spot_exchange_info(markets: list[MarketSpec], server_time: int) -> Json:
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "rateLimits": RATE_LIMITS,
        "exchangeFilters": [],
        "symbols": [spot_symbol_info(m) for m in markets if m.spot is not None],
    }


def futures_exchange_info(markets: list[MarketSpec], server_time: int) -> Json:
    quotes = sorted({m.quote for m in markets if m.futures is not None} | {"USDC", "BNB"})
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "futuresType": "U_MARGINED",
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
             "limit": 2400},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
        ],
        "exchangeFilters": [],
        "assets": [{"asset": q, "marginAvailable": True, "autoAssetExchange": "-10000"}
                   for q in quotes],
        "symbols": [futures_symbol_info(m) for m in markets if m.futures is not None],
    }


def empty_exchange_info(server_time: int) -> Json:
    """COIN-M (/dapi): the fake lists nothing there."""
    return {"timezone": "UTC", "serverTime": server_time, "rateLimits": RATE_LIMITS,
            "exchangeFilters": [], "symbols": []}


# (notional floor, notional cap, max leverage, maintenance margin ratio, cum)
_BRACKETS = [
    (0, 50_000, 1.0, D("0.004"), 0),
    (50_000, 600_000, 0.8, D("0.005"), 50),
    (600_000, 3_000_000, 0.4, D("0.01"), 6050),
    (3_000_000, 12_000_000, 0.2, D("0.025"), 51050),
    (12_000_000, 70_000_000, 0.08, D("0.05"), 351050),
    (70_000_000, 100_000_000, 0.04, D("0.1"), 3851050),
]


def leverage_brackets(spec: MarketSpec) -> Json:
    brackets = []
    for number, (floor, cap, share, mmr, cum) in enumerate(_BRACKETS, start=1):
        brackets.append({
            "bracket": number,
            "initialLeverage": max(1, int(spec.max_leverage * share)),
            "notionalCap": cap,
            "notionalFloor": floor,
            "maintMarginRatio": float(mmr),
            "cum": float(cum),
        })
    return {"symbol": spec.market_id, "notionalCoef": 1.0, "brackets": brackets}


def maintenance_ratio(notional: Decimal) -> Decimal:
    ratio = _BRACKETS[0][3]
    for floor, _cap, _share, mmr, _cum in _BRACKETS:
        if notional >= floor:
            ratio = mmr
    return ratio
