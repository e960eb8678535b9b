"""Shared harness of the trading engine tests (no tests here): the real PaperExchange behind
the real ResilientExchange, over the fake Binance's public prices through real ccxt; a real
SQLite database, RuntimeConfig, TradingControl and EventBus; a hand-driven clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from services.audit import AuditTrail
from services.control import TradingControl
from services.events import ChannelRef, EventBus, SignalAccepted, TradeUpdateReceived
from services.parsing import EntryType, ParsedClose, ParsedSignal, ParsedUpdate, Side
from services.parsing.model import UpdateAction
from services.posts import IncomingPost, PostSource
from services.runtime_config import RuntimeConfig
from services.trading.engine import TradingEngine
from services.trading.port import MarketKind
from services.trading.resilient import ResilientExchange
from services.trading.tracker import PaperOrderFeed
from storage.audit import AuditLogRepository
from storage.channels import ChannelRepository
from storage.position_orders import PositionOrderRepository
from storage.positions import PositionRepository
from storage.posts import PostRepository
from storage.runtime_settings import RuntimeSettingsRepository
from storage.signals import SignalRepository
from tests.services.trading.ccxt_support import RecordedSleep
from tests.services.trading.test_paper_support import PaperHarness, paper_harness

D = Decimal
BTC_PERP, ETH_PERP = "BTC/USDT:USDT", "ETH/USDT:USDT"
CHANNEL = -1001234567890
ADMIN = 1001


@dataclass
class EngineHarness:
    paper: PaperHarness
    events: list[Any] = field(default_factory=list)
    message_id: int = 0

    def build(self) -> TradingEngine:
        """Every object above the database and the paper exchange, as bot/app.py would."""
        h = self.paper
        clock = h.clock
        self.audit = AuditTrail(AuditLogRepository(h.db), clock)
        self.config = RuntimeConfig(h.db, RuntimeSettingsRepository(h.db), self.audit, clock)
        self.control = TradingControl(h.db, RuntimeSettingsRepository(h.db), self.audit, clock)
        self.bus = EventBus()
        self.bus.subscribe(self._record)
        self.exchange = ResilientExchange(h.paper, clock=clock, sleep=RecordedSleep(clock))
        self.positions = PositionRepository(h.db)
        self.orders = PositionOrderRepository(h.db)
        self.engine = TradingEngine(
            db=h.db, exchange=self.exchange, positions=self.positions, orders=self.orders,
            channels=ChannelRepository(h.db), config=self.config, control=self.control,
            events=self.bus, audit=self.audit, clock=clock,
            feed=PaperOrderFeed(h.paper.on_prices))
        return self.engine

    async def _record(self, event: Any) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    async def restart(self) -> TradingEngine:
        """kill -9 and start again: new database connection, exchange objects and engine."""
        await self.paper.restart()
        self.events.clear()
        return self.build()

    async def set(self, key: str, value: str) -> None:
        await self.config.set(key, value, actor_id=ADMIN, role="admin")

    async def signal(self, *, symbol: str = "BTC/USDT", market: str | None = BTC_PERP,
                     side: Side = Side.LONG, entries: tuple[str, ...] = (),
                     targets: tuple[str, ...] = ("96000", "97000", "98000"),
                     stop: str | None = "93000", leverage: int | None = 10,
                     mode: str = "auto") -> SignalAccepted:
        """A stored post and its accepted reading, as the intake publishes them."""
        self.message_id += 1
        h = self.paper
        now = h.clock.now()
        post = IncomingPost(CHANNEL, self.message_id, now, f"signal {self.message_id}",
                            PostSource.LISTENER)
        stored = await PostRepository(h.db).store(
            channel_id=CHANNEL, message_id=self.message_id, posted_at=now, text=post.text,
            reply_to_id=None, source="listener", edited_at=None, now=now)
        signal_id = await SignalRepository(h.db).add(
            post_id=stored.post.id, revision=0, channel_id=CHANNEL, kind="open",
            status="accepted", symbol=symbol, reason=None, parsed={}, linked_signal_id=None,
            now=now)
        entry_type = (EntryType.MARKET if not entries else EntryType.SINGLE if len(entries) == 1
                      else EntryType.ZONE)
        parsed = ParsedSignal(symbol, side, tuple(D(e) for e in entries), entry_type,
                              tuple(D(t) for t in targets), D(stop) if stop else None,
                              leverage=leverage)
        return SignalAccepted(signal_id, ChannelRef(CHANNEL, "@calls", known=True, mode=mode),
                              post, parsed, market_symbol=market, market_checked=True)

    async def update(self, of: SignalAccepted, *actions: UpdateAction,
                     close: bool = False) -> TradeUpdateReceived:
        """A management post of the channel, linked to signal `of`."""
        self.message_id += 1
        now = self.paper.clock.now()
        post = IncomingPost(CHANNEL, self.message_id, now, "update", PostSource.LISTENER,
                            reply_to_id=of.post.message_id)
        body = (ParsedClose if close else ParsedUpdate)(of.signal.symbol, tuple(actions))
        return TradeUpdateReceived(0, ChannelRef(CHANNEL, "@calls", known=True, mode="auto"),
                                   post, body, linked_signal_id=of.signal_id)

    async def move(self, price: str, symbol: str = BTC_PERP) -> None:
        """The market moves to `price`, then one tracker tick."""
        self.paper.fake.set_price(symbol.split(":")[0], price)
        self.paper.clock.advance(1)
        await self.engine.tracker.tick()

    async def position(self, position_id: int) -> Any:
        return await self.positions.get(position_id)

    async def legs(self, position_id: int) -> dict[str, Any]:
        return {o.leg: o for o in await self.orders.for_position(position_id)}

    async def paper_orders(self, client_id: str) -> int:
        row = await self.paper.db.fetch_one(
            "SELECT COUNT(*) FROM paper_orders WHERE client_id = ?", (client_id,))
        assert row is not None
        return int(row[0])


@asynccontextmanager
async def engine_harness(tmp_path: Path) -> AsyncIterator[EngineHarness]:
    async with paper_harness(tmp_path, MarketKind.FUTURES) as paper:
        harness = EngineHarness(paper)
        harness.build()
        await harness.set("sizing.value", "100")  # 100 USDT of margin per trade
        yield harness
