"""Position sizing: fixed margin, % of equity, % risked to the stop; leverage caps."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from services.trading.sizing import (
    PositionSize,
    SizeMode,
    SizeRule,
    SizingError,
    capped_leverage,
    scaled,
    size_position,
)


def test_fixed_margin_times_leverage_gives_the_notional_and_amount() -> None:
    size = size_position(SizeRule(SizeMode.QUOTE, D("50")), equity=D("1000"), entry=D("25000"),
                         stop=D("24000"), leverage=10)
    assert size == PositionSize(leverage=10, margin=D("50"), notional=D("500"),
                                amount=D("0.02"), risk=D("20"), risk_pct=D("2"))


def test_percent_of_equity() -> None:
    size = size_position(SizeRule(SizeMode.EQUITY_PCT, D("2.5")), equity=D("2000"),
                         entry=D("4"), stop=None, leverage=3)
    assert (size.margin, size.notional, size.amount, size.risk) == (D("50"), D("150"), D("37.5"), None)


def test_risk_to_the_stop_loses_exactly_the_budget_at_the_stop() -> None:
    size = size_position(SizeRule(SizeMode.RISK_PCT, D("1")), equity=D("10000"), entry=D("100"),
                         stop=D("95"), leverage=5)
    assert size.risk == D("100") and size.risk_pct == D("1")
    assert size.notional == D("2000") and size.margin == D("400") and size.amount == D("20")
    short = size_position(SizeRule(SizeMode.RISK_PCT, D("1")), equity=D("10000"), entry=D("100"),
                          stop=D("104"), leverage=1)
    assert short.risk == D("100") and short.amount == D("25")


def test_risk_sizing_without_a_stop_is_a_clear_skip() -> None:
    with pytest.raises(SizingError, match="needs a stop loss"):
        size_position(SizeRule(SizeMode.RISK_PCT, D("1")), equity=D("1000"), entry=D("10"),
                      stop=None, leverage=1)


def test_more_margin_than_equity_is_refused() -> None:
    with pytest.raises(SizingError, match=r"equity is 40\.00"):
        size_position(SizeRule(SizeMode.QUOTE, D("50")), equity=D("40"), entry=D("1"),
                      stop=None, leverage=1)


@pytest.mark.parametrize(("wanted", "caps", "spot", "expected"), [
    (None, (), False, 1), (20, (10, None), False, 10), (20, (50, 25), False, 20),
    (5, (3,), False, 3), (20, (10,), True, 1),
])
def test_leverage_is_capped_by_channel_and_global_limits(wanted, caps, spot, expected) -> None:
    assert capped_leverage(wanted, *caps, spot=spot) == expected


def test_half_and_double_size_buttons_scale_everything_but_leverage() -> None:
    base = size_position(SizeRule(SizeMode.QUOTE, D("50")), equity=D("1000"), entry=D("100"),
                         stop=D("90"), leverage=4)
    half = scaled(base, D("0.5"), D("1000"), D("100"))
    assert (half.margin, half.notional, half.amount, half.risk) == (D("25"), D("100"), D("1"), D("10"))
    assert half.leverage == 4
    with pytest.raises(SizingError):
        scaled(base, D("100"), D("1000"), D("100"))


def test_a_rule_must_be_positive_and_percentages_at_most_100() -> None:
    with pytest.raises(ValueError):
        SizeRule(SizeMode.QUOTE, D("0"))
    with pytest.raises(ValueError):
        SizeRule(SizeMode.EQUITY_PCT, D("150"))
