"""Preflight: the checks that stand between the bot and real money.

Run automatically before live mode starts, and on demand (`/preflight`,
`python -m bot preflight`). Each check is PASS, WARN or FAIL with one readable line; any
FAIL refuses a live start, WARNs start and are sent to the admins.

    API keys valid (a private call answers)      balance ≥ the configured minimum
    markets of the configured kind load          held symbols still listed
    ccxt's rate limiter on                       stop loss required on every signal
    daily loss limit set (and sane)              admins configured
    a GO validation on record (recent)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from services.clock import Clock
from services.runtime_config import RuntimeConfig
from services.trading.port import AuthenticationFailed, Exchange, ExchangeError

VALIDATION_MAX_AGE = timedelta(days=30)


class Verdict(StrEnum):
    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    name: str
    verdict: Verdict
    detail: str

    def line(self) -> str:
        return f"{self.verdict.value:4} {self.name}: {self.detail}"


@dataclass(frozen=True)
class PreflightReport:
    checks: tuple[Check, ...]
    at: datetime

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.verdict is Verdict.FAIL)

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.verdict is Verdict.WARN)

    @property
    def ok(self) -> bool:
        """Live mode may start: nothing failed."""
        return not self.failures


@dataclass(frozen=True)
class ValidationOnRecord:
    go: bool
    at: datetime


@dataclass(frozen=True)
class PreflightInputs:
    """What the checks look at besides the exchange and the runtime settings."""

    admin_ids: tuple[int, ...]
    quote: str  # the currency balances and markets are counted in (USDT)
    min_balance: Decimal
    rate_limiter_on: bool
    market_kind: str  # spot / futures
    held_symbols: tuple[str, ...] = ()
    sandbox: bool = False


@dataclass(frozen=True)
class PreflightWarned:
    """Live mode started with these WARN checks: the admins are told."""

    warnings: tuple[Check, ...]


LatestValidation = Callable[[], Awaitable[ValidationOnRecord | None]]


class Preflight:
    def __init__(self, *, config: RuntimeConfig, clock: Clock,
                 latest_validation: LatestValidation) -> None:
        self._config = config
        self._clock = clock
        self._latest_validation = latest_validation

    async def run(self, exchange: Exchange, inputs: PreflightInputs) -> PreflightReport:
        """Every check, in order; the exchange's are skipped (FAIL) when it cannot answer."""
        checks = [*await self._exchange_checks(exchange, inputs)]
        checks.append(Check("rate limiter", Verdict.PASS if inputs.rate_limiter_on
                            else Verdict.FAIL,
                            "ccxt's rate limiter is on" if inputs.rate_limiter_on else
                            "enableRateLimit is off in EXCHANGE__CCXT_CONFIG: the exchange "
                            "would ban the account under load — remove that override"))
        require_stop = bool(await self._config.get("risk.require_stop_loss"))
        checks.append(Check("stop loss", Verdict.PASS if require_stop else Verdict.FAIL,
                            "signals without a stop loss are skipped" if require_stop else
                            "signals without a stop loss would be traded — "
                            "/set risk.require_stop_loss on"))
        daily = Decimal(await self._config.get("risk.daily_loss_pct"))
        checks.append(Check("daily loss limit",
                            Verdict.PASS if daily <= 10 else Verdict.WARN,
                            f"{daily}% of the day's starting equity" + (
                                "" if daily <= 10 else " — that is a lot to lose in a day; "
                                "/set risk.daily_loss_pct 3")))
        checks.append(Check("admins", Verdict.PASS if inputs.admin_ids else Verdict.FAIL,
                            f"{len(inputs.admin_ids)} admin(s) can stop the bot"
                            if inputs.admin_ids else "TELEGRAM__ADMIN_IDS is empty: nobody "
                            "could stop or close anything from Telegram"))
        checks.append(await self._validation_check())
        if inputs.sandbox:
            checks.append(Check("sandbox", Verdict.WARN, "EXCHANGE__SANDBOX is on: orders go "
                                                         "to the exchange's testnet"))
        return PreflightReport(tuple(checks), self._clock.now())

    async def _exchange_checks(self, exchange: Exchange,
                               inputs: PreflightInputs) -> list[Check]:
        try:
            balances = await exchange.fetch_balance()
        except AuthenticationFailed as exc:
            return [Check("API keys", Verdict.FAIL, f"the exchange refused them: {exc.reason} "
                                                    "— check EXCHANGE__API_KEY / __SECRET and "
                                                    "their trading permission")]
        except ExchangeError as exc:
            return [Check("API keys", Verdict.FAIL, f"the exchange did not answer: {exc.reason}")]
        checks = [Check("API keys", Verdict.PASS, "a private call was answered")]
        balance = balances.get(inputs.quote)
        total = balance.total if balance is not None else Decimal(0)
        enough = total >= inputs.min_balance
        checks.append(Check(
            "balance", Verdict.PASS if enough else Verdict.FAIL,
            f"{total.normalize():f} {inputs.quote} (minimum {inputs.min_balance.normalize():f})"
            + ("" if enough else " — fund the account or lower LIVE__MIN_BALANCE")))
        try:
            markets = await exchange.load_markets(reload=True)
        except ExchangeError as exc:
            checks.append(Check("markets", Verdict.FAIL, f"could not load them: {exc.reason}"))
            return checks
        ours = [m for m in markets.values()
                if m.kind.value == inputs.market_kind and m.quote == inputs.quote]
        checks.append(Check("markets", Verdict.PASS if ours else Verdict.FAIL,
                            f"{len(ours)} {inputs.market_kind} markets in {inputs.quote}"
                            if ours else f"no {inputs.market_kind} market in {inputs.quote}: "
                            "check EXCHANGE__ID and EXCHANGE__MARKET"))
        missing = sorted(s for s in inputs.held_symbols if s not in markets)
        if missing:
            checks.append(Check("held symbols", Verdict.FAIL,
                                f"no longer listed: {', '.join(missing)}"))
        elif inputs.held_symbols:
            checks.append(Check("held symbols", Verdict.PASS,
                                f"{len(inputs.held_symbols)} held symbol(s) listed"))
        return checks

    async def _validation_check(self) -> Check:
        record = await self._latest_validation()
        if record is None:
            return Check("validation", Verdict.WARN, "no validation on record: run /validate "
                                                     "on your paper results first")
        age = self._clock.now() - record.at
        when = record.at.strftime("%Y-%m-%d")
        if not record.go:
            return Check("validation", Verdict.WARN, f"the latest validation ({when}) is NO-GO")
        if age > VALIDATION_MAX_AGE:
            return Check("validation", Verdict.WARN, f"the latest GO is old ({when}): "
                                                     "run /validate again")
        return Check("validation", Verdict.PASS, f"GO on {when}")
