"""Shared harness of the paper exchange tests (no tests here): a fake Binance on 127.0.0.1,
its public prices through the ccxt adapter's public half (real ccxt client), a SQLite file,
a hand-driven clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from services.trading.ccxt_market_data import CcxtMarketData
from services.trading.paper import PaperExchange
from services.trading.port import Exchange, MarketKind, Order, OrderRequest, OrderSide, OrderType
from storage.database import Database
from storage.paper import PaperRepository
from tests.fakes.clock import ManualClock
from tests.fakes.exchange import FakeExchange, MarketSpec, make_client

D = Decimal
BTC, BTC_PERP = "BTC/USDT", "BTC/USDT:USDT"


def as_port(paper: PaperExchange) -> Exchange:
    """Type-checked by mypy: the paper exchange implements the whole port."""
    return paper




@dataclass
class PaperHarness:
    fake: FakeExchange
    path: Path
    kind: MarketKind
    options: dict[str, Any]
    clock: ManualClock = field(default_factory=ManualClock)
    db: Database = field(init=False)
    repo: PaperRepository = field(init=False)
    prices: CcxtMarketData = field(init=False)
    paper: PaperExchange = field(init=False)

    async def open(self, repo_class: type[PaperRepository] = PaperRepository,
                   **options: Any) -> PaperExchange:
        """Open the database file and a new PaperExchange over it (a fresh start)."""
        self.db = Database(self.path)
        await self.db.open()
        await self.db.migrate()
        self.repo = repo_class(self.db)
        client = await make_client(self.fake, "futures" if self.kind is MarketKind.FUTURES
                                   else "spot")
        self.prices = CcxtMarketData(client, self.kind, clock=self.clock)
        self.paper = PaperExchange(prices=self.prices, db=self.db, repo=self.repo,
                                   clock=self.clock, kind=self.kind,
                                   **{**self.options, **options})
        return self.paper

    async def shut(self) -> None:
        await self.paper.close()
        await self.db.close()

    async def restart(self, repo_class: type[PaperRepository] = PaperRepository,
                      **options: Any) -> PaperExchange:
        await self.shut()
        return await self.open(repo_class, **options)

    async def tick(self, *symbols: str) -> list[Order]:
        """One PnL-updater tick: one batched ticker request, then on_prices."""
        tickers = await self.paper.fetch_tickers(list(symbols))
        return await self.paper.on_prices(tickers)

    async def move(self, symbol: str, price: str) -> list[Order]:
        self.fake.set_price(symbol, price)
        self.clock.advance(1)
        return await self.tick(symbol)


@asynccontextmanager
async def paper_harness(tmp_path: Path, kind: MarketKind, *,
                        markets: list[MarketSpec] | None = None,
                        **options: Any) -> AsyncIterator[PaperHarness]:
    async with FakeExchange(markets=markets) as fake:
        harness = PaperHarness(fake, tmp_path / "paper.sqlite3", kind, options)
        await harness.open()
        try:
            yield harness
        finally:
            await harness.shut()


def order(client_id: str, symbol: str, side: str, type_: str, amount: str,
          price: str | None = None, trigger: str | None = None,
          reduce_only: bool = False) -> OrderRequest:
    return OrderRequest(client_id=client_id, symbol=symbol, side=OrderSide(side),
                        type=OrderType(type_), amount=D(amount),
                        price=D(price) if price else None,
                        trigger_price=D(trigger) if trigger else None, reduce_only=reduce_only)
