"""The paper exchange's repository: exact Decimal round trips, one account per market kind,
client ids unique within an account, orders updated in place."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from storage.database import Database
from storage.paper import (
    PaperFillRow,
    PaperOrderRow,
    PaperPositionRow,
    PaperRepository,
    PaperSymbolSettings,
)

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
D = Decimal


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "bot.sqlite3")
    await database.open()
    await database.migrate()
    yield database
    await database.close()


def order_row(order_id: int, client_id: str, kind: str = "futures") -> PaperOrderRow:
    return PaperOrderRow(
        id=order_id, kind=kind, client_id=client_id, symbol="BTC/USDT:USDT", side="buy",
        type="limit", status="open", amount=D("0.001"), filled=D(0), average_price=None,
        price=D("94000.1"), trigger_price=None, reduce_only=False, fee=D(0), fee_currency=None,
        reason=None, created_at=NOW, updated_at=NOW)


async def test_accounts_are_opened_once_per_kind_with_their_starting_balance(
        db: Database) -> None:
    repo = PaperRepository(db)
    assert await repo.account("spot") is None
    async with db.transaction():
        await repo.open_account(kind="spot", quote="USDT", starting_balance=D("2500.5"), now=NOW)
    account = await repo.account("spot")
    assert account is not None and (account.starting_balance, account.started_at) == (
        D("2500.5"), NOW)
    assert await repo.balances("spot") == {"USDT": D("2500.5")}
    assert await repo.balances("futures") == {}
    with pytest.raises(sqlite3.IntegrityError):
        await repo.open_account(kind="spot", quote="USDT", starting_balance=D(1), now=NOW)


async def test_decimals_come_back_exactly(db: Database) -> None:
    repo = PaperRepository(db)
    await repo.open_account(kind="spot", quote="USDT", starting_balance=D("10000"), now=NOW)
    amounts = {"USDT": D("10007.12691952"), "BTC": D("0.00000001"),
               "PEPE": D("123456789012.123456789012")}
    await repo.save_balances("spot", amounts, now=NOW)
    assert await repo.balances("spot") == amounts
    position = PaperPositionRow("BTC/USDT:USDT", D("-0.06"), D("96548.25"), D("-119.45"),
                                NOW, NOW + timedelta(seconds=1))
    await repo.save_positions([position])
    assert await repo.positions() == [position]
    await repo.delete_positions(["BTC/USDT:USDT"])
    assert await repo.positions() == []


async def test_orders_are_updated_in_place_and_client_ids_are_unique_per_account(
        db: Database) -> None:
    repo = PaperRepository(db)
    for kind in ("spot", "futures"):
        await repo.open_account(kind=kind, quote="USDT", starting_balance=D(1), now=NOW)
    await repo.save_orders([order_row(1, "pos-1-entry"), order_row(2, "pos-1-entry", "spot")])
    assert await repo.last_order_id() == 2
    filled = replace(order_row(1, "pos-1-entry"), status="filled", filled=D("0.001"),
                     average_price=D("94000.1"), fee=D("0.01880002"), fee_currency="USDT",
                     updated_at=NOW + timedelta(minutes=1))
    await repo.save_orders([filled])
    assert await repo.order_by_client_id("futures", "pos-1-entry") == filled
    assert await repo.order_by_id("futures", 1) == filled
    assert [o.id for o in await repo.open_orders("spot")] == [2]
    assert await repo.open_orders("futures") == []
    with pytest.raises(sqlite3.IntegrityError):
        await repo.save_orders([order_row(3, "pos-1-entry")])

    fill = PaperFillRow(1, D("94000.1"), D("0.001"), D("0.01880002"), "USDT", D(0), NOW)
    await repo.add_fills([fill])
    assert await repo.fills(1) == [fill]
    assert await repo.fills(2) == []


async def test_symbol_settings_are_upserted(db: Database) -> None:
    repo = PaperRepository(db)
    await repo.save_symbol_settings(PaperSymbolSettings("BTC/USDT:USDT", 10, "cross"), now=NOW)
    await repo.save_symbol_settings(PaperSymbolSettings("BTC/USDT:USDT", 20, "isolated"),
                                    now=NOW)
    assert await repo.symbol_settings() == [PaperSymbolSettings("BTC/USDT:USDT", 20, "isolated")]
    with pytest.raises(sqlite3.IntegrityError):
        await repo.save_symbol_settings(PaperSymbolSettings("ETH/USDT:USDT", 0, "cross"),
                                        now=NOW)
