"""PnL tick: `engine.tracker.tick()` over 10 / 100 / 1,000 / 10,000 open futures positions
in paper mode, prices from a fake Binance on 127.0.0.1 through real ccxt.

Each position is a long of 10 at 100 on its own market (S00000/USDT:USDT …), its stop at
95 and take-profits at 102 / 104 / 106 resting in the paper account. The first 100 are
opened through engine.on_signal (the risk gate allows 100 open positions at most); the
rest are copies of those rows in SQLite — position, its orders, the paper orders and
fills, the paper position and leverage, the wallet less the fees — each on its own market
with its own ids. The engine then starts again over the database (as after a restart):
  - one warm-up tick (loads the paper account, takes the first equity snapshot);
  - quiet ticks: every price moves, nothing crosses;
  - busy ticks: 1 % of the positions (at least 1, at most --max-fills, 10) see their price
    rise through the first take-profit: the fill is applied, the stop moved to break-even
    (cancel + new order). Why the cap: once a tick has lasted longer than the paper
    exchange's order price age (1 s), every further stop it places fetches every ticker
    again — at 10,000 positions and 100 take-profits that is ~80 requests and ~50 s of CPU
    (`--max-fills 100` shows it).
Per tick: requests reaching the exchange (target 1) and CPU time of this process
(time.process_time, the aiosqlite thread included; the fake exchange runs in a child
process so that its work is not counted), of which ccxt's ticker request and parse.

    uv run python bench/pnl_tick.py [--sizes 10,100,1000,10000] [--max-fills 10]

The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import ccxt.async_support as ccxt_async

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.audit import AuditTrail  # noqa: E402
from services.clock import SystemClock  # noqa: E402
from services.control import TradingControl  # noqa: E402
from services.events import ChannelRef, EventBus, SignalAccepted  # noqa: E402
from services.parsing import EntryType, ParsedSignal, Side  # noqa: E402
from services.posts import IncomingPost, PostSource  # noqa: E402
from services.runtime_config import RuntimeConfig  # noqa: E402
from services.trading.ccxt_market_data import CcxtMarketData  # noqa: E402
from services.trading.client_ids import ClientIds  # noqa: E402
from services.trading.engine import TradingEngine  # noqa: E402
from services.trading.paper import PaperExchange  # noqa: E402
from services.trading.port import MarketKind, Ticker  # noqa: E402
from services.trading.resilient import ResilientExchange  # noqa: E402
from services.trading.tracker import PaperOrderFeed, TickReport  # noqa: E402
from storage.audit import AuditLogRepository  # noqa: E402
from storage.channels import ChannelRepository  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.paper import PaperRepository  # noqa: E402
from storage.position_orders import PositionOrderRepository  # noqa: E402
from storage.positions import OPEN, PARTIALLY_CLOSED, PositionRepository  # noqa: E402
from storage.posts import PostRepository  # noqa: E402
from storage.runtime_settings import RuntimeSettingsRepository  # noqa: E402
from storage.signals import SignalRepository  # noqa: E402
from tests.fakes.exchange import FakeExchange, MarketSpec, SymbolFilters  # noqa: E402

D = Decimal
BY_ENGINE = 100  # risk.max_open_positions at its ceiling
CHANNEL, ADMIN = -1001234567890, 1001
PRICE, STOP, TARGETS, PAST_TP1 = D("100"), D("95"), (D("102"), D("104"), D("106")), D("102.5")
FILTERS = SymbolFilters(tick_size=D("0.01"), step_size=D("0.001"), min_qty=D("0.001"),
                        max_qty=D("1000000"), min_notional=D("5"), market_max_qty=D("1000000"),
                        min_price=D("0.01"), max_price=D("1000000"), price_precision=2,
                        quantity_precision=3)


def market_id(i: int) -> str:
    return f"S{i:05d}USDT"


def symbol(i: int) -> str:
    return f"S{i:05d}/USDT:USDT"


# ---- the fake exchange, in a child process -------------------------------------------------
def serve_exchange(conn: Connection, markets: int) -> None:
    """Child process: a FakeExchange listing `markets` perpetuals, driven over `conn`."""
    asyncio.run(_serve(conn, markets))


async def _serve(conn: Connection, markets: int) -> None:
    specs = [MarketSpec(f"S{i:05d}", "USDT", PRICE, spot=None, futures=FILTERS,
                        max_leverage=50) for i in range(markets)]
    async with FakeExchange(markets=specs) as fake:
        conn.send(fake.ccxt_config("futures", production_errors=False))
        loop = asyncio.get_running_loop()
        while True:
            command, argument = await loop.run_in_executor(None, conn.recv)
            if command == "prices":  # taken at the next ticker request, as a market moves
                for market, price in argument.items():
                    fake.tracks[f"futures:{market}"].script.append(D(price))
                conn.send(None)
            elif command == "requests":
                conn.send([f"{r.method} {r.path}" for r in fake.requests[argument:]])
            else:
                return


class ExchangeProcess:
    """The parent's handle on the child's fake exchange."""

    def __init__(self, markets: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=serve_exchange, args=(child, markets),
                                        daemon=True)
        self._process.start()
        self.ccxt_config: dict[str, Any] = self._conn.recv()
        self._seen = 0

    def move(self, prices: dict[str, Decimal]) -> None:
        self._conn.send(("prices", {market: str(p) for market, p in prices.items()}))
        self._conn.recv()

    def new_requests(self) -> list[str]:
        """'METHOD /path' of the requests received since the last call."""
        self._conn.send(("requests", self._seen))
        requests: list[str] = self._conn.recv()
        self._seen += len(requests)
        return requests

    def stop(self) -> None:
        self._conn.send(("stop", None))
        self._process.join(10)


# ---- the bot's side -----------------------------------------------------------------------
class TimedPrices(CcxtMarketData):
    """The paper exchange's price source, adding up the CPU time of its ticker requests."""

    cpu_s = 0.0

    async def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]:
        started = time.process_time()
        try:
            return await super().fetch_tickers(symbols)
        finally:
            self.cpu_s += time.process_time() - started


