"""The closed-trade log behind /stats: read whole once, then only what was written since —
a new close, a closed trade written again, a position that is no longer closed, and a
write stamped earlier than the last one read (a clock set back) all end up right."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from services.closed_trades import ClosedTrades
from services.stats import ClosedTrade
from storage.channels import ChannelRepository
from storage.database import Database
from storage.positions import PositionRepository
from storage.trades import PositionWrite, TradeRepository
from tests.services.test_performance import ALPHA, trade

D = Decimal
T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


class CountingTrades(TradeRepository):
    """The real repository; remembers how many positions each look-up returned."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.returned: list[int] = []

    async def written_since(self, since: str | None) -> tuple[list[PositionWrite], str | None]:
        writes, latest = await super().written_since(since)
        self.returned.append(len(writes))
        return writes, latest


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "trades.sqlite3")
    await database.open()
    await database.migrate()
    await ChannelRepository(database).add(ALPHA, title="Alpha", username=None, by=None, now=T0)
    yield database
    await database.close()


def ids(trades: list[ClosedTrade]) -> list[int]:
    return [t.position_id for t in trades]


async def test_the_log_reads_what_changed_and_stays_exact(db: Database) -> None:
    repo = CountingTrades(db)
    log = ClosedTrades(repo)
    first = await trade(db, pnl="10", closed=T0)
    second = await trade(db, pnl="-5", closed=T0 + timedelta(hours=1))
    assert ids(await log.all(2)) == [first, second]

    third = await trade(db, pnl="7", closed=T0 + timedelta(hours=2))
    assert ids(await log.all(3)) == [first, second, third]
    assert repo.returned[-1] == 2  # the second (written at the time read last) and the third

    await PositionRepository(db).update(first, now=T0 + timedelta(hours=3), fees=D("1"))
    assert [t.net_pnl for t in await log.all(3)] == [D(9), D(-5), D(7)]  # replaced, not doubled

    # A part of its split entry filled after it closed: for a moment it is not closed.
    await PositionRepository(db).update(second, now=T0 + timedelta(hours=4),
                                        status="partially_closed")
    assert ids(await log.all(2)) == [first, third]


async def test_a_write_stamped_before_the_last_one_read_is_still_found(db: Database) -> None:
    log = ClosedTrades(TradeRepository(db))
    late = await trade(db, pnl="4", closed=T0 + timedelta(hours=5))
    assert ids(await log.all(1)) == [late]
    early = await trade(db, pnl="2", closed=T0)  # stamped hours before the last write read
    assert ids(await log.all(2)) == [early, late]
