"""Wiring and life cycle: settings → database → services → Bot + Dispatcher → polling.

Everything is built once here and handed to the handlers through the Dispatcher's
workflow data. Start-up and shutdown order live only in this module.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from loguru import logger
from telethon import TelegramClient

from bot.channel_lookup import bot_resolver
from bot.scrape import ScrapeSource
from bot.settings import Settings
from bot.telegram_session import BotTokenRejected, create_bot, reach_telegram
from bot.telegram_transport import TelegramTransport
from bot.trading_exchange import trading_exchange
from handlers import setup_handlers
from handlers.i18n import build_i18n
from handlers.menu import publish_commands
from handlers.notifier import Notifier
from handlers.reports import ReportSender
from services.access import AccessService
from services.audit import AuditTrail
from services.backup import BackupService
from services.channels import ChannelService
from services.clock import Clock, SystemClock
from services.control import TradingControl
from services.events import (
    EventBus,
    ListenerStateChanged,
    PostEdited,
    SignalAccepted,
    TradeUpdateReceived,
)
from services.health import HealthMonitor
from services.http_api import HttpApi
from services.intake import SignalIntake
from services.listener import ChannelListener, ListenerAlert
from services.listener_session import client_from_settings
from services.market_check import MarketCheck
from services.metrics import Metrics
from services.outbox import Outbox
from services.performance import Performance
from services.portfolio import Portfolio
from services.preflight import Check, PreflightReport, PreflightWarned
from services.reports import Reports
from services.run_lock import AlreadyRunning, RunLock
from services.runtime_config import RuntimeConfig
from services.scheduler import JobFailed, JobRecovered, Scheduler
from services.status import StatusService, TradingFiguresSource
from services.trading.edits import SignalEdits
from services.trading.engine import TradingEngine
from services.trading.port import ExchangeError
from services.validation import Validation
from storage.audit import AuditLogRepository
from storage.channels import ChannelRepository
from storage.database import Database
from storage.outbox import OutboxRepository
from storage.position_orders import PositionOrderRepository
from storage.positions import PositionRepository
from storage.posts import PostRepository
from storage.runtime_settings import RuntimeSettingsRepository
from storage.signals import SignalRepository
from storage.trades import TradeRepository
from storage.users import UserRepository

if TYPE_CHECKING:
    pass

SHUTDOWN_GRACE_S = 2.0
VERSION = "0.1.0"


class StartupError(Exception):
    """The bot cannot start; the message says why and what to do."""


@dataclass
class Application:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    # Tests replace the Telethon client (Telegram's MTProto servers cannot run here).
    telethon_client_factory: Callable[[], TelegramClient] | None = None

    def __post_init__(self) -> None:
        s = self.settings
        self.db = Database(s.database_path)
        self.metrics = Metrics()
        self.audit = AuditTrail(AuditLogRepository(self.db), self.clock)
        self.access = AccessService(admin_ids=s.telegram.admin_ids,
                                    viewer_ids=s.telegram.viewer_ids,
                                    users=UserRepository(self.db), audit=self.audit,
                                    clock=self.clock)
        self.control = TradingControl(self.db, RuntimeSettingsRepository(self.db), self.audit,
                                      self.clock)
        self.health = HealthMonitor(db=self.db, clock=self.clock, mode=s.trading.mode,
                                    poll_stale_after_s=3 * s.telegram.polling_timeout_s + 30,
                                    listener_state=self._listener_state)
        self.config = RuntimeConfig(self.db, RuntimeSettingsRepository(self.db), self.audit,
                                    self.clock)
        self.scheduler = Scheduler(
            timezone=s.reports.timezone,
            on_failure=lambda name, reason: self.events.publish(JobFailed(name, reason)),
            on_recovered=lambda name: self.events.publish(JobRecovered(name)))
        self.i18n = build_i18n()
        token = s.telegram.bot_token.get_secret_value() if s.telegram.bot_token else ""
        self.bot: Bot = create_bot(token, s.telegram.api_base, self.health.poll_succeeded,
                                   default=DefaultBotProperties(parse_mode=ParseMode.HTML))
        self.outbox = Outbox(self.db, OutboxRepository(self.db), TelegramTransport(self.bot),
                             self.clock)
        self.events = EventBus()
        channels, posts, signals = (ChannelRepository(self.db), PostRepository(self.db),
                                    SignalRepository(self.db))
        # Public market data (no keys): symbols, prices. Importing ccxt takes seconds, so
        # it happens here, after the configuration was found sound.
        from services.trading.ccxt_market_data import CcxtMarketData

        self.market_data = CcxtMarketData.from_settings(s.exchange, clock=self.clock)
        market_check = MarketCheck(self.market_data, max_distance_pct=self._max_entry_distance)
        self.intake = SignalIntake(db=self.db, channels=channels, posts=posts, signals=signals,
                                   events=self.events, clock=self.clock,
                                   market_check=market_check)
        self.channels = ChannelService(db=self.db, channels=channels, posts=posts,
                                       signals=signals, audit=self.audit, clock=self.clock,
                                       resolve=bot_resolver(self.bot))
        Notifier(access=self.access, outbox=self.outbox, i18n=self.i18n,
                 config=self.config).subscribe_to(self.events)
        # Live: the keyed ccxt client, started only after the preflight passes (see start).
        trading = trading_exchange(s, market_data=self.market_data, db=self.db,
                                   clock=self.clock, publish=self.events.publish)
        self.exchange, self.live = trading.exchange, trading.live
        feed, paper_account = trading.feed, trading.paper_account
        positions, orders = PositionRepository(self.db), PositionOrderRepository(self.db)
        self.positions = positions
        self.engine = TradingEngine(
            db=self.db, exchange=self.exchange, positions=positions, orders=orders,
            channels=channels, config=self.config, control=self.control, events=self.events,
            audit=self.audit, clock=self.clock, feed=feed, tz=ZoneInfo(s.reports.timezone))
        self.portfolio = Portfolio(positions=positions, orders=orders, channels=channels,
                                   tracker=self.engine.tracker, exchange=self.exchange)
        self.backups = BackupService(s.database_path, s.backups_dir, keep=s.backups.keep,
                                     clock=self.clock)
        self.run_lock = RunLock(s.run_lock_path)
        self.performance = Performance(
            trades=TradeRepository(self.db), equity=self.engine.equity, positions=positions,
            channels=channels, risk=self.engine.risk, control=self.control, config=self.config,
            exchange=self.exchange, clock=self.clock, tz=self.engine.risk.tz,
            paper_account=paper_account)
        self.reports = Reports(performance=self.performance, portfolio=self.portfolio,
                               trades=TradeRepository(self.db), clock=self.clock)
        self.report_sender = ReportSender(reports=self.reports, performance=self.performance,
                                          access=self.access, outbox=self.outbox, i18n=self.i18n,
                                          config=self.config)
        self.validation = Validation(
            trades=TradeRepository(self.db), history=self.performance.history,
            config=self.config, clock=self.clock, data_dir=s.data_dir, mode=s.trading.mode)
        self.events.subscribe(self.engine.on_signal, SignalAccepted)
        self.events.subscribe(self.engine.on_update, TradeUpdateReceived)
        self.edits = SignalEdits(
            db=self.db, positions=positions, orders=orders,
            settings=RuntimeSettingsRepository(self.db), execution=self.engine.execution,
            exits=self.engine.exits, events=self.events, audit=self.audit, clock=self.clock,
            markets=self.exchange.load_markets)
        self.events.subscribe(self.edits.on_edit, PostEdited)
        self.listener: ChannelListener | None = None
        if not s.telethon.missing():
            self.listener = ChannelListener(
                client_factory=(self.telethon_client_factory
                                or client_from_settings(s.telethon, s.data_dir)),
                channels=self.channels.enabled_ids, on_post=self.intake.receive,
                on_alert=self._listener_alert, clock=self.clock)
            self.channels.on_change(self.listener.refresh_channels)
        self.http = HttpApi(host=s.http.host, port=s.http.port, health=self.health,
                            metrics=self.metrics)
        self.figures = TradingFiguresSource(
            portfolio=self.portfolio, performance=self.performance, equity=self.engine.equity,
            circuit=lambda: self.exchange.breaker.state)
        self.status = StatusService(
            mode=s.trading.mode, exchange=s.exchange.id, market=s.exchange.market,
            control=self.control, health=self.health, jobs=self.scheduler.jobs,
            timezone=s.reports.timezone, figures=self.figures)
        self.dp = Dispatcher(
            settings=s, mode=s.trading.mode, db=self.db, metrics=self.metrics, audit=self.audit,
            access=self.access, control=self.control, status_service=self.status,
            outbox=self.outbox, i18n=self.i18n, events=self.events, intake=self.intake,
            channel_service=self.channels, runtime_config=self.config, engine=self.engine,
            closer=self.engine.closer, portfolio=self.portfolio, clock=self.clock,
            performance=self.performance, exchange=self.exchange, backups=self.backups,
            run_preflight=self.preflight, edits=self.edits, validation=self.validation,
            timezone=s.reports.timezone, reports=self.reports,
        )
        setup_handlers(self.dp, access=self.access, i18n=self.i18n, metrics=self.metrics)
        self.metrics.info.info({"version": VERSION, "mode": s.trading.mode,
                                "exchange": s.exchange.id, "market": s.exchange.market})
        self.metrics.on_scrape(ScrapeSource(
            health=self.health, db=self.db, outbox=self.outbox, listener=self.listener,
            exchange=self.exchange, scheduler=self.scheduler, figures=self.figures))
        # Approvals past their expiry are skipped (the engine publishes ApprovalExpired).
        self.scheduler.add_interval("approval_expiry", s.jobs.approval_expiry_s,
                                    self.engine.expire_approvals)
        self.scheduler.add_cron("db_maintenance", s.jobs.maintenance_at, self.db.maintenance)
        # Prices, fills, exits, equity: the PnL tick; orders vs the exchange's book.
        self.scheduler.add_interval("pnl_tick", s.jobs.pnl_interval_s, self._tick)
        self.scheduler.add_interval("reconciliation", s.jobs.reconcile_interval_s,
                                    self._reconcile)
        self.scheduler.add_cron("backup", s.backups.at, self._backup)
        self.scheduler.add_cron("daily_report", s.reports.daily_at, self.report_sender.daily)
        self.scheduler.add_cron("weekly_report", s.reports.weekly_at, self.report_sender.weekly)
        self._tasks: list[asyncio.Task[Any]] = []
        self._started = False

    async def preflight(self) -> PreflightReport:
        """The preflight checks, over the live account (see bot/preflight_command.py)."""
        from bot.preflight_command import preflight_report

        held = tuple(sorted({p.symbol for p in await self.positions.active()}))
        if self.live is not None:
            return await preflight_report(self.settings, config=self.config, clock=self.clock,
                                          exchange=self.exchange, held_symbols=held,
                                          rate_limiter_on=self.live.rate_limiter_enabled)
        return await preflight_report(self.settings, config=self.config, clock=self.clock,
                                      held_symbols=held)

    # -- start -------------------------------------------------------------------------
    async def start(self) -> None:
        """Open the database, check the token, start HTTP, the send queue and polling."""
        try:
            self.run_lock.acquire()  # one bot per DATA_DIR; `restore` refuses while held
        except AlreadyRunning as exc:
            raise StartupError(str(exc)) from None
        await self.db.open()
        applied = await self.db.migrate()
        if applied:
            logger.info("database migrated to version {} ({})", applied[-1].version,
                        self.settings.database_path)
        self._started = True
        warnings = await self._preflight_live()
        await self._resume_orders()
        try:
            me = await reach_telegram(self.bot, self.settings.telegram.api_base)
        except BotTokenRejected as exc:
            raise StartupError(str(exc)) from None
        logger.info("bot @{} ready, mode {}", me.username, self.settings.trading.mode)
        await self.http.start()
        self._spawn(self.outbox.run(), "outbox")
        self._spawn(self._publish_menus(), "menus")
        self._spawn(self._poll(), "polling")
        self.scheduler.start()
        if warnings:
            await self.events.publish(PreflightWarned(warnings))
        if self.listener is not None:
            self._spawn(self.listener.run(), "listener")
        else:
            logger.info("channel listener off: {} not set",
                        ", ".join(self.settings.telethon.missing()))
        if not self.settings.telegram.admin_ids:
            logger.warning("TELEGRAM__ADMIN_IDS is empty: everyone will be refused. Each "
                           "refusal tells the user their id; add yours and restart.")

    async def _preflight_live(self) -> tuple[Check, ...]:
        """Live mode starts only when the preflight has no FAIL; its WARNs are returned
        (sent to the admins once the send queue runs)."""
        if self.live is None:
            return ()
        report = await self.preflight()
        for check in report.checks:
            logger.info("preflight {}", check.line())
        if not report.ok:
            raise StartupError("live mode refused by the preflight:\n" + "\n".join(
                check.line() for check in report.failures))
        return report.warnings

    async def _resume_orders(self) -> None:
        """Orders a previous run left in flight are looked up before anything new is sent."""
        try:
            resolved = await self.engine.resume_in_flight()
        except ExchangeError as exc:
            logger.warning("could not resolve in-flight orders yet ({}); they stay recorded "
                           "and are retried at the next start", exc.reason)
            return
        if resolved:
            logger.info("resolved {} order(s) left in flight by the previous run", len(resolved))
        try:
            await self.engine.tracker.reconcile()
        except ExchangeError as exc:
            logger.warning("reconciliation at start failed ({}); the next one retries",
                           exc.reason)

    async def _tick(self) -> None:
        await self.engine.tracker.tick()

    async def _reconcile(self) -> None:
        await self.engine.tracker.reconcile()

    async def _backup(self) -> None:
        result = await self.backups.create()
        if not result.integrity_ok:
            raise RuntimeError(f"backup {result.path.name} failed its integrity check: "
                               f"{result.integrity_detail}")

    async def _max_entry_distance(self) -> Any:
        return await self.config.get("signals.max_entry_distance_pct")

    def _listener_state(self) -> str:
        if self.listener is None:
            return "off (" + ", ".join(self.settings.telethon.missing()) + " not set)"
        detail = f" ({self.listener.detail})" if self.listener.detail else ""
        return f"{self.listener.state.value}{detail}"

    async def _listener_alert(self, alert: ListenerAlert) -> None:
        await self.events.publish(ListenerStateChanged(alert.state, alert.detail))

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.create_task(coro, name=f"signaldesk:{name}")
        task.add_done_callback(self._task_done)
        self._tasks.append(task)

    @staticmethod
    def _task_done(task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.opt(exception=task.exception()).error("background task {} failed",
                                                         task.get_name())

    async def _poll(self) -> None:
        self.health.polling_started()
        try:
            await self.dp.start_polling(
                self.bot, handle_signals=False, close_bot_session=False,
                polling_timeout=self.settings.telegram.polling_timeout_s,
                allowed_updates=self.dp.resolve_used_update_types())
        finally:
            self.health.polling_stopped()

    async def _publish_menus(self) -> None:
        delay = 5.0
        while await publish_commands(self.bot, self.i18n, admin_ids=self.access.admin_ids,
                                     viewer_ids=self.access.viewer_ids):
            await asyncio.sleep(delay)  # retried until Telegram takes every menu
            delay = min(delay * 2, 600.0)

    # -- stop --------------------------------------------------------------------------
    async def stop(self) -> None:
        """Stop polling, let running handlers finish briefly, cancel tasks, close all."""
        if not self._started:
            if self.live is not None:
                await self.market_data.close()
            await self.exchange.close()
            await self.bot.session.close()
            self.run_lock.release()
            return
        self._started = False
        with contextlib.suppress(RuntimeError):  # polling may never have started
            await asyncio.wait_for(self.dp.stop_polling(), SHUTDOWN_GRACE_S)
        in_flight = set(getattr(self.dp, "_handle_update_tasks", set()))
        if in_flight:
            _, pending = await asyncio.wait(in_flight, timeout=SHUTDOWN_GRACE_S)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.scheduler.shutdown()  # jobs use the exchange and the database
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.http.stop()
        await self.exchange.close()  # closes the paper exchange and its price source
        if self.live is not None:
            await self.market_data.close()  # live: the public client is separate
        await self.bot.session.close()
        await self.db.close()
        self.run_lock.release()
        logger.info("stopped cleanly")

    async def run_until(self, stop: asyncio.Event) -> None:
        """Start, wait for `stop` (set by SIGTERM / Ctrl-C), then stop."""
        starting = asyncio.create_task(self.start())
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if starting.done():
                starting.result()  # raises StartupError and the like
                await stopping
        finally:
            for task in (starting, stopping):
                task.cancel()
            await asyncio.gather(starting, stopping, return_exceptions=True)
            await asyncio.shield(self.stop())
