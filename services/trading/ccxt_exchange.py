"""The exchange port over ccxt (async_support): any ccxt exchange, spot or linear futures.

    exchange = CcxtExchange.from_settings(settings.exchange)   # builds the ccxt client
    markets = await exchange.load_markets()                    # once; reload=True daily

Amounts and prices arrive already rounded by `services.trading.precision`; this adapter
converts units (base ↔ contracts), picks ccxt's params for each order type and maps ccxt's
exceptions onto the port's (`ccxt_errors`). It never retries anything that could place an
order twice: the only retries here are after answers that prove nothing was placed — a
timestamp outside the receive window (clock resynced first) and a position-side mismatch
(Binance -4061, position mode read once). Everything else is `ResilientExchange`'s job.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from ccxt.async_support.base.exchange import Exchange as CcxtClient
from ccxt.base import errors as ccxt_errors

from services.clock import Clock
from services.trading.ccxt_convert import (
    IncompleteOrder,
    balances_from_ccxt,
    fill_from_ccxt,
    order_from_ccxt,
    position_from_ccxt,
)
from services.trading.ccxt_errors import is_position_side_mismatch
from services.trading.ccxt_market_data import CcxtMarketData
from services.trading.port import (
    Balance,
    ExchangeError,
    ExchangePosition,
    Market,
    MarketKind,
    Order,
    OrderNotFound,
    OrderRejected,
    OrderRequest,
    OrderStatus,
    OrderType,
)

ZERO = Decimal(0)
_MARGIN_MODES = ("cross", "isolated")


class CcxtExchange(CcxtMarketData):
    """The port's `Exchange` over a ccxt async client (which it owns and closes)."""

    def __init__(self, client: CcxtClient, kind: MarketKind, *,
                 clock: Clock | None = None) -> None:
        super().__init__(client, kind, clock=clock)
        self._hedged: bool | None = None  # position mode; None = not read, one-way assumed
        self._leverage: dict[str, int] = {}  # what we set: positions (v3) do not report it

    @property
    def order_settle_s(self) -> float:
        """How long after being sent an order may still appear on the exchange.

        Binance refuses a request processed later than `recvWindow` after its timestamp;
        elsewhere the client timeout bounds it. One second more for clock offset.
        """
        recv_window = self.client.options.get("recvWindow")
        window_ms = recv_window if isinstance(recv_window, int | float) and recv_window > 0 \
            else self.client.timeout
        return float(window_ms) / 1000 + 1.0

    # ---- account ----------------------------------------------------------------------------
    async def fetch_balance(self) -> dict[str, Balance]:
        """Non-zero balances; for futures `total` is wallet + unrealised PnL."""
        return balances_from_ccxt(await self._call(self.client.fetch_balance))

    async def fetch_positions(self, symbols: list[str] | None = None) -> list[ExchangePosition]:
        if self.kind is MarketKind.SPOT:
            return []
        raw = await self._call(self.client.fetch_positions, symbols)
        markets = await self.load_markets()
        positions = []
        for entry in raw:
            symbol = entry.get("symbol") or ""
            market = markets.get(symbol)
            position = position_from_ccxt(entry, market.contract_size if market else None,
                                          self._leverage.get(symbol))
            if position is not None:
                positions.append(position)
        return positions

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        """Futures only (a no-op on spot)."""
        if self.kind is MarketKind.SPOT:
            return
        await self._call(self.client.set_leverage, leverage, symbol)
        self._leverage[symbol] = leverage

    async def set_margin_mode(self, symbol: str, mode: str) -> None:
        """"cross" or "isolated"; already being in that mode is success. Futures only."""
        if mode not in _MARGIN_MODES:
            raise ValueError(f"margin mode must be one of {_MARGIN_MODES}, got {mode!r}")
        if self.kind is MarketKind.SPOT:
            return
        try:
            await self._call(self.client.set_margin_mode, mode, symbol)
        except ExchangeError as exc:
            cause = exc.__cause__
            if not isinstance(cause, ccxt_errors.MarginModeAlreadySet) \
                    and "-4046" not in str(cause):
                raise

    async def fetch_position_mode(self) -> bool:
        """True when the futures account is in hedge mode (read from the exchange)."""
        if self.kind is MarketKind.SPOT or not self.client.has.get("fetchPositionMode"):
            self._hedged = False
        else:
            raw = await self._call(self.client.fetch_position_mode)
            self._hedged = bool(raw.get("hedged"))
        return self._hedged

    # ---- orders -------------------------------------------------------------------------------
    def _order_params(self, request: OrderRequest) -> dict[str, Any]:
        params: dict[str, Any] = {"clientOrderId": request.client_id}
        if request.type in (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET):
            if request.trigger_price is None:
                raise OrderRejected(f"a {request.type} order needs a trigger price")
            # ccxt's unified names: Binance futures turns them into STOP_MARKET /
            # TAKE_PROFIT_MARKET on /fapi/v1/algoOrder, other exchanges into their own kind.
            key = "stopLossPrice" if request.type is OrderType.STOP_MARKET else "takeProfitPrice"
            params[key] = float(request.trigger_price)
        if self.kind is MarketKind.FUTURES:
            if request.reduce_only:
                params["reduceOnly"] = True
            if self._hedged:
                params["hedged"] = True  # ccxt sets positionSide (and drops reduceOnly)
        return params

    async def create_order(self, request: OrderRequest) -> Order:
        """Place `request` once. Raises OrderRejected / DuplicateClientId / Transient..."""
        market = await self.market(request.symbol)
        ccxt_type = "limit" if request.type is OrderType.LIMIT else "market"
        price = float(request.price) if ccxt_type == "limit" and request.price else None
        amount = float(request.amount / market.contract_size)
        for attempt in range(2):
            try:
                raw = await self._call(self.client.create_order, request.symbol, ccxt_type,
                                       request.side.value, amount, price,
                                       self._order_params(request), placing=True)
            except OrderRejected as exc:
                # -4061: refused (nothing placed) because the position mode is not the one
                # assumed. Read it once, and send again if it changed.
                was_hedged = bool(self._hedged)
                if attempt or not is_position_side_mismatch(exc.__cause__ or exc) \
                        or await self.fetch_position_mode() == was_hedged:
                    raise
                continue
            return await self._placed(raw, request, market)
        raise AssertionError("unreachable")

    async def _placed(self, raw: dict[str, Any], request: OrderRequest, market: Market) -> Order:
        try:
            order = order_from_ccxt(raw, market.contract_size)
        except IncompleteOrder:  # an acknowledgement without the order: read it back
            found = await self.fetch_order_by_client_id(request.symbol, request.client_id,
                                                        trigger=_is_trigger(request))
            if found is None:
                raise
            order = found
        return dataclasses.replace(
            order, client_id=order.client_id or request.client_id,
            trigger_price=order.trigger_price or request.trigger_price,
            reduce_only=order.reduce_only or request.reduce_only)

    async def fetch_order_by_client_id(self, symbol: str, client_id: str,
                                       trigger: bool = False) -> Order | None:
        """The order with this client id, or None when the exchange has never seen it.

        For a fired trigger order (`trigger=True`) the fill is read from the order it
        placed (Binance `actualOrderId`), so `filled` / `average_price` are the real ones.
        """
        size = await self._contract_size(symbol)
        params: dict[str, Any] = {"clientOrderId": client_id}
        if trigger:
            params["trigger"] = True
        try:
            raw = await self._call(self.client.fetch_order, None, symbol, params)
        except OrderNotFound:
            return None
        except ExchangeError as exc:
            if not isinstance(exc.__cause__, ccxt_errors.ArgumentsRequired
                              | ccxt_errors.NotSupported):
                raise
            return await self._scan_for_client_id(symbol, client_id, trigger)
        order = order_from_ccxt(raw, size)
        child_id = str((raw.get("info") or {}).get("actualOrderId") or "")
        if trigger and child_id not in ("", "0") and order.status in (OrderStatus.FILLED,
                                                                      OrderStatus.EXPIRED):
            child = order_from_ccxt(
                await self._call(self.client.fetch_order, child_id, symbol), size)
            order = dataclasses.replace(
                order, status=child.status, filled=child.filled,
                average_price=child.average_price, fee=child.fee,
                fee_currency=child.fee_currency, fills=child.fills)
        return await self._with_fee(order, size)

    async def _with_fee(self, order: Order, size: Decimal) -> Order:
        """An order read back after it filled, with its fee. Binance (like many exchanges)
        gives the fee only with the fills of the placement's answer, not when the order is
        read later: its trades tell it. Without it a spot buy that rested would count the
        coins paid as fee as held, and the sale of "everything" would be refused."""
        if order.filled <= ZERO or order.fee or order.fee_currency:
            return order
        trades = await self._order_trades(order)
        fills = [f for t in trades if (f := fill_from_ccxt(t, size, order.created_at))]
        if not fills:
            return order
        currency = fills[0].fee_currency
        fee = sum((f.fee for f in fills if f.fee_currency == currency), ZERO)
        return dataclasses.replace(order, fee=fee, fee_currency=currency or None,
                                   fills=order.fills or tuple(fills))

    async def _order_trades(self, order: Order) -> list[dict[str, Any]]:
        """The trades of one order: `fetchOrderTrades`, or the account's trades filtered by
        the order id where that is spot-only (Binance futures); none when neither exists."""
        try:
            if self.client.has.get("fetchOrderTrades"):
                return list(await self._call(self.client.fetch_order_trades,
                                             order.exchange_id, order.symbol))
        except ExchangeError as exc:
            if not isinstance(exc.__cause__, ccxt_errors.NotSupported):
                raise
        if not self.client.has.get("fetchMyTrades"):
            return []
        trades = await self._call(self.client.fetch_my_trades, order.symbol, None, None,
                                  {"orderId": order.exchange_id})
        return [t for t in trades if str(t.get("order")) == order.exchange_id]

    async def _scan_for_client_id(self, symbol: str, client_id: str,
                                  trigger: bool) -> Order | None:
        """For exchanges that cannot fetch by client id: recent open and closed orders."""
        params: dict[str, Any] = {"trigger": True} if trigger else {}
        raws = list(await self._call(self.client.fetch_open_orders, symbol, None, None, params))
        if self.client.has.get("fetchClosedOrders"):
            raws += await self._call(self.client.fetch_closed_orders, symbol, None, None,
                                     params)
        size = await self._contract_size(symbol)
        for raw in raws:
            if raw.get("clientOrderId") == client_id:
                return order_from_ccxt(raw, size)
        return None

    async def cancel_order(self, symbol: str, exchange_id: str, trigger: bool = False) -> Order:
        """Cancel and return the order as it now stands (read back when the exchange only
        acknowledges, as Binance does for algo orders)."""
        size = await self._contract_size(symbol)
        params: dict[str, Any] = {"trigger": True} if trigger else {}
        raw = await self._call(self.client.cancel_order, exchange_id, symbol, params)
        try:
            order = order_from_ccxt(raw, size)
        except IncompleteOrder:
            raw = await self._call(self.client.fetch_order, exchange_id, symbol, params)
            order = order_from_ccxt(raw, size)
        return order if trigger else await self._with_fee(order, size)

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        """Open orders, trigger orders included (futures keep them apart on most exchanges)."""
        # Without a symbol ccxt may fall back to spot (Binance does): name the market type.
        params: dict[str, Any] = {}
        if symbol is None:
            params["type"] = self.client.options.get("defaultType") or str(self.kind)
        raws = list(await self._call(self.client.fetch_open_orders, symbol, None, None,
                                     params))
        if self.kind is MarketKind.FUTURES:
            try:
                raws += await self._call(self.client.fetch_open_orders, symbol, None, None,
                                         {**params, "trigger": True})
            except ExchangeError as exc:
                if not isinstance(exc.__cause__, ccxt_errors.NotSupported):
                    raise
        orders: dict[str, Order] = {}
        for raw in raws:
            try:
                order = order_from_ccxt(raw, await self._contract_size(raw.get("symbol")))
            except IncompleteOrder:
                continue
            orders.setdefault(order.exchange_id, order)
        return list(orders.values())


def _is_trigger(request: OrderRequest) -> bool:
    return request.type in (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)