@dataclass
class Bot:
    engine: TradingEngine
    paper: PaperExchange
    prices: TimedPrices

    async def close(self) -> None:
        await self.paper.close()


async def start_bot(db: Database, exchange: ExchangeProcess) -> Bot:
    """Everything above the database, as bot/app.py builds it in paper mode."""
    clock = SystemClock()
    prices = TimedPrices(ccxt_async.binance(exchange.ccxt_config), MarketKind.FUTURES,
                         clock=clock)
    paper = PaperExchange(prices=prices, db=db, repo=PaperRepository(db), clock=clock,
                          kind=MarketKind.FUTURES, starting_balance=D("10000000"))
    audit = AuditTrail(AuditLogRepository(db), clock)
    resilient = ResilientExchange(paper, clock=clock)
    engine = TradingEngine(
        db=db, exchange=resilient, positions=PositionRepository(db),
        orders=PositionOrderRepository(db), channels=ChannelRepository(db),
        config=RuntimeConfig(db, RuntimeSettingsRepository(db), audit, clock),
        control=TradingControl(db, RuntimeSettingsRepository(db), audit, clock),
        events=EventBus(), audit=audit, clock=clock, feed=PaperOrderFeed(paper.on_prices))
    await resilient.load_markets()
    return Bot(engine, paper, prices)


async def open_by_signals(db: Database, bot: Bot, count: int) -> None:
    """`count` auto-mode signals, each opened by the engine (entry, stop, 3 take-profits)."""
    clock = SystemClock()
    audit = AuditTrail(AuditLogRepository(db), clock)
    config = RuntimeConfig(db, RuntimeSettingsRepository(db), audit, clock)
    for key, value in (("risk.max_open_positions", "100"), ("sizing.value", "100")):
        await config.set(key, value, actor_id=ADMIN, role="admin")
    for i in range(count):
        now = clock.now()
        post = IncomingPost(CHANNEL, i + 1, now, f"LONG S{i:05d}", PostSource.LISTENER)
        async with db.transaction():
            stored = await PostRepository(db).store(
                channel_id=CHANNEL, message_id=i + 1, posted_at=now, text=post.text,
                reply_to_id=None, source="listener", edited_at=None, now=now)
            signal_id = await SignalRepository(db).add(
                post_id=stored.post.id, revision=0, channel_id=CHANNEL, kind="open",
                status="accepted", symbol=symbol(i), reason=None, parsed={},
                linked_signal_id=None, now=now)
        parsed = ParsedSignal(f"S{i:05d}/USDT", Side.LONG, (), EntryType.MARKET, TARGETS, STOP,
                              leverage=10)
        position = await bot.engine.on_signal(SignalAccepted(
            signal_id, ChannelRef(CHANNEL, "@calls", known=True, mode="auto"), post, parsed,
            market_symbol=symbol(i), market_checked=True))
        assert position.status == OPEN, position.reason


