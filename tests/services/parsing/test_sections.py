from decimal import Decimal as D

from services.parsing.normalize import normalize_text
from services.parsing.sections import LabelKind, is_prose, layout


def sections_of(text: str):
    return layout(normalize_text(text)).sections


def prices(section):
    return [t.value for t in section.prices]


def test_header_label_owns_the_list_below_it():
    (targets,) = [
        s
        for s in sections_of("Take-Profit Targets:\n1) 39265 - 20%\n2) 39700 - 20%\nStop: 1")
        if s.kind is LabelKind.TARGETS
    ]
    assert prices(targets) == [D(39265), D(39700)]


def test_a_line_of_prose_ends_a_section():
    (targets,) = [
        s
        for s in sections_of("Targets:\n1.255\nWas on my watchlist for more than 1 week now")
        if s.kind is LabelKind.TARGETS
    ]
    assert prices(targets) == [D("1.255")]


def test_label_inside_a_sentence_owns_only_its_line():
    (entry,) = [
        s
        for s in sections_of("Buy when it comes around the entry price and wait\n\n0.5")
        if s.kind is LabelKind.ENTRY
    ]
    assert prices(entry) == []


def test_numbered_labels_get_their_index():
    found = [(s.kind, s.index) for s in sections_of("TP1 29330\nTP2 29060\nTarget 3: 28750")]
    assert found == [(LabelKind.TARGETS, 1), (LabelKind.TARGETS, 2), (LabelKind.TARGETS, 3)]


def test_short_term_is_not_a_side():
    kinds = [s.kind for s in sections_of("TARGETS\nShort Term: 0.72 - 0.74\nMid Term: 0.86")]
    assert kinds == [LabelKind.TARGETS]


def test_close_inside_a_stop_condition_is_not_a_label():
    kinds = [s.kind for s in sections_of("StopLoss : 1H Candle Close Under 300")]
    assert kinds == [LabelKind.STOP]


def test_hit_marks_follow_the_price_past_its_share():
    (targets,) = [
        s
        for s in sections_of("Take-Profit Targets:\n1) 2430 - 20%✅\n2) 2409 - 20%")
        if s.kind is LabelKind.TARGETS
    ]
    assert [h for t, h in zip(targets.tokens, targets.hits, strict=True) if t.value > 100] == [
        True,
        False,
    ]


def test_preamble_numbers_on_a_level_line():
    assert [t.value for t in layout("61800 limit long btc").preamble] == [D(61800)]
    assert layout("Waiting for 58100 to be taken on BTC today").preamble == []


def test_is_prose():
    assert is_prose("Put only 5% of your portfolio in this trade")
    assert not is_prose("☑️ 1806.3265 | 40% of profit |")
