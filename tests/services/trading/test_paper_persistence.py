"""The paper account survives restarts and crashes: state in SQLite, one transaction per
change, one transaction per price tick however many orders it fills."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from services.trading.paper import PaperExchange
from services.trading.port import DuplicateClientId, MarketKind, OrderStatus
from storage.paper import PaperFillRow, PaperRepository
from tests.fakes.exchange import MarketSpec, SymbolFilters
from tests.services.trading.test_paper_support import (
    BTC,
    BTC_PERP,
    D,
    order,
    paper_harness,
)


async def snapshot(paper: PaperExchange) -> dict[str, Any]:
    return {"balance": await paper.fetch_balance(), "positions": await paper.fetch_positions(),
            "open": await paper.fetch_open_orders(), "account": await paper.account()}


async def test_a_restart_on_the_same_file_finds_the_same_futures_account(tmp_path: Path) -> None:
    async with paper_harness(tmp_path, MarketKind.FUTURES) as h:
        opened_at = h.clock.now()
        await h.paper.set_leverage(BTC_PERP, 10)
        await h.paper.set_margin_mode(BTC_PERP, "isolated")
        await h.paper.create_order(order("p1-entry", BTC_PERP, "buy", "market", "0.1"))
        await h.paper.create_order(order("p1-sl", BTC_PERP, "sell", "stop_market", "0.1",
                                         trigger="94000", reduce_only=True))
        await h.paper.create_order(order("p2-entry", "ETH/USDT:USDT", "buy", "limit", "1",
                                         price="3400"))
        await h.move(BTC_PERP, "96000")
        before = await snapshot(h.paper)

        paper = await h.restart(starting_balance=D("5"))  # not applied: the account exists
        after = await snapshot(paper)
        assert after == before
        assert (after["account"].starting_balance, after["account"].started_at) == (
            D("10000"), opened_at)
        [position] = after["positions"]
        assert (position.leverage, position.margin_mode) == (10, "isolated")

        [fired] = await h.move(BTC_PERP, "93000")  # the stop still watches after the restart
        assert fired.client_id == "p1-sl" and await paper.fetch_positions() == []
        with pytest.raises(DuplicateClientId):
            await paper.create_order(order("p1-entry", BTC_PERP, "buy", "market", "0.1"))


async def test_a_restart_on_the_same_file_finds_the_same_spot_account(tmp_path: Path) -> None:
    async with paper_harness(tmp_path, MarketKind.SPOT, starting_balance=D("2500")) as h:
        await h.paper.create_order(order("s1", BTC, "buy", "market", "0.01"))
        await h.paper.create_order(order("s2", BTC, "sell", "limit", "0.005", price="99000"))
        await h.paper.create_order(order("s3", "ETH/USDT", "buy", "limit", "0.1", price="3000"))
        before = await snapshot(h.paper)
        assert before["balance"]["USDT"].used == D("300")

        paper = await h.restart()
        assert await snapshot(paper) == before
        [filled] = await h.move(BTC, "99000")
        assert filled.client_id == "s2"
        found = await paper.fetch_order_by_client_id(BTC, "s1")
        assert found is not None and found.fills[0].price == D("95047.5")


class CrashingRepository(PaperRepository):
    """Fails in the middle of writing a fill: after the order row, before the fill row."""

    armed = False

    async def add_fills(self, fills: Any) -> None:
        if self.armed:
            raise RuntimeError("disk I/O error")
        await super().add_fills(fills)


async def test_a_crash_in_the_middle_of_a_fill_leaves_nothing_half_applied(
        tmp_path: Path) -> None:
    async with paper_harness(tmp_path, MarketKind.FUTURES) as h:
        paper = await h.restart(CrashingRepository)
        repo = h.repo
        assert isinstance(repo, CrashingRepository)
        await paper.create_order(order("p1-entry", BTC_PERP, "buy", "limit", "0.1",
                                       price="94000"))
        repo.armed = True
        with pytest.raises(RuntimeError):
            await h.move(BTC_PERP, "93000")

        row = await repo.order_by_client_id("futures", "p1-entry")
        assert row is not None and (row.status, row.filled) == ("open", 0)
        assert await repo.balances("futures") == {"USDT": D("10000")}
        assert await repo.positions() == []
        # The exchange itself forgot the half-done fill, too.
        assert [o.client_id for o in await paper.fetch_open_orders()] == ["p1-entry"]
        assert await paper.fetch_positions() == []

        repo.armed = False
        [filled] = await h.tick(BTC_PERP)
        assert filled.status is OrderStatus.FILLED
        assert (await paper.fetch_balance())["USDT"].total == \
            D("10000") - D("1.88") + D("-100")  # maker fee, (93000 - 94000) × 0.1


def many_markets(count: int) -> list[MarketSpec]:
    filters = SymbolFilters(tick_size=D("0.01"), step_size=D("1"), min_qty=D("1"),
                            max_qty=D("100000"), min_notional=D("5"),
                            market_max_qty=D("100000"), min_price=D("0.01"),
                            max_price=D("100000"))
    return [MarketSpec(f"C{i:02d}", "USDT", D("100"), spot=None, futures=filters)
            for i in range(count)]


async def test_a_tick_over_1000_resting_orders_on_50_symbols_is_one_transaction(
        tmp_path: Path) -> None:
    markets = many_markets(50)
    symbols = [f"{m.base}/USDT:USDT" for m in markets]
    async with paper_harness(tmp_path, MarketKind.FUTURES, markets=markets,
                             starting_balance=D("1000000")) as h:
        requests = [order(f"o-{s[:3]}-{p}", s, "buy", "limit", "1", price=str(p))
                    for s in symbols for p in range(80, 100)]
        for start in range(0, len(requests), 100):  # a hundred callers at a time
            await asyncio.gather(*(h.paper.create_order(r) for r in requests[start:start + 100]))
        assert len(await h.paper.fetch_open_orders()) == 1000
        # Concurrent orders on one symbol share one price request.
        assert len([r for r in h.fake.requests if r.path.endswith("/ticker/price")]) == 50

        for s in symbols:
            h.fake.set_price(s, "89.5")
        tickers = await h.paper.fetch_tickers(symbols)
        statements: list[str] = []
        await h.db.conn.set_trace_callback(statements.append)
        changed = await h.paper.on_prices(tickers)
        await h.db.conn.set_trace_callback(None)  # type: ignore[arg-type]

        assert [s for s in statements if s.split()[0] in ("BEGIN", "COMMIT")] == [
            "BEGIN IMMEDIATE", "COMMIT"]
        assert len(changed) == 500 and {o.status for o in changed} == {OrderStatus.FILLED}
        assert {o.price for o in changed} == {D(p) for p in range(90, 100)}
        positions = await h.paper.fetch_positions()
        assert len(positions) == 50
        assert {(p.amount, p.entry_price, p.unrealized_pnl) for p in positions} == {
            (D("10"), D("94.5"), D("-50"))}
        fees = D("0.0002") * 50 * sum(range(90, 100))
        assert (await h.paper.fetch_balance())["USDT"].total == D("1000000") - fees - 2500
        rows = await h.db.fetch_all(
            "SELECT status, COUNT(*) FROM paper_orders GROUP BY status ORDER BY status")
        assert [tuple(r) for r in rows] == [("filled", 500), ("open", 500)]
        fills = await h.db.fetch_one("SELECT COUNT(*) FROM paper_fills")
        assert fills is not None and fills[0] == 500
        assert await h.paper.on_prices(tickers) == []  # nothing left to cross at this price


async def test_fills_are_stored_with_their_time_and_realised_pnl(tmp_path: Path) -> None:
    async with paper_harness(tmp_path, MarketKind.FUTURES) as h:
        entry = await h.paper.create_order(order("p1-entry", BTC_PERP, "buy", "market", "0.1"))
        stored = await h.repo.fills(int(entry.exchange_id))
        assert stored == [PaperFillRow(int(entry.exchange_id), D("95047.5"), D("0.1"),
                                       D("4.752375"), "USDT", Decimal(0), h.clock.now())]
