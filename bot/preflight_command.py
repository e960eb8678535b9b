"""Running the preflight from settings: before live mode starts, on /preflight, and as
`python -m bot preflight` (exit 0 when nothing FAILs, 1 otherwise, 2 on a bad config).

The checks look at the LIVE account (the keys in EXCHANGE__API_KEY / __SECRET), even
while the bot runs in paper mode: that is how a trader gets ready to switch.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from bot.settings import Settings
from services.clock import Clock
from services.preflight import (
    Check,
    Preflight,
    PreflightInputs,
    PreflightReport,
    ValidationOnRecord,
    Verdict,
)
from services.runtime_config import RuntimeConfig
from services.trading.port import Exchange

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2

LatestValidation = Callable[[], Awaitable[ValidationOnRecord | None]]


def has_keys(settings: Settings) -> bool:
    key, secret = settings.exchange.api_key, settings.exchange.secret
    return bool(key and key.get_secret_value().strip() and secret
                and secret.get_secret_value().strip())


async def latest_validation_of(settings: Settings) -> ValidationOnRecord | None:
    """The newest validation report saved under DATA_DIR/reports (None: none yet)."""
    from services.validation import latest_validation

    record = await asyncio.to_thread(latest_validation, settings.data_dir)
    if record is None:
        return None
    return ValidationOnRecord(go=record.go, at=record.at)


async def preflight_report(settings: Settings, *, config: RuntimeConfig, clock: Clock,
                           exchange: Exchange | None = None, rate_limiter_on: bool = True,
                           held_symbols: tuple[str, ...] = (),
                           latest_validation: LatestValidation | None = None) -> PreflightReport:
    """The preflight over `exchange` (the running live one, whose ccxt rate limiter is
    `rate_limiter_on`), or over a keyed client built for the occasion (closed after)."""
    from services.trading.ccxt_exchange import CcxtExchange
    from services.trading.resilient import ResilientExchange

    preflight = Preflight(config=config, clock=clock,
                          latest_validation=latest_validation or (
                              lambda: latest_validation_of(settings)))
    own: CcxtExchange | None = None
    if exchange is None:
        if not has_keys(settings):
            return PreflightReport((Check(
                "API keys", Verdict.FAIL, "EXCHANGE__API_KEY and EXCHANGE__SECRET are not set "
                "— create a key with trading (no withdrawal) permission"),), clock.now())
        own = CcxtExchange.from_settings(settings.exchange, clock=clock)
        exchange = ResilientExchange(own, clock=clock)
        rate_limiter_on = own.rate_limiter_enabled
    inputs = PreflightInputs(
        admin_ids=tuple(settings.telegram.admin_ids), quote="USDT",
        min_balance=settings.trading.live_min_balance, rate_limiter_on=rate_limiter_on,
        market_kind=settings.exchange.market, held_symbols=held_symbols,
        sandbox=settings.exchange.sandbox)
    try:
        return await preflight.run(exchange, inputs)
    finally:
        if own is not None:
            await own.close()


def print_report(report: PreflightReport) -> None:
    for check in report.checks:
        print(check.line())
    verdict = "ready for live trading" if report.ok else "NOT ready: fix every FAIL above"
    print(f"preflight: {verdict} ({len(report.failures)} FAIL, {len(report.warnings)} WARN)")


def preflight(settings: Settings) -> int:
    """`python -m bot preflight`."""
    from bot.offline import opened
    from storage.database import DatabaseError

    async def run() -> int:
        try:
            async with opened(settings) as offline:
                report = await preflight_report(settings, config=offline.config,
                                                clock=offline.clock)
        except DatabaseError as exc:
            print(f"preflight failed: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        print_report(report)
        return EXIT_OK if report.ok else EXIT_FAILED

    return asyncio.run(run())
