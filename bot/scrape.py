"""What /metrics reads of the running bot at each scrape: uptime, database, polling, the
send queue, the listener, the exchange's circuit and counters, scheduled jobs, and the
trading figures (positions, equity, PnL, win rate)."""

from __future__ import annotations

from dataclasses import dataclass

from services.health import HealthMonitor
from services.listener import ChannelListener
from services.metrics import Metrics, Tallies
from services.outbox import Outbox
from services.posts import ListenerState
from services.scheduler import Scheduler
from services.status import TradingFiguresSource
from services.trading.resilient import ResilientExchange
from storage.database import Database
from storage.outbox import OutboxRepository
from storage.trades import TradeRepository


@dataclass(frozen=True)
class ScrapeSource:
    health: HealthMonitor
    db: Database
    outbox: Outbox
    listener: ChannelListener | None
    exchange: ResilientExchange
    scheduler: Scheduler
    figures: TradingFiguresSource

    async def __call__(self, metrics: Metrics) -> None:
        metrics.uptime.set(self.health.uptime_s)
        metrics.database_up.set(1 if await self.db.ping() else 0)
        metrics.polling_up.set(1 if self.health.polling_ok() else 0)
        if self.db.is_open:
            metrics.outbox_pending.set(await self.outbox.pending())
            metrics.outbox_failed.set(await OutboxRepository(self.db).count("failed"))
        stats = self.outbox.stats
        metrics.messages_sent.set(stats.sent)
        metrics.send_retries.set(stats.retries)
        metrics.flood_waits.set(stats.flood_waits)
        metrics.listener_connected.set(1 if self.listener is not None
                                       and self.listener.state is ListenerState.CONNECTED else 0)
        metrics.circuit.state(self.exchange.breaker.state.value)
        exchange = self.exchange.stats
        metrics.count(Tallies(orders_sent=exchange.orders_sent,
                              orders_failed=exchange.orders_failed,
                              exchange_errors=dict(exchange.errors),
                              jobs=tuple(self.scheduler.jobs())))
        if self.db.is_open:
            metrics.show_trading(await self.figures(),
                                 await TradeRepository(self.db).outcomes())
