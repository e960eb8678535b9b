"""The paper exchange: the `Exchange` port, filled against live public prices.

Markets, tickers and candles come from `prices` (in production the ccxt adapter without
keys). Market orders fill at once at the last price moved against them by the slippage;
limit orders rest until a price update crosses them (then fill at their limit, maker fee)
unless they are marketable on arrival (taker); stop- and take-profit-market orders wait
for their trigger and then fill like a market order. The account lives in SQLite: every
state change (order, fill, balances, position) is one transaction, so a restart — or a
crash in the middle of a fill — finds the account exactly as the last commit left it.

Client order ids are unique for the whole life of the account (stricter than Binance,
which only refuses the id of an *open* order): a resend after a crash always meets
DuplicateClientId and looks the order up, never places it twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from services.clock import Clock
from services.trading.paper_ledger import ZERO, PaperLedger
from services.trading.paper_matching import Matching, check_reduce_only
from services.trading.paper_prices import PaperPrices
from services.trading.paper_rules import FeeRates, validate_request
from services.trading.paper_store import PaperStore
from services.trading.port import (
    Balance,
    Candle,
    DuplicateClientId,
    ExchangeError,
    ExchangePosition,
    Market,
    MarketKind,
    Order,
    OrderNotFound,
    OrderRejected,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    Ticker,
)
from storage.database import Database
from storage.paper import PaperRepository

MARGIN_MODES = ("cross", "isolated")


class PriceSource(Protocol):
    """The public half of an exchange the paper account trades against (in production
    `CcxtMarketData`, no keys needed; any full `Exchange` will do too)."""

    async def load_markets(self, reload: bool = False) -> dict[str, Market]: ...

    async def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]: ...

    async def fetch_candles(self, symbol: str, timeframe: str, since: datetime | None = None,
                            limit: int = 200) -> list[Candle]: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class PaperAccount:
    """When the paper account was opened, and with how much."""

    kind: MarketKind
    quote: str
    starting_balance: Decimal
    started_at: datetime


class PaperExchange:
    """A simulated account of one market kind that behaves like the exchange it mirrors."""

    def __init__(self, *, prices: PriceSource, db: Database, repo: PaperRepository, clock: Clock,
                 kind: MarketKind, quote: str = "USDT",
                 starting_balance: Decimal = Decimal("10000"),
                 slippage_bps: Decimal = Decimal("5"),
                 fee_override: tuple[Decimal, Decimal] | None = None,
                 order_price_max_age_s: float = 1.0, price_max_age_s: float = 5.0) -> None:
        """`fee_override` is (taker, maker) as fractions, replacing the market's fees.
        A new order is priced with a price seen at most `order_price_max_age_s` ago (so a
        burst of orders — entry, stop, take-profits — costs one ticker request; 0 = always
        fetch); positions are valued with prices at most `price_max_age_s` old."""
        self.kind = MarketKind(kind)
        self._prices, self._clock = prices, clock
        self._store = PaperStore(db, repo, self.kind, quote, starting_balance)
        self._matching = Matching(
            slippage_bps, FeeRates(*fee_override) if fee_override is not None else None)
        self._seen = PaperPrices(self.fetch_tickers, clock,
                                 order_max_age_s=order_price_max_age_s,
                                 max_age_s=price_max_age_s)
        self._lock = asyncio.Lock()  # one state change at a time, memory and database alike
        self._load_lock = asyncio.Lock()
        self._ledger: PaperLedger | None = None
        self._markets: dict[str, Market] = {}

    # -- market data: passed through ----------------------------------------------------------
    async def load_markets(self, reload: bool = False) -> dict[str, Market]:
        markets = await self._prices.load_markets(reload)
        self._markets = {s: m for s, m in markets.items() if m.kind == self.kind}
        return markets

    async def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]:
        tickers = await self._prices.fetch_tickers(symbols)
        self._seen.remember(tickers.values())
        return tickers

    async def fetch_candles(self, symbol: str, timeframe: str, since: datetime | None = None,
                            limit: int = 200) -> list[Candle]:
        return await self._prices.fetch_candles(symbol, timeframe, since, limit)

    # -- account --------------------------------------------------------------------------------
    async def account(self) -> PaperAccount:
        """The account's opening record (opened with the starting balance on first use)."""
        ledger = await self._loaded()
        row = await self._store.account()
        assert row is not None
        return PaperAccount(self.kind, ledger.quote, row.starting_balance, row.started_at)

    async def fetch_balance(self) -> dict[str, Balance]:
        """Spot: every asset held. Futures: the quote with total = equity (wallet +
        unrealised PnL), used = margin of positions and resting orders."""
        if self.kind is MarketKind.FUTURES:
            await self._seen.refresh((await self._loaded()).positions)
        async with self._lock:
            ledger = await self._loaded()
            if self.kind is MarketKind.FUTURES:
                equity, used = ledger.futures_equity(), ledger.futures_used()
                return {ledger.quote: Balance(ledger.quote, equity, max(equity - used, ZERO),
                                              used)}
            balances = {}
            for currency, total in sorted(ledger.balances.items()):
                if total or currency == ledger.quote:
                    locked = ledger.reserved.get(currency, ZERO)
                    balances[currency] = Balance(currency, total, total - locked, locked)
            return balances

    async def fetch_positions(self, symbols: list[str] | None = None) -> list[ExchangePosition]:
        ledger = await self._loaded()
        await self._seen.refresh(s for s in ledger.positions if symbols is None or s in symbols)
        async with self._lock:
            ledger = await self._loaded()
            chosen = [p for s, p in sorted(ledger.positions.items())
                      if symbols is None or s in symbols]
            return [ExchangePosition(
                symbol=p.symbol, side=OrderSide.BUY if p.amount > 0 else OrderSide.SELL,
                amount=abs(p.amount), entry_price=p.entry_price,
                unrealized_pnl=ledger.unrealized(p), leverage=ledger.leverage_of(p.symbol),
                margin_mode=ledger.margin_mode.get(p.symbol, "cross")) for p in chosen]

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        self._futures_only("leverage")
        market = await self._market(symbol)
        if leverage < 1:
            raise ExchangeError(f"leverage must be at least 1x, not {leverage}x")
        if market.max_leverage is not None and leverage > market.max_leverage:
            raise ExchangeError(f"leverage {leverage}x is above the {market.max_leverage}x "
                                f"{symbol} allows")
        if (await self._loaded()).leverage.get(symbol) == leverage:
            return  # set so already: nothing to write
        await self._seen.refresh(list((await self._loaded()).positions))
        async with self._change() as ledger:
            before = ledger.leverage_of(symbol)
            ledger.leverage[symbol] = leverage
            if leverage < before and ledger.futures_available() < 0:
                ledger.leverage[symbol] = before
                raise ExchangeError(f"not enough margin to lower {symbol} leverage to "
                                    f"{leverage}x")
            ledger.changes.settings.add(symbol)

    async def set_margin_mode(self, symbol: str, mode: str) -> None:
        """Stored and reported; margin is always computed as cross on paper."""
        self._futures_only("margin modes")
        await self._market(symbol)
        if mode not in MARGIN_MODES:
            raise ExchangeError(f"margin mode must be cross or isolated, not {mode!r}")
        async with self._change() as ledger:
            ledger.margin_mode[symbol] = mode
            ledger.changes.settings.add(symbol)

    # -- orders ---------------------------------------------------------------------------------
    async def create_order(self, request: OrderRequest) -> Order:
        request = replace(request, side=OrderSide(request.side), type=OrderType(request.type))
        market = await self._market(request.symbol)
        ledger = await self._loaded()
        held = list(ledger.positions) if self.kind is MarketKind.FUTURES else []
        await self._seen.refresh(held, ordered=request.symbol)
        last = self._seen.marks.get(request.symbol)
        if last is None:
            raise ExchangeError(f"no price for {request.symbol}")
        async with self._change() as ledger:
            if request.client_id in ledger.open_by_client_id or \
                    await self._store.has_client_id(request.client_id):
                raise DuplicateClientId(f"an order with client id {request.client_id} exists "
                                        "already")
            validate_request(request, market, last)
            check_reduce_only(ledger, request)
            now = self._clock.now()
            order = Order(
                exchange_id=self._store.next_order_id(), client_id=request.client_id,
                symbol=request.symbol, side=request.side, type=request.type,
                status=OrderStatus.OPEN, amount=request.amount, filled=ZERO,
                average_price=None, price=request.price, trigger_price=request.trigger_price,
                reduce_only=request.reduce_only, created_at=now)
            return self._matching.place(ledger, order, market, last, now)

    async def fetch_order_by_client_id(self, symbol: str, client_id: str,
                                       trigger: bool = False) -> Order | None:
        """Open or past order with this client id on `symbol` (paper has one id space, so
        `trigger` changes nothing)."""
        async with self._lock:
            ledger = await self._loaded()
            order = ledger.open_by_client_id.get(client_id)
            if order is None:
                order = await self._store.order_by_client_id(client_id)
        return order if order is not None and order.symbol == symbol else None

    async def cancel_order(self, symbol: str, exchange_id: str, trigger: bool = False) -> Order:
        async with self._change() as ledger:
            order = ledger.open_orders.get(exchange_id)
            if order is None or order.symbol != symbol:
                raise OrderNotFound(f"no open order {exchange_id} on {symbol}")
            ledger.unrest(order)
            return ledger.record(replace(order, status=OrderStatus.CANCELED))

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        async with self._lock:
            ledger = await self._loaded()
            if symbol is None:
                return list(ledger.open_orders.values())
            return list(ledger.open_by_symbol.get(symbol, {}).values())

    async def on_prices(self, tickers: dict[str, Ticker]) -> list[Order]:
        """Fill every resting order these prices cross; one transaction for the whole tick.

        Returns the orders that changed (filled, expired or rejected at their trigger).
        """
        self._seen.remember(tickers.values())
        if not self._markets:
            await self.load_markets()
        async with self._change() as ledger:
            now = self._clock.now()
            changed: list[Order] = []
            for symbol, ticker in tickers.items():
                market = self._markets.get(symbol)
                if market is not None and symbol in ledger.open_by_symbol:
                    changed.extend(self._matching.match(ledger, market, ticker.last, now))
            return changed

    async def close(self) -> None:
        """Close the price source (the paper exchange owns it); the database stays open."""
        await self._prices.close()

    # -- internals ------------------------------------------------------------------------------
    def _futures_only(self, what: str) -> None:
        if self.kind is not MarketKind.FUTURES:
            raise ExchangeError(f"{what}: futures only, and this paper account is spot")

    async def _market(self, symbol: str) -> Market:
        if symbol not in self._markets:
            await self.load_markets()
        market = self._markets.get(symbol)
        if market is None:
            raise OrderRejected(f"{symbol} is not a {self.kind.value} market of this exchange")
        return market

    async def _loaded(self) -> PaperLedger:
        ledger = self._ledger
        if ledger is None:
            async with self._load_lock:
                ledger = self._ledger
                if ledger is None:
                    ledger = await self._store.load(self._clock.now())
                    ledger.marks = self._seen.marks
                    self._ledger = ledger
        return ledger

    @asynccontextmanager
    async def _change(self) -> AsyncIterator[PaperLedger]:
        """One state change: the block edits the ledger, then its changes are written in
        one transaction. If anything fails half-way, the ledger is dropped and reloaded
        from the database on next use, so memory never runs ahead of what was committed."""
        async with self._lock:
            ledger = await self._loaded()
            try:
                yield ledger
                await self._store.write(ledger, self._clock.now())
            except ExchangeError:
                if ledger.changes:  # refusals come before any change; if not, start over
                    self._ledger = None
                raise
            except BaseException:
                self._ledger = None
                raise
