"""USD-M futures endpoints of the fake Binance (/fapi/...): orders, account, positions, settings."""

from __future__ import annotations

from decimal import Decimal

from tests.fakes.exchange_common import (
    BinanceError,
    Json,
    Params,
    decimals_of,
    fmt,
    is_multiple,
    now_ms,
    pick_window,
    plain,
)
from tests.fakes.exchange_futures_book import (
    CONDITIONAL_TYPES,
    ZERO,
    FuturesBook,
    FuturesOrder,
    Position,
    p8,
)
from tests.fakes.exchange_markets import MarketSpec, leverage_brackets, maintenance_ratio

SUCCESS = {"code": 200, "msg": "success"}


def check_price(spec: MarketSpec, price: Decimal, last: Decimal | None) -> None:
    """PRICE_FILTER (and PERCENT_PRICE when `last` is given) the futures way."""
    f = spec.futures
    assert f is not None
    if decimals_of(price) > f.price_places:
        raise BinanceError(-1111, "Precision is over the maximum defined for this asset.")
    if price < f.min_price:
        raise BinanceError(-4013, "Price less than min price.")
    if not is_multiple(price - f.min_price, f.tick_size):
        raise BinanceError(-4014, "Price not increased by tick size.")
    if last is not None:
        ceiling, floor = last * f.percent_up, last * f.percent_down
        if price > ceiling:
            raise BinanceError(-4016, f"Limit price can't be higher than {fmt(ceiling, 2)}.")
        if price < floor:
            raise BinanceError(-4024, f"Limit price can't be lower than {fmt(floor, 2)}.")


def check_quantity(spec: MarketSpec, qty: Decimal, market: bool) -> None:
    f = spec.futures
    assert f is not None
    if decimals_of(qty) > f.qty_places:
        raise BinanceError(-1111, "Precision is over the maximum defined for this asset.")
    if qty <= 0:
        raise BinanceError(-4003, "Quantity less than or equal to zero.")
    if qty < f.min_qty:
        raise BinanceError(-4004, "Quantity less than min quantity.")
    if qty > (f.market_max_qty if market else f.max_qty):
        raise BinanceError(-4005, "Quantity greater than max quantity.")
    if not is_multiple(qty - f.min_qty, f.step_size):
        raise BinanceError(-4023, "Qty not increased by step size.")


def check_notional(spec: MarketSpec, qty: Decimal, price: Decimal) -> None:
    f = spec.futures
    assert f is not None
    if qty * price < f.min_notional:
        raise BinanceError(-4164, f"Order's notional must be no smaller than "
                                  f"{plain(f.min_notional)} (unless you choose reduce only).")


