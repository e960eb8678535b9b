from decimal import Decimal as D

import pytest

from services.parsing import (
    EntryType,
    ParsedSignal,
    Side,
    check_consistency,
    parse_post,
    rescale_price,
    rescale_signal,
    validate_signal,
)


def make(side=Side.LONG, entries=(D(100),), targets=(D(110), D(120)), stop=D(90), **kw):
    return ParsedSignal(
        symbol="BTC/USDT",
        side=side,
        entries=tuple(entries),
        entry_type=EntryType.SINGLE,
        targets=tuple(targets),
        stop_loss=stop,
        **kw,
    )


def test_consistent_long_has_no_problems():
    assert check_consistency(make()) == []


def test_stop_above_entry_for_a_long():
    assert check_consistency(make(entries=(D(30000),), targets=(D(32000),), stop=D(31000))) == [
        "stop loss 31000 is above entry 30000 for a long"
    ]


def test_stop_below_entry_for_a_short():
    problems = check_consistency(make(Side.SHORT, targets=(D(90),), stop=D(95)))
    assert problems == ["stop loss 95 is below entry 100 for a short"]


def test_target_on_the_wrong_side():
    problems = check_consistency(make(targets=(D(110), D(95))))
    assert "target 2 (95) is below entry 100 for a long" in problems


def test_targets_out_of_order():
    (problem,) = check_consistency(make(targets=(D(120), D(110))))
    assert problem.startswith("targets are out of order for a long")


def test_side_conflict():
    (problem,) = check_consistency(make(stated_side=Side.SHORT))
    assert problem == "the post says short but its prices are those of a long"


def test_market_entry_checks_stop_against_targets():
    signal = make(entries=(), targets=(D(110),), stop=D(115))
    assert check_consistency(signal) == ["stop loss 115 is beyond target 110 for a long"]


@pytest.mark.parametrize(
    ("price", "market", "expected"),
    [
        (D(28390), D("0.0283"), D("0.02839")),
        (D("37.1"), D(36000), D(37100)),
        (D("0.02839"), D("0.0283"), D("0.02839")),  # already near: unchanged
        (D(5), D(100), None),  # no power of ten fits
    ],
)
def test_rescale_price(price, market, expected):
    assert rescale_price(price, market, D(20)) == expected


def test_rescale_price_refuses_when_several_powers_fit():
    assert rescale_price(D(2000), D(10), D(300)) is None  # 20 and 2 would both do


def test_rescale_price_refuses_nonsense():
    assert rescale_price(D(0), D(1), D(20)) is None
    assert rescale_price(D(1), D(0), D(20)) is None


def test_validate_signal_includes_parser_problems():
    signal = make(problems=("stop loss 105 is above entry 100 for a long",))
    assert validate_signal(signal) == ["stop loss 105 is above entry 100 for a long"]


def test_validate_signal_entry_far_from_market_suggests_shorthand():
    signal = parse_post("#BLZ/USDT LONG\nEntry - 28390\nTargets: 28500 - 28615\nStop Loss - 26970")
    assert isinstance(signal, ParsedSignal)
    (reason,) = validate_signal(signal, market_price=D("0.0283"))
    assert reason.startswith("entry 28390 is ")
    assert reason.endswith("shorthand for 0.02839?")


def test_validate_signal_entry_near_market_passes():
    assert validate_signal(make(), market_price=D(101), max_entry_distance_pct=D(5)) == []


def test_validate_signal_leverage_cap():
    assert validate_signal(make(leverage=50), max_leverage=20) == [
        "leverage 50x is above the cap of 20x"
    ]


def test_validate_signal_stop_beyond_liquidation_on_request():
    signal = make(entries=(D("0.3709"),), targets=(D("0.38"),), stop=D("0.18569"), leverage=32)
    assert validate_signal(signal) == []
    (reason,) = validate_signal(signal, check_liquidation=True)
    assert "liquidated after about 3.1%" in reason
    assert validate_signal(make(stop=D(99), leverage=50), check_liquidation=True) == []


def test_validate_signal_unknown_symbol():
    assert validate_signal(make(), known_symbols={"ETH/USDT"}) == ["unknown symbol BTC/USDT"]
    assert validate_signal(make(), known_symbols={"BTC/USDT"}) == []


def test_rescale_signal_shifts_every_price_by_the_same_power():
    signal = parse_post(
        "Long/Buy #BLZ/USDT\nEntry Point - 28390\nTargets: 28500 - 28615 - 28730\n"
        "Leverage - 10x\nStop Loss - 26970"
    )
    assert isinstance(signal, ParsedSignal)
    fixed = rescale_signal(signal, D("0.0283"))
    assert fixed is not None
    assert fixed.entries == (D("0.02839"),)
    assert fixed.targets == (D("0.02850"), D("0.028615"), D("0.02873"))
    assert fixed.stop_loss == D("0.02697")
    assert validate_signal(fixed, market_price=D("0.0283")) == []


def test_rescale_signal_with_mixed_shorthand_targets():
    signal = parse_post(
        "#BTC/USDT\nLONG\nBuy Setup:  37.1-36.3\nSELL:\n38K - 39K - 41.4 - 42.2K\n"
        "LEV : 5X - 10X\nSTOP LOSS : 34.4"
    )
    assert isinstance(signal, ParsedSignal)
    assert not signal.tradable  # the K targets were read in the entry's frame: review it
    fixed = rescale_signal(signal, D(36000))
    assert fixed is not None
    assert fixed.entries == (D(36300), D(37100))
    assert fixed.targets == (D(38000), D(39000), D(41400), D(42200))
    assert fixed.stop_loss == D(34400)


def test_rescale_signal_leaves_near_or_unfixable_signals():
    near = make()
    assert rescale_signal(near, D(101)) is near
    assert rescale_signal(make(entries=(D(2000),)), D(10), D(300)) is None
    market = make(entries=())
    assert rescale_signal(market, D(1)) is market
