"""Signal to order: 1,000 parsed signals in auto mode through TradingEngine.on_signal, each
ending in a filled entry on a fake Binance on 127.0.0.1 (and its stop and 3 take-profits).

Internal latency = from the call of `engine.on_signal(SignalAccepted)` to the moment the
entry order request is received by the exchange. A signal is accepted after the intake's
market check (symbol, price, entry distance; not timed, as in the bot it precedes
acceptance), and the engine sizes it on the price that check read. Two paths:
  - live:  ResilientExchange over CcxtExchange (real ccxt 4.5.90) — the order crosses HTTP
           and the fake stamps it when its handler gets it (RecordedRequest.received);
  - paper: ResilientExchange over PaperExchange (prices from the fake through ccxt) —
           the moment PaperExchange.create_order is entered.
Before its entry a signal asks the exchange for the balance (sizing and risk gate) and
sets the leverage; in live mode these are HTTP round trips and the latency
includes them. The fake runs in this process, so "less the fake's own time" also shows the
latency without the time its handlers took to answer those requests (a real exchange's
share). Throughput = signals / time inside on_signal (stop and take-profits included).

The risk gate allows at most 100 open positions (the setting's ceiling) and one per
symbol, so the signals come in rounds of 100 over 100 markets, and every position of a
round is closed through engine.closer (not timed) before the next round.

    uv run python bench/signal_to_order.py [--signals 1000]

The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.audit import AuditTrail  # noqa: E402
from services.clock import SystemClock  # noqa: E402
from services.control import TradingControl  # noqa: E402
from services.events import ChannelRef, EventBus, SignalAccepted  # noqa: E402
from services.market_check import MarketCheck  # noqa: E402
from services.parsing import EntryType, ParsedSignal, Side  # noqa: E402
from services.posts import IncomingPost, PostSource  # noqa: E402
from services.runtime_config import RuntimeConfig  # noqa: E402
from services.trading.ccxt_market_data import CcxtMarketData  # noqa: E402
from services.trading.engine import TradingEngine  # noqa: E402
from services.trading.paper import PaperExchange  # noqa: E402
from services.trading.port import Exchange, MarketKind, Order, OrderRequest  # noqa: E402
from services.trading.resilient import ResilientExchange  # noqa: E402
from services.trading.tracker import OrderFeed, PaperOrderFeed  # noqa: E402
from storage.audit import AuditLogRepository  # noqa: E402
from storage.channels import ChannelRepository  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.paper import PaperRepository  # noqa: E402
from storage.position_orders import PositionOrderRepository  # noqa: E402
from storage.positions import OPEN, PositionRepository  # noqa: E402
from storage.posts import PostRepository  # noqa: E402
from storage.runtime_settings import RuntimeSettingsRepository  # noqa: E402
from storage.signals import SignalRepository  # noqa: E402
from tests.fakes.exchange import FakeExchange, MarketSpec, SymbolFilters, make_client  # noqa: E402
from tests.services.trading.ccxt_support import exchange_on  # noqa: E402

D = Decimal
MARKETS = 100  # = risk.max_open_positions at its ceiling: one round of signals
WARMUP = 20
CHANNEL, ADMIN = -1001234567890, 1001
PRICE, STOP, TARGETS = D("100"), D("95"), (D("102"), D("104"), D("106"))
FILTERS = SymbolFilters(tick_size=D("0.01"), step_size=D("0.001"), min_qty=D("0.001"),
                        max_qty=D("1000000"), min_notional=D("5"), market_max_qty=D("1000000"),
                        min_price=D("0.01"), max_price=D("1000000"), price_precision=2,
                        quantity_precision=3)


def market_specs(count: int) -> list[MarketSpec]:
    """`count` USD-M perpetuals S000USDT… at 100 USDT (no spot listing)."""
    return [MarketSpec(f"S{i:03d}", "USDT", PRICE, spot=None, futures=FILTERS, max_leverage=50)
            for i in range(count)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


EntryReceived = Callable[[str], float]  # entry client id -> perf_counter() when received


@dataclass
class Bench:
    """One engine over one exchange and a fresh database, as bot/app.py wires them."""

    db: Database
    engine: TradingEngine
    positions: PositionRepository
    fake: FakeExchange
    check: MarketCheck
    message_id: int = 0
    asked: Counter[str] = field(default_factory=Counter)  # requests made before entries

    async def signal(self, symbol: str) -> SignalAccepted:
        """A stored post and its accepted reading, as the intake hands them to the engine."""
        self.message_id += 1
        now = SystemClock().now()
        post = IncomingPost(CHANNEL, self.message_id, now, f"LONG {symbol}", PostSource.LISTENER)
        async with self.db.transaction():
            stored = await PostRepository(self.db).store(
                channel_id=CHANNEL, message_id=self.message_id, posted_at=now, text=post.text,
                reply_to_id=None, source="listener", edited_at=None, now=now)
            signal_id = await SignalRepository(self.db).add(
                post_id=stored.post.id, revision=0, channel_id=CHANNEL, kind="open",
                status="accepted", symbol=symbol, reason=None, parsed={},
                linked_signal_id=None, now=now)
        parsed = ParsedSignal(symbol.split(":")[0], Side.LONG, (), EntryType.MARKET, TARGETS,
                              STOP, leverage=10)
        review = await self.check.review(parsed, leverage_cap=None)
        assert review.market_symbol == symbol and not review.reasons, review
        return SignalAccepted(signal_id, ChannelRef(CHANNEL, "@calls", known=True, mode="auto"),
                              post, review.signal, market_symbol=symbol, market_checked=True,
                              market_price=review.price, priced_at=SystemClock().now())

    def exchange_share(self, started: float, received: float) -> float:
        """Seconds the fake spent answering this signal's requests before its entry arrived
        (a real exchange's own time, not ours); counts those requests in `asked`."""
        share = 0.0
        for request in reversed(self.fake.requests):
            if request.received < started:
                break
            if request.received < received:
                share += request.answered - request.received
                self.asked[f"{request.method} {request.path}"] += 1
        return share

    async def close_all(self) -> None:
        """Make room for the next round (not timed): close every position at market."""
        for position in await self.positions.active():
            result = await self.engine.closer.close(position.id, actor_id=ADMIN)
            assert result.closed, result.reason


@asynccontextmanager
async def bench_on(exchange: Exchange, fake: FakeExchange, folder: Path, name: str,
                   feed: OrderFeed | None = None) -> AsyncIterator[Bench]:
    clock = SystemClock()
    db = Database(folder / f"{name}.sqlite3")
    await db.open()
    await db.migrate()
    audit = AuditTrail(AuditLogRepository(db), clock)
    config = RuntimeConfig(db, RuntimeSettingsRepository(db), audit, clock)
    for key, value in (("risk.max_open_positions", "100"), ("sizing.value", "100")):
        await config.set(key, value, actor_id=ADMIN, role="admin")
    resilient = ResilientExchange(exchange, clock=clock)
    positions = PositionRepository(db)
    engine = TradingEngine(
        db=db, exchange=resilient, positions=positions, orders=PositionOrderRepository(db),
        channels=ChannelRepository(db), config=config,
        control=TradingControl(db, RuntimeSettingsRepository(db), audit, clock),
        events=EventBus(), audit=audit, clock=clock, feed=feed)
    await resilient.load_markets()
    try:
        check = MarketCheck(resilient, max_distance_pct=lambda: config.get(
            "signals.max_entry_distance_pct"))
        yield Bench(db, engine, positions, fake, check)
    finally:
        await db.close()


async def run(bench: Bench, signals: int, received: EntryReceived) -> dict[str, float]:
    """Rounds of MARKETS signals, WARMUP first (not counted)."""
    symbols = [f"S{i:03d}/USDT:USDT" for i in range(MARKETS)]
    latency_ms: list[float] = []
    own_ms: list[float] = []  # the same less the fake's time answering the requests before
    inside_s, cpu_s, done = 0.0, 0.0, -WARMUP
    while done < signals:
        batch = symbols[: min(MARKETS, WARMUP if done < 0 else signals - done)]
        for symbol in batch:
            event = await bench.signal(symbol)
            cpu, started = time.process_time(), time.perf_counter()
            position = await bench.engine.on_signal(event)
            finished, cpu = time.perf_counter(), time.process_time() - cpu
            assert position.status == OPEN, (position.status, position.reason)
            if done < 0:
                continue
            arrived = received(bench.engine.execution.ids.make(position.id, "entry"))
            latency_ms.append((arrived - started) * 1000)
            own_ms.append((arrived - started - bench.exchange_share(started, arrived)) * 1000)
            inside_s += finished - started
            cpu_s += cpu
        await bench.close_all()
        done += len(batch)
    return {"entries": len(latency_ms), "p50_ms": round(percentile(latency_ms, 0.50), 3),
            "p99_ms": round(percentile(latency_ms, 0.99), 3),
            "max_ms": round(max(latency_ms), 3),
            "own_p50_ms": round(percentile(own_ms, 0.50), 3),
            "own_p99_ms": round(percentile(own_ms, 0.99), 3),
            "signals_per_s": round(len(latency_ms) / inside_s, 1),
            "cpu_ms_per_signal": round(cpu_s / len(latency_ms) * 1000, 3)}


def entry_orders(fake: FakeExchange) -> int:
    return sum(1 for o in fake.orders("futures")
               if str(o.get("clientOrderId", "")).endswith("-entry"))


async def live(signals: int, folder: Path) -> tuple[dict[str, float], Counter[str]]:
    async with FakeExchange(markets=market_specs(MARKETS)) as fake:
        fake.set_balance("USDT", "10000000", market="futures")

        def received(client_id: str) -> float:
            for request in reversed(fake.requests):
                if request.params.get("newClientOrderId") == client_id:
                    return request.received
            raise AssertionError(f"entry {client_id} never reached the exchange")

        async with exchange_on(fake, "futures") as ccxt_exchange, \
                bench_on(ccxt_exchange, fake, folder, "live") as bench:
            figures = await run(bench, signals, received)
        assert entry_orders(fake) == signals + WARMUP, entry_orders(fake)
    return figures, bench.asked


class StampedPaper(PaperExchange):
    """The paper exchange, noting the moment each order reaches it."""

    received: dict[str, float]

    async def create_order(self, request: OrderRequest) -> Order:
        self.received.setdefault(request.client_id, time.perf_counter())
        return await super().create_order(request)


async def paper(signals: int, folder: Path) -> tuple[dict[str, float], Counter[str]]:
    async with FakeExchange(markets=market_specs(MARKETS)) as fake:
        db = Database(folder / "paper-account.sqlite3")
        await db.open()
        await db.migrate()
        clock = SystemClock()
        prices = CcxtMarketData(await make_client(fake, "futures"), MarketKind.FUTURES,
                                clock=clock)
        exchange = StampedPaper(prices=prices, db=db, repo=PaperRepository(db), clock=clock,
                                kind=MarketKind.FUTURES, starting_balance=D("10000000"))
        exchange.received = {}
        try:
            async with bench_on(exchange, fake, folder, "paper",
                                PaperOrderFeed(exchange.on_prices)) as bench:
                figures = await run(bench, signals, exchange.received.__getitem__)
        finally:
            await exchange.close()
            await db.close()
        assert not fake.orders("futures")  # the paper account kept every order to itself
    placed = sum(1 for c in exchange.received if c.endswith("-entry"))
    assert placed == signals + WARMUP, placed
    return figures, bench.asked


async def main(signals: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        results = {"live": await live(signals, Path(tmp)), "paper": await paper(signals, Path(tmp))}
    print(f"signal accepted -> entry order received, {signals} signals "
          f"(+{WARMUP} warm-up), {MARKETS} markets")
    for name, (f, asked) in results.items():
        print(f"{name:>6}: {f['entries']} entry orders   p50 {f['p50_ms']} ms   p99 "
              f"{f['p99_ms']} ms   max {f['max_ms']} ms   {f['signals_per_s']} signals/s   "
              f"CPU {f['cpu_ms_per_signal']} ms per signal (ours and the fake's)")
        print(f"{'':>8}less the fake's own time: p50 {f['own_p50_ms']} ms   p99 "
              f"{f['own_p99_ms']} ms;   requests before each entry: "
              + ", ".join(f"{n / signals:g}x {k}" for k, n in sorted(asked.items())))
    return {f"{name}_{key}": value for name, (f, _) in results.items()
            for key, value in f.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=1000)
    print(json.dumps(asyncio.run(main(parser.parse_args().signals))))
