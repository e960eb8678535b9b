"""What /status shows, as plain data: mode, trading state, health, listener, jobs, and the
trading figures (positions, today's PnL, equity, the exchange's circuit)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from services.control import ControlState, TradingControl
from services.health import HealthMonitor
from services.performance import Performance
from services.portfolio import Portfolio
from services.scheduler import JobInfo
from services.trading.breaker import BreakerState
from storage.equity import EquityRepository


@dataclass(frozen=True)
class TradingFigures:
    open_positions: int  # open or partly closed
    waiting_positions: int  # waiting for an entry fill or an approval
    today_net_pnl: Decimal  # trades closed today (local day), after fees
    unrealized_pnl: Decimal  # of what is held, at the last tick's prices
    equity: Decimal | None  # the latest equity snapshot (None before the first)
    equity_at: datetime | None
    circuit: BreakerState  # the exchange's circuit breaker
    quote: str
    margin_in_use: Decimal = Decimal(0)  # of every active position
    at_risk: Decimal = Decimal(0)  # lost if every held position hit its stop now


class TradingFiguresSource:
    """Gathers the figures from the database and the last tick: no exchange request, so
    /status answers at once even while the exchange is down."""

    def __init__(self, *, portfolio: Portfolio, performance: Performance,
                 equity: EquityRepository, circuit: Callable[[], BreakerState]) -> None:
        self._portfolio = portfolio
        self._performance = performance
        self._equity = equity
        self._circuit = circuit

    async def __call__(self) -> TradingFigures:
        exposure = await self._portfolio.exposure()
        [today] = await self._performance.pnl("day", 1)
        latest = await self._equity.latest()
        return TradingFigures(
            open_positions=exposure.open, waiting_positions=exposure.waiting,
            today_net_pnl=today.net_pnl, unrealized_pnl=exposure.unrealized_pnl,
            equity=latest.equity if latest else None, equity_at=latest.at if latest else None,
            circuit=self._circuit(), quote=self._performance.quote,
            margin_in_use=exposure.margin, at_risk=exposure.at_risk)


@dataclass(frozen=True)
class StatusSnapshot:
    mode: str
    exchange: str
    market: str
    control: ControlState
    uptime_s: float
    database_ok: bool
    polling_ok: bool
    listener: str
    jobs: tuple[JobInfo, ...] = ()
    timezone: str = "UTC"  # the trader's zone (REPORTS__TIMEZONE), for showing job times
    trading: TradingFigures | None = None


class StatusService:
    def __init__(self, *, mode: str, exchange: str, market: str, control: TradingControl,
                 health: HealthMonitor, jobs: Callable[[], list[JobInfo]] | None = None,
                 timezone: str = "UTC",
                 figures: Callable[[], Awaitable[TradingFigures]] | None = None) -> None:
        self._mode = mode
        self._exchange = exchange
        self._market = market
        self._control = control
        self._health = health
        self._jobs = jobs
        self._timezone = timezone
        self._figures = figures

    async def snapshot(self) -> StatusSnapshot:
        report = await self._health.report()
        return StatusSnapshot(
            mode=self._mode, exchange=self._exchange, market=self._market,
            control=await self._control.state(), uptime_s=report.uptime_s,
            database_ok=report.database_ok, polling_ok=report.polling_ok,
            listener=report.listener,
            jobs=tuple(self._jobs()) if self._jobs else (), timezone=self._timezone,
            trading=await self._figures() if self._figures else None,
        )
