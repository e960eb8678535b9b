"""Where the account's equity stood when a period began, from what the database holds.

The equity a period starts with is the first equity snapshot inside it; a period without
snapshots (the bot was off) starts with the opening equity plus the net PnL of the trades
closed since the opening, when the opening is known. The opening is the paper account's
starting balance, or else the first equity snapshot ever written.

Used by /pnl and the other period views (services/performance.py) and by the GO / NO-GO
validation (services/validation.py), which also runs outside the bot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from services.periods import Period
from storage.equity import EquityRepository
from storage.trades import TradeRepository

ZERO = Decimal(0)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Opening:
    """Where the account's equity curve starts."""

    at: datetime
    equity: Decimal


class OpenedAccount(Protocol):
    """The paper account as it was opened (services.trading.paper.PaperAccount, or its
    database row)."""

    @property
    def started_at(self) -> datetime: ...

    @property
    def starting_balance(self) -> Decimal: ...


class EquityHistory:
    def __init__(self, *, trades: TradeRepository, equity: EquityRepository,
                 paper_account: Callable[[], Awaitable[OpenedAccount | None]] | None = None
                 ) -> None:
        """`paper_account` gives the paper account's opening balance (None in live mode)."""
        self._trades = trades
        self._equity = equity
        self._paper_account = paper_account

    async def opening(self) -> Opening | None:
        """The paper account's starting balance, else the first equity snapshot."""
        if self._paper_account is not None:
            account = await self._paper_account()
            if account is not None:
                return Opening(account.started_at, account.starting_balance)
        first = await self._equity.first_since(EPOCH)
        return Opening(first.at, first.equity) if first is not None else None

    async def starting_equities(self, periods: list[Period]) -> dict[datetime, Decimal]:
        """The equity each of `periods` (in order) started with, by its start; periods
        before the opening, or with nothing known, are left out."""
        found: dict[datetime, Decimal] = {}
        missing: list[Period] = []
        for period in periods:
            first = await self._equity.first_since(period.start)
            if first is not None and first.at < period.end:
                found[period.start] = first.equity
            else:
                missing.append(period)
        opening = await self.opening() if missing else None
        if opening is None:
            return found
        missing = [p for p in missing if p.end > opening.at]  # the account existed
        if missing:
            # Realised equity: the opening plus every trade closed before the period.
            rows = await self._trades.closed_between(opening.at, missing[-1].start)
            for period in missing:
                found[period.start] = opening.equity + sum(
                    (r.net_pnl for r in rows if r.closed_at < period.start), ZERO)
        return found
