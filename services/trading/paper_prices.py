"""The prices the paper exchange fills and values against: the last price seen per symbol,
fetched again from the price source only when too old, one request for all that are."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal

from services.clock import Clock
from services.trading.port import Ticker

FetchTickers = Callable[[list[str]], Awaitable[dict[str, Ticker]]]


class PaperPrices:
    """Last prices by symbol (`marks`), with the monotonic time each was seen."""

    def __init__(self, fetch: FetchTickers, clock: Clock, *, order_max_age_s: float,
                 max_age_s: float) -> None:
        self._fetch, self._clock = fetch, clock
        self._order_max_age, self._max_age = order_max_age_s, max_age_s
        self.marks: dict[str, Decimal] = {}
        self._seen_at: dict[str, float] = {}
        self._in_flight: dict[str, asyncio.Future[dict[str, Ticker]]] = {}

    def remember(self, tickers: Iterable[Ticker]) -> None:
        moment = self._clock.monotonic()
        for ticker in tickers:
            self._seen_at[ticker.symbol] = moment
            self.marks[ticker.symbol] = ticker.last

    async def refresh(self, symbols: Iterable[str], ordered: str | None = None) -> None:
        """Fetch, in one request, the prices that are too old: those of `symbols` (valued
        positions) after `max_age_s`, that of `ordered` (a new order) after
        `order_max_age_s` (0: always fetched)."""
        now, never = self._clock.monotonic(), float("-inf")
        stale = {s for s in symbols if self._seen_at.get(s, never) < now - self._max_age}
        if ordered is not None and self._seen_at.get(ordered, never) <= now - self._order_max_age:
            stale.add(ordered)
        # A price already on its way is waited for, not asked again (concurrent orders).
        waits = {self._in_flight[s] for s in stale if s in self._in_flight}
        if missing := sorted(s for s in stale if s not in self._in_flight):
            fetch = asyncio.ensure_future(self._fetch(missing))
            self._in_flight.update(dict.fromkeys(missing, fetch))
            fetch.add_done_callback(lambda done: self._landed(missing, done))
            waits.add(fetch)
        for waited in waits:  # shielded: one caller's cancellation is not everyone's
            await asyncio.shield(waited)

    def _landed(self, symbols: list[str], fetch: asyncio.Future[dict[str, Ticker]]) -> None:
        for symbol in symbols:
            if self._in_flight.get(symbol) is fetch:
                del self._in_flight[symbol]
        if not fetch.cancelled():
            fetch.exception()  # retrieved here; every caller waiting for it gets it raised
