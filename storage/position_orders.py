"""Repository of the `position_orders` table: every order the engine places for a position.

A row is written in state `intent` before its order is sent; `in_flight()` lists the rows
whose outcome is not known yet (intent / sent / unknown), which a restart resolves by
looking each client id up on the exchange.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from storage.database import Database
from storage.timefmt import from_db, to_db

INTENT = "intent"
SENT = "sent"
OPEN = "open"
FILLED = "filled"
CANCELED = "canceled"
REJECTED = "rejected"
UNKNOWN = "unknown"
IN_FLIGHT = (INTENT, SENT, UNKNOWN)


@dataclass(frozen=True)
class PositionOrderRow:
    id: int
    position_id: int
    leg: str
    client_id: str
    symbol: str
    side: str  # buy / sell
    type: str  # market / limit / stop_market / take_profit_market
    amount: Decimal
    price: Decimal | None
    trigger_price: Decimal | None
    reduce_only: bool
    state: str
    exchange_id: str | None
    filled: Decimal
    average_price: Decimal | None
    fee: Decimal
    fee_currency: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class OrderIntent:
    position_id: int
    leg: str
    client_id: str
    symbol: str
    side: str
    type: str
    amount: Decimal
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    reduce_only: bool = False


@dataclass(frozen=True)
class OrderOutcome:
    """What the exchange said about an order (or why it could not be placed)."""

    state: str
    exchange_id: str | None = None
    filled: Decimal = Decimal(0)
    average_price: Decimal | None = None
    fee: Decimal = Decimal(0)
    fee_currency: str | None = None
    error: str | None = None


class PositionOrderRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_intent(self, intent: OrderIntent, *, now: datetime,
                         state: str = INTENT) -> int:
        """Record an order about to be sent (state `intent`, or `sent` when it is sent
        right after this write commits); return its row id."""
        stamp = to_db(now)
        return await self._db.execute(
            "INSERT INTO position_orders (position_id, leg, client_id, symbol, side, type,"
            " amount, price, trigger_price, reduce_only, state, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (intent.position_id, intent.leg, intent.client_id, intent.symbol, intent.side,
             intent.type, str(intent.amount), _text(intent.price), _text(intent.trigger_price),
             int(intent.reduce_only), state, stamp, stamp))

    async def by_client_id(self, client_id: str) -> PositionOrderRow | None:
        row = await self._db.fetch_one("SELECT * FROM position_orders WHERE client_id = ?",
                                       (client_id,))
        return _to_order(row) if row else None

    async def for_position(self, position_id: int) -> list[PositionOrderRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM position_orders WHERE position_id = ? ORDER BY id", (position_id,))
        return [_to_order(r) for r in rows]

    async def with_state(self, state: str) -> list[PositionOrderRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM position_orders WHERE state = ? ORDER BY id", (state,))
        return [_to_order(r) for r in rows]

    async def in_flight(self) -> list[PositionOrderRow]:
        """Orders whose outcome is not known: written, maybe sent, never answered."""
        rows = await self._db.fetch_all(
            "SELECT * FROM position_orders WHERE state IN (?, ?, ?) ORDER BY id", IN_FLIGHT)
        return [_to_order(r) for r in rows]

    async def with_live_entries(self) -> set[int]:
        """Positions with an entry order that may still fill (a split entry's parts)."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT position_id FROM position_orders WHERE state IN (?, ?, ?, ?)"
            " AND leg LIKE 'entry%'", (*IN_FLIGHT, OPEN))
        return {int(r[0]) for r in rows}

    async def mark_sent(self, client_id: str, *, now: datetime) -> None:
        await self._db.execute(
            "UPDATE position_orders SET state = ?, updated_at = ? WHERE client_id = ?"
            " AND state = ?", (SENT, to_db(now), client_id, INTENT))

    async def record(self, client_id: str, outcome: OrderOutcome, *, now: datetime) -> None:
        """Store the exchange's answer (or the failure) for the order with `client_id`."""
        await self._db.execute(
            "UPDATE position_orders SET state = ?, exchange_id = COALESCE(?, exchange_id),"
            " filled = ?, average_price = ?, fee = ?, fee_currency = ?, error = ?,"
            " updated_at = ? WHERE client_id = ?",
            (outcome.state, outcome.exchange_id, str(outcome.filled),
             _text(outcome.average_price), str(outcome.fee), outcome.fee_currency,
             outcome.error, to_db(now), client_id))


def _text(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def _to_order(row: sqlite3.Row) -> PositionOrderRow:
    return PositionOrderRow(
        id=row["id"], position_id=row["position_id"], leg=row["leg"],
        client_id=row["client_id"], symbol=row["symbol"], side=row["side"], type=row["type"],
        amount=Decimal(row["amount"]), price=_decimal(row["price"]),
        trigger_price=_decimal(row["trigger_price"]), reduce_only=bool(row["reduce_only"]),
        state=row["state"], exchange_id=row["exchange_id"], filled=Decimal(row["filled"]),
        average_price=_decimal(row["average_price"]), fee=Decimal(row["fee"]),
        fee_currency=row["fee_currency"], error=row["error"],
        created_at=from_db(row["created_at"]), updated_at=from_db(row["updated_at"]),
    )
