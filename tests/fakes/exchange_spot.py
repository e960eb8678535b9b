"""Spot account of the fake Binance: balances, orders, fills (/api/v3/...)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count

from tests.fakes.exchange_common import (
    BinanceError,
    Json,
    Params,
    fmt,
    invalid_symbol,
    is_multiple,
    now_ms,
    pick_window,
)
from tests.fakes.exchange_markets import MarketSpec

OPEN = ("NEW", "PARTIALLY_FILLED")
TRIGGER_TYPES = ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
ORDER_TYPES = ("LIMIT", "MARKET", "LIMIT_MAKER", *TRIGGER_TYPES)


def p8(value: Decimal) -> str:
    return fmt(value, 8)


@dataclass
class SpotOrder:
    spec: MarketSpec
    order_id: int
    client_order_id: str
    side: str
    type: str
    time_in_force: str
    price: Decimal
    orig_qty: Decimal
    stop_price: Decimal
    time: int
    status: str = "NEW"
    executed_qty: Decimal = Decimal(0)
    quote_qty: Decimal = Decimal(0)
    orig_quote_qty: Decimal = Decimal(0)
    update_time: int = 0
    working: bool = True
    fills: list[Json] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def query_json(self) -> Json:
        return {
            "symbol": self.spec.market_id, "orderId": self.order_id, "orderListId": -1,
            "clientOrderId": self.client_order_id, "price": p8(self.price),
            "origQty": p8(self.orig_qty), "executedQty": p8(self.executed_qty),
            "cummulativeQuoteQty": p8(self.quote_qty), "status": self.status,
            "timeInForce": self.time_in_force, "type": self.type, "side": self.side,
            "stopPrice": p8(self.stop_price), "icebergQty": p8(Decimal(0)), "time": self.time,
            "updateTime": self.update_time or self.time, "isWorking": self.working,
            "workingTime": self.time if self.working else -1,
            "origQuoteOrderQty": p8(self.orig_quote_qty),
            "selfTradePreventionMode": "EXPIRE_MAKER",
        }

    def placed_json(self, resp_type: str) -> Json:
        ack = {"symbol": self.spec.market_id, "orderId": self.order_id, "orderListId": -1,
               "clientOrderId": self.client_order_id, "transactTime": self.time}
        if resp_type == "ACK":
            return ack
        result = {**ack, **{k: v for k, v in self.query_json().items()
                            if k not in ("time", "updateTime", "isWorking", "icebergQty")}}
        if self.type not in TRIGGER_TYPES:
            result.pop("stopPrice")
        if resp_type == "FULL":
            result["fills"] = self.fills
        return result


class SpotAccount:
    """Balances and orders of the one spot account the fake serves."""

    def __init__(self, markets: dict[str, MarketSpec], last_price: Callable[[str], Decimal],
                 fee_rate: Decimal, client_id_scope: str) -> None:
        self.markets = markets  # by market id, spot-listed only
        self.last_price = last_price
        self.fee_rate = fee_rate
        self.client_id_scope = client_id_scope
        self.free: defaultdict[str, Decimal] = defaultdict(Decimal)
        self.locked: defaultdict[str, Decimal] = defaultdict(Decimal)
        self.orders: list[SpotOrder] = []
        self.trades: list[Json] = []
        self._order_ids = count(7_000_001)
        self._trade_ids = count(3_000_001)
        self._client_ids = count(1)
        self.update_time = now_ms()

    # ---- helpers -------------------------------------------------------------------------
    def spec(self, params: Params) -> MarketSpec:
        spec = self.markets.get(params.require("symbol"))
        if spec is None:
            raise invalid_symbol()
        return spec

    def find(self, params: Params, spec: MarketSpec) -> SpotOrder | None:
        order_id, client_id = params.integer("orderId"), params.get("origClientOrderId")
        if order_id is None and client_id is None:
            raise BinanceError(
                -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were "
                "empty/null!")
        for order in reversed(self.orders):
            if order.spec is not spec:
                continue
            if order_id is not None and order.order_id == order_id:
                return order
            if order_id is None and order.client_order_id == client_id:
                return order
        return None

    def _lock_for(self, order: SpotOrder) -> tuple[str, Decimal]:
        remaining = order.orig_qty - order.executed_qty
        if order.side == "BUY":
            price = order.price if order.price else order.stop_price
            return order.spec.quote, remaining * price
        return order.spec.base, remaining

    def _lock(self, asset: str, amount: Decimal) -> None:
        if self.free[asset] < amount:
            raise BinanceError(-2010, "Account has insufficient balance for requested action.")
        self.free[asset] -= amount
        self.locked[asset] += amount

    def _unlock(self, order: SpotOrder) -> None:
        asset, amount = self._lock_for(order)
        self.locked[asset] -= amount
        self.free[asset] += amount

    # ---- filters ----------------------------------------------------------------------------
    def _check_filters(self, spec: MarketSpec, kind: str, side: str, qty: Decimal,
                       price: Decimal | None, stop: Decimal | None) -> None:
        f = spec.spot
        assert f is not None
        for value in (price, stop):
            if value is not None and (value < f.min_price or value > f.max_price
                                      or not is_multiple(value - f.min_price, f.tick_size)):
                raise BinanceError(-1013, "Filter failure: PRICE_FILTER")
        if qty < f.min_qty or qty > f.max_qty or not is_multiple(qty - f.min_qty, f.step_size):
            raise BinanceError(-1013, "Filter failure: LOT_SIZE")
        if kind == "MARKET" and qty > f.market_max_qty:
            raise BinanceError(-1013, "Filter failure: MARKET_LOT_SIZE")
        last = self.last_price(spec.market_id)
        if price is not None and kind in ("LIMIT", "LIMIT_MAKER"):
            low, high = last * Decimal("0.2"), last * 5
            if not low <= price <= high:
                raise BinanceError(-1013, "Filter failure: PERCENT_PRICE_BY_SIDE")
        reference = price if price is not None and kind != "MARKET" else (stop or last)
        if qty * reference < f.min_notional:
            raise BinanceError(-1013, "Filter failure: NOTIONAL")

    # ---- placing ------------------------------------------------------------------------------
    def create(self, params: Params) -> Json:
        spec = self.spec(params)
        side = params.require("side")
        if side not in ("BUY", "SELL"):
            raise BinanceError(-1100, "Illegal characters found in parameter 'side'.")
        kind = params.require("type")
        if kind not in ORDER_TYPES:
            raise BinanceError(-1116, "Invalid orderType.")
        client_id = params.client_id("newClientOrderId") or f"fake{next(self._client_ids)}"
        if any(o.client_order_id == client_id and (o.is_open or self.client_id_scope == "all")
               for o in self.orders):
            raise BinanceError(-2010, "Duplicate order sent.")
        last = self.last_price(spec.market_id)
        price = params.decimal("price", required=kind not in ("MARKET", "STOP_LOSS", "TAKE_PROFIT"))
        stop = params.decimal("stopPrice", required=kind in TRIGGER_TYPES)
        tif = params.require("timeInForce") if kind in ("LIMIT", "STOP_LOSS_LIMIT",
                                                         "TAKE_PROFIT_LIMIT") else "GTC"
        qty = params.decimal("quantity")
        quote_qty = params.decimal("quoteOrderQty") if kind == "MARKET" else None
        if qty is None and quote_qty is None:
            if kind == "MARKET":
                raise BinanceError(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but "
                                          "both were empty/null!")
            params.require("quantity")
        if qty is None and quote_qty is not None:
            step = spec.spot.step_size if spec.spot else Decimal(1)
            qty = (quote_qty / last / step).to_integral_value(rounding="ROUND_DOWN") * step
        assert qty is not None
        self._check_filters(spec, kind, side, qty, price if kind != "MARKET" else None, stop)
        now = now_ms()
        order = SpotOrder(spec, next(self._order_ids), client_id, side, kind, tif,
                          price or Decimal(0), qty, stop or Decimal(0), now,
                          orig_quote_qty=quote_qty or Decimal(0), update_time=now)
        marketable = kind == "MARKET" or (
            price is not None and kind in ("LIMIT", "LIMIT_MAKER")
            and (price >= last if side == "BUY" else price <= last)
        )
        if kind in TRIGGER_TYPES:
            if self._triggers(order, last):
                raise BinanceError(-2010, "Stop price would trigger immediately.")
            order.working = False
        if kind == "LIMIT_MAKER" and marketable:
            raise BinanceError(-2010, "Order would immediately match and take.")
        if marketable:
            needed = qty * last if side == "BUY" else qty
            asset = spec.quote if side == "BUY" else spec.base
            if self.free[asset] < needed:
                raise BinanceError(-2010, "Account has insufficient balance for requested action.")
            self.orders.append(order)
            self._fill(order, last, maker=False)
        elif tif in ("IOC", "FOK"):
            order.status = "EXPIRED"
            self.orders.append(order)
        else:
            self._lock(*self._lock_for(order))
            self.orders.append(order)
        return order.placed_json(params.get("newOrderRespType")
                                 or ("FULL" if kind in ("MARKET", "LIMIT") else "ACK"))

    @staticmethod
    def _triggers(order: SpotOrder, price: Decimal) -> bool:
        rising = (order.type.startswith("STOP_LOSS")) == (order.side == "BUY")
        return price >= order.stop_price if rising else price <= order.stop_price

    def _fill(self, order: SpotOrder, price: Decimal, maker: bool) -> None:
        qty = order.orig_qty - order.executed_qty
        quote = qty * price
        spec = order.spec
        if order.side == "BUY":
            commission, fee_asset = qty * self.fee_rate, spec.base
            self.free[spec.quote] -= quote
            self.free[spec.base] += qty - commission
        else:
            commission, fee_asset = quote * self.fee_rate, spec.quote
            self.free[spec.base] -= qty
            self.free[spec.quote] += quote - commission
        now = now_ms()
        trade_id = next(self._trade_ids)
        order.fills.append({"price": p8(price), "qty": p8(qty), "commission": p8(commission),
                            "commissionAsset": fee_asset, "tradeId": trade_id})
        self.trades.append({
            "symbol": spec.market_id, "id": trade_id, "orderId": order.order_id,
            "orderListId": -1, "price": p8(price), "qty": p8(qty), "quoteQty": p8(quote),
            "commission": p8(commission), "commissionAsset": fee_asset, "time": now,
            "isBuyer": order.side == "BUY", "isMaker": maker, "isBestMatch": True,
        })
        order.executed_qty += qty
        order.quote_qty += quote
        order.status = "FILLED"
        order.working = True
        order.update_time = now
        self.update_time = now

    def on_price(self, market_id: str, price: Decimal) -> None:
        """Fill resting limits the new price crosses; fire stops it reaches."""
        for order in [o for o in self.orders if o.is_open and o.spec.market_id == market_id]:
            if order.type in TRIGGER_TYPES and not order.working:
                if not self._triggers(order, price):
                    continue
                if order.type in ("STOP_LOSS", "TAKE_PROFIT"):
                    self._unlock(order)
                    self._fill(order, price, maker=False)
                    continue
                order.working = True
            crossed = price <= order.price if order.side == "BUY" else price >= order.price
            if crossed:
                self._unlock(order)
                self._fill(order, order.price, maker=True)

    # ---- queries --------------------------------------------------------------------------------
    def query(self, params: Params) -> Json:
        order = self.find(params, self.spec(params))
        if order is None:
            raise BinanceError(-2013, "Order does not exist.")
        return order.query_json()

    def cancel(self, params: Params) -> Json:
        order = self.find(params, self.spec(params))
        if order is None or not order.is_open:
            raise BinanceError(-2011, "Unknown order sent.")
        self._unlock(order)
        order.status = "CANCELED"
        order.update_time = now_ms()
        body = order.query_json()
        return {
            "symbol": body["symbol"], "origClientOrderId": order.client_order_id,
            "orderId": order.order_id, "orderListId": -1,
            "clientOrderId": params.get("newClientOrderId") or f"cancel{order.order_id}",
            "transactTime": order.update_time,
            **{k: body[k] for k in ("price", "origQty", "executedQty", "cummulativeQuoteQty",
                                    "status", "timeInForce", "type", "side",
                                    "selfTradePreventionMode")},
        }

    def open_orders(self, params: Params) -> list[Json]:
        spec = self.spec(params) if params.get("symbol") else None
        return [o.query_json() for o in self.orders
                if o.is_open and (spec is None or o.spec is spec)]

    def all_orders(self, params: Params) -> list[Json]:
        spec = self.spec(params)
        from_id = params.integer("orderId") or 0
        mine = [o for o in self.orders if o.spec is spec and o.order_id >= from_id]
        return [o.query_json() for o in pick_window(mine, params, lambda o: o.time, 500)]

    def my_trades(self, params: Params) -> list[Json]:
        spec = self.spec(params)
        order_id, from_id = params.integer("orderId"), params.integer("fromId") or 0
        mine = [t for t in self.trades if t["symbol"] == spec.market_id and t["id"] >= from_id
                and (order_id is None or t["orderId"] == order_id)]
        return pick_window(mine, params, lambda t: t["time"], 500)

    def account(self, params: Params) -> Json:
        assets = sorted(set(self.free) | set(self.locked))
        balances = [{"asset": a, "free": p8(self.free[a]), "locked": p8(self.locked[a])}
                    for a in assets]
        if params.flag("omitZeroBalances"):
            balances = [b for b in balances if Decimal(b["free"]) or Decimal(b["locked"])]
        return {
            "makerCommission": 10, "takerCommission": 10, "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {"maker": p8(self.fee_rate), "taker": p8(self.fee_rate),
                                "buyer": p8(Decimal(0)), "seller": p8(Decimal(0))},
            "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
            "requireSelfTradePrevention": False, "preventSor": False,
            "updateTime": self.update_time, "accountType": "SPOT", "balances": balances,
            "permissions": ["SPOT"], "uid": 354937868,
        }
