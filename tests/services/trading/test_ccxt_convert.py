"""ccxt structures and exceptions → the port: what the fake Binance cannot show (other
precision modes, contract sizes, other exchanges' shapes) and the error table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from ccxt.base import errors as ccxt_errors
from ccxt.base.decimal_to_precision import DECIMAL_PLACES, SIGNIFICANT_DIGITS, TICK_SIZE

from services.trading import port
from services.trading.ccxt_convert import (
    FINEST_STEP,
    IncompleteOrder,
    balances_from_ccxt,
    market_from_ccxt,
    order_from_ccxt,
    position_from_ccxt,
)
from services.trading.ccxt_errors import translate
from services.trading.port import MarketKind, OrderSide, OrderStatus, OrderType

D = Decimal


def swap(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "symbol": "BTC/USDT:USDT", "base": "BTC", "quote": "USDT", "spot": False,
        "swap": True, "linear": True, "contractSize": 0.01, "taker": 0.0005, "maker": 0.0,
        "precision": {"amount": 1.0, "price": 0.1},
        "limits": {"amount": {"min": 1.0}, "cost": {"min": None},
                   "leverage": {"max": 125.0}},
    }
    raw.update(overrides)
    return raw


def test_contract_sized_swap_counts_steps_in_base_units() -> None:
    # OKX style: 1 contract = 0.01 BTC; ccxt's amounts are contracts
    market = market_from_ccxt(swap(), TICK_SIZE, stop_orders=True)
    assert market is not None and market.kind is MarketKind.FUTURES
    assert (market.amount_step, market.min_amount, market.contract_size) == (
        D("0.01"), D("0.01"), D("0.01"))
    assert (market.min_notional, market.max_leverage) == (0, 125)
    assert market.maker_fee == 0 and market.supports_stop_orders  # a zero fee stays zero


def test_decimal_places_and_significant_digits_precision_modes() -> None:
    places = market_from_ccxt(swap(precision={"amount": 3, "price": 2}, contractSize=1),
                              DECIMAL_PLACES, stop_orders=False)
    assert places is not None
    assert (places.price_step, places.amount_step) == (D("0.01"), D("0.001"))
    assert not places.supports_stop_orders
    digits = market_from_ccxt(swap(precision={"amount": 8, "price": 5}, contractSize=1),
                              SIGNIFICANT_DIGITS, stop_orders=True)
    assert digits is not None  # no fixed tick: the finest; ccxt applies the digits on send
    assert (digits.price_step, digits.amount_step) == (FINEST_STEP, D("1e-8"))


@pytest.mark.parametrize("kind", [{"swap": True, "linear": False, "inverse": True},
                                  {"swap": False, "option": True},
                                  {"swap": False, "future": True}])
def test_markets_the_engine_does_not_trade_are_left_out(kind: dict[str, Any]) -> None:
    assert market_from_ccxt(swap(**kind), TICK_SIZE, stop_orders=True) is None


def test_orders_in_contracts_become_base_units_and_partial_fills_show() -> None:
    raw = {"id": "42", "clientOrderId": "sd-1-entry", "symbol": "BTC/USDT:USDT",
           "side": "buy", "type": "limit", "status": "open", "amount": 5.0, "filled": 2.0,
           "price": 95000.5, "average": 95000.5, "timestamp": 1767614400123,
           "fee": {"cost": 0.019, "currency": "USDT"}, "reduceOnly": None}
    order = order_from_ccxt(raw, D("0.01"))
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.type is OrderType.LIMIT
    assert (order.amount, order.filled, order.price) == (D("0.05"), D("0.02"), D("95000.5"))
    assert (order.fee, order.fee_currency) == (D("0.019"), "USDT")
    assert order.created_at is not None and order.created_at.microsecond == 123000
    with pytest.raises(IncompleteOrder):  # a cancel acknowledgement
        order_from_ccxt({"id": "42", "symbol": "BTC/USDT:USDT", "side": None})


def test_balances_and_positions() -> None:
    balances = balances_from_ccxt({
        "info": {}, "free": {}, "USDT": {"free": 900.5, "used": 100.0, "total": 1000.5},
        "BNB": {"free": 0.0, "used": 0.0, "total": 0.0}, "BTC": {"free": 0.1, "used": None,
                                                                  "total": None}})
    assert set(balances) == {"USDT", "BTC"}
    assert balances["USDT"] == port.Balance("USDT", D("1000.5"), D("900.5"), D("100"))
    assert balances["BTC"].total == D("0.1")
    short = position_from_ccxt({"symbol": "ETH/USDT:USDT", "side": "short", "contracts": 3.0,
                                "contractSize": 0.1, "entryPrice": 3500.0,
                                "unrealizedPnl": -1.5, "leverage": None,
                                "marginMode": "cross"}, None, leverage=7)
    assert short == port.ExchangePosition("ETH/USDT:USDT", OrderSide.SELL, D("0.3"), D("3500"),
                                          D("-1.5"), 7, "cross")
    assert position_from_ccxt({"symbol": "X", "contracts": 0}, D("1"), None) is None


BODY = 'binance {"code":%d,"msg":"%s"}'


@pytest.mark.parametrize(("exc", "placing", "expected", "reason"), [
    (ccxt_errors.ExchangeError(BODY % (-4116, "ClientOrderId is duplicated.")), True,
     port.DuplicateClientId, "already open"),
    (ccxt_errors.InvalidOrder(BODY % (-2010, "Duplicate order sent.")), True,
     port.DuplicateClientId, "already open"),
    (ccxt_errors.InvalidOrder(BODY % (-2010, "Account has insufficient balance.")), True,
     port.OrderRejected, "not enough balance"),
    (ccxt_errors.ExchangeError(BODY % (-4164, "Order's notional must be no smaller than 100")),
     True, port.OrderRejected, "below the market's minimum"),
    (ccxt_errors.BadRequest(BODY % (-1013, "Filter failure: NOTIONAL")), True,
     port.OrderRejected, "below the market's minimum"),
    (ccxt_errors.ExchangeError(BODY % (-2022, "ReduceOnly Order is rejected.")), True,
     port.OrderRejected, "no position to reduce"),
    (ccxt_errors.InsufficientFunds(BODY % (-2019, "Margin is insufficient.")), True,
     port.OrderRejected, "not enough margin"),
    (ccxt_errors.OrderNotFound(BODY % (-2013, "Order does not exist.")), False,
     port.OrderNotFound, "does not know this order"),
    (ccxt_errors.DDoSProtection(BODY % (-2015, "Invalid API-key, IP, or permissions.")), False,
     port.AuthenticationFailed, "-2015"),
    (ccxt_errors.AuthenticationError(BODY % (-1022, "Signature is not valid.")), False,
     port.AuthenticationFailed, "-1022"),
    (ccxt_errors.RequestTimeout("binance POST https://fapi.binance.com/fapi/v1/order?"
                                "timestamp=1&signature=abc request timed out (10000 ms)"),
     True, port.TransientExchangeError, "did not answer in time (binance: POST /fapi/v1/order"),
    (ccxt_errors.InvalidNonce(BODY % (-1021, "Timestamp outside of the recvWindow.")), True,
     port.TransientExchangeError, "clock"),
    (ccxt_errors.BadRequest(BODY % (-4028, "Leverage 200 is not valid")), False,
     port.ExchangeError, "leverage is above"),
])
def test_ccxt_exceptions_become_the_ports_with_readable_reasons(
        exc: ccxt_errors.BaseError, placing: bool, expected: type[port.ExchangeError],
        reason: str) -> None:
    translated = translate(exc, placing=placing, exchange_id="binance")
    assert type(translated) is expected
    assert reason in translated.reason
    assert "signature" not in translated.reason
