"""Prometheus metrics of one running bot (its own registry, so tests can run several).

Gauges are set just before each scrape by the refreshers registered with `on_scrape`. What
the services count themselves since start (orders, exchange errors, job runs) is handed over
as a `Tallies` sample and exposed as counters by a collector, so the services stay free of
Prometheus.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client import CONTENT_TYPE_LATEST as PROMETHEUS_CONTENT_TYPE
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Enum,
    Gauge,
    Info,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.scheduler import JobInfo
from services.status import TradingFigures

__all__ = ["PROMETHEUS_CONTENT_TYPE", "Metrics", "Tallies"]

Refresher = Callable[["Metrics"], Awaitable[None]]

# The *_created series (one per counter: the time it was made) only double the output.
disable_created_metrics()


@dataclass
class Tallies:
    """Counts kept by the services since start, read at each scrape."""

    orders_sent: int = 0
    orders_failed: int = 0
    exchange_errors: Mapping[str, int] = field(default_factory=dict)  # by kind of error
    jobs: tuple[JobInfo, ...] = ()


class _TalliesCollector(Collector):
    def __init__(self) -> None:
        self.tallies = Tallies()

    def collect(self) -> Iterator[Metric]:
        t = self.tallies
        orders = CounterMetricFamily("signaldesk_orders", "Orders sent to the exchange "
                                     "(paper or live) since start, by outcome",
                                     labels=["outcome"])
        orders.add_metric(["placed"], t.orders_sent)
        orders.add_metric(["failed"], t.orders_failed)
        yield orders
        errors = CounterMetricFamily("signaldesk_exchange_errors", "Failed exchange calls "
                                     "(each try) since start, by kind", labels=["kind"])
        for kind, count in sorted(t.exchange_errors.items()):
            errors.add_metric([kind], count)
        yield errors
        runs = CounterMetricFamily("signaldesk_job_runs", "Runs of each scheduled job",
                                   labels=["job"])
        failures = CounterMetricFamily("signaldesk_job_failures",
                                       "Runs of each scheduled job that raised", labels=["job"])
        skipped = CounterMetricFamily("signaldesk_job_skipped", "Ticks of each job dropped "
                                      "because its previous run was still going or far too "
                                      "late", labels=["job"])
        spent = CounterMetricFamily("signaldesk_job_duration_seconds",
                                    "Seconds spent in each job, all runs", labels=["job"])
        last = GaugeMetricFamily("signaldesk_job_last_duration_seconds",
                                 "Seconds the last run of each job took", labels=["job"])
        failing = GaugeMetricFamily("signaldesk_job_failing",
                                    "1 while a job's runs keep failing", labels=["job"])
        for job in t.jobs:
            runs.add_metric([job.name], job.runs)
            failures.add_metric([job.name], job.failures)
            skipped.add_metric([job.name], job.skipped)
            spent.add_metric([job.name], job.total_duration_s)
            if job.last_duration_s is not None:
                last.add_metric([job.name], job.last_duration_s)
            failing.add_metric([job.name], 1 if job.failing else 0)
        yield from (runs, failures, skipped, spent, last, failing)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.info = Info("signaldesk", "Build and configuration of this bot", registry=r)
        self.uptime = Gauge("signaldesk_uptime_seconds", "Seconds since start", registry=r)
        self.database_up = Gauge("signaldesk_database_up", "1 when the database answers",
                                 registry=r)
        self.polling_up = Gauge("signaldesk_telegram_polling_up",
                                "1 when Telegram long polling is alive", registry=r)
        self.listener_connected = Gauge("signaldesk_listener_connected",
                                        "1 when the channel listener is connected", registry=r)
        self.updates = Counter("signaldesk_telegram_updates", "Telegram updates received",
                               ["type"], registry=r)
        self.refusals = Counter("signaldesk_access_refusals",
                                "Updates refused by the access gate", ["role"], registry=r)
        self.handler_errors = Counter("signaldesk_handler_errors",
                                      "Errors raised while handling an update", registry=r)
        self.outbox_pending = Gauge("signaldesk_outbox_pending",
                                    "Telegram messages waiting to be sent", registry=r)
        self.outbox_failed = Gauge("signaldesk_outbox_failed",
                                   "Telegram messages refused for good", registry=r)
        self.messages_sent = Gauge("signaldesk_telegram_messages_sent",
                                   "Messages delivered by the send queue since start",
                                   registry=r)
        self.send_retries = Gauge("signaldesk_telegram_send_retries",
                                  "Send attempts retried after a server or network error",
                                  registry=r)
        self.flood_waits = Gauge("signaldesk_telegram_flood_waits",
                                 "Times Telegram asked the bot to wait (retry_after)",
                                 registry=r)
        # Trading, in the quote currency (USDT) where it is money.
        self.positions = Gauge("signaldesk_positions", "Active positions: open (held) or "
                               "waiting (for the entry or an approval)", ["state"], registry=r)
        self.equity = Gauge("signaldesk_equity", "Account equity at the last snapshot",
                            registry=r)
        self.daily_pnl = Gauge("signaldesk_daily_pnl", "Net PnL of the trades closed today "
                               "(local day of REPORTS__TIMEZONE)", registry=r)
        self.unrealized_pnl = Gauge("signaldesk_unrealized_pnl",
                                    "Unrealised PnL of the held positions", registry=r)
        self.win_rate = Gauge("signaldesk_win_rate_ratio",
                              "Share of all closed trades that won (0..1)", registry=r)
        self.margin_in_use = Gauge("signaldesk_margin_in_use",
                                   "Margin committed by the active positions", registry=r)
        self.capital_at_risk = Gauge("signaldesk_capital_at_risk",
                                     "Lost if every held position hit its stop now",
                                     registry=r)
        self.circuit = Enum("signaldesk_exchange_circuit", "The exchange's circuit breaker",
                            states=["closed", "half_open", "open"], registry=r)
        self._tallies = _TalliesCollector()
        r.register(self._tallies)
        self._refreshers: list[Refresher] = []

    def show_trading(self, figures: TradingFigures, outcomes: tuple[int, int]) -> None:
        """Set the trading gauges: the figures /status shows, and (trades, wins) of every
        closed trade for the win rate."""
        self.positions.labels(state="open").set(figures.open_positions)
        self.positions.labels(state="waiting").set(figures.waiting_positions)
        if figures.equity is not None:
            self.equity.set(float(figures.equity))
        self.daily_pnl.set(float(figures.today_net_pnl))
        self.unrealized_pnl.set(float(figures.unrealized_pnl))
        self.margin_in_use.set(float(figures.margin_in_use))
        self.capital_at_risk.set(float(figures.at_risk))
        trades, wins = outcomes
        if trades:
            self.win_rate.set(wins / trades)

    def count(self, tallies: Tallies) -> None:
        """Hand over the services' counts for the next scrape."""
        self._tallies.tallies = tallies

    def on_scrape(self, refresher: Refresher) -> None:
        """Register a coroutine that updates gauges just before each scrape."""
        self._refreshers.append(refresher)

    async def render(self) -> bytes:
        for refresh in self._refreshers:
            await refresh(self)
        return generate_latest(self.registry)
