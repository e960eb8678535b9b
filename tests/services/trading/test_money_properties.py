"""Properties of the money functions over generated inputs (hypothesis): ladder sizes sum to
the position exactly and respect the market's lot, with or without weights; the PnL of a
ladder is the sum of its legs whatever the split; long and short mirror each other; a
partial close and the unrealised rest add up to the whole."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.trading.orders import entry_order, entry_parts, ladder_weights, split_ladder
from services.trading.pnl import average_after_adding, ladder_pnl, leg_pnl, unrealized_pnl
from services.trading.port import Market, MarketKind
from services.trading.precision import check_order, round_amount

D = Decimal
STEPS = [D("1"), D("0.1"), D("0.01"), D("0.001"), D("0.0001")]


@st.composite
def markets(draw: st.DrawFn) -> Market:
    step = draw(st.sampled_from(STEPS))
    min_amount = step * draw(st.integers(1, 20))
    return Market(symbol="X/USDT:USDT", base="X", quote="USDT", kind=MarketKind.FUTURES,
                  price_step=D("0.01"), amount_step=step, min_amount=min_amount,
                  min_notional=D(5))


@st.composite
def amounts(draw: st.DrawFn, market: Market) -> Decimal:
    """A position size on the market's lot, at least its minimum."""
    lots = draw(st.integers(int(market.min_amount / market.amount_step), 10**7))
    return market.amount_step * lots


prices = st.decimals(min_value=D("0.0001"), max_value=D(100000), places=4,
                     allow_nan=False, allow_infinity=False)
weights = st.lists(st.integers(1, 100).map(D), max_size=6).map(tuple)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n=st.integers(1, 10), w=weights)
def test_ladder_legs_sum_to_the_position_on_the_lot(data: st.DataObject, n: int,
                                                    w: tuple[Decimal, ...]) -> None:
    market = data.draw(markets())
    amount = data.draw(amounts(market))
    legs = split_ladder(amount, n, market, w)
    assert sum(legs, D(0)) == amount  # nothing lost, nothing added
    assert 1 <= len(legs) <= n
    for leg in legs:
        assert leg > 0
        assert leg % market.amount_step == 0  # an exchange would take each one
    if len(legs) > 1:
        assert min(legs) >= market.min_amount
    if len(legs) < n and not w:  # fewer equal legs only when one more breaks the minimum
        smallest = max(market.min_amount, market.amount_step)
        assert round_amount(market, amount / (len(legs) + 1)) < smallest


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n=st.integers(1, 6))
def test_an_equal_ladder_has_equal_legs_but_the_last(data: st.DataObject, n: int) -> None:
    market = data.draw(markets())
    amount = data.draw(amounts(market))
    legs = split_ladder(amount, n, market)
    assert len(set(legs[:-1])) <= 1
    assert legs[-1] >= legs[0]  # the remainder of rounding down goes to the last


@given(w=weights.filter(bool), n=st.integers(1, 10))
def test_each_target_gets_a_weight(w: tuple[Decimal, ...], n: int) -> None:
    chosen = ladder_weights(w, n)
    assert len(chosen) == n and all(x > 0 for x in chosen)
    assert chosen[:len(w)] == list(w[:n])  # as configured, then the last one repeated
    assert all(x == w[-1] for x in chosen[len(w):])


@settings(max_examples=300)
@given(side=st.sampled_from(["long", "short"]), entry=prices,
       legs=st.lists(st.tuples(prices, st.decimals(min_value=D("0.001"), max_value=D(1000),
                                                   places=3)), min_size=1, max_size=8))
def test_ladder_pnl_is_the_sum_of_its_legs(side: str, entry: Decimal,
                                           legs: list[tuple[Decimal, Decimal]]) -> None:
    total = ladder_pnl(side, entry, legs)
    assert total == sum((leg_pnl(side, entry, p, a) for p, a in legs), D(0))
    # Long and short mirror each other exactly.
    assert ladder_pnl("short" if side == "long" else "long", entry, legs) == -total


@settings(max_examples=200)
@given(side=st.sampled_from(["long", "short"]), entry=prices, exit_price=prices,
       data=st.data(), n=st.integers(1, 8))
def test_a_ladder_filled_at_one_price_is_the_whole_position_closed_there(
        side: str, entry: Decimal, exit_price: Decimal, data: st.DataObject, n: int) -> None:
    market = data.draw(markets())
    amount = data.draw(amounts(market))
    legs = split_ladder(amount, n, market)
    assert ladder_pnl(side, entry, [(exit_price, a) for a in legs]) == leg_pnl(
        side, entry, exit_price, amount)
    # What is still held is worth, unrealised, what closing it there would realise.
    assert unrealized_pnl(side, entry, exit_price, amount) == leg_pnl(
        side, entry, exit_price, amount)


@settings(max_examples=200)
@given(side=st.sampled_from(["long", "short"]), entry=prices, exit_price=prices,
       amount=st.decimals(min_value=D("0.001"), max_value=D(1000), places=3),
       cut=st.decimals(min_value=D(0), max_value=D(1), places=3))
def test_a_partial_close_and_its_rest_add_up(side: str, entry: Decimal, exit_price: Decimal,
                                            amount: Decimal, cut: Decimal) -> None:
    closed = (amount * cut).quantize(D("0.001"))
    rest = amount - closed
    assert leg_pnl(side, entry, exit_price, closed) + unrealized_pnl(
        side, entry, exit_price, rest) == leg_pnl(side, entry, exit_price, amount)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), parts=st.integers(2, 10), low=prices, width=st.integers(1, 5000))
def test_split_entry_parts_sum_to_the_amount_and_each_fits_the_market(
        data: st.DataObject, parts: int, low: Decimal, width: int) -> None:
    market = data.draw(markets())
    amount = data.draw(amounts(market))
    zone = (low, low + D(width) / 100)
    entry = entry_order(market, "long", "zone", zone, zone[1] + 1, "split", parts)
    try:
        legs = entry_parts(market, entry, amount)
    except ValueError:  # not even one order of the whole amount fits
        assert entry.price is not None
        assert check_order(market, amount, entry.price) is not None
        return
    assert sum((leg.amount for leg in legs), D(0)) == amount
    assert 1 <= len(legs) <= max(len(entry.prices), 1)
    for leg in legs:
        assert check_order(market, leg.amount, leg.price) is None
        # inside the channel's zone (a buy's price is rounded down onto the tick)
        assert low - market.price_step < leg.price <= zone[1]
    assert [leg.price for leg in legs] == sorted((leg.price for leg in legs), reverse=True)


@settings(max_examples=300, deadline=None)
@given(side=st.sampled_from(["long", "short"]), exit_price=prices,
       fills=st.lists(st.tuples(prices, st.integers(1, 1000).map(D)), min_size=1, max_size=5))
def test_a_position_grown_part_by_part_realises_the_sum_of_its_parts(
        side: str, exit_price: Decimal, fills: list[tuple[Decimal, Decimal]]) -> None:
    average: Decimal | None = None
    held = D(0)
    for price, amount in fills:
        average = average_after_adding(average, held, price, amount)
        held += amount
    assert average is not None
    whole = leg_pnl(side, average, exit_price, held)
    parts = sum((leg_pnl(side, price, exit_price, amount) for price, amount in fills), D(0))
    assert abs(whole - parts) <= D("1e-18") * max(abs(parts), D(1))  # 28-digit Decimal
