"""The resilient layer every exchange call goes through (live and paper alike).

- Transient failures (network, timeout, 5xx, rate limit) are retried with exponential
  backoff and jitter; an exchange's Retry-After is honoured, and one longer than the
  backoff cap opens the breaker instead of blocking the caller.
- An order is never sent blindly twice. After an ambiguous failure (the request may have
  reached the exchange) the client order id is looked up first, for as long as the order
  could still appear (`order_settle_s`: Binance drops a request older than its receive
  window); only when it has not appeared by then is the order sent again. A duplicate
  client id means "already placed": the existing order is looked up and returned.
- A circuit breaker (`breaker.py`) fails calls fast while the exchange keeps failing.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from loguru import logger

from services.clock import Clock, SystemClock
from services.trading.breaker import (
    BreakerPolicy,
    BreakerState,
    CircuitBreaker,
    CircuitOpen,
    OnBreakerChange,
)
from services.trading.port import (
    Balance,
    Candle,
    DuplicateClientId,
    Exchange,
    ExchangeError,
    ExchangePosition,
    Market,
    Order,
    OrderRequest,
    OrderType,
    Ticker,
    TransientExchangeError,
    error_kind,
)

__all__ = ["BreakerPolicy", "BreakerState", "CircuitBreaker", "CircuitOpen",
           "OrderStateUnknown", "ResilientExchange", "RetryPolicy"]

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
DEFAULT_ORDER_SETTLE_S = 11.0  # Binance's default 10 s receive window + 1 s of clock offset


class OrderStateUnknown(TransientExchangeError):
    """An order may or may not be on the exchange, and looking it up failed too. Keep the
    intent; resolve it later by its client id (reconciliation)."""

    kind = "state_unknown"


@dataclass
class ExchangeStats:
    """What /metrics counts, since start: orders placed and not placed, and every failed
    exchange call (each try) by kind of error."""

    orders_sent: int = 0
    orders_failed: int = 0
    errors: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries per call, the first included
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    jitter: float = 0.5  # up to this fraction of each delay is random
    # How long after an ambiguous send the order may still appear; None: ask the wrapped
    # exchange (`order_settle_s`, as CcxtExchange has) or use DEFAULT_ORDER_SETTLE_S.
    order_settle_s: float | None = None


def is_trigger(request: OrderRequest) -> bool:
    return request.type in (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)


class ResilientExchange(Exchange):
    """Retries, look-up before resend and a circuit breaker around any `Exchange`."""

    def __init__(self, inner: Exchange, *, retry: RetryPolicy | None = None,
                 breaker: BreakerPolicy | CircuitBreaker | None = None,
                 clock: Clock | None = None, sleep: Sleep | None = None,
                 on_change: OnBreakerChange | None = None,
                 rng: random.Random | None = None) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.retry = retry or RetryPolicy()
        self._clock = clock or SystemClock()
        self._sleep = sleep or asyncio.sleep
        self._rng = rng or random.Random()
        self.breaker = breaker if isinstance(breaker, CircuitBreaker) else CircuitBreaker(
            breaker, clock=self._clock, on_change=on_change)
        settle = self.retry.order_settle_s
        if settle is None:
            settle = getattr(inner, "order_settle_s", DEFAULT_ORDER_SETTLE_S)
        self.order_settle_s = float(settle)
        self.stats = ExchangeStats()

    # ---- the two mechanisms -------------------------------------------------------------------
    def backoff(self, attempt: int) -> float:
        """Delay before try `attempt + 1` (attempt counts from 1)."""
        delay = min(self.retry.max_delay_s, self.retry.base_delay_s * 2 ** (attempt - 1))
        return delay * (1 - self.retry.jitter * self._rng.random())

    async def _once(self, call: Callable[[], Awaitable[T]], *, look_up: bool = False) -> T:
        """One call through the breaker; a transient failure is counted against it.

        A look-up after a failed order answers, but proves nothing about placing orders:
        it neither closes the breaker nor resets its count of consecutive failures.
        """
        try:
            await self.breaker.before_call()
        except CircuitOpen as exc:
            self.stats.errors[error_kind(exc)] += 1
            raise
        try:
            result = await call()
        except CircuitOpen:
            raise
        except TransientExchangeError as exc:
            self.stats.errors[error_kind(exc)] += 1
            await self.breaker.record_failure(exc.reason)
            raise
        except asyncio.CancelledError:
            self.breaker.abandon()
            raise
        except Exception as exc:
            self.stats.errors[error_kind(exc)] += 1
            await self._answered(look_up)  # a refusal is an answer
            raise
        await self._answered(look_up)
        return result

    async def _answered(self, look_up: bool) -> None:
        if look_up:
            self.breaker.abandon()
        else:
            await self.breaker.record_success()

    async def _wait_before_retry(self, exc: TransientExchangeError, attempt: int) -> None:
        """Sleep before the next try, or raise `exc` when no try is left or the exchange
        asked for a pause longer than we would block a caller (the breaker opens)."""
        if isinstance(exc, CircuitOpen) or attempt >= self.retry.attempts:
            raise exc
        delay = self.backoff(attempt)
        if exc.retry_after_s is not None:
            if exc.retry_after_s > self.retry.max_delay_s:
                await self.breaker.trip(f"rate limited for {exc.retry_after_s:g} s",
                                        exc.retry_after_s)
                raise exc
            delay = max(delay, exc.retry_after_s)
        await self._sleep(delay)

    async def _call(self, name: str, call: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._once(call)
            except TransientExchangeError as exc:
                await self._wait_before_retry(exc, attempt)
                logger.warning("exchange {} failed ({}), try {} of {}", name, exc.reason,
                               attempt + 1, self.retry.attempts)

    # ---- orders ------------------------------------------------------------------------------
    async def create_order(self, request: OrderRequest) -> Order:
        """Place `request` exactly once, whatever fails in between.

        Raises the inner exchange's refusal (OrderRejected...), a TransientExchangeError when
        the order is known not to be placed, or OrderStateUnknown when it cannot be known.
        """
        try:
            order = await self._place(request)
        except ExchangeError:
            self.stats.orders_failed += 1
            raise
        self.stats.orders_sent += 1
        return order

    async def _place(self, request: OrderRequest) -> Order:
        attempt = 0
        while True:
            attempt += 1
            sent_at = self._clock.monotonic()
            try:
                return await self._once(lambda: self.inner.create_order(request))
            except DuplicateClientId:
                found = await self._look_up(request, deadline=self._clock.monotonic())
                if found is None:
                    raise
                logger.info("order {} was already placed; using it", request.client_id)
                return found
            except CircuitOpen:
                raise
            except TransientExchangeError as exc:
                found = await self._look_up(request, deadline=sent_at + self.order_settle_s)
                if found is not None:
                    logger.info("order {} was placed despite {}", request.client_id,
                                exc.reason)
                    return found
                await self._wait_before_retry(exc, attempt)
                logger.warning("order {} not placed ({}); sending again", request.client_id,
                               exc.reason)

    async def resume_order(self, request: OrderRequest, intent_at: datetime) -> Order:
        """Place an order whose intent an earlier run recorded at `intent_at` (aware UTC)
        and may have sent before it stopped: look it up first — for as long as it could
        still appear — and send it only when it is not there.

        Binance takes a client id again once the first order is filled, so a plain resend
        after a restart could buy twice; this is the restart path for in-flight intents.
        """
        settles_at = intent_at + timedelta(seconds=self.order_settle_s)
        remaining = max(0.0, (settles_at - self._clock.now()).total_seconds())
        found = await self._look_up(request, deadline=self._clock.monotonic() + remaining)
        if found is not None:
            return found
        return await self.create_order(request)

    async def _look_up(self, request: OrderRequest, deadline: float) -> Order | None:
        """The order with the request's client id, polled until `deadline` (monotonic);
        None once the deadline has passed without it. OrderStateUnknown when the exchange
        cannot tell us (look-ups keep failing, or the breaker is open)."""
        failures = 0
        while True:
            try:
                found = await self._once(lambda: self.inner.fetch_order_by_client_id(
                    request.symbol, request.client_id, trigger=is_trigger(request)),
                    look_up=True)
            except TransientExchangeError as exc:
                failures += 1
                if isinstance(exc, CircuitOpen) or failures >= self.retry.attempts:
                    raise OrderStateUnknown(
                        f"order {request.client_id} may have been placed; looking it up "
                        f"failed: {exc.reason}") from exc
                await self._sleep(self.backoff(failures))
                continue
            except ExchangeError as exc:  # any other answer leaves the question open too
                raise OrderStateUnknown(
                    f"order {request.client_id} may have been placed; looking it up "
                    f"failed: {exc.reason}") from exc
            if found is not None:
                return found
            remaining = deadline - self._clock.monotonic()
            if remaining <= 0:
                return None
            await self._sleep(min(remaining, self.backoff(1)))

    async def fetch_order_by_client_id(self, symbol: str, client_id: str,
                                       trigger: bool = False) -> Order | None:
        return await self._call("fetch_order_by_client_id", lambda: (
            self.inner.fetch_order_by_client_id(symbol, client_id, trigger=trigger)))

    async def cancel_order(self, symbol: str, exchange_id: str, trigger: bool = False) -> Order:
        """Retried like a read: cancelling twice cancels once. An OrderNotFound after a failed
        first try may mean the first one worked: the caller looks the order up by client id."""
        return await self._call("cancel_order", lambda: (
            self.inner.cancel_order(symbol, exchange_id, trigger=trigger)))

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        return await self._call("fetch_open_orders",
                                lambda: self.inner.fetch_open_orders(symbol))

    # ---- everything else: plain retries --------------------------------------------------------
    async def load_markets(self, reload: bool = False) -> dict[str, Market]:
        return await self._call("load_markets", lambda: self.inner.load_markets(reload))

    async def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]:
        return await self._call("fetch_tickers", lambda: self.inner.fetch_tickers(symbols))

    async def fetch_candles(self, symbol: str, timeframe: str, since: datetime | None = None,
                            limit: int = 200) -> list[Candle]:
        return await self._call("fetch_candles", lambda: (
            self.inner.fetch_candles(symbol, timeframe, since, limit)))

    async def fetch_balance(self) -> dict[str, Balance]:
        return await self._call("fetch_balance", self.inner.fetch_balance)

    async def fetch_positions(self, symbols: list[str] | None = None) -> list[ExchangePosition]:
        return await self._call("fetch_positions", lambda: self.inner.fetch_positions(symbols))

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        await self._call("set_leverage", lambda: self.inner.set_leverage(symbol, leverage))

    async def set_margin_mode(self, symbol: str, mode: str) -> None:
        await self._call("set_margin_mode", lambda: self.inner.set_margin_mode(symbol, mode))

    async def close(self) -> None:
        await self.inner.close()
