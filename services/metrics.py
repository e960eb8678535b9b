"""Prometheus metrics of one running bot (its own registry, so tests can run several)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST as PROMETHEUS_CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Info, generate_latest

__all__ = ["PROMETHEUS_CONTENT_TYPE", "Metrics"]

Refresher = Callable[["Metrics"], Awaitable[None]]


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
        self._refreshers: list[Refresher] = []

    def on_scrape(self, refresher: Refresher) -> None:
        """Register a coroutine that updates gauges just before each scrape."""
        self._refreshers.append(refresher)

    async def render(self) -> bytes:
        for refresh in self._refreshers:
            await refresh(self)
        return generate_latest(self.registry)
