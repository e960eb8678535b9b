"""What /pnl, /daily, /weekly, /monthly, /stats, /risk and /chart show, as plain data.

No Telegram here: each method gathers the numbers from the repositories and the risk
monitor and returns typed data that the handlers turn into text or charts. Periods are cut
at local midnight in `tz` (the risk monitor's zone, so /pnl and the daily loss limit agree).
The equity each period starts with comes from `services.equity_history`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from loguru import logger

from services.charts.data import ChannelResult, DayPnl, EquityPoint
from services.clock import Clock
from services.control import ControlState, TradingControl, TradingState
from services.equity_history import EquityHistory, Opening
from services.periods import Period, PeriodKind, PeriodPnl, period_bounds, period_pnl
from services.runtime_config import RuntimeConfig
from services.stats import ChannelStats, ClosedTrade, stats_by_channel
from services.trading.breaker import BreakerState
from services.trading.paper import PaperAccount
from services.trading.port import ExchangeError
from services.trading.resilient import ResilientExchange
from services.trading.risk import HUNDRED, LimitUse, RiskLimits, usage
from services.trading.risk_monitor import RiskMonitor
from storage.channels import ChannelRepository, channel_label
from storage.equity import EquityRepository
from storage.positions import PositionRepository
from storage.trades import TradeRepository

ZERO = Decimal(0)
SUMS_CACHED = 16  # period views kept (/pnl, /daily 7, the 30-day chart, reports …)
MAX_EQUITY_POINTS = 1500  # a 1200-pixel-wide chart shows no more; snapshots come every 5 min


@dataclass(frozen=True)
class StatsReport:
    stats: ChannelStats  # per channel and total (the one channel's alone when asked)
    names: dict[int, str]  # channel id → @username, title or id
    starting_equity: Decimal | None  # the opening equity the drawdowns are measured from


@dataclass(frozen=True)
class SwitchedOff:
    name: str
    reason: str | None  # why the bot switched it off; None when an admin did


@dataclass(frozen=True)
class RiskReport:
    """Every limit with its use, and every reason new entries are refused now."""

    equity: Decimal
    equity_known: bool  # False when neither the exchange nor a snapshot told the equity
    start_of_day_equity: Decimal
    peak_equity: Decimal
    settings: RiskLimits
    limits: tuple[LimitUse, ...]  # daily_loss_pct, drawdown_pct, open_positions, position_pct
    allocations: tuple[LimitUse, ...]  # channels with margin in use, largest first
    control: ControlState  # paused / stopped / halted (with its reason) / running
    daily_halt_until: datetime | None  # next local midnight, when the daily limit is reached
    circuit_open: bool  # the exchange is failing; new entries wait
    switched_off: tuple[SwitchedOff, ...]
    tz: ZoneInfo

    @property
    def entries_allowed(self) -> bool:
        return (self.control.state is TradingState.RUNNING and self.daily_halt_until is None
                and not self.circuit_open and not any(u.blocking for u in self.limits))


def with_starting_equity(p: PeriodPnl, equity: Decimal | None) -> PeriodPnl:
    """The period with the equity it started with and its PnL's share of it."""
    share = p.net_pnl / equity if equity is not None and equity > 0 else None
    return replace(p, starting_equity=equity, equity_return=share)