async def copy_positions(db: Database, first: int, count: int) -> None:
    """`count` more open positions on markets first…first+count-1: copies of the rows the
    engine wrote for the positions open now, with new ids, symbols and client ids."""
    ids = ClientIds()  # the engine's (default namespace)
    templates = await db.fetch_all("SELECT * FROM positions WHERE status = 'open' ORDER BY id")
    orders: dict[int, list[Any]] = defaultdict(list)
    for row in await db.fetch_all("SELECT * FROM position_orders ORDER BY id"):
        orders[row["position_id"]].append(row)
    paper_orders = {r["client_id"]: r for r in await db.fetch_all("SELECT * FROM paper_orders")}
    fills: dict[int, list[Any]] = defaultdict(list)
    for row in await db.fetch_all("SELECT * FROM paper_fills"):
        fills[row["order_id"]].append(row)
    paper_positions = {r["symbol"]: r for r in await db.fetch_all("SELECT * FROM paper_positions")}
    settings = {r["symbol"]: r for r in await db.fetch_all("SELECT * FROM paper_settings")}
    next_position = max(t["id"] for t in templates) + 1  # only open positions were made
    next_order = max(r["id"] for r in paper_orders.values()) + 1
    new: dict[str, list[dict[str, Any]]] = defaultdict(list)
    fees = D(0)
    for k in range(count):
        template, position_id, sym = templates[k % len(templates)], next_position + k, \
            symbol(first + k)
        new["positions"].append({**dict(template), "id": position_id, "symbol": sym,
                                 "signal_id": None})
        for order in orders[template["id"]]:
            client_id = ids.make(position_id, order["leg"])
            copy = {**dict(order), "position_id": position_id, "client_id": client_id,
                    "symbol": sym}
            del copy["id"]
            paper = paper_orders[order["client_id"]]
            assert order["exchange_id"] == str(paper["id"])
            copy["exchange_id"] = str(next_order)
            new["position_orders"].append(copy)
            new["paper_orders"].append({**dict(paper), "id": next_order, "client_id": client_id,
                                        "symbol": sym})
            for fill in fills[paper["id"]]:
                new["paper_fills"].append({**{k: v for k, v in dict(fill).items() if k != "id"},
                                           "order_id": next_order})
                fees += D(fill["fee"])
            next_order += 1
        new["paper_positions"].append({**dict(paper_positions[template["symbol"]]),
                                       "symbol": sym})
        new["paper_settings"].append({**dict(settings[template["symbol"]]), "symbol": sym})
    async with db.transaction():
        for table, rows in new.items():
            columns = list(rows[0])
            await db.execute_many(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                [tuple(r[c] for c in columns) for r in rows])
        wallet = await db.fetch_one(
            "SELECT amount FROM paper_balances WHERE kind = 'futures' AND currency = 'USDT'")
        assert wallet is not None
        await db.execute("UPDATE paper_balances SET amount = ? WHERE kind = 'futures' AND "
                         "currency = 'USDT'", (str(D(wallet[0]) - fees),))


# ---- the measurement ----------------------------------------------------------------------
@dataclass
class Tick:
    cpu_ms: float
    ticker_cpu_ms: float
    wall_ms: float
    requests: list[str]
    report: TickReport


async def tick(bot: Bot, exchange: ExchangeProcess) -> Tick:
    prices_before = bot.prices.cpu_s
    wall, cpu = time.perf_counter(), time.process_time()
    report = await bot.engine.tracker.tick()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Tick(cpu * 1000, (bot.prices.cpu_s - prices_before) * 1000, wall * 1000,
                exchange.new_requests(), report)


async def open_positions(db: Database, size: int) -> int:
    """`size` open positions; returns how many the engine opened (the rest are copies)."""
    by_engine = min(size, BY_ENGINE)
    exchange = ExchangeProcess(by_engine)  # lists only the markets the engine trades on: faster
    try:
        bot = await start_bot(db, exchange)
        await open_by_signals(db, bot, by_engine)
        await bot.close()
    finally:
        exchange.stop()
    if size > by_engine:
        await copy_positions(db, by_engine, size - by_engine)
    return by_engine


def ticks_for(size: int) -> tuple[int, int]:
    """(quiet, busy) ticks measured: fewer for the big accounts, whose ticks take seconds."""
    return (10, 3) if size <= 100 else (5, 3) if size <= 1000 else (3, 1)


