"""The positions and position_orders repositories: Decimals and times round-trip exactly,
client ids are unique, in-flight orders are found."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from storage.database import Database
from storage.position_orders import (
    OrderIntent,
    OrderOutcome,
    PositionOrderRepository,
)
from storage.positions import NewPosition, PositionRepository

D = Decimal
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "db.sqlite3")
    await database.open()
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()


def new(**changes: object) -> NewPosition:
    base: dict[str, object] = dict(
        signal_id=None, channel_id=-100123, symbol="BTC/USDT:USDT", side="long",
        market_kind="futures", status="pending_approval", entry_type="zone",
        entry_prices=(D("94000.5"), D("95000")), targets=(D("96000"), D("97000.25")),
        stop_loss=D("93000"), leverage=10, margin=D("100.5"), planned_amount=D("0.010"),
        approval_expires_at=NOW + timedelta(minutes=15))
    base.update(changes)
    return NewPosition(**base)  # type: ignore[arg-type]


async def test_a_position_round_trips_and_updates(db: Database) -> None:
    repo = PositionRepository(db)
    position_id = await repo.add(new(), now=NOW)
    row = await repo.get(position_id)
    assert row is not None
    assert row.entry_prices == (D("94000.5"), D("95000"))
    assert row.targets == (D("96000"), D("97000.25"))
    assert (row.margin, row.planned_amount, row.stop_loss) == (D("100.5"), D("0.010"),
                                                               D("93000"))
    assert row.approval_expires_at == NOW + timedelta(minutes=15)

    later = NOW + timedelta(minutes=1)
    await repo.update(position_id, now=later, status="open", filled_amount=D("0.010"),
                      average_entry=D("95047.5"), opened_at=later, decided_by=7)
    row = await repo.get(position_id)
    assert row is not None
    assert (row.status, row.filled_amount, row.average_entry, row.opened_at, row.updated_at,
            row.decided_by) == ("open", D("0.010"), D("95047.5"), later, later, 7)
    assert [p.id for p in await repo.active()] == [position_id]
    with pytest.raises(ValueError):
        await repo.update(position_id, now=later, symbol="ETH/USDT")


async def test_approvals_due(db: Database) -> None:
    repo = PositionRepository(db)
    due = await repo.add(new(), now=NOW)
    await repo.add(new(approval_expires_at=NOW + timedelta(hours=1)), now=NOW)
    assert [p.id for p in await repo.approvals_due(NOW + timedelta(minutes=15))] == [due]


async def test_orders_intent_to_outcome_and_unique_client_ids(db: Database) -> None:
    position_id = await PositionRepository(db).add(new(status="waiting_entry"), now=NOW)
    repo = PositionOrderRepository(db)
    intent = OrderIntent(position_id, "entry", "sd-1-entry", "BTC/USDT:USDT", "buy", "limit",
                         D("0.010"), price=D("95000.0"))
    await repo.add_intent(intent, now=NOW)
    with pytest.raises(sqlite3.IntegrityError):
        await repo.add_intent(intent, now=NOW)
    assert [o.client_id for o in await repo.in_flight()] == ["sd-1-entry"]
    await repo.mark_sent("sd-1-entry", now=NOW)
    assert [o.state for o in await repo.in_flight()] == ["sent"]
    await repo.record("sd-1-entry", OrderOutcome("filled", "42", D("0.010"), D("95000.0"),
                                                 D("0.475"), "USDT"), now=NOW)
    assert await repo.in_flight() == []
    row = await repo.by_client_id("sd-1-entry")
    assert row is not None
    assert (row.state, row.exchange_id, row.filled, row.average_price, row.fee, row.price) == (
        "filled", "42", D("0.010"), D("95000.0"), D("0.475"), D("95000.0"))
