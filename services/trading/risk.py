"""The risk gate: every reason not to open a new position, checked before each entry.

Pure: it judges a snapshot (`RiskSnapshot`) against the limits (`RiskLimits`); the engine
gathers the snapshot and records the skip reason it returns. `usage()` feeds /risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class RiskLimits:
    daily_loss_pct: Decimal = Decimal(3)  # of start-of-day equity; halts until the next day
    max_drawdown_pct: Decimal = Decimal(15)  # from peak equity; halts until /resume
    max_open_positions: int = 5
    one_position_per_symbol: bool = True
    max_position_pct: Decimal = Decimal(25)  # one position's margin, % of equity
    channel_allocation_pct: Decimal | None = None  # all of one channel's margin, % of equity
    max_consecutive_losses: int = 3  # a channel losing this many times in a row is disabled
    require_stop_loss: bool = True  # a signal without a stop loss is not traded


@dataclass(frozen=True)
class RiskSnapshot:
    paused: bool
    stopped: bool
    equity: Decimal
    start_of_day_equity: Decimal
    peak_equity: Decimal
    drawdown_halted: bool  # set when the drawdown limit was hit; cleared by /resume
    open_positions: int
    open_symbols: frozenset[str]
    channel_enabled: bool
    channel_margin_in_use: Decimal
    channel_consecutive_losses: int
    circuit_open: bool


@dataclass(frozen=True)
class EntryCandidate:
    symbol: str
    margin: Decimal
    has_stop_loss: bool = True


@dataclass(frozen=True)
class LimitUse:
    """One line of /risk: a limit, how much of it is used, and whether it blocks entries."""

    name: str
    used: Decimal
    limit: Decimal
    blocking: bool


def daily_loss_pct(s: RiskSnapshot) -> Decimal:
    if s.start_of_day_equity <= 0:
        return Decimal(0)
    return max(Decimal(0), (s.start_of_day_equity - s.equity) / s.start_of_day_equity * HUNDRED)


def drawdown_pct(s: RiskSnapshot) -> Decimal:
    if s.peak_equity <= 0:
        return Decimal(0)
    return max(Decimal(0), (s.peak_equity - s.equity) / s.peak_equity * HUNDRED)


def check_entry(limits: RiskLimits, s: RiskSnapshot, candidate: EntryCandidate) -> str | None:
    """The first reason this entry must be skipped, or None when it may go ahead."""
    if s.stopped:
        return "trading is stopped (/resume to start again)"
    if s.paused:
        return "trading is paused (/resume to take new entries)"
    if limits.require_stop_loss and not candidate.has_stop_loss:
        return "the signal gives no stop loss (/set risk.require_stop_loss off to trade such)"
    if s.circuit_open:
        return "the exchange is failing (circuit breaker open); new entries wait"
    if s.drawdown_halted or drawdown_pct(s) >= limits.max_drawdown_pct:
        return (f"drawdown {drawdown_pct(s):.1f}% reached the {limits.max_drawdown_pct}% limit; "
                "entries halted until /resume")
    if daily_loss_pct(s) >= limits.daily_loss_pct:
        return (f"today's loss {daily_loss_pct(s):.1f}% reached the {limits.daily_loss_pct}% "
                "daily limit; entries resume tomorrow")
    if not s.channel_enabled:
        return "the channel is disabled"
    if s.channel_consecutive_losses >= limits.max_consecutive_losses:
        return (f"the channel lost {s.channel_consecutive_losses} times in a row; an admin must "
                "re-enable it")
    if s.open_positions >= limits.max_open_positions:
        return f"{s.open_positions} positions are open, the maximum is {limits.max_open_positions}"
    if limits.one_position_per_symbol and candidate.symbol in s.open_symbols:
        return f"a {candidate.symbol} position is already open"
    if s.equity <= 0:
        return "equity is zero"
    position_pct = candidate.margin / s.equity * HUNDRED
    if position_pct > limits.max_position_pct:
        return (f"the position's margin is {position_pct:.1f}% of equity, above the "
                f"{limits.max_position_pct}% limit")
    if limits.channel_allocation_pct is not None:
        channel_pct = (s.channel_margin_in_use + candidate.margin) / s.equity * HUNDRED
        if channel_pct > limits.channel_allocation_pct:
            return (f"the channel would use {channel_pct:.1f}% of equity, above its "
                    f"{limits.channel_allocation_pct}% allocation")
    return None


def usage(limits: RiskLimits, s: RiskSnapshot) -> list[LimitUse]:
    """Every account-wide limit with its current use, for /risk."""
    return [
        LimitUse("daily_loss_pct", daily_loss_pct(s), limits.daily_loss_pct,
                 daily_loss_pct(s) >= limits.daily_loss_pct),
        LimitUse("drawdown_pct", drawdown_pct(s), limits.max_drawdown_pct,
                 s.drawdown_halted or drawdown_pct(s) >= limits.max_drawdown_pct),
        LimitUse("open_positions", Decimal(s.open_positions), Decimal(limits.max_open_positions),
                 s.open_positions >= limits.max_open_positions),
    ]
