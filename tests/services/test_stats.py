"""Trade statistics behind /stats: worked examples with exact numbers, and properties that
hold for any set of trades."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.stats import ClosedTrade, max_drawdown, sharpe, stats_by_channel, trade_stats
from storage.trades import ClosedTradeRow

D = Decimal
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def trade(position_id: int, net: str, *, margin: str = "100", channel: int = -1001,
          hours: int = 1, closed_after: timedelta | None = None) -> ClosedTrade:
    closed = T0 + (closed_after if closed_after is not None else timedelta(days=position_id))
    return ClosedTrade(position_id=position_id, channel_id=channel, symbol="BTC/USDT:USDT",
                       side="long", opened_at=closed - timedelta(hours=hours),
                       closed_at=closed, net_pnl=D(net), margin=D(margin), reason="tp")


WORKED = [trade(1, "100", hours=1), trade(2, "-50", hours=2), trade(3, "30", hours=3),
          trade(4, "0", hours=4), trade(5, "-20", hours=5)]


def test_worked_example_gives_exact_figures() -> None:
    stats = trade_stats(WORKED, starting_equity=D(1000))
    assert (stats.trades, stats.wins, stats.losses, stats.breakevens) == (5, 2, 2, 1)
    assert stats.net_profit == D(60)
    assert (stats.gross_profit, stats.gross_loss) == (D(130), D(70))
    assert stats.win_rate == D("0.4")
    assert stats.profit_factor == D(130) / D(70)
    assert str(stats.profit_factor) == "1.857142857142857142857142857"
    assert stats.expectancy == stats.average_trade == D(12)
    assert (stats.average_win, stats.average_loss) == (D(65), D(-35))
    # Equity 1000 → 1100 (peak) → 1050 → 1080 → 1080 → 1060: the worst fall is 50 from 1100.
    assert stats.max_drawdown == D(50)
    assert stats.max_drawdown_ratio == D(50) / D(1100)
    assert stats.best is WORKED[0] and stats.worst is WORKED[1]
    assert stats.average_duration == timedelta(hours=3)


def test_sharpe_is_mean_over_sample_stdev_of_returns_on_margin() -> None:
    # Returns 1, −0.5, 0.3, 0, −0.2: mean 0.12, sample variance 1.308 / 4 = 0.327.
    stats = trade_stats(WORKED)
    assert stats.sharpe == D("0.12") / D("0.327").sqrt()
    assert abs(float(stats.sharpe) - 0.20985) < 1e-5


def test_sharpe_needs_two_returns_with_some_spread() -> None:
    assert sharpe([]) is None
    assert sharpe([D("0.5")]) is None
    assert sharpe([D("0.1"), D("0.1"), D("0.1")]) is None
    assert sharpe([D("0.1"), D("0.3")]) == D("0.2") / D("0.02").sqrt()


def test_trades_without_margin_are_left_out_of_sharpe_only() -> None:
    trades = [trade(1, "10", margin="100"), trade(2, "-5", margin="0"),
              trade(3, "30", margin="100")]
    stats = trade_stats(trades)
    assert stats.trades == 3 and stats.net_profit == D(35)
    assert stats.sharpe == sharpe([D("0.1"), D("0.3")])


def test_no_losses_means_no_profit_factor() -> None:
    stats = trade_stats([trade(1, "10"), trade(2, "0")])
    assert stats.profit_factor is None
    assert stats.gross_loss == 0 and not stats.gross_loss.is_signed()
    assert stats.average_loss is None


def test_only_losses_gives_a_profit_factor_of_zero() -> None:
    assert trade_stats([trade(1, "-10"), trade(2, "-3")]).profit_factor == 0


def test_no_trades_gives_zeros_and_nones() -> None:
    stats = trade_stats([], starting_equity=D(1000))
    assert (stats.trades, stats.wins, stats.losses, stats.net_profit) == (0, 0, 0, 0)
    assert stats.win_rate is None and stats.expectancy is None and stats.sharpe is None
    assert stats.best is None and stats.worst is None and stats.average_duration is None
    assert (stats.max_drawdown, stats.max_drawdown_ratio) == (0, 0)


def test_drawdown_follows_the_order_of_closing_not_of_the_list() -> None:
    late_loss = trade(2, "-40")
    early_win = trade(1, "100")
    stats = trade_stats([late_loss, early_win], starting_equity=D(1000))
    assert stats.max_drawdown == D(40)  # 1000 → 1100 → 1060, not 1000 → 960 → 1060


def test_drawdown_money_and_ratio_maxima_may_come_from_different_falls() -> None:
    # 100 → 50 (−50, half the peak) → 1000 → 900 (−100, a tenth of the peak).
    money, ratio = max_drawdown([D(-50), D(950), D(-100)], D(100))
    assert (money, ratio) == (D(100), D("0.5"))


def test_drawdown_without_starting_equity_follows_cumulative_pnl_and_has_no_ratio() -> None:
    assert max_drawdown([D(-30), D(10), D(-5)]) == (D(30), None)
    stats = trade_stats([trade(1, "20"), trade(2, "-35")])
    assert (stats.max_drawdown, stats.max_drawdown_ratio) == (D(35), None)


def test_stats_by_channel_splits_and_totals() -> None:
    trades = [trade(1, "10", channel=-2), trade(2, "-4", channel=-1),
              trade(3, "6", channel=-2)]
    result = stats_by_channel(trades, starting_equity=D(500))
    assert list(result.channels) == [-2, -1]
    assert result.channels[-2].net_profit == D(16) and result.channels[-2].wins == 2
    assert result.channels[-1].losses == 1
    assert result.total.trades == 3 and result.total.net_profit == D(12)


def test_a_storage_row_becomes_a_trade_with_net_pnl_after_fees() -> None:
    row = ClosedTradeRow(position_id=7, channel_id=-5, symbol="ETH/USDT:USDT", side="short",
                         opened_at=T0, closed_at=T0 + timedelta(minutes=90),
                         realized_pnl=D("12.5"), fees=D("0.75"), margin=D("50"), reason=None)
    closed = ClosedTrade.from_row(row)
    assert closed.net_pnl == D("11.75")
    assert closed.reason == ""
    assert closed.duration == timedelta(minutes=90)
    assert closed.return_on_margin == D("0.235")


# -- properties --------------------------------------------------------------------------

money = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False,
                    allow_infinity=False)


@st.composite
def trade_lists(draw: st.DrawFn) -> list[ClosedTrade]:
    count = draw(st.integers(min_value=0, max_value=30))
    trades = []
    for position_id in range(1, count + 1):
        closed = T0 + timedelta(minutes=draw(st.integers(0, 60 * 24 * 60)))
        trades.append(ClosedTrade(
            position_id=position_id, channel_id=draw(st.sampled_from([-1, -2, -3])),
            symbol="BTC/USDT:USDT", side=draw(st.sampled_from(["long", "short"])),
            opened_at=closed - timedelta(minutes=draw(st.integers(0, 60 * 24 * 7))),
            closed_at=closed, net_pnl=draw(money),
            margin=draw(st.decimals(min_value=0, max_value=1000, places=2)), reason=""))
    return trades


equities = st.none() | st.decimals(min_value=1, max_value=100_000, places=2)


@given(trade_lists(), equities)
def test_counts_add_up_and_rates_stay_in_range(trades: list[ClosedTrade],
                                               start: Decimal | None) -> None:
    stats = trade_stats(trades, starting_equity=start)
    assert stats.wins + stats.losses + stats.breakevens == stats.trades == len(trades)
    assert stats.net_profit == stats.gross_profit - stats.gross_loss
    if trades:
        assert stats.win_rate is not None and 0 <= stats.win_rate <= 1
        assert stats.best is not None and stats.worst is not None
        assert stats.expectancy is not None
        assert stats.worst.net_pnl <= stats.expectancy <= stats.best.net_pnl
        assert stats.average_duration is not None and stats.average_duration >= timedelta(0)
    else:
        assert stats.win_rate is None


@given(trade_lists())
def test_profit_factor_is_consistent_with_the_net_result(trades: list[ClosedTrade]) -> None:
    stats = trade_stats(trades)
    if stats.losses == 0:
        assert stats.profit_factor is None
    else:
        assert stats.profit_factor == stats.gross_profit / stats.gross_loss
        assert (stats.profit_factor > 1) == (stats.net_profit > 0)
        assert (stats.profit_factor == 1) == (stats.net_profit == 0)


@given(trade_lists(), equities)
def test_drawdown_is_never_negative_nor_more_than_all_losses(
        trades: list[ClosedTrade], start: Decimal | None) -> None:
    stats = trade_stats(trades, starting_equity=start)
    assert 0 <= stats.max_drawdown <= stats.gross_loss
    if start is None:
        assert stats.max_drawdown_ratio is None
    else:
        assert stats.max_drawdown_ratio is not None and stats.max_drawdown_ratio >= 0


@given(trade_lists(), equities)
def test_channels_sum_to_the_total(trades: list[ClosedTrade], start: Decimal | None) -> None:
    result = stats_by_channel(trades, starting_equity=start)
    parts = list(result.channels.values())
    assert sum(s.trades for s in parts) == result.total.trades
    assert sum(s.wins for s in parts) == result.total.wins
    assert sum(s.losses for s in parts) == result.total.losses
    assert sum(s.breakevens for s in parts) == result.total.breakevens
    assert sum((s.net_profit for s in parts), D(0)) == result.total.net_profit
    assert sum((s.gross_profit for s in parts), D(0)) == result.total.gross_profit
    assert sum((s.gross_loss for s in parts), D(0)) == result.total.gross_loss


@given(trade_lists(), equities)
def test_the_order_trades_are_given_in_does_not_matter(trades: list[ClosedTrade],
                                                       start: Decimal | None) -> None:
    assert trade_stats(trades, starting_equity=start) == trade_stats(
        list(reversed(trades)), starting_equity=start)
