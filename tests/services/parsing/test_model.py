from decimal import Decimal as D

from services.parsing import (
    EntryType,
    Noise,
    ParsedClose,
    ParsedSignal,
    ParsedUpdate,
    Side,
    UpdateAction,
    UpdateKind,
    not_understood_reason,
)


def test_action_labels_match_the_corpus_vocabulary():
    assert UpdateAction(UpdateKind.TP_HIT, target=2).label() == "tp_hit:2"
    assert UpdateAction(UpdateKind.ENTRY_FILLED).label() == "entry_filled:all"
    assert UpdateAction(UpdateKind.CLOSE_PCT, percent=D(50)).label() == "close_pct:50"
    assert UpdateAction(UpdateKind.SL_TO_BREAKEVEN).label() == "sl_to_breakeven"
    assert (
        UpdateAction(UpdateKind.MOVE_SL, symbol="BTC/USDT", price=D(64300)).label()
        == "BTC:move_sl:64300"
    )


def test_kinds():
    signal = ParsedSignal("BTC/USDT", Side.LONG, (D(1),), EntryType.SINGLE, (D(2),), D("0.5"))
    assert signal.kind == "open" and signal.tradable
    assert ParsedUpdate(None, ()).kind == "update"
    assert ParsedClose(None, ()).kind == "close"
    assert Noise("x").kind == "noise"


def test_not_understood_reason():
    good = ParsedSignal("BTC/USDT", Side.LONG, (D(1),), EntryType.SINGLE, (D(2),), D("0.5"))
    bad = ParsedSignal(
        "BTC/USDT", Side.LONG, (D(1),), EntryType.SINGLE, (D(2),), D(3), problems=("a", "b")
    )
    assert not_understood_reason(good) is None
    assert not_understood_reason(bad) == "a; b"
    assert not_understood_reason(Noise("ad")) is None
    assert not_understood_reason(Noise("no entry", looks_like_signal=True)) == "no entry"
    assert not_understood_reason(ParsedClose("BTC/USDT", ())) is None
