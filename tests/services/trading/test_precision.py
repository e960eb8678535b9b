"""Rounding to tick and lot size, and the skip reasons traders read."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from services.trading.port import Market, MarketKind, OrderSide
from services.trading.precision import (
    PriceIntent,
    check_order,
    min_order_amount,
    money,
    round_amount,
    round_price,
)

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL

# Binance's 2025 rules (as the fake exchange lists them)
BTC_SPOT = Market("BTC/USDT", "BTC", "USDT", MarketKind.SPOT, price_step=D("0.01"),
                  amount_step=D("0.00001"), min_amount=D("0.00001"), min_notional=D("5"))
BTC_PERP = Market("BTC/USDT:USDT", "BTC", "USDT", MarketKind.FUTURES, price_step=D("0.1"),
                  amount_step=D("0.001"), min_amount=D("0.001"), min_notional=D("100"))
PEPE_PERP = Market("1000PEPE/USDT:USDT", "1000PEPE", "USDT", MarketKind.FUTURES,
                   price_step=D("0.0000001"), amount_step=D("1"), min_amount=D("1"),
                   min_notional=D("5"))
HALF_TICK = Market("X/USDT:USDT", "X", "USDT", MarketKind.FUTURES, price_step=D("0.5"),
                   amount_step=D("0.01"), min_amount=D("0.01"), min_notional=D("0"))
MARKETS = [BTC_SPOT, BTC_PERP, PEPE_PERP, HALF_TICK]


@pytest.mark.parametrize(("market", "amount", "expected"), [
    (BTC_PERP, "0.0129", "0.012"),
    (BTC_PERP, "0.012", "0.012"),
    (BTC_PERP, "0.0009", "0.000"),
    (BTC_SPOT, "0.123456789", "0.12345"),
    (PEPE_PERP, "41666.99", "41666"),
    (BTC_PERP, "-1", "0"),
])
def test_amounts_round_down_to_the_lot_step(market: Market, amount: str, expected: str) -> None:
    assert round_amount(market, D(amount)) == D(expected)


@pytest.mark.parametrize(("intent", "side", "price", "expected"), [
    # entries: never pay more / sell for less than the signal's limit
    (PriceIntent.ENTRY, BUY, "95000.07", "95000.0"),
    (PriceIntent.ENTRY, SELL, "95000.01", "95000.1"),
    # stops (side = the closing order): tighter, so the risk never exceeds the plan
    (PriceIntent.STOP, SELL, "93000.04", "93000.1"),  # a long's stop moves up
    (PriceIntent.STOP, BUY, "97000.06", "97000.0"),  # a short's stop moves down
    # targets: towards the price, so they are reached when the signal's are
    (PriceIntent.TARGET, SELL, "99000.09", "99000.0"),  # a long's target moves down
    (PriceIntent.TARGET, BUY, "91000.01", "91000.1"),  # a short's target moves up
    (PriceIntent.NEAREST, BUY, "95000.05", "95000.1"),
    (PriceIntent.NEAREST, SELL, "95000.04", "95000.0"),
    (PriceIntent.ENTRY, BUY, "95000.3", "95000.3"),  # already on the tick: unchanged
])
def test_prices_round_to_the_tick_in_the_safe_direction(
        intent: PriceIntent, side: OrderSide, price: str, expected: str) -> None:
    rounded = round_price(BTC_PERP, D(price), side, intent)
    assert rounded == D(expected)
    assert rounded.as_tuple().exponent == -1  # prints with the tick's decimals


def test_a_tick_of_half_a_unit_and_a_tiny_price() -> None:
    assert round_price(HALF_TICK, D("10.74"), BUY, PriceIntent.ENTRY) == D("10.5")
    assert round_price(HALF_TICK, D("10.74"), SELL, PriceIntent.ENTRY) == D("11.0")
    assert round_price(PEPE_PERP, D("0.012345678"), BUY) == D("0.0123456")
    # a positive price never becomes zero
    assert round_price(PEPE_PERP, D("0.00000001"), BUY) == D("0.0000001")
    with pytest.raises(ValueError):
        round_price(BTC_PERP, D("0"), BUY)


PRICES = [D("0.0000123"), D("0.35"), D("180.456"), D("3500.005"), D("95000.07"), D("123456.789")]


@pytest.mark.parametrize(("market", "price", "side", "intent"), list(itertools.product(
    MARKETS, PRICES, [BUY, SELL], list(PriceIntent))))
def test_rounded_prices_are_on_the_tick_and_within_one_tick(
        market: Market, price: Decimal, side: OrderSide, intent: PriceIntent) -> None:
    rounded = round_price(market, price, side, intent)
    assert rounded % market.price_step == 0
    assert rounded > 0
    assert abs(rounded - price) < market.price_step or rounded == market.price_step
    if intent is PriceIntent.NEAREST:
        assert abs(rounded - price) <= market.price_step / 2 or rounded == market.price_step
    assert round_price(market, rounded, side, intent) == rounded  # idempotent


AMOUNTS = [D("0.000001"), D("0.0009"), D("0.0129"), D("1.5"), D("41666.99"), D("12345.6789")]


@pytest.mark.parametrize(("market", "amount"), list(itertools.product(MARKETS, AMOUNTS)))
def test_rounded_amounts_are_on_the_step_never_larger_and_less_than_a_step_smaller(
        market: Market, amount: Decimal) -> None:
    rounded = round_amount(market, amount)
    assert rounded % market.amount_step == 0
    assert 0 <= amount - rounded < market.amount_step
    assert round_amount(market, rounded) == rounded


@pytest.mark.parametrize(("market", "amount", "price", "reason"), [
    (BTC_SPOT, "0.00004", "80000", "order of 3.20 USDT is below the market's minimum of 5 USDT"),
    (BTC_PERP, "0.001", "95000", "order of 95.00 USDT is below the market's minimum of 100 USDT"),
    (BTC_PERP, "0.000", "95000",
     "order amount rounds to zero at the market's lot size of 0.001 BTC"),
    (BTC_PERP, "0.0015", "95000",
     "order amount 0.0015 BTC is not a multiple of the market's lot size of 0.001 BTC"),
    (BTC_PERP, "0.002", "95000.05",
     "order price 95000.05 USDT is not a multiple of the market's tick size of 0.1 USDT"),
    (PEPE_PERP, "416", "0.012",
     "order of 4.99 USDT is below the market's minimum of 5 USDT"),  # 4.992: cut, not rounded up
])
def test_orders_too_small_for_the_market_give_a_readable_reason(
        market: Market, amount: str, price: str, reason: str) -> None:
    assert check_order(market, D(amount), D(price)) == reason


def test_an_order_at_the_minimums_fits() -> None:
    assert check_order(BTC_PERP, D("0.002"), D("95000.0")) is None
    assert check_order(BTC_SPOT, D("0.00006"), D("95000")) is None
    below_min_amount = Market("X/USDT", "X", "USDT", MarketKind.SPOT, price_step=D("0.01"),
                              amount_step=D("0.1"), min_amount=D("1"), min_notional=D("0"))
    assert check_order(below_min_amount, D("0.5"), D("100")) == \
        "order of 0.5 X is below the market's minimum of 1 X"


@pytest.mark.parametrize(("market", "price", "expected"), [
    (BTC_PERP, "95000", "0.002"),  # 100 / 95000 = 0.00105… → up to the step
    (BTC_SPOT, "95000", "0.00006"),
    (PEPE_PERP, "0.012", "417"),
    (HALF_TICK, "10", "0.01"),  # no notional minimum: the amount minimum
])
def test_min_order_amount_meets_both_minimums(market: Market, price: str, expected: str) -> None:
    amount = min_order_amount(market, D(price))
    assert amount == D(expected)
    assert check_order(market, amount, D(price)) is None


def test_money_is_cut_to_cents() -> None:
    assert money(D("3.2")) == "3.20"
    assert money(D("4.999")) == "4.99"
    assert money(D("0.004")) == "0.004"
    assert money(D("0")) == "0.00"
