"""Profit per day, week or month in the trader's time zone, behind /pnl, /pnl_week,
/daily [n], /weekly [n] and /monthly [n].

Periods start at local midnight (weeks on Monday, months on the 1st), so a local day lasts
23 or 25 hours when the clocks change. Bounds are computed from local dates and converted
to UTC once, never by adding hours to a local time. A trade belongs to the period in which
it closed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

PeriodKind = Literal["day", "week", "month"]
# The account equity at a period's start (aware UTC), or None when it is not known:
# a function, or a mapping keyed by the starts that `period_bounds` returns.
EquityAt = Callable[[datetime], Decimal | None] | Mapping[datetime, Decimal]


class Closed(Protocol):
    """What a period needs of a trade (services.stats.ClosedTrade, storage.trades.ClosedPnl)."""

    @property
    def closed_at(self) -> datetime: ...

    @property
    def net_pnl(self) -> Decimal: ...


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    first_day: date  # the local date the period begins on (its label)
    start: datetime  # aware UTC, inclusive: local midnight of first_day
    end: datetime  # aware UTC, exclusive: the next period's start


@dataclass(frozen=True)
class PeriodPnl:
    kind: PeriodKind
    first_day: date  # the local date the period begins on
    start: datetime  # aware UTC, inclusive
    end: datetime  # aware UTC, exclusive
    net_pnl: Decimal  # sum of the net PnL (after fees) of the trades closed in the period
    trades: int
    wins: int  # net PnL > 0
    losses: int  # net PnL < 0
    starting_equity: Decimal | None  # equity at `start`, when known
    equity_return: Decimal | None  # net PnL / starting equity (0.012 = 1.2 %), when known


def period_bounds(kind: PeriodKind, count: int, *, now: datetime,
                  tz: ZoneInfo) -> list[Period]:
    """The last `count` periods of `kind` in `tz`, oldest first; the last one holds `now`."""
    if now.tzinfo is None:
        raise ValueError("`now` must be an aware datetime")
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    today = now.astimezone(tz).date()
    first = _period_start(kind, today)
    for _ in range(count - 1):
        first = _period_start(kind, first - timedelta(days=1))
    periods = []
    day = first
    for _ in range(count):
        following = _next_start(kind, day)
        periods.append(Period(kind, day, _midnight(day, tz), _midnight(following, tz)))
        day = following
    return periods


def period_pnl(trades: Iterable[Closed], *, kind: PeriodKind, count: int,
               now: datetime, tz: ZoneInfo,
               starting_equity_at: EquityAt | None = None) -> list[PeriodPnl]:
    """Net profit of the last `count` periods of `kind` in `tz`, oldest first, the current
    (unfinished) one last. Periods without trades are listed with zeros."""
    periods = period_bounds(kind, count, now=now, tz=tz)
    starts = [p.start for p in periods]
    net = [Decimal(0)] * count
    trade_count = [0] * count
    wins = [0] * count
    losses = [0] * count
    for trade in trades:
        index = bisect_right(starts, trade.closed_at) - 1
        if index < 0 or trade.closed_at >= periods[-1].end:
            continue
        net[index] += trade.net_pnl
        trade_count[index] += 1
        wins[index] += trade.net_pnl > 0
        losses[index] += trade.net_pnl < 0
    result = []
    for i, period in enumerate(periods):
        equity = _equity_at(starting_equity_at, period.start)
        result.append(PeriodPnl(
            kind=kind, first_day=period.first_day, start=period.start, end=period.end,
            net_pnl=net[i], trades=trade_count[i], wins=wins[i], losses=losses[i],
            starting_equity=equity,
            equity_return=net[i] / equity if equity is not None and equity > 0 else None))
    return result


def _period_start(kind: PeriodKind, day: date) -> date:
    if kind == "day":
        return day
    if kind == "week":
        return day - timedelta(days=day.weekday())  # Monday
    return day.replace(day=1)


def _next_start(kind: PeriodKind, start: date) -> date:
    if kind == "day":
        return start + timedelta(days=1)
    if kind == "week":
        return start + timedelta(days=7)
    return (start + timedelta(days=32)).replace(day=1)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    # Where midnight does not exist (clocks jump forward at 00:00), fold=0 resolves it to
    # the instant of the jump, which is the first moment of that local day.
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _equity_at(source: EquityAt | None, start: datetime) -> Decimal | None:
    if source is None:
        return None
    if isinstance(source, Mapping):
        return source.get(start)
    return source(start)
