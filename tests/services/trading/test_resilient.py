"""ResilientExchange around the real CcxtExchange, against the fake Binance: retries, no
duplicate orders after ambiguous failures, and the circuit breaker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from services.trading.breaker import BreakerPolicy, BreakerState, CircuitOpen
from services.trading.ccxt_exchange import CcxtExchange
from services.trading.port import (
    OrderRejected,
    OrderSide,
    OrderStatus,
    OrderType,
    TransientExchangeError,
)
from services.trading.resilient import OrderStateUnknown, ResilientExchange, RetryPolicy
from tests.fakes.exchange import FakeExchange
from tests.services.trading.ccxt_support import (
    BTC,
    BTC_PERP,
    ETH_PERP,
    D,
    ManualClock,
    RecordedSleep,
    exchange_on,
    order,
    requests_to,
)

ORDER_PATH = "/fapi/v1/order"
TICKER_PATH = "/fapi/v2/ticker/price"  # last prices: what fetch_tickers asks for


@pytest.fixture
async def futures(fake: FakeExchange) -> AsyncIterator[CcxtExchange]:
    # a short client timeout so a slow exchange times out quickly
    async with exchange_on(fake, "futures", timeout=150) as exchange:
        await exchange.load_markets()
        yield exchange


def no_jitter(**changes: float) -> RetryPolicy:
    values = {"attempts": 4, "base_delay_s": 0.01, "max_delay_s": 0.08, "jitter": 0.0,
              "order_settle_s": 1.0, **changes}
    return RetryPolicy(**values)  # type: ignore[arg-type]


# ---- retries -----------------------------------------------------------------------------------
async def test_503_is_retried_with_backoff_then_succeeds(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    sleep = RecordedSleep()
    exchange = ResilientExchange(futures, retry=no_jitter(), sleep=sleep)
    fake.fail_next(TICKER_PATH, status=503, msg="Service Unavailable", times=2)
    tickers = await exchange.fetch_tickers([BTC_PERP, ETH_PERP])
    assert tickers[BTC_PERP].last == D("95000")
    assert sleep.delays == [0.01, 0.02]  # exponential
    assert [r.status for r in fake.requests if r.path == TICKER_PATH] == [503, 503, 200]
    assert exchange.breaker.state is BreakerState.CLOSED


async def test_retries_give_up_after_the_configured_attempts(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    exchange = ResilientExchange(futures, retry=no_jitter(attempts=3), sleep=RecordedSleep())
    fake.fail_next(TICKER_PATH, status=502, times=3)
    with pytest.raises(TransientExchangeError, match="unavailable"):
        await exchange.fetch_tickers([BTC_PERP])
    assert requests_to(fake, TICKER_PATH) == 3


async def test_refusals_are_not_retried(fake: FakeExchange, futures: CcxtExchange) -> None:
    exchange = ResilientExchange(futures, retry=no_jitter(), sleep=RecordedSleep())
    with pytest.raises(OrderRejected):
        await exchange.create_order(order("sd-1-entry", amount="0.001"))  # below 100 USDT
    assert requests_to(fake, ORDER_PATH) == 1


def test_backoff_is_exponential_capped_and_jittered() -> None:
    class Inner:
        kind = "futures"
    exchange = ResilientExchange(Inner(), retry=RetryPolicy(  # type: ignore[arg-type]
        base_delay_s=0.5, max_delay_s=4, jitter=0.5, order_settle_s=1))
    for attempt, cap in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        delays = [exchange.backoff(attempt) for _ in range(50)]
        assert all(cap / 2 <= d <= cap for d in delays)
        assert len(set(delays)) > 1


# ---- orders: never twice ---------------------------------------------------------------------------
async def test_timeout_on_an_order_that_was_placed_returns_it_and_places_no_other(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    exchange = ResilientExchange(futures, retry=no_jitter(base_delay_s=0.05))
    # the exchange takes 0.4 s: the client gives up after 0.15 s, the order is placed anyway
    fake.fail_next(f"POST {ORDER_PATH}", status=200, delay=0.4)
    placed = await exchange.create_order(order("sd-2-entry"))
    await fake.settle()
    assert placed.client_id == "sd-2-entry" and placed.status is OrderStatus.FILLED
    assert len(fake.orders("futures")) == 1
    assert requests_to(fake, ORDER_PATH, "POST") == 1  # looked up, never resent
    assert fake.positions()[0]["amount"] == D("0.01")


async def test_500_on_an_order_that_was_not_placed_sends_it_once_more_after_the_window(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    exchange = ResilientExchange(futures, retry=no_jitter(base_delay_s=0.05, order_settle_s=0.3))
    fake.fail_next(f"POST {ORDER_PATH}", status=500)
    placed = await exchange.create_order(order("sd-3-entry"))
    assert placed.status is OrderStatus.FILLED
    assert len(fake.orders("futures")) == 1
    assert requests_to(fake, ORDER_PATH, "POST") == 2
    assert requests_to(fake, ORDER_PATH, "GET") >= 2  # polled until the window closed


async def test_trigger_order_is_looked_up_as_a_trigger_order(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    exchange = ResilientExchange(futures, retry=no_jitter(base_delay_s=0.05))
    await exchange.create_order(order("sd-4-entry"))
    fake.fail_next("POST /fapi/v1/algoOrder", status=200, delay=0.3)
    stop = await exchange.create_order(order("sd-4-sl", side=OrderSide.SELL, trigger="93000",
                                             type=OrderType.STOP_MARKET, reduce_only=True))
    await fake.settle()
    assert stop.type is OrderType.STOP_MARKET and stop.status is OrderStatus.OPEN
    assert requests_to(fake, "/fapi/v1/algoOrder", "POST") == 1
    assert requests_to(fake, "/fapi/v1/algoOrder", "GET") >= 1
    assert len([o for o in fake.orders("futures") if "algoId" in o]) == 1


async def test_duplicate_client_id_returns_the_order_already_placed(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    exchange = ResilientExchange(futures, retry=no_jitter())
    request = order("sd-5-entry", type=OrderType.LIMIT, amount="0.002", price="91000")
    first = await exchange.create_order(request)
    again = await exchange.create_order(request)  # e.g. after a restart mid-flight
    assert again.exchange_id == first.exchange_id and again.status is OrderStatus.OPEN
    assert len(fake.orders("futures")) == 1


async def test_restart_resumes_an_intent_by_looking_it_up_before_sending(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    exchange = ResilientExchange(futures, retry=no_jitter())
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    # the previous run sent this market order and died before recording the answer;
    # Binance would accept the same client id again now that the order is filled
    sent = await futures.create_order(order("sd-11-entry"))
    resumed = await exchange.resume_order(order("sd-11-entry"), intent_at=long_ago)
    assert resumed.exchange_id == sent.exchange_id
    # an intent that never left: placed now, once
    placed = await exchange.resume_order(order("sd-11-sl", side=OrderSide.SELL, trigger="90000",
                                               type=OrderType.STOP_MARKET, reduce_only=True),
                                         intent_at=long_ago)
    assert placed.status is OrderStatus.OPEN
    assert requests_to(fake, ORDER_PATH, "POST") == 1
    assert requests_to(fake, "/fapi/v1/algoOrder", "POST") == 1


async def test_a_fresh_intent_is_polled_until_its_window_closes(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    clock = ManualClock()
    sleep = RecordedSleep(clock)
    exchange = ResilientExchange(futures, retry=no_jitter(base_delay_s=0.5, max_delay_s=1,
                                                          order_settle_s=3),
                                 clock=clock, sleep=sleep)
    await exchange.resume_order(order("sd-12-entry"), intent_at=clock.now())
    assert sum(sleep.delays) == pytest.approx(3.0)  # waited out the window, then sent
    assert requests_to(fake, ORDER_PATH, "POST") == 1


async def test_cancel_is_retried_after_a_timeout(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    exchange = ResilientExchange(futures, retry=no_jitter(), sleep=RecordedSleep())
    resting = await exchange.create_order(order("sd-10-entry", type=OrderType.LIMIT,
                                                amount="0.002", price="91000"))
    fake.fail_next(f"DELETE {ORDER_PATH}", status=504)
    cancelled = await exchange.cancel_order(BTC_PERP, resting.exchange_id)
    assert cancelled.status is OrderStatus.CANCELED
    assert await exchange.fetch_open_orders(BTC_PERP) == []


async def test_order_state_unknown_when_the_look_up_keeps_failing(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    exchange = ResilientExchange(futures, retry=no_jitter(attempts=2), sleep=RecordedSleep())
    fake.fail_next(f"POST {ORDER_PATH}", status=200, delay=0.3)
    fake.fail_next(f"GET {ORDER_PATH}", status=503, times=5)
    with pytest.raises(OrderStateUnknown, match="sd-6-entry may have been placed"):
        await exchange.create_order(order("sd-6-entry"))
    await fake.settle()
    assert requests_to(fake, ORDER_PATH, "POST") == 1  # never resent blindly


# ---- circuit breaker -------------------------------------------------------------------------------
async def test_breaker_opens_after_5_failures_fails_fast_then_a_probe_closes_it(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    clock = ManualClock()
    events: list[tuple[BreakerState, str]] = []

    async def on_change(state: BreakerState, reason: str) -> None:
        events.append((state, reason))

    exchange = ResilientExchange(
        futures, retry=no_jitter(attempts=1), breaker=BreakerPolicy(5, cooldown_s=30),
        clock=clock, sleep=RecordedSleep(clock), on_change=on_change)
    fake.fail_next(TICKER_PATH, status=503, times=6)
    for _ in range(5):
        with pytest.raises(TransientExchangeError):
            await exchange.fetch_tickers([BTC_PERP])
    assert exchange.breaker.state is BreakerState.OPEN
    assert [state for state, _ in events] == [BreakerState.OPEN]
    before = len(fake.requests)
    with pytest.raises(CircuitOpen, match="paused"):
        await exchange.fetch_tickers([BTC_PERP])
    with pytest.raises(CircuitOpen):  # nothing is sent: no order can be placed twice
        await exchange.create_order(order("sd-7-entry"))
    assert len(fake.requests) == before

    clock.advance(30)
    assert exchange.breaker.state is BreakerState.HALF_OPEN
    with pytest.raises(TransientExchangeError):  # the probe fails (6th 503): open again
        await exchange.fetch_tickers([BTC_PERP])
    assert exchange.breaker.state is BreakerState.OPEN
    clock.advance(30)
    assert (await exchange.fetch_tickers([BTC_PERP]))[BTC_PERP].last == D("95000")
    assert exchange.breaker.state is BreakerState.CLOSED
    assert [state for state, _ in events] == [
        BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.OPEN, BreakerState.HALF_OPEN,
        BreakerState.CLOSED]


async def test_a_long_retry_after_opens_the_breaker_instead_of_blocking(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    clock = ManualClock()
    sleep = RecordedSleep(clock)
    exchange = ResilientExchange(futures, retry=no_jitter(max_delay_s=10), clock=clock,
                                 sleep=sleep, breaker=BreakerPolicy(5, cooldown_s=5))
    fake.fail_next(TICKER_PATH, status=429, code=-1003, msg="Too many requests", retry_after=2)
    await exchange.fetch_tickers([BTC_PERP])  # 2 s ≤ the cap: waited as asked
    assert sleep.delays == [2.0]
    fake.fail_next(TICKER_PATH, status=418, code=-1003, msg="IP banned", retry_after=120)
    with pytest.raises(TransientExchangeError, match="rate limiting"):
        await exchange.fetch_tickers([BTC_PERP])
    assert exchange.breaker.state is BreakerState.OPEN
    clock.advance(60)
    assert exchange.breaker.state is BreakerState.OPEN  # for the exchange's 120 s
    clock.advance(61)
    assert exchange.breaker.state is BreakerState.HALF_OPEN


async def test_refusals_count_as_answers_for_the_breaker(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    exchange = ResilientExchange(futures, retry=no_jitter(attempts=1),
                                 breaker=BreakerPolicy(2, cooldown_s=30), sleep=RecordedSleep())
    fake.fail_next(TICKER_PATH, status=503)
    with pytest.raises(TransientExchangeError):
        await exchange.fetch_tickers([BTC_PERP])
    with pytest.raises(OrderRejected):
        await exchange.create_order(order("sd-8-entry", amount="0.001"))
    assert exchange.breaker.consecutive_failures == 0
    assert exchange.breaker.state is BreakerState.CLOSED


async def test_a_failing_listener_never_breaks_a_call(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    async def broken(state: BreakerState, reason: str) -> None:
        raise RuntimeError("notifier down")

    exchange = ResilientExchange(futures, retry=no_jitter(attempts=1), on_change=broken,
                                 breaker=BreakerPolicy(1, cooldown_s=30), sleep=RecordedSleep())
    fake.fail_next(TICKER_PATH, status=503)
    with pytest.raises(TransientExchangeError):
        await exchange.fetch_tickers([BTC_PERP])
    assert exchange.breaker.state is BreakerState.OPEN


async def test_spot_wrapper_passes_everything_through(fake: FakeExchange) -> None:
    async with exchange_on(fake, "spot") as spot:
        exchange = ResilientExchange(spot, retry=no_jitter())
        assert exchange.kind == "spot" and exchange.order_settle_s == 1.0
        markets = await exchange.load_markets()
        placed = await exchange.create_order(order("sd-9-entry", symbol=BTC, amount="0.001"))
        assert placed.status is OrderStatus.FILLED and BTC in markets
        assert (await exchange.fetch_balance())["BTC"].total == D("0.000999")
        assert await exchange.fetch_open_orders() == []
        assert await exchange.fetch_positions() == []
        assert len(await exchange.fetch_candles(BTC, "1m", limit=2)) == 2


# ---- what /metrics counts ----------------------------------------------------------------------
async def test_orders_and_failed_calls_are_counted_by_kind(
        fake: FakeExchange, futures: CcxtExchange) -> None:
    clock = ManualClock()
    exchange = ResilientExchange(futures, retry=no_jitter(max_delay_s=10, order_settle_s=0.3),
                                 clock=clock, sleep=RecordedSleep(clock),
                                 breaker=BreakerPolicy(2, cooldown_s=30))
    await exchange.create_order(order("sd-20-entry"))
    with pytest.raises(OrderRejected):
        await exchange.create_order(order("sd-21-entry", amount="0.001"))  # below 100 USDT
    fake.fail_next(TICKER_PATH, status=429, code=-1003, msg="Too many requests", retry_after=1)
    fake.fail_next(TICKER_PATH, status=503, msg="Service Unavailable", times=1)
    with pytest.raises(CircuitOpen):  # 429, then 503: two failures open the breaker
        await exchange.fetch_tickers([BTC_PERP])
    stats = exchange.stats
    assert (stats.orders_sent, stats.orders_failed) == (1, 1)
    assert stats.errors["rejected"] == 1
    assert stats.errors["rate_limited"] == 1 and stats.errors["unavailable"] >= 1
    assert exchange.breaker.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen):
        await exchange.create_order(order("sd-22-entry"))
    assert stats.orders_failed == 2 and stats.errors["circuit_open"] >= 1
