"""Price state of the fake Binance: last prices, their history, and the candles made from it.

Before the first recorded price a symbol has a deterministic synthetic past (a function of
the timestamp only), so klines are the same for the same moment whatever the interval.
After it, candles are built from the recorded `set_price` moves: open = price in force at
the candle open, high/low over the moves inside, close = price in force at the candle close.
"""

from __future__ import annotations

import bisect
import calendar
import hashlib
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from tests.fakes.exchange_common import BinanceError, Json, Params, fmt, now_ms
from tests.fakes.exchange_markets import SymbolFilters

MINUTE = 60_000
INTERVALS_MS = {
    "1s": 1000, "1m": MINUTE, "3m": 3 * MINUTE, "5m": 5 * MINUTE, "15m": 15 * MINUTE,
    "30m": 30 * MINUTE, "1h": 60 * MINUTE, "2h": 120 * MINUTE, "4h": 240 * MINUTE,
    "6h": 360 * MINUTE, "8h": 480 * MINUTE, "12h": 720 * MINUTE, "1d": 1440 * MINUTE,
    "3d": 3 * 1440 * MINUTE, "1w": 7 * 1440 * MINUTE, "1M": 0,
}
DAY = 1440 * MINUTE
WEEK_OFFSET = 4 * DAY  # 1970-01-01 was a Thursday; Binance weeks open on Monday
SYNTHETIC_SWING = 0.02  # the synthetic past wanders +-2 % around the first price


def _unit(seed: str) -> float:
    """Deterministic number in [0, 1) from a string."""
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big") / 2**64


@dataclass
class PriceTrack:
    """Last price and history of one symbol in one market ("spot" or "futures")."""

    key: str
    filters: SymbolFilters
    times: list[int] = field(default_factory=list)
    prices: list[Decimal] = field(default_factory=list)
    script: deque[Decimal] = field(default_factory=deque)

    @property
    def places(self) -> int:
        """Decimals Binance prints prices with: 8 on spot, pricePrecision on futures."""
        return 8 if self.key.startswith("spot:") else self.filters.price_places

    @property
    def last(self) -> Decimal:
        return self.prices[-1]

    def record(self, price: Decimal, at: int) -> None:
        if self.times and at < self.times[-1]:
            at = self.times[-1]
        self.times.append(at)
        self.prices.append(price)

    def _quantize(self, value: float) -> Decimal:
        tick = self.filters.tick_size
        return (Decimal(repr(value)) / tick).to_integral_value() * tick

    def synthetic(self, at: int) -> Decimal:
        first = float(self.prices[0])
        phase = _unit(self.key) * 2 * math.pi
        wave = (0.6 * math.sin(at / (7.3 * 3600_000) + phase)
                + 0.3 * math.sin(at / (53 * MINUTE) + 2 * phase)
                + 0.1 * math.sin(at / (7 * MINUTE) + 3 * phase))
        return max(self.filters.tick_size, self._quantize(first * (1 + SYNTHETIC_SWING * wave)))

    def price_at(self, at: int) -> Decimal:
        """The price in force at `at` (the last move at or before it)."""
        index = bisect.bisect_right(self.times, at)
        return self.prices[index - 1] if index else self.synthetic(at)

    def moves_between(self, start: int, end: int) -> list[Decimal]:
        lo = bisect.bisect_left(self.times, start)
        hi = bisect.bisect_left(self.times, end)
        return self.prices[lo:hi]

    def candle(self, open_time: int, close_time: int) -> list[Decimal]:
        """[open, high, low, close, volume] for [open_time, close_time]."""
        opening = self.price_at(open_time)
        closing = self.price_at(min(close_time, now_ms()))
        inside = self.moves_between(open_time, close_time + 1)
        points = [opening, closing, *inside]
        high, low = max(points), min(points)
        if open_time < self.times[0]:  # synthetic part: give it some wick
            wick = Decimal(repr(round(0.002 * _unit(f"{self.key}:w:{open_time}"), 6)))
            high = max(high, self._quantize(float(high * (1 + wick))))
            low = min(low, self._quantize(float(low * (1 - wick))))
        span_minutes = max(1, (close_time + 1 - open_time) // MINUTE)
        volume = Decimal(repr(round(span_minutes * (1 + _unit(f"{self.key}:v:{open_time}")), 3)))
        return [opening, high, low, closing, volume]


def _month_start(at: int, months_back: int = 0) -> int:
    moment = datetime.fromtimestamp(at / 1000, UTC)
    index = moment.year * 12 + moment.month - 1 - months_back
    return calendar.timegm((index // 12, index % 12 + 1, 1, 0, 0, 0)) * 1000


def _align(at: int, interval: str) -> int:
    size = INTERVALS_MS[interval]
    if interval == "1M":
        return _month_start(at)
    if interval == "1w":
        return (at - WEEK_OFFSET) // size * size + WEEK_OFFSET
    return at // size * size


def _next_open(open_time: int, interval: str) -> int:
    if interval == "1M":
        return _month_start(open_time + 32 * DAY)
    return open_time + INTERVALS_MS[interval]


def _previous_open(open_time: int, interval: str) -> int:
    if interval == "1M":
        return _month_start(open_time - 1)
    return open_time - INTERVALS_MS[interval]


def klines(track: PriceTrack, params: Params, max_limit: int) -> list[Json]:
    """Answer /api/v3/klines or /fapi/v1/klines for one track."""
    interval = params.require("interval")
    if interval not in INTERVALS_MS:
        raise BinanceError(-1120, "Invalid interval.")
    limit = min(params.integer("limit") or 500, max_limit)
    start, end = params.integer("startTime"), params.integer("endTime")
    current = _align(now_ms(), interval)
    last_open = current if end is None else min(current, _align(end, interval))
    opens: list[int] = []
    if start is not None:
        cursor = _align(start, interval)
        if cursor < start:
            cursor = _next_open(cursor, interval)
        while cursor <= last_open and len(opens) < limit:
            opens.append(cursor)
            cursor = _next_open(cursor, interval)
    else:
        cursor = last_open
        while len(opens) < limit:
            opens.append(cursor)
            cursor = _previous_open(cursor, interval)
        opens.reverse()
    rows = []
    places = track.places
    for open_time in opens:
        close_time = _next_open(open_time, interval) - 1
        o, h, low, c, v = track.candle(open_time, close_time)
        quote_volume = v * (h + low) / 2
        rows.append([
            open_time, fmt(o, places), fmt(h, places), fmt(low, places), fmt(c, places),
            str(v), close_time, fmt(quote_volume, 4), int(v * 10),
            str(v / 2), fmt(quote_volume / 2, 4), "0",
        ])
    return rows


def day_stats(track: PriceTrack) -> dict[str, Decimal | int]:
    """24h rolling statistics used by the 24hr tickers."""
    now = now_ms()
    opening = track.price_at(now - DAY)
    moves = [opening, track.last, *track.moves_between(now - DAY, now + 1)]
    volume = Decimal(repr(round(1440 * (1 + _unit(f"{track.key}:day:{now // DAY}")), 3)))
    return {"open": opening, "high": max(moves), "low": min(moves), "volume": volume,
            "open_time": now - DAY, "close_time": now}


def take_scripted(tracks: Iterable[PriceTrack]) -> list[tuple[PriceTrack, Decimal]]:
    """Pop the next scripted price of each track that has one."""
    return [(track, track.script.popleft()) for track in tracks if track.script]
