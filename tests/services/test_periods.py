"""Profit per local day / week / month: worked examples (DST days included) and properties
that hold for any trades, time zone and moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.periods import PeriodKind, period_bounds, period_pnl
from services.stats import ClosedTrade

D = Decimal
BERLIN = ZoneInfo("Europe/Berlin")


def closed(at: datetime, net: str, position_id: int = 1) -> ClosedTrade:
    return ClosedTrade(position_id=position_id, channel_id=-1, symbol="BTC/USDT:USDT",
                       side="long", opened_at=at - timedelta(hours=1), closed_at=at,
                       net_pnl=D(net), margin=D(100), reason="tp")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_daily_lists_the_last_days_oldest_first_with_empty_days_as_zero() -> None:
    now = utc(2025, 6, 11, 10, 0)  # 12:00 in Berlin
    trades = [closed(utc(2025, 6, 11, 8, 0), "25.5", 1),
              closed(utc(2025, 6, 9, 21, 59), "-10", 2),  # 23:59 on the 9th in Berlin
              closed(utc(2025, 6, 9, 22, 0), "4", 3),  # 00:00 on the 10th in Berlin
              closed(utc(2025, 6, 8, 12, 0), "1000", 4)]  # before the window
    days = period_pnl(trades, kind="day", count=3, now=now, tz=BERLIN,
                      starting_equity_at={utc(2025, 6, 10, 22, 0): D(1000)})
    assert [d.first_day for d in days] == [date(2025, 6, 9), date(2025, 6, 10),
                                           date(2025, 6, 11)]
    assert [(d.net_pnl, d.trades, d.wins, d.losses) for d in days] == [
        (D(-10), 1, 0, 1), (D(4), 1, 1, 0), (D("25.5"), 1, 1, 0)]
    assert days[0].start == utc(2025, 6, 8, 22, 0) and days[-1].end == utc(2025, 6, 11, 22, 0)
    assert days[0].starting_equity is None and days[0].equity_return is None
    assert days[2].starting_equity == D(1000) and days[2].equity_return == D("0.0255")


def test_the_spring_forward_day_in_berlin_has_23_hours() -> None:
    trades = [closed(utc(2025, 3, 29, 23, 30), "1", 1),  # 00:30 CET on the 30th
              closed(utc(2025, 3, 30, 21, 59), "2", 2),  # 23:59 CEST on the 30th
              closed(utc(2025, 3, 30, 22, 0), "4", 3)]  # 00:00 CEST on the 31st
    days = period_pnl(trades, kind="day", count=2, now=utc(2025, 3, 31, 6, 0), tz=BERLIN)
    spring = days[0]
    assert spring.first_day == date(2025, 3, 30)
    assert (spring.start, spring.end) == (utc(2025, 3, 29, 23, 0), utc(2025, 3, 30, 22, 0))
    assert spring.end - spring.start == timedelta(hours=23)
    assert (spring.net_pnl, spring.trades) == (D(3), 2)
    assert (days[1].net_pnl, days[1].trades) == (D(4), 1)


def test_the_fall_back_day_in_berlin_has_25_hours() -> None:
    trades = [closed(utc(2025, 10, 25, 22, 0), "1", 1),  # 00:00 CEST on the 26th
              closed(utc(2025, 10, 26, 22, 59), "2", 2),  # 23:59 CET on the 26th
              closed(utc(2025, 10, 26, 23, 0), "4", 3)]  # 00:00 CET on the 27th
    days = period_pnl(trades, kind="day", count=2, now=utc(2025, 10, 27, 6, 0), tz=BERLIN)
    fall = days[0]
    assert fall.first_day == date(2025, 10, 26)
    assert (fall.start, fall.end) == (utc(2025, 10, 25, 22, 0), utc(2025, 10, 26, 23, 0))
    assert fall.end - fall.start == timedelta(hours=25)
    assert (fall.net_pnl, fall.trades) == (D(3), 2)
    assert (days[1].net_pnl, days[1].trades) == (D(4), 1)


def test_weeks_start_on_monday_and_the_dst_week_has_167_hours() -> None:
    # Sunday 30 March 2025 is the last day of the week that began on Monday the 24th.
    weeks = period_bounds("week", 2, now=utc(2025, 4, 2, 12, 0), tz=BERLIN)
    assert [w.first_day for w in weeks] == [date(2025, 3, 24), date(2025, 3, 31)]
    assert weeks[0].end - weeks[0].start == timedelta(hours=7 * 24 - 1)
    assert weeks[1].end - weeks[1].start == timedelta(days=7)


def test_a_sunday_evening_belongs_to_the_week_that_began_on_monday() -> None:
    sunday_night = utc(2025, 6, 15, 21, 30)  # 23:30 on Sunday the 15th in Berlin
    weeks = period_pnl([closed(sunday_night, "7")], kind="week", count=1,
                       now=sunday_night, tz=BERLIN)
    assert weeks[0].first_day == date(2025, 6, 9)
    assert weeks[0].net_pnl == D(7)


def test_months_are_calendar_months_across_the_year_end() -> None:
    months = period_bounds("month", 3, now=utc(2025, 1, 15, 0, 0), tz=BERLIN)
    assert [m.first_day for m in months] == [date(2024, 11, 1), date(2024, 12, 1),
                                             date(2025, 1, 1)]
    assert months[0].start == utc(2024, 10, 31, 23, 0)
    assert months[-1].end == utc(2025, 1, 31, 23, 0)


def test_the_october_month_in_berlin_has_an_extra_hour() -> None:
    october = period_bounds("month", 1, now=utc(2025, 10, 10, 0, 0), tz=BERLIN)[0]
    assert october.end - october.start == timedelta(days=31, hours=1)


def test_a_day_whose_midnight_does_not_exist_starts_when_the_clocks_jump() -> None:
    # São Paulo, 4 November 2018: clocks jumped from 00:00 to 01:00.
    tz = ZoneInfo("America/Sao_Paulo")
    day = period_bounds("day", 1, now=utc(2018, 11, 4, 12, 0), tz=tz)[0]
    assert day.start == utc(2018, 11, 4, 3, 0)
    assert day.end - day.start == timedelta(hours=23)


def test_equity_may_come_from_a_function() -> None:
    seen: list[datetime] = []

    def equity_at(start: datetime) -> Decimal | None:
        seen.append(start)
        return D(0) if len(seen) == 1 else D(200)

    days = period_pnl([closed(utc(2025, 6, 11, 8, 0), "-5")], kind="day", count=2,
                      now=utc(2025, 6, 11, 10, 0), tz=BERLIN, starting_equity_at=equity_at)
    assert seen == [d.start for d in days]
    assert days[0].equity_return is None  # no percentage of a zero equity
    assert days[1].equity_return == D("-0.025")


def test_a_naive_now_or_no_periods_is_refused() -> None:
    with pytest.raises(ValueError):
        period_bounds("day", 1, now=datetime(2025, 1, 1), tz=BERLIN)
    with pytest.raises(ValueError):
        period_bounds("day", 0, now=utc(2025, 1, 1), tz=BERLIN)


# -- properties --------------------------------------------------------------------------

ZONES = [ZoneInfo(name) for name in ("UTC", "Europe/Berlin", "America/New_York",
                                     "Asia/Kolkata", "Australia/Lord_Howe",
                                     "America/Sao_Paulo", "Pacific/Chatham")]
moments = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31),
                       timezones=st.just(UTC))
kinds = st.sampled_from(["day", "week", "month"])


@st.composite
def trade_lists(draw: st.DrawFn, around: datetime) -> list[ClosedTrade]:
    offsets = draw(st.lists(st.integers(-60 * 24 * 120, 60 * 24 * 2), max_size=40))
    nets = st.decimals(min_value=-500, max_value=500, places=2)
    return [closed(around + timedelta(minutes=m), str(draw(nets)), i)
            for i, m in enumerate(offsets)]


@given(moments, kinds, st.integers(1, 14), st.sampled_from(ZONES), st.data())
def test_periods_tile_the_window_and_add_up_to_its_trades(
        now: datetime, kind: PeriodKind, count: int, tz: ZoneInfo, data: st.DataObject) -> None:
    trades = data.draw(trade_lists(now))
    periods = period_pnl(trades, kind=kind, count=count, now=now, tz=tz)
    assert len(periods) == count
    assert periods[-1].start <= now < periods[-1].end
    for before, after in pairwise(periods):
        assert before.end == after.start
    window = [t for t in trades if periods[0].start <= t.closed_at < periods[-1].end]
    assert sum((p.net_pnl for p in periods), D(0)) == sum((t.net_pnl for t in window), D(0))
    assert sum(p.trades for p in periods) == len(window)
    for period in periods:
        assert period.wins + period.losses <= period.trades


@given(moments, kinds, st.integers(1, 40), st.sampled_from(ZONES))
def test_each_period_starts_at_the_first_moment_of_its_local_day(
        now: datetime, kind: PeriodKind, count: int, tz: ZoneInfo) -> None:
    for period in period_bounds(kind, count, now=now, tz=tz):
        assert period.start.astimezone(tz).date() == period.first_day
        just_before = (period.start - timedelta(microseconds=1)).astimezone(tz).date()
        assert just_before < period.first_day
        if kind == "week":
            assert period.first_day.weekday() == 0
        if kind == "month":
            assert period.first_day.day == 1
        if kind == "day":  # 23 to 25 hours where the clocks change
            assert timedelta(hours=23) <= period.end - period.start <= timedelta(hours=25)
