"""Repository of the paper exchange's tables: accounts, balances, orders, fills, positions
and per-symbol settings (migration 0003).

Decimals are stored as plain text (`format(x, "f")`), read back exactly. The paper exchange
decides the transactions: one per state change, so a fill is never half-applied.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from storage.database import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class PaperAccountRow:
    kind: str  # "spot" | "futures"
    quote: str
    starting_balance: Decimal
    started_at: datetime


@dataclass(frozen=True)
class PaperOrderRow:
    id: int
    kind: str
    client_id: str
    symbol: str
    side: str
    type: str
    status: str
    amount: Decimal
    filled: Decimal
    average_price: Decimal | None
    price: Decimal | None
    trigger_price: Decimal | None
    reduce_only: bool
    fee: Decimal
    fee_currency: str | None
    reason: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PaperFillRow:
    order_id: int
    price: Decimal
    amount: Decimal
    fee: Decimal
    fee_currency: str
    realized_pnl: Decimal
    at: datetime


@dataclass(frozen=True)
class PaperPositionRow:
    symbol: str
    amount: Decimal  # signed: short < 0
    entry_price: Decimal
    realized_pnl: Decimal
    opened_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PaperSymbolSettings:
    symbol: str
    leverage: int
    margin_mode: str  # "cross" | "isolated"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


_ORDER_COLUMNS = ("id, kind, client_id, symbol, side, type, status, amount, filled, average_price,"
                  " price, trigger_price, reduce_only, fee, fee_currency, reason, created_at,"
                  " updated_at")


class PaperRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- account and balances -------------------------------------------------------------
    async def account(self, kind: str) -> PaperAccountRow | None:
        row = await self._db.fetch_one("SELECT * FROM paper_accounts WHERE kind = ?", (kind,))
        if row is None:
            return None
        return PaperAccountRow(kind=row["kind"], quote=row["quote"],
                               starting_balance=Decimal(row["starting_balance"]),
                               started_at=from_db(row["started_at"]))

    async def open_account(self, *, kind: str, quote: str, starting_balance: Decimal,
                           now: datetime) -> None:
        """Record the account and credit its starting balance. Call inside a transaction."""
        await self._db.execute(
            "INSERT INTO paper_accounts (kind, quote, starting_balance, started_at)"
            " VALUES (?, ?, ?, ?)", (kind, quote, _text(starting_balance), to_db(now)))
        await self.save_balances(kind, {quote: starting_balance}, now=now)

    async def balances(self, kind: str) -> dict[str, Decimal]:
        rows = await self._db.fetch_all(
            "SELECT currency, amount FROM paper_balances WHERE kind = ?", (kind,))
        return {r["currency"]: Decimal(r["amount"]) for r in rows}

    async def save_balances(self, kind: str, amounts: dict[str, Decimal], *,
                            now: datetime) -> None:
        stamp = to_db(now)
        await self._db.execute_many(
            "INSERT INTO paper_balances (kind, currency, amount, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (kind, currency) DO UPDATE SET amount = excluded.amount,"
            " updated_at = excluded.updated_at",
            [(kind, currency, _text(amount), stamp) for currency, amount in amounts.items()])

    # -- orders and fills -----------------------------------------------------------------
    async def open_orders(self, kind: str) -> list[PaperOrderRow]:
        rows = await self._db.fetch_all(
            f"SELECT {_ORDER_COLUMNS} FROM paper_orders WHERE kind = ? AND status = 'open'"
            " ORDER BY id", (kind,))
        return [_to_order(r) for r in rows]

    async def order_by_client_id(self, kind: str, client_id: str) -> PaperOrderRow | None:
        row = await self._db.fetch_one(
            f"SELECT {_ORDER_COLUMNS} FROM paper_orders WHERE kind = ? AND client_id = ?",
            (kind, client_id))
        return _to_order(row) if row else None

    async def order_by_id(self, kind: str, order_id: int) -> PaperOrderRow | None:
        row = await self._db.fetch_one(
            f"SELECT {_ORDER_COLUMNS} FROM paper_orders WHERE kind = ? AND id = ?",
            (kind, order_id))
        return _to_order(row) if row else None

    async def last_order_id(self) -> int:
        row = await self._db.fetch_one("SELECT COALESCE(MAX(id), 0) FROM paper_orders")
        return int(row[0]) if row else 0

    async def save_orders(self, orders: Iterable[PaperOrderRow]) -> None:
        """Insert new orders and update the changing columns of known ones."""
        await self._db.execute_many(
            f"INSERT INTO paper_orders ({_ORDER_COLUMNS})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET status = excluded.status,"
            " filled = excluded.filled, average_price = excluded.average_price,"
            " fee = excluded.fee, fee_currency = excluded.fee_currency,"
            " reason = excluded.reason, updated_at = excluded.updated_at",
            [(o.id, o.kind, o.client_id, o.symbol, o.side, o.type, o.status, _text(o.amount),
              _text(o.filled), _text(o.average_price), _text(o.price), _text(o.trigger_price),
              int(o.reduce_only), _text(o.fee), o.fee_currency, o.reason, to_db(o.created_at),
              to_db(o.updated_at)) for o in orders])

    async def add_fills(self, fills: Iterable[PaperFillRow]) -> None:
        await self._db.execute_many(
            "INSERT INTO paper_fills (order_id, price, amount, fee, fee_currency, realized_pnl,"
            " at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(f.order_id, _text(f.price), _text(f.amount), _text(f.fee), f.fee_currency,
              _text(f.realized_pnl), to_db(f.at)) for f in fills])

    async def fills(self, order_id: int) -> list[PaperFillRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM paper_fills WHERE order_id = ? ORDER BY id", (order_id,))
        return [PaperFillRow(order_id=r["order_id"], price=Decimal(r["price"]),
                             amount=Decimal(r["amount"]), fee=Decimal(r["fee"]),
                             fee_currency=r["fee_currency"],
                             realized_pnl=Decimal(r["realized_pnl"]), at=from_db(r["at"]))
                for r in rows]

    # -- futures positions and settings ---------------------------------------------------
    async def positions(self) -> list[PaperPositionRow]:
        rows = await self._db.fetch_all("SELECT * FROM paper_positions ORDER BY symbol")
        return [PaperPositionRow(symbol=r["symbol"], amount=Decimal(r["amount"]),
                                 entry_price=Decimal(r["entry_price"]),
                                 realized_pnl=Decimal(r["realized_pnl"]),
                                 opened_at=from_db(r["opened_at"]),
                                 updated_at=from_db(r["updated_at"])) for r in rows]

    async def save_positions(self, positions: Iterable[PaperPositionRow]) -> None:
        await self._db.execute_many(
            "INSERT INTO paper_positions (symbol, amount, entry_price, realized_pnl, opened_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (symbol) DO UPDATE SET"
            " amount = excluded.amount, entry_price = excluded.entry_price,"
            " realized_pnl = excluded.realized_pnl, opened_at = excluded.opened_at,"
            " updated_at = excluded.updated_at",
            [(p.symbol, _text(p.amount), _text(p.entry_price), _text(p.realized_pnl),
              to_db(p.opened_at), to_db(p.updated_at)) for p in positions])

    async def delete_positions(self, symbols: Iterable[str]) -> None:
        await self._db.execute_many("DELETE FROM paper_positions WHERE symbol = ?",
                                    [(s,) for s in symbols])

    async def symbol_settings(self) -> list[PaperSymbolSettings]:
        rows = await self._db.fetch_all(
            "SELECT symbol, leverage, margin_mode FROM paper_settings ORDER BY symbol")
        return [PaperSymbolSettings(r["symbol"], r["leverage"], r["margin_mode"]) for r in rows]

    async def save_symbol_settings(self, settings: PaperSymbolSettings, *,
                                   now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO paper_settings (symbol, leverage, margin_mode, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (symbol) DO UPDATE SET"
            " leverage = excluded.leverage, margin_mode = excluded.margin_mode,"
            " updated_at = excluded.updated_at",
            (settings.symbol, settings.leverage, settings.margin_mode, to_db(now)))


def _to_order(row: sqlite3.Row) -> PaperOrderRow:
    return PaperOrderRow(
        id=row["id"], kind=row["kind"], client_id=row["client_id"], symbol=row["symbol"],
        side=row["side"], type=row["type"], status=row["status"],
        amount=Decimal(row["amount"]), filled=Decimal(row["filled"]),
        average_price=_dec(row["average_price"]), price=_dec(row["price"]),
        trigger_price=_dec(row["trigger_price"]), reduce_only=bool(row["reduce_only"]),
        fee=Decimal(row["fee"]), fee_currency=row["fee_currency"], reason=row["reason"],
        created_at=from_db(row["created_at"]), updated_at=from_db(row["updated_at"]),
    )
