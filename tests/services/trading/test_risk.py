"""The risk gate: each limit blocks with a readable reason; nothing blocks a healthy entry."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from services.trading.risk import EntryCandidate, RiskLimits, RiskSnapshot, check_entry, usage

LIMITS = RiskLimits(channel_allocation_pct=D(40))
HEALTHY = RiskSnapshot(
    paused=False, stopped=False, equity=D(1000), start_of_day_equity=D(1000),
    peak_equity=D(1000), drawdown_halted=False, open_positions=1,
    open_symbols=frozenset({"ETH/USDT:USDT"}), channel_enabled=True,
    channel_margin_in_use=D(100), channel_consecutive_losses=0, circuit_open=False)
BTC = EntryCandidate("BTC/USDT:USDT", D(50))


def test_a_healthy_entry_passes() -> None:
    assert check_entry(LIMITS, HEALTHY, BTC) is None


@pytest.mark.parametrize(("change", "candidate", "reason"), [
    ({"stopped": True}, BTC, "trading is stopped"),
    ({"paused": True}, BTC, "trading is paused"),
    ({"circuit_open": True}, BTC, "circuit breaker open"),
    ({"equity": D(840)}, BTC, "drawdown 16.0% reached the 15% limit"),
    ({"drawdown_halted": True}, BTC, "entries halted until /resume"),
    ({"equity": D(970)}, BTC, "today's loss 3.0% reached the 3% daily limit"),
    ({"channel_enabled": False}, BTC, "the channel is disabled"),
    ({"channel_consecutive_losses": 3}, BTC, "lost 3 times in a row"),
    ({"open_positions": 5}, BTC, "5 positions are open, the maximum is 5"),
    ({}, EntryCandidate("ETH/USDT:USDT", D(50)), "a ETH/USDT:USDT position is already open"),
    ({}, EntryCandidate("BTC/USDT:USDT", D(260)), "26.0% of equity, above the 25% limit"),
    ({"channel_margin_in_use": D(380)}, BTC, "would use 43.0% of equity, above its 40% allocation"),
])
def test_each_limit_blocks_with_its_reason(change, candidate, reason) -> None:
    assert reason in (check_entry(LIMITS, replace(HEALTHY, **change), candidate) or "")


def test_a_daily_profit_is_not_a_loss_and_a_new_peak_is_no_drawdown() -> None:
    up = replace(HEALTHY, equity=D(1200))
    assert check_entry(LIMITS, up, BTC) is None
    assert [u.used for u in usage(LIMITS, up)][:2] == [D(0), D(0)]


def test_usage_reports_each_limit_and_what_blocks() -> None:
    lines = usage(LIMITS, replace(HEALTHY, equity=D(988), open_positions=5))
    assert [(u.name, u.used.quantize(D("0.1")), u.limit, u.blocking) for u in lines] == [
        ("daily_loss_pct", D("1.2"), D(3), False),
        ("drawdown_pct", D("1.2"), D(15), False),
        ("open_positions", D(5), D(5), True)]
