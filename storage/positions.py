"""Repository of the `positions` table: one row per accepted signal, through its whole life.

Decimals are stored as text, lists of prices as JSON lists of decimal strings. The service
decides transactions; every method here is one statement.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from storage.database import Database
from storage.timefmt import from_db, to_db

PENDING_APPROVAL = "pending_approval"
WAITING_ENTRY = "waiting_entry"
OPEN = "open"
PARTIALLY_CLOSED = "partially_closed"
CLOSED = "closed"
REJECTED = "rejected"
SKIPPED = "skipped"
ACTIVE = (WAITING_ENTRY, OPEN, PARTIALLY_CLOSED)  # count against the risk limits

# Columns `update` may change, and how each is written.
_UPDATABLE = {
    "status", "reason", "leverage", "margin", "planned_amount", "filled_amount",
    "average_entry", "realized_pnl", "fees", "opened_at", "closed_at", "approval_expires_at",
    "decided_by", "decided_at", "closed_amount", "stop_loss", "stuck_alerted_at",
    "entry_prices", "targets", "tp_weights",
}


@dataclass(frozen=True)
class PositionRow:
    id: int
    signal_id: int | None
    channel_id: int
    symbol: str
    side: str  # long / short
    market_kind: str  # spot / futures
    status: str
    reason: str | None
    leverage: int
    margin: Decimal
    planned_amount: Decimal
    entry_type: str  # market / single / zone / ladder
    entry_prices: tuple[Decimal, ...]
    targets: tuple[Decimal, ...]
    stop_loss: Decimal | None
    filled_amount: Decimal
    average_entry: Decimal | None
    realized_pnl: Decimal
    fees: Decimal
    created_at: datetime
    updated_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    approval_expires_at: datetime | None
    decided_by: int | None
    decided_at: datetime | None
    closed_amount: Decimal = Decimal(0)  # base units closed so far (targets, stop, close)
    initial_stop_loss: Decimal | None = None  # the signal's stop; `stop_loss` is the live one
    stuck_alerted_at: datetime | None = None
    # the take-profit weights fixed when it opened (() equal); None: opened before they were kept
    tp_weights: tuple[Decimal, ...] | None = None

    @property
    def remaining(self) -> Decimal:
        """What the position still holds (base units)."""
        return self.filled_amount - self.closed_amount

    @property
    def net_pnl(self) -> Decimal:
        """Realised PnL after every fee paid so far (fees are counted once, here)."""
        return self.realized_pnl - self.fees


class DuplicateSignal(Exception):
    """A position for this signal exists already (one position per signal)."""


@dataclass(frozen=True)
class NewPosition:
    """What the engine knows when it first records a position."""

    signal_id: int | None
    channel_id: int
    symbol: str
    side: str
    market_kind: str
    status: str
    entry_type: str
    entry_prices: tuple[Decimal, ...] = ()
    targets: tuple[Decimal, ...] = ()
    stop_loss: Decimal | None = None
    reason: str | None = None
    leverage: int = 1
    margin: Decimal = Decimal(0)
    planned_amount: Decimal = Decimal(0)
    approval_expires_at: datetime | None = None


class PositionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        # id → (the row's raw values, the PositionRow built from them): the PnL tick reads
        # every active position each time, and most rows have not changed since the last.
        self._built: dict[int, tuple[tuple[Any, ...], PositionRow]] = {}
        # statuses -> the positions in them, until any position is added or changed (the
        # PnL tick and the risk gate of every signal ask for the active ones)
        self._lists = db.memo("positions")

    async def add(self, new: NewPosition, *, now: datetime) -> int:
        """Insert a position; return its id. DuplicateSignal when its signal has one."""
        self._lists.forget()
        stamp = to_db(now)
        try:
            return await self._insert(new, stamp)
        except sqlite3.IntegrityError as exc:
            if "positions.signal_id" in str(exc):
                raise DuplicateSignal(new.signal_id) from None
            raise

    async def _insert(self, new: NewPosition, stamp: str) -> int:
        return await self._db.execute(
            "INSERT INTO positions (signal_id, channel_id, symbol, side, market_kind, status,"
            " reason, leverage, margin, planned_amount, entry_type, entry_prices, targets,"
            " stop_loss, initial_stop_loss, created_at, updated_at, approval_expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new.signal_id, new.channel_id, new.symbol, new.side, new.market_kind, new.status,
             new.reason, new.leverage, str(new.margin), str(new.planned_amount),
             new.entry_type, _prices(new.entry_prices), _prices(new.targets),
             _text(new.stop_loss), _text(new.stop_loss), stamp, stamp,
             to_db(new.approval_expires_at) if new.approval_expires_at else None))

    async def get(self, position_id: int) -> PositionRow | None:
        row = await self._db.fetch_one("SELECT * FROM positions WHERE id = ?", (position_id,))
        return _to_position(row) if row else None

    async def by_signal(self, signal_id: int) -> PositionRow | None:
        row = await self._db.fetch_one("SELECT * FROM positions WHERE signal_id = ?",
                                       (signal_id,))
        return _to_position(row) if row else None

    async def with_status(self, *statuses: str) -> list[PositionRow]:
        if statuses in self._lists.answers:
            return list(self._lists.answers[statuses])
        generation = self._lists.generation
        marks = ", ".join("?" for _ in statuses)
        rows = await self._db.fetch_all(
            f"SELECT * FROM positions WHERE status IN ({marks}) ORDER BY id", statuses)
        result = [self._build(r) for r in rows]
        if len(self._built) > 2 * len(result) + 100:  # forget rows that left these statuses
            self._built = {p.id: self._built[p.id] for p in result}
        self._lists.keep(generation, statuses, tuple(result))
        return result

    def _build(self, row: sqlite3.Row) -> PositionRow:
        """The row as a PositionRow, reused while its values are the same (rows are
        compared whole, so any change of any column builds it again)."""
        raw = tuple(row)
        known = self._built.get(row["id"])
        if known is not None and known[0] == raw:
            return known[1]
        built = _to_position(row)
        self._built[built.id] = (raw, built)
        return built

    async def active(self) -> list[PositionRow]:
        """Positions that hold (or are about to hold) money: waiting, open, partly closed."""
        return await self.with_status(*ACTIVE)

    async def unprotected(self) -> list[PositionRow]:
        """Held positions with a stop price but no stop order that may still act (its
        placement failed, or it was cancelled by a close that did not happen)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM positions p WHERE p.status IN (?, ?) AND p.stop_loss IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM position_orders o WHERE o.position_id = p.id"
            " AND o.leg LIKE 'sl%' AND o.state IN ('intent', 'sent', 'unknown', 'open'))"
            " ORDER BY p.id", (OPEN, PARTIALLY_CLOSED))
        return [_to_position(r) for r in rows]

    async def approvals_due(self, now: datetime) -> list[PositionRow]:
        """Pending approvals whose card has expired by `now`."""
        rows = await self._db.fetch_all(
            "SELECT * FROM positions WHERE status = ? AND approval_expires_at <= ? ORDER BY id",
            (PENDING_APPROVAL, to_db(now)))
        return [_to_position(r) for r in rows]

    async def update(self, position_id: int, *, now: datetime, **changes: Any) -> None:
        """Set the given columns (Decimals and datetimes converted) and `updated_at`."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"positions has no updatable column(s) {sorted(unknown)}")
        self._lists.forget()
        columns = [*changes, "updated_at"]
        values = [_value(v) for v in changes.values()] + [to_db(now), position_id]
        await self._db.execute(
            f"UPDATE positions SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
            values)


def _value(value: Any) -> Any:
    if isinstance(value, tuple):  # entry_prices / targets / tp_weights: decimals as JSON
        return _prices(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return to_db(value)
    return value


def _text(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _prices(values: tuple[Decimal, ...]) -> str:
    return json.dumps([str(v) for v in values])


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def _time(text: str | None) -> datetime | None:
    return from_db(text) if text is not None else None


def _to_position(row: sqlite3.Row) -> PositionRow:
    return PositionRow(
        id=row["id"], signal_id=row["signal_id"], channel_id=row["channel_id"],
        symbol=row["symbol"], side=row["side"], market_kind=row["market_kind"],
        status=row["status"], reason=row["reason"], leverage=row["leverage"],
        margin=Decimal(row["margin"]), planned_amount=Decimal(row["planned_amount"]),
        entry_type=row["entry_type"],
        entry_prices=tuple(Decimal(p) for p in json.loads(row["entry_prices"])),
        targets=tuple(Decimal(p) for p in json.loads(row["targets"])),
        stop_loss=_decimal(row["stop_loss"]), filled_amount=Decimal(row["filled_amount"]),
        average_entry=_decimal(row["average_entry"]), realized_pnl=Decimal(row["realized_pnl"]),
        fees=Decimal(row["fees"]), created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]), opened_at=_time(row["opened_at"]),
        closed_at=_time(row["closed_at"]),
        approval_expires_at=_time(row["approval_expires_at"]), decided_by=row["decided_by"],
        decided_at=_time(row["decided_at"]), closed_amount=Decimal(row["closed_amount"]),
        initial_stop_loss=_decimal(row["initial_stop_loss"]),
        stuck_alerted_at=_time(row["stuck_alerted_at"]),
        tp_weights=(tuple(Decimal(w) for w in json.loads(row["tp_weights"]))
                    if row["tp_weights"] is not None else None),
    )
