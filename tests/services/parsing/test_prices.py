from decimal import Decimal as D

from services.parsing import Side
from services.parsing.prices import infer_side, rescale_outliers


def test_targets_above_and_stop_below_the_entry_is_a_long():
    assert infer_side([D(100)], [D(110), D(120)], D(90)) is Side.LONG


def test_targets_below_the_entry_is_a_short():
    assert infer_side([D(100), D(102)], [D(95)], None) is Side.SHORT


def test_target_inside_a_zone_still_counts_above_its_middle():
    assert infer_side([D("0.008412"), D("0.008539")], [D("0.00853"), D("0.0087")], None) is (
        Side.LONG
    )


def test_without_entry_targets_and_stop_decide():
    assert infer_side([], [D(110)], D(90)) is Side.LONG
    assert infer_side([], [D(90)], D(110)) is Side.SHORT


def test_contradicting_prices_decide_nothing():
    assert infer_side([D(100)], [D(110)], D(105)) is None  # stop above entry, targets above
    assert infer_side([D(100)], [D(110), D(90)], None) is None
    assert infer_side([D(100)], [], None) is None


def test_rescale_outliers_shifts_a_slipped_decimal_point_and_says_so():
    notes: list[str] = []
    assert rescale_outliers([D("0.003510")], D("0.0367"), "targets", notes) == [D("0.03510")]
    assert notes == ["targets look written a power of ten off the entry; read as 0.00351 -> 0.0351"]


def test_rescale_outliers_leaves_plausible_prices_alone():
    notes: list[str] = []
    values = [D(480), D(1000)]  # a spot moonshot 2.5x above the entry is plausible
    assert rescale_outliers(values, D(391), "targets", notes) == values
    assert notes == []
