"""The account-wide risk state the gate judges, and the halts it takes by itself.

- start-of-day equity: the first equity snapshot since local midnight (`tz`); before the
  first snapshot of the day, the equity now (and a snapshot is due at the next tick);
- peak equity: the highest snapshot since the last resume after a drawdown halt;
- max drawdown reached → trading HALTED (control state, survives restarts) until /resume;
- daily loss reached → entries refused until local midnight, announced once a day;
- a channel losing `risk.max_consecutive_losses` trades in a row is switched off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.clock import Clock
from services.control import TradingControl, TradingState
from services.events import EventBus
from services.runtime_config import RuntimeConfig
from services.trading.engine_events import PositionClosed
from services.trading.risk import RiskSnapshot, daily_loss_pct, drawdown_pct
from storage.channels import ChannelRepository, ChannelRow
from storage.equity import EquityRepository
from storage.positions import PositionRow


@dataclass(frozen=True)
class RiskHalted:
    """The risk gate stopped new entries: `kind` drawdown (until /resume) or daily_loss
    (until local midnight)."""

    kind: str
    reason: str


@dataclass(frozen=True)
class ChannelSwitchedOff:
    """A channel lost `losses` trades in a row and takes no new signals until re-enabled."""

    channel_id: int
    name: str
    losses: int


class RiskMonitor:
    def __init__(self, *, equity: EquityRepository, channels: ChannelRepository,
                 control: TradingControl, config: RuntimeConfig, events: EventBus,
                 clock: Clock, tz: ZoneInfo | None = None) -> None:
        self._equity = equity
        self._channels = channels
        self._control = control
        self._config = config
        self._events = events
        self._clock = clock
        self.tz = tz or ZoneInfo("UTC")
        self._daily_announced: date | None = None

    def day_start(self, now: datetime) -> datetime:
        """Local midnight of `now`'s day in the trader's time zone, as aware UTC."""
        local = now.astimezone(self.tz).date()
        return datetime.combine(local, time(0), self.tz).astimezone(UTC)

    async def start_of_day_equity(self, equity_now: Decimal) -> Decimal:
        first = await self._equity.first_since(self.day_start(self._clock.now()))
        return first.equity if first is not None else equity_now

    async def peak_equity(self, equity_now: Decimal) -> Decimal:
        peak = await self._equity.peak(await self._control.peak_since())
        return max(peak, equity_now) if peak is not None else equity_now

    async def snapshot(self, *, equity_now: Decimal, active: list[PositionRow],
                       channel: ChannelRow | None, channel_id: int,
                       circuit_open: bool) -> RiskSnapshot:
        """Everything `risk.check_entry` judges, as it stands now."""
        control = await self._control.state()
        return RiskSnapshot(
            paused=control.state is TradingState.PAUSED,
            stopped=control.state is TradingState.STOPPED, equity=equity_now,
            start_of_day_equity=await self.start_of_day_equity(equity_now),
            peak_equity=await self.peak_equity(equity_now),
            drawdown_halted=control.state is TradingState.HALTED,
            open_positions=len(active), open_symbols=frozenset(p.symbol for p in active),
            channel_enabled=channel.enabled if channel is not None else True,
            channel_margin_in_use=sum((p.margin for p in active if p.channel_id == channel_id),
                                      Decimal(0)),
            channel_consecutive_losses=0,  # a losing run switches the channel off instead
            circuit_open=circuit_open)

    async def on_equity(self, equity_now: Decimal) -> None:
        """After each equity snapshot: halt on max drawdown, announce the daily limit."""
        limits = await self._config.risk_limits()
        probe = RiskSnapshot(
            paused=False, stopped=False, equity=equity_now,
            start_of_day_equity=await self.start_of_day_equity(equity_now),
            peak_equity=await self.peak_equity(equity_now), drawdown_halted=False,
            open_positions=0, open_symbols=frozenset(), channel_enabled=True,
            channel_margin_in_use=Decimal(0), channel_consecutive_losses=0, circuit_open=False)
        drawdown = drawdown_pct(probe)
        if drawdown >= limits.max_drawdown_pct:
            reason = (f"drawdown {drawdown:.1f}% from the peak reached the "
                      f"{limits.max_drawdown_pct}% limit")
            if (await self._control.halt(reason)).changed:
                await self._events.publish(RiskHalted("drawdown", reason))
        loss = daily_loss_pct(probe)
        today = self._clock.now().astimezone(self.tz).date()
        if loss >= limits.daily_loss_pct and self._daily_announced != today:
            self._daily_announced = today
            await self._events.publish(RiskHalted(
                "daily_loss", f"today's loss {loss:.1f}% reached the {limits.daily_loss_pct}% "
                              "daily limit; entries resume after midnight"))

    async def on_closed(self, event: PositionClosed) -> None:
        """A losing trade may end a channel's run of chances."""
        position = event.position
        if position.net_pnl >= 0 or position.filled_amount <= 0:
            return
        channel = await self._channels.get(position.channel_id)
        if channel is None or not channel.enabled:
            return
        limit = int(await self._config.get("risk.max_consecutive_losses"))
        run = await self._channels.losing_run(channel.channel_id, channel.losses_counted_from,
                                              limit)
        if run >= limit:
            await self._channels.set_enabled(
                channel.channel_id, False, self._clock.now(),
                reason=f"{run} losing trades in a row")
            await self._events.publish(ChannelSwitchedOff(channel.channel_id, channel.name, run))