async def measure(size: int, folder: Path, max_fills: int) -> dict[str, Any]:
    quiet_ticks, busy_ticks = ticks_for(size)
    db = Database(folder / f"pnl-{size}.sqlite3")
    await db.open()
    await db.migrate()
    exchange: ExchangeProcess | None = None
    try:
        started = time.perf_counter()
        by_engine = await open_positions(db, size)
        exchange = ExchangeProcess(size)
        bot = await start_bot(db, exchange)  # as after a restart: everything read back
        setup_s = time.perf_counter() - started
        markets = [market_id(i) for i in range(size)]
        exchange.new_requests()
        warm = await tick(bot, exchange)
        assert warm.report.positions == size, warm.report

        quiet = []
        for step in range(quiet_ticks):
            exchange.move(dict.fromkeys(markets, PRICE + D(step % 7 + 1) / 10))
            quiet.append(await tick(bot, exchange))
            assert quiet[-1].report.order_changes == 0, quiet[-1].report

        busy: list[Tick] = []
        risen: set[str] = set()
        group = min(max_fills, max(1, size // 100))
        for step in range(busy_ticks):
            risen |= set(markets[step * group: (step + 1) * group])
            exchange.move({m: PAST_TP1 if m in risen else PRICE + D(step % 7) / 10
                           for m in markets})
            busy.append(await tick(bot, exchange))
            assert busy[-1].report.order_changes == group, busy[-1].report
        partly = await db.fetch_one("SELECT COUNT(*) FROM positions WHERE status = ?",
                                    (PARTIALLY_CLOSED,))
        assert partly is not None and partly[0] == len(risen), partly[0] if partly else None
        await bot.close()
    finally:
        await db.close()
        if exchange is not None:
            exchange.stop()
    return {
        "size": size, "setup_s": round(setup_s, 1), "by_engine": by_engine,
        "quiet_ticks": quiet_ticks, "busy_ticks": busy_ticks, "busy_fills": group,
        "requests": max(len(t.requests) for t in [warm, *quiet]),
        "busy_requests": max(len(t.requests) for t in busy),
        "request_kinds": sorted(Counter(r for t in [warm, *quiet, *busy] for r in t.requests)),
        "quiet_cpu_ms": round(statistics.median(t.cpu_ms for t in quiet), 2),
        "quiet_ticker_cpu_ms": round(statistics.median(t.ticker_cpu_ms for t in quiet), 2),
        "quiet_wall_ms": round(statistics.median(t.wall_ms for t in quiet), 1),
        "busy_cpu_ms": round(statistics.median(t.cpu_ms for t in busy), 2),
        "busy_wall_ms": round(statistics.median(t.wall_ms for t in busy), 1),
    }


async def main(sizes: list[int], max_fills: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        return [await measure(size, Path(folder), max_fills) for size in sizes]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--max-fills", type=int, default=10)
    args = parser.parse_args()
    results = asyncio.run(main([int(s) for s in args.sizes.split(",")], args.max_fills))
    print("tracker tick, paper futures: requests reaching the exchange and CPU ms per tick "
          "(medians)")
    for r in results:
        print(f"  {r['size']:>6} positions: quiet {r['requests']} request(s), "
              f"{r['quiet_cpu_ms']} ms CPU ({r['quiet_cpu_ms'] * 1000 / r['size']:.0f} µs per "
              f"position; ccxt's ticker request {r['quiet_ticker_cpu_ms']} ms), wall "
              f"{r['quiet_wall_ms']} ms   |   busy ({r['busy_fills']} take-profits) "
              f"{r['busy_requests']} request(s), {r['busy_cpu_ms']} ms CPU, wall "
              f"{r['busy_wall_ms']} ms")
        print(f"{'':>10}{r['quiet_ticks']} quiet + {r['busy_ticks']} busy ticks after a warm-up; "
              f"{r['by_engine']} positions opened by the engine, {r['size'] - r['by_engine']} "
              f"copied; setup {r['setup_s']} s; requests seen: {', '.join(r['request_kinds'])}")
    print(json.dumps({"ticks": {str(r["size"]): {
        "requests": r["requests"], "quiet_cpu_ms": r["quiet_cpu_ms"],
        "quiet_ticker_cpu_ms": r["quiet_ticker_cpu_ms"], "busy_requests": r["busy_requests"],
        "busy_cpu_ms": r["busy_cpu_ms"], "busy_fills": r["busy_fills"]} for r in results}}))
