"""The take-profit ladder split and the entry order choice: pure Decimal functions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.trading.orders import entry_order, split_ladder
from services.trading.port import Market, MarketKind, OrderType

D = Decimal
BTC = Market("BTC/USDT:USDT", "BTC", "USDT", MarketKind.FUTURES, price_step=D("0.10"),
             amount_step=D("0.001"), min_amount=D("0.001"), min_notional=D("100"))
SOL = Market("SOL/USDT:USDT", "SOL", "USDT", MarketKind.FUTURES, price_step=D("0.01"),
             amount_step=D("1"), min_amount=D("1"), min_notional=D("5"))


@pytest.mark.parametrize("amount", ["0.010", "0.011", "0.007", "1.234", "0.003", "0.001"])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_ladder_legs_sum_exactly_to_the_amount_and_sit_on_the_lot_step(amount: str,
                                                                        n: int) -> None:
    legs = split_ladder(D(amount), n, BTC)
    assert sum(legs) == D(amount)
    assert 1 <= len(legs) <= n
    assert all(leg >= BTC.min_amount and leg % BTC.amount_step == 0 for leg in legs)
    assert all(leg == legs[0] for leg in legs[:-1]) and legs[-1] >= legs[0]


def test_ladder_puts_the_remainder_on_the_last_target() -> None:
    assert split_ladder(D("0.010"), 3, BTC) == [D("0.003"), D("0.003"), D("0.004")]
    assert split_ladder(D("10"), 4, SOL) == [D("2"), D("2"), D("2"), D("4")]


def test_ladder_too_small_for_every_target_uses_fewer_legs() -> None:
    assert split_ladder(D("0.002"), 3, BTC) == [D("0.001"), D("0.001")]
    assert split_ladder(D("1"), 3, SOL) == [D("1")]


def test_weighted_ladders() -> None:
    weights = (D(50), D(30), D(20))
    assert split_ladder(D("10"), 3, SOL, weights) == [D("5"), D("3"), D("2")]
    # Two targets: the first two weights, normalised (50:30 → 6.25 and 3.75 of 10).
    assert split_ladder(D("10"), 2, SOL, weights) == [D("6"), D("4")]
    # Five targets: the last weight repeats (50:30:20:20:20 of 0.140).
    assert split_ladder(D("0.140"), 5, BTC, weights) == [
        D("0.050"), D("0.030"), D("0.020"), D("0.020"), D("0.020")]
    # A leg below the minimum: fewer targets (3 SOL at 80:10:10 → 2 and 1).
    assert split_ladder(D("3"), 3, SOL, (D(80), D(10), D(10))) == [D("2"), D("1")]
    with pytest.raises(ValueError, match="positive"):
        split_ladder(D("3"), 2, SOL, (D(1), D(0)))


def test_entry_orders() -> None:
    last = D("95000")
    assert entry_order(BTC, "long", "market", (), last).type is OrderType.MARKET
    single = entry_order(BTC, "long", "single", (D("90000.05"),), last)
    assert (single.type, single.price) == (OrderType.LIMIT, D("90000.0"))  # never pay more
    # A zone is one limit at its far edge: a long's top, a short's bottom.
    zone = (D("94000"), D("96000"))
    assert entry_order(BTC, "long", "zone", zone, last).price == D("96000")
    assert entry_order(BTC, "short", "zone", zone, last).price == D("94000")
