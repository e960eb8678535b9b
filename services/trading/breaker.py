"""A circuit breaker for exchange calls: stop knocking while the exchange is failing.

CLOSED: calls go through; `failure_threshold` consecutive failures → OPEN.
OPEN: calls fail fast with `CircuitOpen` for `cooldown_s` → HALF_OPEN.
HALF_OPEN: one probe call goes through (others fail fast); success → CLOSED, failure → OPEN.

A "failure" is a `TransientExchangeError` (the exchange did not answer properly); a refusal
(rejected order, unknown order...) is an answer, so it counts as success. Time is the
clock's monotonic time, so tests drive it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from loguru import logger

from services.clock import Clock, SystemClock
from services.trading.port import TransientExchangeError


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpen(TransientExchangeError):
    """The breaker is open: nothing was sent to the exchange."""

    kind = "circuit_open"


OnBreakerChange = Callable[[BreakerState, str], Awaitable[None]]


@dataclass(frozen=True)
class BreakerPolicy:
    failure_threshold: int = 5
    cooldown_s: float = 30.0


class CircuitBreaker:
    def __init__(self, policy: BreakerPolicy | None = None, *, clock: Clock | None = None,
                 on_change: OnBreakerChange | None = None) -> None:
        self.policy = policy or BreakerPolicy()
        self.on_change = on_change
        self._clock = clock or SystemClock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._open_until = 0.0
        self._probe_in_flight = False
        self._last_reason = ""

    @property
    def state(self) -> BreakerState:
        """The state now (an OPEN breaker whose cooldown is over reads HALF_OPEN)."""
        if self._state is BreakerState.OPEN and self._clock.monotonic() >= self._open_until:
            return BreakerState.HALF_OPEN
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    async def before_call(self) -> None:
        """Raise CircuitOpen unless a call may go to the exchange now."""
        state = self.state
        if state is BreakerState.CLOSED:
            return
        if state is BreakerState.HALF_OPEN and not self._probe_in_flight:
            if self._state is not BreakerState.HALF_OPEN:
                await self._change(BreakerState.HALF_OPEN, "cooldown over: probing")
            self._probe_in_flight = True
            return
        wait = max(0.0, self._open_until - self._clock.monotonic())
        raise CircuitOpen(f"exchange calls paused after repeated failures "
                          f"({self._last_reason}); next try in {wait:.0f} s", wait or None)

    async def record_success(self) -> None:
        self._failures = 0
        self._probe_in_flight = False
        if self._state is not BreakerState.CLOSED:
            await self._change(BreakerState.CLOSED, "the exchange answers again")

    async def record_failure(self, reason: str) -> None:
        self._failures += 1
        self._last_reason = reason
        probe_failed = self._state is BreakerState.HALF_OPEN
        self._probe_in_flight = False
        if probe_failed or (self._state is BreakerState.CLOSED
                            and self._failures >= self.policy.failure_threshold):
            await self.trip(reason, self.policy.cooldown_s)

    def abandon(self) -> None:
        """A call let through ended without an answer (cancelled): free the probe slot."""
        self._probe_in_flight = False

    async def trip(self, reason: str, cooldown_s: float) -> None:
        """Open now for at least `cooldown_s` (e.g. an exchange's long Retry-After)."""
        self._last_reason = reason
        self._open_until = max(self._open_until, self._clock.monotonic() + cooldown_s)
        self._probe_in_flight = False
        if self._state is not BreakerState.OPEN:
            await self._change(BreakerState.OPEN, reason)

    async def _change(self, state: BreakerState, reason: str) -> None:
        self._state = state
        logger.info("exchange circuit breaker {}: {}", state, reason)
        if self.on_change is None:
            return
        try:
            await self.on_change(state, reason)
        except asyncio.CancelledError:
            raise
        except Exception:  # a failing listener never breaks an exchange call
            logger.exception("exchange circuit breaker listener failed")


@dataclass(frozen=True)
class CircuitChanged:
    """The exchange started failing (the breaker opened) or answers again (it closed).
    Published once per outage: the probes of an outage that re-open it are not news."""

    opened: bool
    reason: str


class CircuitReporter:
    """An `on_change` listener that turns the breaker's moves into CircuitChanged events."""

    def __init__(self, publish: Callable[[CircuitChanged], Awaitable[object]]) -> None:
        self._publish = publish
        self._outage = False

    async def __call__(self, state: BreakerState, reason: str) -> None:
        if state is BreakerState.OPEN and not self._outage:
            self._outage = True
            await self._publish(CircuitChanged(True, reason))
        elif state is BreakerState.CLOSED and self._outage:
            self._outage = False
            await self._publish(CircuitChanged(False, reason))
