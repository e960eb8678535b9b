"""Loading the paper account into a `PaperLedger` and writing its changes back, one
transaction per state change (storage/paper.py holds the SQL)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from services.trading.paper_ledger import PaperLedger, PaperPosition
from services.trading.port import Fill, MarketKind, Order, OrderSide, OrderStatus, OrderType
from storage.database import Database
from storage.paper import (
    PaperAccountRow,
    PaperFillRow,
    PaperOrderRow,
    PaperPositionRow,
    PaperRepository,
    PaperSymbolSettings,
)


class PaperStore:
    def __init__(self, db: Database, repo: PaperRepository, kind: MarketKind, quote: str,
                 starting_balance: Decimal) -> None:
        self._db, self._repo = db, repo
        self._kind, self._quote, self._starting_balance = kind, quote, starting_balance
        self._last_id = 0

    async def account(self) -> PaperAccountRow | None:
        return await self._repo.account(self._kind.value)

    async def load(self, now: datetime) -> PaperLedger:
        """The account as last committed; opened with the starting balance the first time."""
        async with self._db.transaction():
            account = await self._repo.account(self._kind.value)
            if account is None:
                await self._repo.open_account(kind=self._kind.value, quote=self._quote,
                                              starting_balance=self._starting_balance, now=now)
            ledger = PaperLedger(self._kind, account.quote if account else self._quote)
            ledger.balances = await self._repo.balances(self._kind.value)
            for row in await self._repo.open_orders(self._kind.value):
                ledger.rest(_to_order(row))
            if self._kind is MarketKind.FUTURES:
                for p in await self._repo.positions():
                    ledger.positions[p.symbol] = PaperPosition(
                        p.symbol, p.amount, p.entry_price, p.realized_pnl, p.opened_at,
                        p.updated_at)
                for s in await self._repo.symbol_settings():
                    ledger.leverage[s.symbol] = s.leverage
                    ledger.margin_mode[s.symbol] = s.margin_mode
            self._last_id = await self._repo.last_order_id()
        return ledger

    def next_order_id(self) -> str:
        self._last_id += 1
        return str(self._last_id)

    async def has_client_id(self, client_id: str) -> bool:
        return await self._repo.order_by_client_id(self._kind.value, client_id) is not None

    async def order_by_client_id(self, client_id: str) -> Order | None:
        row = await self._repo.order_by_client_id(self._kind.value, client_id)
        if row is None:
            return None
        fills = tuple(Fill(f.price, f.amount, f.fee, f.fee_currency, f.at)
                      for f in await self._repo.fills(row.id))
        return _to_order(row, fills)

    async def write(self, ledger: PaperLedger, now: datetime) -> None:
        """Write every change the ledger noted since the last write, in one transaction."""
        changes = ledger.take_changes()
        if not changes:
            return
        kind = self._kind.value
        async with self._db.transaction():
            if changes.orders:
                await self._repo.save_orders(
                    _to_row(o, kind, changes.reasons.get(o.exchange_id), now)
                    for o in changes.orders.values())
            if changes.fills:
                await self._repo.add_fills(
                    PaperFillRow(int(e.order_id), e.fill.price, e.fill.amount, e.fill.fee,
                                 e.fill.fee_currency, e.realized_pnl, e.fill.at)
                    for e in changes.fills)
            if changes.balances:
                await self._repo.save_balances(
                    kind, {c: ledger.balances[c] for c in sorted(changes.balances)}, now=now)
            if changes.positions:
                present = [ledger.positions[s] for s in sorted(changes.positions)
                           if s in ledger.positions]
                await self._repo.save_positions(
                    PaperPositionRow(p.symbol, p.amount, p.entry_price, p.realized_pnl,
                                     p.opened_at, p.updated_at) for p in present)
                await self._repo.delete_positions(
                    s for s in sorted(changes.positions) if s not in ledger.positions)
            for symbol in sorted(changes.settings):
                await self._repo.save_symbol_settings(PaperSymbolSettings(
                    symbol, ledger.leverage_of(symbol), ledger.margin_mode.get(symbol, "cross")),
                    now=now)


def _to_row(order: Order, kind: str, reason: str | None, now: datetime) -> PaperOrderRow:
    assert order.created_at is not None and order.client_id is not None
    return PaperOrderRow(
        id=int(order.exchange_id), kind=kind, client_id=order.client_id, symbol=order.symbol,
        side=order.side.value, type=order.type.value, status=order.status.value,
        amount=order.amount, filled=order.filled, average_price=order.average_price,
        price=order.price, trigger_price=order.trigger_price, reduce_only=order.reduce_only,
        fee=order.fee, fee_currency=order.fee_currency, reason=reason,
        created_at=order.created_at, updated_at=now)


def _to_order(row: PaperOrderRow, fills: tuple[Fill, ...] = ()) -> Order:
    return Order(
        exchange_id=str(row.id), client_id=row.client_id, symbol=row.symbol,
        side=OrderSide(row.side), type=OrderType(row.type), status=OrderStatus(row.status),
        amount=row.amount, filled=row.filled, average_price=row.average_price, price=row.price,
        trigger_price=row.trigger_price, reduce_only=row.reduce_only, fee=row.fee,
        fee_currency=row.fee_currency, created_at=row.created_at, fills=fills)
