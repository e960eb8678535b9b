"""The numbers and labels behind the charts, checked with numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from services.charts.series import (
    day_label,
    decimals_for,
    drawdown,
    local_label,
    money,
    percent,
    price_text,
    running_peak,
    spread,
)

TOKYO = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")


def test_drawdown_is_the_fall_from_the_running_peak() -> None:
    equity = [D(100), D(120), D(90), D(130), D(117), D(130)]
    assert running_peak(equity) == [D(100), D(120), D(120), D(130), D(130), D(130)]
    assert drawdown(equity) == [D(0), D(0), D("-0.25"), D(0), D("-0.1"), D(0)]


def test_drawdown_of_an_empty_or_zero_account_is_zero_not_an_error() -> None:
    assert drawdown([]) == []
    assert drawdown([D(0), D(0)]) == [D(0), D(0)]


def test_money_and_percent_read_like_a_trader_writes_them() -> None:
    assert money(D("1234.5")) == "1,234.50"
    assert money(D("1234.5"), 0, signed=True) == "+1,235"  # half up, as traders round
    assert money(D("-12"), signed=True) == "−12.00"
    assert money(D(0), signed=True) == "0.00"
    assert percent(D("-0.0512")) == "−5.1%"
    assert percent(D("0.25"), signed=True) == "+25.0%"


def test_prices_are_printed_as_the_exchange_wrote_them() -> None:
    assert price_text(D("0.00001230")) == "0.0000123"
    assert price_text(D("1E+2")) == "100"
    assert price_text(D("103.40")) == "103.4"


def test_axis_decimals_follow_the_span() -> None:
    assert decimals_for(5000) == 0
    assert decimals_for(12) == 1
    assert decimals_for(0.004) == 5  # steps of 0.00025 are possible
    assert decimals_for(0) == 2


def test_ticks_are_labelled_in_the_owners_time_zone() -> None:
    at = datetime(2024, 3, 1, 22, 30, tzinfo=UTC)
    assert local_label(at, TOKYO, timedelta(hours=12)) == "07:30"  # 2 March in Tokyo
    assert local_label(at, UTC, timedelta(hours=12)) == "22:30"
    assert local_label(at, TOKYO, timedelta(days=20)) == "2 Mar"
    assert local_label(at, UTC, timedelta(days=20)) == "1 Mar"
    assert local_label(at, TOKYO, timedelta(days=400)) == "Mar 2024"
    assert local_label(datetime(2024, 3, 1, 15, tzinfo=UTC), TOKYO, timedelta(hours=6)) == "2 Mar"


def test_local_labels_follow_summer_time() -> None:
    before, after = (datetime(2024, 3, 31, 0, 30, tzinfo=UTC),
                     datetime(2024, 3, 31, 1, 30, tzinfo=UTC))
    assert local_label(before, BERLIN, timedelta(hours=6)) == "01:30"  # CET, UTC+1
    assert local_label(after, BERLIN, timedelta(hours=6)) == "03:30"  # CEST, UTC+2


def test_month_names_can_be_localised() -> None:
    russian = ("янв", "фев", "мар", "апр", "май", "июн",
               "июл", "авг", "сен", "окт", "ноя", "дек")
    assert day_label(date(2024, 3, 2), russian) == "2 мар"


def test_close_level_tags_are_pushed_apart_around_their_levels() -> None:
    placed = spread([0.50, 0.51, 0.52, 0.90], 0.05)
    assert [round(p, 3) for p in placed] == [0.46, 0.51, 0.56, 0.9]
    assert spread([0.9, 0.1, 0.5], 0.05) == [0.9, 0.1, 0.5]  # far apart: untouched
    assert spread([], 0.05) == []
