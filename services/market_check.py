"""A parsed signal checked against the exchange: does the market exist, is the entry near
the price (rescaling channel shorthand like 28390 → 0.02839 when exactly one power of ten
fits), is the leverage within the caps.

Needs public market data only (no keys). When the exchange cannot be reached the signal
goes on unchecked — the risk gate stops entries while the exchange is failing — and the
review says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from loguru import logger

from services.parsing import ParsedSignal, validate_signal
from services.parsing.validation import rescale_signal
from services.trading.port import ExchangeError, Market, MarketKind, Ticker


class MarketData(Protocol):
    kind: MarketKind

    async def load_markets(self, reload: bool = False) -> dict[str, Market]: ...

    async def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]: ...


@dataclass(frozen=True)
class MarketReview:
    signal: ParsedSignal  # rescaled when the channel wrote shorthand prices
    market_symbol: str | None  # the exchange's symbol, e.g. "BTC/USDT:USDT"
    reasons: tuple[str, ...]  # why it must not be traded; empty when it may
    checked: bool  # False when the exchange could not be asked
    rescaled: bool = False
    price: Decimal | None = None  # the last price the signal was checked against


def market_symbol(symbol: str, kind: MarketKind, markets: dict[str, Market]) -> str | None:
    """The exchange's symbol for a parsed "BASE/QUOTE" in this market kind."""
    candidates = [f"{symbol}:{symbol.split('/')[1]}"] if kind is MarketKind.FUTURES else [symbol]
    return next((c for c in candidates if c in markets), None)


class MarketCheck:
    def __init__(self, data: MarketData, *,
                 max_distance_pct: Callable[[], Awaitable[Decimal]]) -> None:
        self._data = data
        self._max_distance_pct = max_distance_pct

    async def review(self, signal: ParsedSignal, *, leverage_cap: int | None) -> MarketReview:
        """`leverage_cap` is the channel's: a signal above it is not traded as written (the
        global cap only lowers the leverage when sizing)."""
        cap = leverage_cap
        distance = await self._max_distance_pct()
        try:
            markets = await self._data.load_markets()
            symbol = market_symbol(signal.symbol, self._data.kind, markets)
            if symbol is None:
                kind = "futures" if self._data.kind is MarketKind.FUTURES else "spot"
                return MarketReview(signal, None, (f"unknown symbol {signal.symbol} on the "
                                                   f"{kind} market",), checked=True)
            price = (await self._data.fetch_tickers([symbol]))[symbol].last
        except (ExchangeError, KeyError) as exc:
            logger.warning("market check of {} skipped: {}", signal.symbol, exc)
            reasons = validate_signal(signal, max_leverage=cap)
            return MarketReview(signal, None, tuple(reasons), checked=False)
        rescaled = rescale_signal(signal, price, distance)
        reviewed = rescaled if rescaled is not None else signal
        reasons = validate_signal(reviewed, market_price=price, max_entry_distance_pct=distance,
                                  max_leverage=cap)
        return MarketReview(reviewed, symbol, tuple(reasons), checked=True,
                            rescaled=rescaled is not None and rescaled != signal, price=price)
