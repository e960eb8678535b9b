"""USD-M futures state of the fake Binance: wallet, positions, orders and the fill logic.

One-way mode keeps one signed "BOTH" position per symbol; hedge mode keeps "LONG" (positive)
and "SHORT" (negative). Margin is kept simple and explicit: a position ties up
|amount| * mark / leverage, a resting opening limit order qty * price / leverage, and
available = wallet + unrealised PnL - both. No funding, no liquidation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from itertools import count

from tests.fakes.exchange_common import BinanceError, Json, Params, fmt, invalid_symbol, now_ms
from tests.fakes.exchange_markets import MarketSpec, maintenance_ratio

ZERO = Decimal(0)
OPEN = ("NEW", "PARTIALLY_FILLED")
CONDITIONAL_TYPES = ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                     "TRAILING_STOP_MARKET")
DEFAULT_LEVERAGE = 20


def p8(value: Decimal) -> str:
    return fmt(value, 8)


@dataclass
class Position:
    spec: MarketSpec
    side: str  # BOTH | LONG | SHORT
    amount: Decimal = ZERO  # signed: short < 0
    entry: Decimal = ZERO
    update_time: int = 0


@dataclass
class FuturesOrder:
    spec: MarketSpec
    order_id: int
    client_order_id: str
    side: str
    position_side: str
    type: str
    orig_type: str
    time_in_force: str
    price: Decimal
    orig_qty: Decimal
    stop_price: Decimal
    reduce_only: bool
    close_position: bool
    working_type: str
    time: int
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    update_time: int = 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def json(self, with_time: bool = True) -> Json:
        f = self.spec.futures
        assert f is not None
        price_places, qty_places = f.price_places, f.qty_places
        average = self.cum_quote / self.executed_qty if self.executed_qty else ZERO
        body = {
            "orderId": self.order_id, "symbol": self.spec.market_id, "status": self.status,
            "clientOrderId": self.client_order_id, "price": fmt(self.price, price_places),
            "avgPrice": fmt(average, max(price_places, 5)), "origQty": fmt(self.orig_qty, qty_places),
            "executedQty": fmt(self.executed_qty, qty_places),
            "cumQty": fmt(self.executed_qty, qty_places), "cumQuote": fmt(self.cum_quote, 5),
            "timeInForce": self.time_in_force, "type": self.type,
            "reduceOnly": self.reduce_only, "closePosition": self.close_position,
            "side": self.side, "positionSide": self.position_side,
            "stopPrice": fmt(self.stop_price, price_places), "workingType": self.working_type,
            "priceProtect": False, "origType": self.orig_type, "priceMatch": "NONE",
            "selfTradePreventionMode": "EXPIRE_MAKER", "goodTillDate": 0,
            "updateTime": self.update_time or self.time,
        }
        if with_time:
            body["time"] = self.time
        return body


class FuturesBook:
    """Account-wide futures state and the mechanics shared by plain and algo orders."""

    def __init__(self, markets: dict[str, MarketSpec], mark_price: Callable[[str], Decimal],
                 taker_fee: Decimal, maker_fee: Decimal, client_id_scope: str) -> None:
        self.markets = markets  # by market id, futures-listed only
        self.mark_price = mark_price
        self.taker_fee, self.maker_fee = taker_fee, maker_fee
        self.client_id_scope = client_id_scope
        self.wallet: defaultdict[str, Decimal] = defaultdict(Decimal)
        self.wallet_time: dict[str, int] = {}
        self.positions: dict[tuple[str, str], Position] = {}
        self.leverage: dict[str, int] = {}
        self.margin_type: dict[str, str] = {}
        self.dual_side = False
        self.orders: list[FuturesOrder] = []
        self.trades: list[Json] = []
        self.order_ids = count(4_000_000_001)
        self.trade_ids = count(500_000_001)
        self.client_ids = count(1)

    # ---- lookups ------------------------------------------------------------------------------
    def spec(self, params: Params) -> MarketSpec:
        spec = self.markets.get(params.require("symbol"))
        if spec is None:
            raise invalid_symbol()
        return spec

    def leverage_of(self, market_id: str) -> int:
        return self.leverage.get(market_id, DEFAULT_LEVERAGE)

    def position(self, spec: MarketSpec, side: str) -> Position:
        key = (spec.market_id, side)
        if key not in self.positions:
            self.positions[key] = Position(spec, side)
        return self.positions[key]

    def resolve_position_side(self, params: Params) -> str:
        side = params.get("positionSide") or "BOTH"
        if (side == "BOTH") == self.dual_side or side not in ("BOTH", "LONG", "SHORT"):
            raise BinanceError(-4061, "Order's position side does not match user's setting.")
        if self.dual_side and params.get("reduceOnly") is not None:
            raise BinanceError(-1106, "Parameter 'reduceOnly' sent when not required.")
        return side

    def client_id_taken(self, client_id: str, open_ids: set[str]) -> bool:
        if self.client_id_scope == "all":
            return any(o.client_order_id == client_id for o in self.orders) or client_id in open_ids
        return client_id in open_ids

    # ---- margin -----------------------------------------------------------------------------
    def unrealized(self, position: Position) -> Decimal:
        if not position.amount:
            return ZERO
        return position.amount * (self.mark_price(position.spec.market_id) - position.entry)

    def position_margin(self, position: Position) -> Decimal:
        mark = self.mark_price(position.spec.market_id)
        return abs(position.amount) * mark / self.leverage_of(position.spec.market_id)

    def order_margin(self, order: FuturesOrder) -> Decimal:
        if order.reduce_only or order.close_position or not order.is_open:
            return ZERO
        remaining = order.orig_qty - order.executed_qty
        return remaining * order.price / self.leverage_of(order.spec.market_id)

    def totals(self, asset: str = "USDT") -> dict[str, Decimal]:
        live = [p for p in self.positions.values() if p.amount and p.spec.quote == asset]
        unrealized = sum((self.unrealized(p) for p in live), ZERO)
        position_im = sum((self.position_margin(p) for p in live), ZERO)
        order_im = sum((self.order_margin(o) for o in self.orders if o.spec.quote == asset), ZERO)
        maint = sum((abs(p.amount) * self.mark_price(p.spec.market_id)
                     * maintenance_ratio(abs(p.amount) * self.mark_price(p.spec.market_id))
                     for p in live), ZERO)
        wallet = self.wallet[asset]
        available = max(ZERO, wallet + unrealized - position_im - order_im)
        return {"wallet": wallet, "unrealized": unrealized, "margin": wallet + unrealized,
                "position_im": position_im, "order_im": order_im, "maint": maint,
                "available": available, "max_withdraw": min(available, wallet)}

    # ---- sizing -------------------------------------------------------------------------------
    def split(self, spec: MarketSpec, side: str, position_side: str,
              qty: Decimal) -> tuple[Decimal, Decimal]:
        """(reducing, opening) parts of an order of `qty` against the current position."""
        position = self.position(spec, position_side)
        buying = side == "BUY"
        if position_side == "LONG":
            return (ZERO, qty) if buying else (min(qty, position.amount), ZERO)
        if position_side == "SHORT":
            return (min(qty, -position.amount), ZERO) if buying else (ZERO, qty)
        if position.amount and (position.amount > 0) != buying:
            reducing = min(qty, abs(position.amount))
            return reducing, qty - reducing
        return ZERO, qty

    def closable(self, spec: MarketSpec, side: str, position_side: str) -> Decimal:
        """Quantity a reduce-only / close-position order on `side` may trade right now."""
        position = self.position(spec, position_side)
        if position_side == "LONG":
            return position.amount if side == "SELL" else ZERO
        if position_side == "SHORT":
            return -position.amount if side == "BUY" else ZERO
        if position.amount > 0 and side == "SELL":
            return position.amount
        if position.amount < 0 and side == "BUY":
            return -position.amount
        return ZERO

    def check_margin(self, spec: MarketSpec, opening: Decimal, price: Decimal) -> None:
        needed = opening * price / self.leverage_of(spec.market_id)
        if needed > self.totals(spec.quote)["available"]:
            raise BinanceError(-2019, "Margin is insufficient.")

    # ---- fills --------------------------------------------------------------------------------
    def fill(self, order: FuturesOrder, qty: Decimal, price: Decimal, maker: bool) -> None:
        """Trade `qty` of `order` at `price`: move the position, realise PnL, charge the fee."""
        spec = order.spec
        position = self.position(spec, order.position_side)
        signed = qty if order.side == "BUY" else -qty
        realized = ZERO
        old = position.amount
        if old and (old > 0) != (signed > 0):
            closed = min(abs(signed), abs(old))
            realized = closed * (price - position.entry) * (1 if old > 0 else -1)
            new = old + signed
            if new == 0:
                position.entry = ZERO
            elif (new > 0) != (old > 0):
                position.entry = price
            position.amount = new
        else:
            total = abs(old) + qty
            position.entry = (abs(old) * position.entry + qty * price) / total
            position.amount = old + signed
        notional = qty * price
        commission = notional * (self.maker_fee if maker else self.taker_fee)
        now = now_ms()
        self.wallet[spec.quote] += realized - commission
        self.wallet_time[spec.quote] = now
        position.update_time = now
        order.executed_qty += qty
        order.cum_quote += notional
        order.status = "FILLED" if order.executed_qty >= order.orig_qty else "PARTIALLY_FILLED"
        order.update_time = now
        f = spec.futures
        assert f is not None
        self.trades.append({
            "buyer": order.side == "BUY", "commission": p8(commission),
            "commissionAsset": spec.quote, "id": next(self.trade_ids), "maker": maker,
            "orderId": order.order_id, "price": fmt(price, f.price_places),
            "qty": fmt(qty, f.qty_places), "quoteQty": fmt(notional, 5),
            "realizedPnl": p8(realized), "side": order.side,
            "positionSide": order.position_side, "symbol": spec.market_id, "time": now,
        })

    def execute_market(self, order: FuturesOrder, price: Decimal) -> None:
        """Fill a (possibly triggered) market order now, honouring reduce-only/close-position."""
        qty = order.orig_qty
        if order.reduce_only or order.close_position:
            closable = self.closable(order.spec, order.side, order.position_side)
            qty = closable if order.close_position else min(qty, closable)
            if order.close_position:
                order.orig_qty = closable
        if qty <= 0:
            order.status = "EXPIRED"
            order.update_time = now_ms()
            return
        self.fill(order, qty, price, maker=False)
        if order.status == "PARTIALLY_FILLED":  # reduce-only capped at the position size
            order.status = "EXPIRED"

    def new_order(self, spec: MarketSpec, params: Params, **fields: object) -> FuturesOrder:
        now = now_ms()
        order = FuturesOrder(spec=spec, order_id=next(self.order_ids), time=now, update_time=now,
                             working_type=params.get("workingType") or "CONTRACT_PRICE",
                             **fields)  # type: ignore[arg-type]
        self.orders.append(order)
        return order
