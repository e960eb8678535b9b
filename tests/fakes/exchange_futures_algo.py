"""USD-M conditional orders of the fake Binance: the Algo Service (/fapi/v1/algoOrder ...).

Since 2025-12-09 Binance refuses STOP_MARKET / TAKE_PROFIT_MARKET / STOP / TAKE_PROFIT /
TRAILING_STOP_MARKET on /fapi/v1/order (-4120) and takes them here instead; ccxt 4.5.90
sends any futures order with stopPrice / triggerPrice / stopLossPrice / takeProfitPrice here.
When the price reaches the trigger the algo order places a plain order (MARKET for *_MARKET,
LIMIT for STOP / TAKE_PROFIT), whose id is reported as `actualOrderId`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import count

from tests.fakes.exchange_common import BinanceError, Json, Params, fmt, now_ms, pick_window
from tests.fakes.exchange_futures import FuturesAccount, check_notional, check_price, check_quantity
from tests.fakes.exchange_futures_book import ZERO
from tests.fakes.exchange_markets import MarketSpec

ALGO_TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT")


@dataclass
class AlgoOrder:
    spec: MarketSpec
    algo_id: int
    client_algo_id: str
    side: str
    position_side: str
    order_type: str
    time_in_force: str
    quantity: Decimal
    trigger_price: Decimal
    price: Decimal
    reduce_only: bool
    close_position: bool
    working_type: str
    price_protect: bool
    create_time: int
    update_time: int
    algo_status: str = "NEW"
    trigger_time: int = 0
    actual_order_id: str = ""
    actual_price: Decimal = ZERO

    def fires_at(self, price: Decimal) -> bool:
        rising = self.order_type.startswith("STOP") == (self.side == "BUY")
        return price >= self.trigger_price if rising else price <= self.trigger_price

    def json(self) -> Json:
        f = self.spec.futures
        assert f is not None
        return {
            "algoId": self.algo_id, "clientAlgoId": self.client_algo_id,
            "algoType": "CONDITIONAL", "orderType": self.order_type,
            "symbol": self.spec.market_id, "side": self.side,
            "positionSide": self.position_side, "timeInForce": self.time_in_force,
            "quantity": fmt(self.quantity, f.qty_places), "algoStatus": self.algo_status,
            "actualOrderId": self.actual_order_id,
            "actualPrice": fmt(self.actual_price, f.price_places),
            "triggerPrice": fmt(self.trigger_price, f.price_places),
            "price": fmt(self.price, f.price_places), "icebergQuantity": None,
            "tpTriggerPrice": "0.000", "tpPrice": "0.000", "slTriggerPrice": "0.000",
            "slPrice": "0.000", "tpOrderType": "", "selfTradePreventionMode": "EXPIRE_MAKER",
            "workingType": self.working_type, "priceMatch": "NONE",
            "closePosition": self.close_position, "priceProtect": self.price_protect,
            "reduceOnly": self.reduce_only, "createTime": self.create_time,
            "updateTime": self.update_time, "triggerTime": self.trigger_time,
            "goodTillDate": 0,
        }


class FuturesAlgoOrders:
    def __init__(self, account: FuturesAccount) -> None:
        self.account = account
        self.orders: list[AlgoOrder] = []
        self._ids = count(1_000_000_000_001)

    def create(self, params: Params) -> Json:
        account = self.account
        spec = account.spec(params)
        if params.require("algoType") != "CONDITIONAL":
            raise BinanceError(-1116, "Invalid algoType.")
        side = params.require("side")
        kind = params.require("type")
        if kind not in ALGO_TYPES:
            raise BinanceError(-1116, "Invalid orderType.")
        position_side = account.resolve_position_side(params)
        client_id = params.client_id("clientAlgoId") or f"fakealgo-{next(self._ids)}"
        if any(o.client_algo_id == client_id
               and (o.algo_status == "NEW" or account.client_id_scope == "all")
               for o in self.orders):
            raise BinanceError(-4116, "ClientOrderId is duplicated.")
        close_position = params.flag("closePosition")
        reduce_only = params.flag("reduceOnly")
        if close_position and params.get("quantity") is not None:
            raise BinanceError(-1106, "Parameter 'quantity' sent when not required.")
        if close_position and params.get("reduceOnly") is not None:
            raise BinanceError(-1106, "Parameter 'reduceOnly' sent when not required.")
        trigger = params.decimal("triggerPrice", required=True)
        assert trigger is not None
        check_price(spec, trigger, last=None)
        qty = ZERO if close_position else params.decimal("quantity", required=True)
        assert qty is not None
        price = params.decimal("price", required=kind in ("STOP", "TAKE_PROFIT")) or ZERO
        if price:
            check_price(spec, price, last=None)
        if not close_position:
            check_quantity(spec, qty, market=kind.endswith("MARKET"))
            if not reduce_only and position_side == "BOTH":
                check_notional(spec, qty, price or trigger)
        if (reduce_only or close_position) and account.closable(spec, side, position_side) == 0:
            raise BinanceError(-2022, "ReduceOnly Order is rejected.")
        now = now_ms()
        order = AlgoOrder(
            spec=spec, algo_id=next(self._ids), client_algo_id=client_id, side=side,
            position_side=position_side, order_type=kind,
            time_in_force=params.get("timeInForce") or "GTC", quantity=qty,
            trigger_price=trigger, price=price, reduce_only=reduce_only,
            close_position=close_position,
            working_type=params.get("workingType") or "CONTRACT_PRICE",
            price_protect=params.flag("priceProtect"), create_time=now, update_time=now)
        if order.fires_at(account.mark_price(spec.market_id)):
            raise BinanceError(-2021, "Order would immediately trigger.")
        self.orders.append(order)
        return order.json()

    def find(self, params: Params) -> AlgoOrder | None:
        algo_id, client_id = params.integer("algoId"), params.get("clientAlgoId")
        if algo_id is None and client_id is None:
            raise BinanceError(-1102, "Either algoId or clientAlgoId must be sent.")
        for order in reversed(self.orders):
            if (order.algo_id == algo_id if algo_id is not None
                    else order.client_algo_id == client_id):
                return order
        return None

    def query(self, params: Params) -> Json:
        order = self.find(params)
        if order is None:
            raise BinanceError(-2013, "Order does not exist.")
        return order.json()

    def cancel(self, params: Params) -> Json:
        order = self.find(params)
        if order is None or order.algo_status != "NEW":
            raise BinanceError(-2011, "Unknown order sent.")
        order.algo_status, order.update_time = "CANCELED", now_ms()
        return {"algoId": order.algo_id, "clientAlgoId": order.client_algo_id,
                "code": "200", "msg": "success"}

    def cancel_all(self, params: Params) -> Json:
        spec = self.account.spec(params)
        for order in self.orders:
            if order.spec is spec and order.algo_status == "NEW":
                order.algo_status, order.update_time = "CANCELED", now_ms()
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    def open_orders(self, params: Params) -> list[Json]:
        spec = self.account.spec(params) if params.get("symbol") else None
        return [o.json() for o in self.orders
                if o.algo_status == "NEW" and (spec is None or o.spec is spec)]

    def all_orders(self, params: Params) -> list[Json]:
        spec = self.account.spec(params)
        mine = [o for o in self.orders if o.spec is spec]
        return [o.json() for o in pick_window(mine, params, lambda o: o.create_time, 100)]

    def on_price(self, market_id: str, price: Decimal) -> None:
        """Trigger the conditional orders `price` reaches and place their real orders."""
        account = self.account
        for algo in [o for o in self.orders
                     if o.algo_status == "NEW" and o.spec.market_id == market_id]:
            if not algo.fires_at(price):
                continue
            now = now_ms()
            algo.algo_status, algo.trigger_time, algo.update_time = "TRIGGERED", now, now
            market = algo.order_type.endswith("MARKET")
            order = account.new_order(
                algo.spec, Params({"workingType": algo.working_type}),
                client_order_id=algo.client_algo_id, side=algo.side,
                position_side=algo.position_side, type="MARKET" if market else "LIMIT",
                orig_type=algo.order_type, time_in_force=algo.time_in_force,
                price=algo.price, orig_qty=algo.quantity, stop_price=algo.trigger_price,
                reduce_only=algo.reduce_only, close_position=algo.close_position)
            algo.actual_order_id = str(order.order_id)
            if market:
                account.execute_market(order, price)
                algo.actual_price = (order.cum_quote / order.executed_qty
                                     if order.executed_qty else ZERO)
                algo.algo_status = "FINISHED"
            else:
                account.on_price(market_id, price)
