"""Trade statistics behind /stats: win rate, profit factor, expectancy, Sharpe, drawdown.

Pure functions over closed trades; money is Decimal and nothing is rounded here (the
presentation rounds). A trade wins when its net PnL (after fees) is above zero, loses when
below, and is a break-even at exactly zero.

Sharpe is the per-trade Sharpe ratio: the mean of the trades' returns on margin
(net PnL / margin) divided by their sample standard deviation (n − 1), with a risk-free
rate of zero and no annualisation. Per-trade rather than daily, because trades come at no
fixed rate and a per-trade figure needs nothing but the trades (daily returns would need
the equity of every day, trading or not). Trades with no margin recorded have no return
and are left out of it. It is a Decimal computed at 28 significant digits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Context, Decimal, localcontext
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.trades import ClosedTradeRow

ZERO = Decimal(0)
_PRECISION = Context(prec=28)


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    position_id: int
    channel_id: int
    symbol: str
    side: str  # long / short
    opened_at: datetime  # aware UTC
    closed_at: datetime  # aware UTC
    net_pnl: Decimal  # realised PnL after fees
    margin: Decimal
    reason: str  # why it was closed ("" when unknown)

    @classmethod
    def from_row(cls, row: ClosedTradeRow) -> ClosedTrade:
        """The trade of a row from `storage.trades.TradeRepository`."""
        return cls(position_id=row.position_id, channel_id=row.channel_id,
                   symbol=row.symbol, side=row.side, opened_at=row.opened_at,
                   closed_at=row.closed_at, net_pnl=row.net_pnl, margin=row.margin,
                   reason=row.reason or "")

    @property
    def duration(self) -> timedelta:
        return self.closed_at - self.opened_at

    @property
    def return_on_margin(self) -> Decimal | None:
        """Net PnL as a fraction of the margin (0.5 is +50 %); None without a margin."""
        return self.net_pnl / self.margin if self.margin > 0 else None


@dataclass(frozen=True)
class TradeStats:
    trades: int
    wins: int  # net PnL > 0
    losses: int  # net PnL < 0
    breakevens: int  # net PnL == 0
    net_profit: Decimal  # sum of net PnL
    gross_profit: Decimal  # sum of the winning trades
    gross_loss: Decimal  # sum of the losing trades, as a positive amount
    win_rate: Decimal | None  # wins / trades, 0..1; None without trades
    profit_factor: Decimal | None  # gross profit / gross loss; None without losses
    expectancy: Decimal | None  # average net PnL per trade; None without trades
    average_win: Decimal | None
    average_loss: Decimal | None  # negative
    sharpe: Decimal | None  # per-trade, see the module docstring
    max_drawdown: Decimal  # largest fall from a running equity peak, ≥ 0, in money
    max_drawdown_ratio: Decimal | None  # largest fall as a fraction of its peak (0.1 = 10 %)
    best: ClosedTrade | None  # highest net PnL (the earliest of equals)
    worst: ClosedTrade | None  # lowest net PnL (the earliest of equals)
    average_duration: timedelta | None

    @property
    def average_trade(self) -> Decimal | None:
        """The average trade in money: the expectancy."""
        return self.expectancy


@dataclass(frozen=True)
class ChannelStats:
    channels: dict[int, TradeStats]  # by channel id, in ascending id order
    total: TradeStats


def trade_stats(trades: Iterable[ClosedTrade], *,
                starting_equity: Decimal | None = None) -> TradeStats:
    """Statistics of `trades` (in any order; they are taken in order of closing).

    Drawdown follows the equity curve that starts at `starting_equity` and adds each
    trade's net PnL as it closes. Without a starting equity it follows cumulative PnL from
    zero, and the drawdown has no ratio. The money and the ratio maxima may come from
    different points of the curve; each is the largest of its kind.
    """
    ordered = sorted(trades, key=lambda t: (t.closed_at, t.position_id))
    count = len(ordered)
    pnls = [t.net_pnl for t in ordered]
    won = [p for p in pnls if p > 0]
    lost = [p for p in pnls if p < 0]
    gross_profit = sum(won, ZERO)
    gross_loss = sum((-p for p in lost), ZERO)
    net = sum(pnls, ZERO)
    drawdown, ratio = max_drawdown(pnls, starting_equity)
    with localcontext(_PRECISION):
        return TradeStats(
            trades=count, wins=len(won), losses=len(lost),
            breakevens=count - len(won) - len(lost),
            net_profit=net, gross_profit=gross_profit, gross_loss=gross_loss,
            win_rate=Decimal(len(won)) / count if count else None,
            profit_factor=gross_profit / gross_loss if gross_loss else None,
            expectancy=net / count if count else None,
            average_win=gross_profit / len(won) if won else None,
            average_loss=-gross_loss / len(lost) if lost else None,
            sharpe=sharpe([r for t in ordered if (r := t.return_on_margin) is not None]),
            max_drawdown=drawdown, max_drawdown_ratio=ratio,
            best=max(ordered, key=lambda t: t.net_pnl) if ordered else None,
            worst=min(ordered, key=lambda t: t.net_pnl) if ordered else None,
            average_duration=(sum((t.duration for t in ordered), timedelta()) / count
                              if count else None),
        )


def stats_by_channel(trades: Iterable[ClosedTrade], *,
                     starting_equity: Decimal | None = None) -> ChannelStats:
    """Statistics per channel and of all trades together.

    A channel's drawdown is the one the account would have had with that channel's trades
    alone, from the same `starting_equity`.
    """
    trades = list(trades)
    groups: dict[int, list[ClosedTrade]] = {}
    for trade in trades:
        groups.setdefault(trade.channel_id, []).append(trade)
    return ChannelStats(
        channels={channel: trade_stats(groups[channel], starting_equity=starting_equity)
                  for channel in sorted(groups)},
        total=trade_stats(trades, starting_equity=starting_equity))


def sharpe(returns: Sequence[Decimal]) -> Decimal | None:
    """Mean over sample standard deviation of `returns`; None with fewer than two values or
    when they are all equal (no spread to measure against)."""
    n = len(returns)
    if n < 2:
        return None
    with localcontext(_PRECISION):
        mean = sum(returns, ZERO) / n
        variance = sum(((r - mean) ** 2 for r in returns), ZERO) / (n - 1)
        if variance == 0:
            return None
        return mean / variance.sqrt()


def max_drawdown(pnls: Iterable[Decimal],
                 starting_equity: Decimal | None = None) -> tuple[Decimal, Decimal | None]:
    """The largest fall from a running peak of the equity curve `starting_equity` (or 0)
    plus each PnL in turn: (in money ≥ 0, as a fraction of that peak or None).

    The fraction is None without a starting equity, and only counts peaks above zero.
    """
    equity = peak = starting_equity if starting_equity is not None else ZERO
    worst = ZERO
    worst_ratio: Decimal | None = None if starting_equity is None else ZERO
    with localcontext(_PRECISION):
        for pnl in pnls:
            equity += pnl
            if equity >= peak:  # a new high: nothing has fallen
                peak = equity
                continue
            fall = peak - equity
            if fall > worst:
                worst = fall
            if worst_ratio is not None and peak > 0 and fall / peak > worst_ratio:
                worst_ratio = fall / peak
    return worst, worst_ratio