class Performance:
    def __init__(self, *, trades: TradeRepository, equity: EquityRepository,
                 positions: PositionRepository, channels: ChannelRepository, risk: RiskMonitor,
                 control: TradingControl, config: RuntimeConfig, exchange: ResilientExchange,
                 clock: Clock, tz: ZoneInfo,
                 paper_account: Callable[[], Awaitable[PaperAccount]] | None = None,
                 quote: str = "USDT") -> None:
        """`paper_account` gives the paper account's opening balance (None in live mode)."""
        self._trades = trades
        self._equity = equity
        self._positions = positions
        self._channels = channels
        self._risk = risk
        self._control = control
        self._config = config
        self._exchange = exchange
        self._clock = clock
        self.tz = tz
        self.history = EquityHistory(trades=trades, equity=equity, paper_account=paper_account)
        self.quote = quote
        # channel id (None: all) → (history mark, statistics, starting equity)
        self._stats_cache: dict[int | None, tuple[tuple[int, str | None], ChannelStats,
                                                  Decimal | None]] = {}
        # (kind, count, first period's start) → (history mark, the periods' trade sums)
        self._sums_cache: dict[tuple[str, int, datetime],
                               tuple[tuple[int, str | None], list[PeriodPnl]]] = {}

    # ---- periods ------------------------------------------------------------------------------
    async def pnl(self, kind: PeriodKind, count: int) -> list[PeriodPnl]:
        """Net PnL of the last `count` days / weeks / months, oldest first, the current one
        last, each with its share of the equity the period started with."""
        now = self._clock.now()
        periods = period_bounds(kind, count, now=now, tz=self.tz)
        sums = await self._period_sums(kind, count, now, periods[0].start)
        equities = await self._starting_equities(periods)
        return [with_starting_equity(p, equities.get(p.start)) for p in sums]

    async def _period_sums(self, kind: PeriodKind, count: int, now: datetime,
                           first: datetime) -> list[PeriodPnl]:
        """The periods' trade sums, kept until a trade closes or a closed one changes (a
        month of trades is 50,000 rows at 100,000 trades in 60 days)."""
        mark = await self._trades.history_mark()
        key = (kind, count, first)
        cached = self._sums_cache.get(key)
        if cached is not None and cached[0] == mark:
            return cached[1]
        periods = period_bounds(kind, count, now=now, tz=self.tz)
        trades = await self._trades.pnl_between(periods[0].start, periods[-1].end)
        sums = period_pnl(trades, kind=kind, count=count, now=now, tz=self.tz)
        if len(self._sums_cache) >= SUMS_CACHED:
            self._sums_cache.pop(next(iter(self._sums_cache)))  # the oldest
        self._sums_cache[key] = (mark, sums)
        return sums

    async def _starting_equities(self, periods: list[Period]) -> dict[datetime, Decimal]:
        return await self.history.starting_equities(periods)

    async def opening(self) -> Opening | None:
        """The paper account's starting balance, else the first equity snapshot."""
        return await self.history.opening()

    # ---- statistics ---------------------------------------------------------------------------
    async def stats(self, channel_id: int | None = None) -> StatsReport:
        """Trade statistics per channel and in total (of `channel_id` alone when given).

        They read every closed trade (seconds at 100,000), so they are kept until a trade
        closes or a closed one changes; the channels' names are looked up each time."""
        mark = await self._trades.history_mark()
        cached = self._stats_cache.get(channel_id)
        if cached is not None and cached[0] == mark:
            stats, starting = cached[1], cached[2]
        else:
            rows = await self._trades.all_closed(channel_id)
            opening = await self.opening()
            starting = opening.equity if opening is not None else None
            stats = stats_by_channel((ClosedTrade.from_row(r) for r in rows),
                                     starting_equity=starting)
            self._stats_cache[channel_id] = (mark, stats, starting)
        ids = set(stats.channels) | ({channel_id} if channel_id is not None else set())
        return StatsReport(stats, await self.channel_names(ids), starting)

    async def channel_names(self, ids: set[int]) -> dict[int, str]:
        return {i: channel_label(await self._channels.get(i), i) for i in sorted(ids)}

    # ---- risk ---------------------------------------------------------------------------------
    async def risk(self) -> RiskReport:
        """Each limit with its current use, and what halts new entries now and why."""
        equity = await self._equity_now()
        active = await self._positions.active()
        circuit_open = self._exchange.breaker.state is BreakerState.OPEN
        snapshot = await self._risk.snapshot(
            equity_now=equity if equity is not None else ZERO, active=active, channel=None,
            channel_id=0, circuit_open=circuit_open)
        settings = await self._config.risk_limits()
        account = usage(settings, snapshot)
        held = snapshot.equity
        largest = max((p.margin for p in active), default=ZERO)
        position = LimitUse("position_pct", largest / held * HUNDRED if held > 0 else ZERO,
                            settings.max_position_pct, blocking=False)
        allocations: list[LimitUse] = []
        if settings.channel_allocation_pct is not None:
            margins: dict[int, Decimal] = {}
            for p in active:
                margins[p.channel_id] = margins.get(p.channel_id, ZERO) + p.margin
            names = await self.channel_names(set(margins))
            allocations = [LimitUse(names[c], m / held * HUNDRED if held > 0 else ZERO,
                                    settings.channel_allocation_pct, blocking=False)
                           for c, m in sorted(margins.items(), key=lambda i: -i[1])]
        daily = account[0]
        now = self._clock.now()
        until = period_bounds("day", 1, now=now, tz=self.tz)[0].end if daily.blocking else None
        return RiskReport(
            equity=held, equity_known=equity is not None,
            start_of_day_equity=snapshot.start_of_day_equity,
            peak_equity=snapshot.peak_equity, settings=settings,
            limits=(*account, position), allocations=tuple(allocations),
            control=await self._control.state(), daily_halt_until=until,
            circuit_open=circuit_open,
            switched_off=tuple(SwitchedOff(c.name, c.disabled_reason)
                               for c in await self._channels.all() if not c.enabled),
            tz=self.tz)

    async def _equity_now(self) -> Decimal | None:
        """The quote balance the risk gate judges; the latest snapshot if the exchange does
        not answer."""
        try:
            balance = (await self._exchange.fetch_balance()).get(self.quote)
        except ExchangeError as exc:
            logger.warning("balance for /risk unavailable, using the last snapshot: {}",
                           exc.reason)
            balance = None
        if balance is not None:
            return balance.total
        latest = await self._equity.latest()
        return latest.equity if latest is not None else None

    # ---- chart inputs -------------------------------------------------------------------------
    async def equity_points(self, days: int) -> list[EquityPoint]:
        """The equity snapshots of the last `days` days, thinned to what a chart can show
        (the last one always kept)."""
        now = self._clock.now()
        snapshots = await self._equity.between(now - timedelta(days=days),
                                               now + timedelta(seconds=1))
        if len(snapshots) < 2:  # a new bot: draw the realised curve until ticks measure it
            return await self._realised_points(now - timedelta(days=days), now)
        step = -(-len(snapshots) // MAX_EQUITY_POINTS) or 1
        kept = snapshots[::step]
        if kept[-1] is not snapshots[-1]:
            kept.append(snapshots[-1])
        return [EquityPoint(s.at, s.equity) for s in kept]

    async def _realised_points(self, start: datetime, now: datetime) -> list[EquityPoint]:
        """The opening equity plus each trade's net PnL as it closed (from `start`, or from
        the opening when later); nothing when the opening is not known."""
        opening = await self.opening()
        if opening is None:
            return []
        since = max(start, opening.at)
        [equity] = (await self.history.starting_equities(
            [Period("day", since.date(), since, now)])).values() or [opening.equity]
        points = [EquityPoint(since, equity)]
        for trade in await self._trades.pnl_between(since, now + timedelta(seconds=1)):
            equity += trade.net_pnl
            points.append(EquityPoint(trade.closed_at, equity))
        step = -(-len(points) // MAX_EQUITY_POINTS) or 1
        return points[::step] if step == 1 else [*points[::step][:-1], points[-1]]

    async def daily_pnl(self, days: int) -> list[DayPnl]:
        """Net PnL of each of the last `days` local days that had trades."""
        return [DayPnl(p.first_day, p.net_pnl) for p in await self.pnl("day", days) if p.trades]

    async def channel_results(self) -> list[ChannelResult]:
        """Every channel's net PnL, trade count and win rate over all closed trades."""
        report = await self.stats()
        return [ChannelResult(report.names[c], s.net_profit, s.trades, s.win_rate or ZERO)
                for c, s in report.stats.channels.items()]
