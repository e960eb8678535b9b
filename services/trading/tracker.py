"""The position tracker (the PnL updater): one tick every few seconds.

    prices of every held symbol (ONE batched ticker request)
      ─▶ order changes: paper fills them against these prices; live asks which of our
         open orders left the book (one open-orders request, then a look-up per change)
      ─▶ each change applied to its position (`PositionExits`)
      ─▶ exits the bot watches itself: spot take-profits, stops where the market has none
      ─▶ entries waiting too long cancelled; positions open too long reported once
      ─▶ an equity snapshot every few minutes (risk limits and the equity chart)

Prices stay in memory (`prices`): unrealised PnL is computed from them when shown, so a
tick writes to the database only when something happened.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from loguru import logger

from services.clock import Clock
from services.events import EventBus
from services.runtime_config import RuntimeConfig
from services.trading.client_ids import ClientIds, target_leg
from services.trading.engine_events import EntryRestExpired, PositionStuck
from services.trading.engine_execution import Execution
from services.trading.exits import Markets, PositionExits
from services.trading.legs import targets_done
from services.trading.orders import split_ladder
from services.trading.pnl import direction, unrealized_pnl
from services.trading.port import (
    Exchange,
    ExchangeError,
    Market,
    MarketKind,
    Order,
    OrderType,
    Ticker,
)
from storage.equity import EquityRepository, EquitySnapshot
from storage.position_orders import OPEN as ORDER_OPEN
from storage.position_orders import PositionOrderRepository
from storage.positions import (
    OPEN,
    PARTIALLY_CLOSED,
    WAITING_ENTRY,
    PositionRepository,
    PositionRow,
)

ZERO = Decimal(0)


class OrderFeed(Protocol):
    """Which of our orders changed on the exchange since the last tick."""

    async def changes(self, tickers: dict[str, Ticker]) -> list[Order]: ...


@dataclass
class PaperOrderFeed:
    """The paper exchange fills its resting orders against the tick's prices itself."""

    on_prices: Callable[[dict[str, Ticker]], Awaitable[list[Order]]]

    async def changes(self, tickers: dict[str, Ticker]) -> list[Order]:
        return await self.on_prices(tickers)


@dataclass
class LiveOrderFeed:
    """A real exchange: our orders recorded open but no longer on the book have filled or
    been cancelled — each is looked up by its client id."""

    exchange: Exchange
    orders: PositionOrderRepository

    async def changes(self, tickers: dict[str, Ticker]) -> list[Order]:
        ours = await self.orders.with_state(ORDER_OPEN)
        if not ours:
            return []
        on_book = {o.client_id for o in await self.exchange.fetch_open_orders()}
        changed = []
        for row in ours:
            if row.client_id in on_book:
                continue
            trigger = row.type in (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)
            order = await self.exchange.fetch_order_by_client_id(row.symbol, row.client_id,
                                                                 trigger)
            if order is not None and order.status.value != ORDER_OPEN:
                changed.append(order)
        return changed


@dataclass(frozen=True)
class TickReport:
    positions: int
    symbols: int
    order_changes: int
    requests_skipped: bool = False  # nothing held: no request was made