class FuturesAccount(FuturesBook):
    """Plain orders and account endpoints; conditional orders live in FuturesAlgoOrders."""

    # ---- orders ---------------------------------------------------------------------------------
    def create(self, params: Params) -> Json:
        spec = self.spec(params)
        side = params.require("side")
        if side not in ("BUY", "SELL"):
            raise BinanceError(-1100, "Illegal characters found in parameter 'side'.")
        kind = params.require("type")
        if kind in CONDITIONAL_TYPES:
            raise BinanceError(-4120, "Order type not supported for this endpoint. Please use "
                                      "the Algo Order API endpoints instead.")
        if kind not in ("LIMIT", "MARKET"):
            raise BinanceError(-1116, "Invalid orderType.")
        position_side = self.resolve_position_side(params)
        client_id = params.client_id("newClientOrderId") or f"fake{next(self.client_ids)}"
        if self.client_id_taken(client_id, {o.client_order_id for o in self.orders if o.is_open}):
            raise BinanceError(-4116, "ClientOrderId is duplicated.")
        reduce_only = params.flag("reduceOnly")
        qty = params.decimal("quantity", required=True)
        assert qty is not None
        last = self.mark_price(spec.market_id)
        price = params.decimal("price", required=kind == "LIMIT")
        tif = params.require("timeInForce") if kind == "LIMIT" else "GTC"
        if price is not None and kind == "LIMIT":
            check_price(spec, price, last)
        check_quantity(spec, qty, market=kind == "MARKET")
        closable = self.closable(spec, side, position_side)
        closing_side = position_side != "BOTH" and (side == "SELL") == (position_side == "LONG")
        if (reduce_only and closable == 0) or (closing_side and qty > closable):
            raise BinanceError(-2022, "ReduceOnly Order is rejected.")
        reference = price if kind == "LIMIT" and price is not None else last
        if not reduce_only and not closing_side:
            check_notional(spec, qty, reference)
            _reducing, opening = self.split(spec, side, position_side, qty)
            self.check_margin(spec, opening, reference)
        order = self.new_order(
            spec, params, client_order_id=client_id, side=side, position_side=position_side,
            type=kind, orig_type=kind, time_in_force=tif, price=price or ZERO, orig_qty=qty,
            stop_price=ZERO, reduce_only=reduce_only, close_position=False)
        if kind == "MARKET":
            self.execute_market(order, last)
            return order.json(with_time=False)
        assert price is not None
        marketable = price >= last if side == "BUY" else price <= last
        if tif == "GTX" and marketable:
            self.orders.remove(order)
            raise BinanceError(-5022, "Due to the order could not be executed as maker, the "
                                      "Post Only order will be rejected.")
        if tif == "FOK" and not marketable:
            self.orders.remove(order)
            raise BinanceError(-5021, "Due to the order could not be filled immediately, the "
                                      "FOK order has been rejected.")
        if marketable:
            self.execute_market(order, last)
        elif tif == "IOC":
            order.status = "EXPIRED"
        return order.json(with_time=False)

    def find(self, params: Params) -> FuturesOrder | None:
        spec = self.spec(params)
        order_id, client_id = params.integer("orderId"), params.get("origClientOrderId")
        if order_id is None and client_id is None:
            raise BinanceError(-1102, "Either orderId or origClientOrderId must be sent.")
        for order in reversed(self.orders):
            if order.spec is spec and (order.order_id == order_id if order_id is not None
                                       else order.client_order_id == client_id):
                return order
        return None

    def query(self, params: Params) -> Json:
        order = self.find(params)
        if order is None:
            raise BinanceError(-2013, "Order does not exist.")
        return order.json()

    def cancel(self, params: Params) -> Json:
        order = self.find(params)
        if order is None or not order.is_open:
            raise BinanceError(-2011, "Unknown order sent.")
        order.status, order.update_time = "CANCELED", now_ms()
        return order.json(with_time=False)

    def cancel_all(self, params: Params) -> Json:
        spec = self.spec(params)
        for order in self.orders:
            if order.spec is spec and order.is_open:
                order.status, order.update_time = "CANCELED", now_ms()
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    def open_orders(self, params: Params) -> list[Json]:
        spec = self.spec(params) if params.get("symbol") else None
        return [o.json() for o in self.orders if o.is_open and (spec is None or o.spec is spec)]

    def all_orders(self, params: Params) -> list[Json]:
        spec = self.spec(params)
        from_id = params.integer("orderId") or 0
        mine = [o for o in self.orders if o.spec is spec and o.order_id >= from_id]
        return [o.json() for o in pick_window(mine, params, lambda o: o.time, 500)]

    def user_trades(self, params: Params) -> list[Json]:
        spec = self.spec(params)
        order_id, from_id = params.integer("orderId"), params.integer("fromId") or 0
        mine = [t for t in self.trades if t["symbol"] == spec.market_id and t["id"] >= from_id
                and (order_id is None or t["orderId"] == order_id)]
        return pick_window(mine, params, lambda t: t["time"], 500)

    def on_price(self, market_id: str, price: Decimal) -> None:
        """Fill resting limit orders the new price crosses (at their limit, as maker)."""
        for order in [o for o in self.orders if o.is_open and o.spec.market_id == market_id]:
            if order.type != "LIMIT":
                continue
            if price <= order.price if order.side == "BUY" else price >= order.price:
                qty = order.orig_qty - order.executed_qty
                if order.reduce_only:
                    qty = min(qty, self.closable(order.spec, order.side, order.position_side))
                if qty <= 0:
                    order.status, order.update_time = "EXPIRED", now_ms()
                    continue
                self.fill(order, qty, order.price, maker=True)

    # ---- settings -----------------------------------------------------------------------------
    def set_leverage(self, params: Params) -> Json:
        spec = self.spec(params)
        leverage = params.integer("leverage")
        if leverage is None:
            params.require("leverage")
        assert leverage is not None
        if not 1 <= leverage <= spec.max_leverage:
            raise BinanceError(-4028, f"Leverage {leverage} is not valid")
        self.leverage[spec.market_id] = leverage
        cap = next(b["notionalCap"] for b in leverage_brackets(spec)["brackets"]
                   if b["initialLeverage"] <= leverage) if leverage > 1 else 100_000_000
        return {"leverage": leverage, "maxNotionalValue": str(cap), "symbol": spec.market_id}

    def set_margin_type(self, params: Params) -> Json:
        spec = self.spec(params)
        wanted = params.require("marginType").upper()
        if wanted not in ("ISOLATED", "CROSSED"):
            raise BinanceError(-4044, "The margin type is not valid.")
        if self.margin_type.get(spec.market_id, "CROSSED") == wanted:
            raise BinanceError(-4046, "No need to change margin type.")
        if any(o.is_open and o.spec is spec for o in self.orders):
            raise BinanceError(-4047, "Margin type cannot be changed if there exists open orders.")
        if any(p.amount and p.spec is spec for p in self.positions.values()):
            raise BinanceError(-4048, "Margin type cannot be changed if there exists position.")
        self.margin_type[spec.market_id] = wanted
        return SUCCESS

    def get_dual(self, params: Params) -> Json:
        return {"dualSidePosition": self.dual_side}

    def set_dual(self, params: Params) -> Json:
        wanted = params.require("dualSidePosition").lower() == "true"
        if wanted == self.dual_side:
            raise BinanceError(-4059, "No need to change position side.")
        if any(o.is_open for o in self.orders):
            raise BinanceError(-4067, "Position side cannot be changed if there exists open "
                                      "orders.")
        if any(p.amount for p in self.positions.values()):
            raise BinanceError(-4068, "Position side cannot be changed if there exists position.")
        self.dual_side = wanted
        return SUCCESS

    def symbol_config(self, params: Params) -> list[Json]:
        chosen = [self.spec(params)] if params.get("symbol") else list(self.markets.values())
        return [{"symbol": spec.market_id,
                 "marginType": self.margin_type.get(spec.market_id, "CROSSED"),
                 "isAutoAddMargin": "false", "leverage": self.leverage_of(spec.market_id),
                 "maxNotionalValue": "1000000"} for spec in chosen]

    def leverage_bracket(self, params: Params) -> Json:
        if params.get("symbol"):
            return leverage_brackets(self.spec(params))
        return [leverage_brackets(spec) for spec in self.markets.values()]

    # ---- account --------------------------------------------------------------------------------
    def _asset_rows(self, v2: bool) -> list[Json]:
        rows = []
        for asset in sorted(set(self.wallet) | {"USDT", "USDC", "BNB"}):
            t = self.totals(asset)
            row = {
                "asset": asset, "walletBalance": p8(t["wallet"]),
                "unrealizedProfit": p8(t["unrealized"]), "marginBalance": p8(t["margin"]),
                "maintMargin": p8(t["maint"]),
                "initialMargin": p8(t["position_im"] + t["order_im"]),
                "positionInitialMargin": p8(t["position_im"]),
                "openOrderInitialMargin": p8(t["order_im"]),
                "crossWalletBalance": p8(t["wallet"]), "crossUnPnl": p8(t["unrealized"]),
                "availableBalance": p8(t["available"]), "maxWithdrawAmount": p8(t["max_withdraw"]),
                "updateTime": self.wallet_time.get(asset, 0),
            }
            if v2:
                row["marginAvailable"] = True
            rows.append(row)
        return rows

    def _position_numbers(self, position: Position) -> dict[str, Decimal]:
        mark = self.mark_price(position.spec.market_id)
        notional = position.amount * mark
        margin = self.position_margin(position)
        return {"mark": mark, "notional": notional, "margin": margin,
                "maint": abs(notional) * maintenance_ratio(abs(notional)),
                "unrealized": self.unrealized(position),
                "isolated": margin if self.margin_type.get(position.spec.market_id) == "ISOLATED"
                else ZERO}

    def _live_positions(self) -> list[Position]:
        return [p for p in self.positions.values() if p.amount]

    def account(self, params: Params, v2: bool = False) -> Json:
        t = self.totals("USDT")
        positions = []
        for p in self._live_positions() if not v2 else self._all_positions():
            n = self._position_numbers(p)
            row = {"symbol": p.spec.market_id, "positionSide": p.side,
                   "positionAmt": plain(p.amount), "unrealizedProfit": p8(n["unrealized"]),
                   "isolatedMargin": p8(n["isolated"]), "notional": p8(n["notional"]),
                   "isolatedWallet": p8(n["isolated"]), "initialMargin": p8(n["margin"]),
                   "maintMargin": p8(n["maint"]), "updateTime": p.update_time}
            if v2:
                row.update({"leverage": str(self.leverage_of(p.spec.market_id)),
                            "entryPrice": plain(p.entry), "breakEvenPrice": plain(p.entry),
                            "positionInitialMargin": p8(n["margin"]),
                            "openOrderInitialMargin": "0", "maxNotional": "1000000",
                            "bidNotional": "0", "askNotional": "0",
                            "isolated": self.margin_type.get(p.spec.market_id) == "ISOLATED"})
            positions.append(row)
        body: Json = {
            "totalInitialMargin": p8(t["position_im"] + t["order_im"]),
            "totalMaintMargin": p8(t["maint"]), "totalWalletBalance": p8(t["wallet"]),
            "totalUnrealizedProfit": p8(t["unrealized"]), "totalMarginBalance": p8(t["margin"]),
            "totalPositionInitialMargin": p8(t["position_im"]),
            "totalOpenOrderInitialMargin": p8(t["order_im"]),
            "totalCrossWalletBalance": p8(t["wallet"]), "totalCrossUnPnl": p8(t["unrealized"]),
            "availableBalance": p8(t["available"]), "maxWithdrawAmount": p8(t["max_withdraw"]),
            "assets": self._asset_rows(v2), "positions": positions,
        }
        if v2:
            body = {"feeTier": 0, "feeBurn": False, "canTrade": True, "canDeposit": True,
                    "canWithdraw": True, "updateTime": 0, "multiAssetsMargin": False,
                    "tradeGroupId": -1, **body}
        return body

    def balance(self, params: Params) -> list[Json]:
        return [{"accountAlias": "SgsR", "asset": row["asset"], "balance": row["walletBalance"],
                 "crossWalletBalance": row["crossWalletBalance"], "crossUnPnl": row["crossUnPnl"],
                 "availableBalance": row["availableBalance"],
                 "maxWithdrawAmount": row["maxWithdrawAmount"], "marginAvailable": True,
                 "updateTime": row["updateTime"]} for row in self._asset_rows(v2=False)]

    def _all_positions(self) -> list[Position]:
        sides = ("LONG", "SHORT") if self.dual_side else ("BOTH",)
        return [self.position(spec, side) for spec in self.markets.values() for side in sides]

    def position_risk(self, params: Params, v2: bool = False) -> list[Json]:
        spec = self.spec(params) if params.get("symbol") else None
        chosen = self._all_positions() if v2 else self._live_positions()
        rows = []
        for p in chosen:
            if spec is not None and p.spec is not spec:
                continue
            n = self._position_numbers(p)
            row = {"symbol": p.spec.market_id, "positionSide": p.side,
                   "positionAmt": plain(p.amount), "entryPrice": plain(p.entry),
                   "breakEvenPrice": plain(p.entry), "markPrice": p8(n["mark"]),
                   "unRealizedProfit": p8(n["unrealized"]), "liquidationPrice": "0",
                   "isolatedMargin": p8(n["isolated"]), "notional": p8(n["notional"]),
                   "isolatedWallet": p8(n["isolated"]), "updateTime": p.update_time}
            if v2:
                row.update({"marginType": "isolated" if n["isolated"] else "cross",
                            "isAutoAddMargin": "false",
                            "leverage": str(self.leverage_of(p.spec.market_id)),
                            "maxNotionalValue": "1000000"})
            else:
                row.update({"marginAsset": p.spec.quote, "initialMargin": p8(n["margin"]),
                            "maintMargin": p8(n["maint"]), "positionInitialMargin": p8(n["margin"]),
                            "openOrderInitialMargin": "0", "adl": 0, "bidNotional": "0",
                            "askNotional": "0"})
            rows.append(row)
        return rows