class PositionTracker:
    def __init__(self, *, exchange: Exchange, feed: OrderFeed, execution: Execution,
                 exits: PositionExits, positions: PositionRepository,
                 orders: PositionOrderRepository, equity: EquityRepository,
                 config: RuntimeConfig, events: EventBus, clock: Clock, markets: Markets,
                 ids: ClientIds, quote: str = "USDT",
                 snapshot_every: timedelta = timedelta(minutes=5),
                 on_equity: Callable[[Decimal], Awaitable[None]] | None = None) -> None:
        """`on_equity` hears every equity snapshot (the risk monitor's halts)."""
        self._exchange = exchange
        self._feed = feed
        self._execution = execution
        self._exits = exits
        self._positions = positions
        self._orders = orders
        self._equity = equity
        self._config = config
        self._events = events
        self._clock = clock
        self._markets = markets
        self._ids = ids
        self._quote = quote
        self._snapshot_every = snapshot_every
        self._on_equity = on_equity
        self._last_snapshot: datetime | None = None
        self.prices: dict[str, Ticker] = {}  # the latest price of every held symbol

    async def tick(self) -> TickReport:
        """One round; the scheduler calls it every JOBS__PNL_INTERVAL_S seconds."""
        async with self._execution.lock:
            active = await self._positions.active()
            symbols = sorted({p.symbol for p in active})
            changes = 0
            if symbols:
                tickers = await self._exchange.fetch_tickers(symbols)
                self.prices.update(tickers)
                for order in await self._feed.changes(tickers):
                    if self._ids.is_ours(order.client_id):
                        assert order.client_id is not None
                        changes += await self._exits.on_order(order.client_id, order) is not None
                if changes:
                    active = await self._positions.active()
                await self._watch(active, tickers)
                await self._trail(active, tickers)
                await self._protect()
                await self._expire_entries(active)
                await self._report_stuck(active)
        await self._snapshot(active)
        return TickReport(len(active), len(symbols), changes, requests_skipped=not symbols)

    async def reconcile(self) -> int:
        """Our orders recorded open but gone from the exchange's book (filled or cancelled
        while the bot was down, or in a crash between the exchange's fill and our record)
        are looked up and applied. Returns how many changed. At start and every few
        minutes."""
        feed = LiveOrderFeed(self._exchange, self._orders)
        async with self._execution.lock:
            changed = 0
            for order in await feed.changes({}):
                if order.client_id and self._ids.is_ours(order.client_id):
                    changed += await self._exits.on_order(order.client_id, order) is not None
            if changed:
                logger.info("reconciliation applied {} order change(s)", changed)
            return changed

    # ---- exits the bot watches itself ---------------------------------------------------------
    async def _watch(self, active: list[PositionRow], tickers: dict[str, Ticker]) -> None:
        markets: dict[str, Market] | None = None
        for position in active:
            if position.status not in (OPEN, PARTIALLY_CLOSED):
                continue
            ticker = tickers.get(position.symbol)
            if ticker is None:
                continue
            spot = position.market_kind == MarketKind.SPOT.value
            if not spot and not position.stop_loss:
                continue
            if markets is None:
                markets = await self._markets()
            market = markets.get(position.symbol)
            if market is None:
                continue
            try:
                if _crossed_stop(position, ticker.last) and (
                        not market.supports_stop_orders
                        or await self._exits.live_stop(position.id) is None):
                    # no stop on the exchange (none there, or refused: the price was past it)
                    await self._exits.market_exit(position, market,
                                                  await self._exits.next_close_leg(position.id),
                                                  position.remaining, reason="sl")
                elif spot or not market.supports_stop_orders:
                    await self._take_target(position, market, ticker.last)
            except ExchangeError as exc:
                logger.warning("watched exit of #{} failed: {}", position.id, exc.reason)

    async def _take_target(self, position: PositionRow, market: Market, last: Decimal) -> None:
        rows = await self._orders.for_position(position.id)
        number = len(targets_done(rows)) + 1
        if number > len(position.targets):
            return
        target = position.targets[number - 1]
        if (last - target) * direction(position.side) < 0:
            return  # not reached yet
        legs = split_ladder(position.filled_amount, len(position.targets), market,
                            await self._execution.tp_weights(position))
        amount = legs[number - 1] if number < len(legs) else position.remaining
        amount = min(amount, position.remaining)
        if amount <= 0:
            return
        stop = await self._exits.live_stop(position.id)
        if stop is not None:  # on spot the stop holds the coins: free them first
            gone = await self._execution.cancel(stop)
            if gone is None:
                return
            after = await self._exits.on_order(stop.client_id, gone)
            if after is not None and after.status not in (OPEN, PARTIALLY_CLOSED):
                return
        await self._exits.market_exit(position, market, target_leg(number), amount)

    async def _trail(self, active: list[PositionRow], tickers: dict[str, Ticker]) -> None:
        """Trailing stop (`exits.trailing_pct`): once the price is far enough in profit that
        a stop `pct` behind it locks in more than the entry, the stop follows the price —
        in steps of a quarter of the distance, so a rising market does not replace the
        stop order every tick."""
        pct = await self._config.get("exits.trailing_pct")
        if not pct:
            return
        markets: dict[str, Market] | None = None
        for position in active:
            ticker = tickers.get(position.symbol)
            if (position.status not in (OPEN, PARTIALLY_CLOSED) or ticker is None
                    or position.average_entry is None):
                continue
            sign = direction(position.side)
            wanted = ticker.last * (1 - sign * pct / 100)
            if (wanted - position.average_entry) * sign <= 0:
                continue  # not yet past the entry: the signal's stop stands
            current = position.stop_loss
            step = ticker.last * pct / 400
            if current is not None and (wanted - current) * sign < step:
                continue
            if markets is None:
                markets = await self._markets()
            market = markets.get(position.symbol)
            if market is not None:
                await self._exits.replace_stop(position, market, wanted, "trailing")

    async def _protect(self) -> None:
        """Place the stop again for every held position left without one (its placement
        failed, or a close that did not happen cancelled it)."""
        bare = await self._positions.unprotected()
        if not bare:
            return
        markets = await self._markets()
        for position in bare:
            market = markets.get(position.symbol)
            if market is not None and market.supports_stop_orders:
                await self._exits.replace_stop(position, market, position.stop_loss,
                                               "remainder")

    # ---- time limits --------------------------------------------------------------------------
    async def _expire_entries(self, active: list[PositionRow]) -> None:
        """Entry orders past `entry.expiry_min` are cancelled: a position nothing filled of
        closes as expired; one holding part of a split entry keeps what it holds."""
        waiting = [p for p in active if p.status == WAITING_ENTRY]
        growing = [p for p in active if p.status in (OPEN, PARTIALLY_CLOSED)
                   and p.filled_amount < p.planned_amount]  # maybe parts of a split left
        if not waiting and not growing:
            return
        limit = timedelta(minutes=int(await self._config.get("entry.expiry_min")))
        now = self._clock.now()
        due = [p for p in growing if now - (p.decided_at or p.created_at) >= limit]
        if due:  # spot positions hold less than planned (the fee is paid in the coin): ask once
            with_parts = await self._orders.with_live_entries()
            for position in due:
                if position.id in with_parts:
                    await self._expire_rest(position)
        for position in waiting:
            if now - (position.decided_at or position.created_at) < limit:
                continue
            if not await self._exits.cancel_open_orders(position, legs=("entry",),
                                                        reason="expired"):
                continue  # the exchange did not answer: next tick
            fresh = await self._positions.get(position.id)
            if fresh is not None and fresh.status == WAITING_ENTRY:
                await self._exits.entries.close_unfilled(fresh, "expired")

    async def _expire_rest(self, position: PositionRow) -> None:
        left = await self._exits.entries.entries_left(position.id)
        if not left:
            return
        await self._exits.cancel_open_orders(position, legs=("entry",), reason="expired")
        fresh = await self._positions.get(position.id)
        cancelled = len(left) - len(await self._exits.entries.entries_left(position.id))
        if fresh is not None and cancelled:
            await self._events.publish(EntryRestExpired(fresh, cancelled))

    async def _report_stuck(self, active: list[PositionRow]) -> None:
        candidates = [p for p in active if p.opened_at is not None and p.stuck_alerted_at is None]
        if not candidates:
            return
        limit = timedelta(hours=int(await self._config.get("positions.stuck_hours")))
        now = self._clock.now()
        for position in candidates:
            assert position.opened_at is not None
            if now - position.opened_at >= limit:
                await self._positions.update(position.id, now=now, stuck_alerted_at=now)
                fresh = await self._positions.get(position.id)
                assert fresh is not None
                await self._events.publish(PositionStuck(fresh, now - position.opened_at))

    # ---- equity -----------------------------------------------------------------------------
    def unrealized(self, position: PositionRow) -> Decimal:
        """Unrealised PnL of `position` at the latest price seen (zero when none yet)."""
        ticker = self.prices.get(position.symbol)
        return unrealized_pnl(position.side, position.average_entry,
                              ticker.last if ticker else None, position.remaining)

    async def _snapshot(self, active: list[PositionRow]) -> None:
        now = self._clock.now()
        if self._last_snapshot is None:
            latest = await self._equity.latest()
            self._last_snapshot = latest.at if latest else None
        if self._last_snapshot is not None and now - self._last_snapshot < self._snapshot_every:
            return
        try:
            balance = (await self._exchange.fetch_balance()).get(self._quote)
        except ExchangeError as exc:
            logger.warning("equity snapshot skipped: {}", exc.reason)
            return
        if balance is None:
            return
        held = [p for p in active if p.status in (OPEN, PARTIALLY_CLOSED)]
        unrealized = sum((self.unrealized(p) for p in held), ZERO)
        equity = balance.total + sum((self._spot_value(p) for p in held), ZERO)
        await self._equity.add(EquitySnapshot(now, equity, unrealized, len(held)))
        self._last_snapshot = now
        if self._on_equity is not None:
            await self._on_equity(equity)

    def _spot_value(self, position: PositionRow) -> Decimal:
        """Spot balances count the quote only: add what the coins held are worth."""
        if position.market_kind != MarketKind.SPOT.value:
            return ZERO
        ticker = self.prices.get(position.symbol)
        return position.remaining * ticker.last if ticker else ZERO


def _crossed_stop(position: PositionRow, last: Decimal) -> bool:
    stop = position.stop_loss
    return stop is not None and (last - stop) * direction(position.side) <= 0
