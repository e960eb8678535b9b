"""Settings a trader changes while the bot runs (/settings, /set): typed, validated,
persisted in `runtime_settings`, audited, and read fresh by the services that use them.

Each setting is declared once in `SETTINGS` with its parser, bounds and default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from services.audit import AuditTrail
from services.clock import Clock
from services.errors import UserFacingError
from services.text import N_
from services.trading.risk import RiskLimits
from services.trading.sizing import SizeMode, SizeRule
from storage.database import Database
from storage.runtime_settings import RuntimeSettingsRepository

PREFIX = "config."  # keys of this module in the runtime_settings table


@dataclass(frozen=True)
class SettingSpec:
    key: str
    description: str  # English; translated where shown
    default: Any
    parse: Callable[[str], Any]  # raises ValueError with the rule the value broke
    rule: str  # what a valid value looks like, shown with a bad value

    def show(self, value: Any) -> str:
        if value is None:
            return "off"
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return str(value)


def decimal_between(low: Decimal, high: Decimal, *,
                    allow_off: bool = False) -> Callable[[str], Any]:
    def parse(text: str) -> Decimal | None:
        cleaned = text.strip().rstrip("%").replace(",", ".")
        if allow_off and cleaned.lower() in ("off", "none", "0"):
            return None
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise ValueError(text) from None
        if not value.is_finite() or not low <= value <= high:
            raise ValueError(text)
        return value

    return parse


def int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.strip().isdigit() or not low <= int(text) <= high:
            raise ValueError(text)
        return int(text)

    return parse


def boolean(text: str) -> bool:
    value = text.strip().lower()
    if value in ("on", "true", "yes", "1"):
        return True
    if value in ("off", "false", "no", "0"):
        return False
    raise ValueError(text)


def choice(*options: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in options:
            raise ValueError(text)
        return value

    return parse


# Kinds of notification, each on (with a sound), silent (no sound) or off: `notify.<kind>`.
NOTIFICATIONS: tuple[tuple[str, str], ...] = (
    ("signals", N_("Notify: new signals, channel updates and edits")),
    ("not_understood", N_("Notify: posts that look like signals but cannot be traded")),
    ("skipped", N_("Notify: signals not traded, with the reason")),
    ("entries", N_("Notify: entry orders placed and positions opened")),
    ("targets", N_("Notify: take-profits hit")),
    ("stops", N_("Notify: stops moved (break-even, trailing)")),
    ("closed", N_("Notify: positions closed, with PnL")),
    ("updates", N_("Notify: channel updates applied to positions")),
    ("stuck", N_("Notify: positions open for too long")),
    ("risk", N_("Notify: risk halts and channels switched off")),
    ("exchange", N_("Notify: the exchange failing and recovering")),
    ("listener", N_("Notify: the channel listener disconnecting and back")),
    ("errors", N_("Notify: failed orders and failing scheduled jobs")),
    ("reports", N_("Notify: the daily report and the weekly summary")),
)

MAX_TP_WEIGHTS = 20


def tp_weights(text: str) -> str:
    """"equal", or positive numbers separated by commas ("50,30,20"), normalised."""
    cleaned = text.strip().lower()
    if cleaned in ("equal", "off", "none"):
        return "equal"
    parts = [p.strip() for p in cleaned.replace(";", ",").replace(" ", ",").split(",")
             if p.strip()]
    try:
        values = [Decimal(p.rstrip("%")) for p in parts]
    except InvalidOperation:
        raise ValueError(text) from None
    if (not values or len(values) > MAX_TP_WEIGHTS
            or any(not v.is_finite() or v <= 0 for v in values)):
        raise ValueError(text)
    return ",".join(format(v.normalize(), "f") for v in values)


def weights_of(setting: str) -> tuple[Decimal, ...]:
    """The ladder's weights of an `exits.tp_weights` value; () is an equal split."""
    return () if setting == "equal" else tuple(Decimal(p) for p in setting.split(","))


D = Decimal
SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("risk.daily_loss_pct", N_("Daily loss limit, % of start-of-day equity"), D(3),
                decimal_between(D("0.1"), D(100)), N_("a percentage from 0.1 to 100")),
    SettingSpec("risk.max_drawdown_pct", N_("Max drawdown from peak equity, %"), D(15),
                decimal_between(D("0.1"), D(100)), N_("a percentage from 0.1 to 100")),
    SettingSpec("risk.max_open_positions", N_("Max open positions"), 5, int_between(1, 100),
                N_("a whole number from 1 to 100")),
    SettingSpec("risk.one_position_per_symbol", N_("One position per symbol"), True, boolean,
                N_("on or off")),
    SettingSpec("risk.max_position_pct", N_("Max margin of one position, % of equity"), D(25),
                decimal_between(D("0.1"), D(100)), N_("a percentage from 0.1 to 100")),
    SettingSpec("risk.channel_allocation_pct", N_("Max margin of one channel, % of equity"), None,
                decimal_between(D("0.1"), D(100), allow_off=True),
                N_("a percentage from 0.1 to 100, or off")),
    SettingSpec("risk.max_consecutive_losses",
                N_("Disable a channel after this many losses in a row"), 3, int_between(1, 100),
                N_("a whole number from 1 to 100")),
    SettingSpec("risk.require_stop_loss", N_("Skip signals that give no stop loss"), True,
                boolean, N_("on or off")),
    SettingSpec("risk.max_leverage", N_("Leverage cap for every trade"), 20, int_between(1, 125),
                N_("a whole number from 1 to 125")),
    SettingSpec("sizing.mode", N_("Position size: quote, equity_pct or risk_pct"), "quote",
                choice("quote", "equity_pct", "risk_pct"), N_("quote, equity_pct or risk_pct")),
    SettingSpec("sizing.value", N_("Size: USDT of margin, or % for the percentage modes"), D(20),
                decimal_between(D("0.01"), D(1_000_000)), N_("a positive number")),
    SettingSpec("signals.max_entry_distance_pct", N_("Max distance of an entry from the market, %"),
                D(10), decimal_between(D("0.1"), D(100)), N_("a percentage from 0.1 to 100")),
    SettingSpec("approval.expiry_min", N_("Minutes before an approval card expires"), 15,
                int_between(1, 1440), N_("minutes from 1 to 1440")),
    SettingSpec("entry.expiry_min", N_("Minutes a limit entry may wait before it is cancelled"),
                1440, int_between(1, 43200), N_("minutes from 1 to 43200")),
    SettingSpec("entry.zone_mode",
                N_("Entry zone: one limit at its edge or its middle, or split across it"),
                "edge", choice("edge", "middle", "split"), N_("edge, middle or split")),
    SettingSpec("entry.split_parts",
                N_("Split entry zone: orders across it (a channel listing 3+ prices: its own)"),
                3, int_between(2, 10), N_("a whole number from 2 to 10")),
    SettingSpec("exits.trailing_pct",
                N_("Trailing stop: distance from the best price, % (off = fixed stop)"), None,
                decimal_between(D("0.1"), D(50), allow_off=True),
                N_("a percentage from 0.1 to 50, or off")),
    SettingSpec("exits.break_even_after_tp",
                N_("Move the stop to the entry after this take-profit (0 = never)"), 1,
                int_between(0, 20), N_("a target number from 0 to 20")),
    SettingSpec("exits.tp_weights",
                N_("Take-profit ladder: share of each target, e.g. 50,30,20 (equal: same "
                   "size); applies to positions opened after the change"), "equal",
                tp_weights, N_("equal, or up to 20 positive numbers separated by commas, e.g. "
                               "50,30,20 (a target past the list takes the last weight)")),
    SettingSpec("positions.stuck_hours", N_("Report a position open longer than this, hours"),
                72, int_between(1, 8760), N_("hours from 1 to 8760")),
    SettingSpec("validation.window_days", N_("GO / NO-GO: days of results judged"), 30,
                int_between(1, 365), N_("days from 1 to 365")),
    SettingSpec("validation.min_trades", N_("GO / NO-GO: fewest closed trades"), 10,
                int_between(1, 10000), N_("a whole number from 1 to 10000")),
    SettingSpec("validation.min_win_rate_pct", N_("GO / NO-GO: lowest win rate, %"), D(45),
                decimal_between(D(0), D(100)), N_("a percentage from 0 to 100")),
    SettingSpec("validation.min_sharpe", N_("GO / NO-GO: lowest per-trade Sharpe ratio"),
                D("0.5"), decimal_between(D(-10), D(10)), N_("a number from -10 to 10")),
    SettingSpec("validation.max_drawdown_pct", N_("GO / NO-GO: largest drawdown, %"), D(15),
                decimal_between(D("0.1"), D(100)), N_("a percentage from 0.1 to 100")),
    *(SettingSpec(f"notify.{kind}", description, "on", choice("on", "silent", "off"),
                  N_("on, silent or off"))
      for kind, description in NOTIFICATIONS),
    # A card nobody sees expires untraded: approvals may be silent, never off.
    SettingSpec("notify.approvals", N_("Notify: approval cards and edits to decide"), "on",
                choice("on", "silent"), N_("on or silent")),
)
_BY_KEY = {spec.key: spec for spec in SETTINGS}


@dataclass(frozen=True)
class SettingChange:
    spec: SettingSpec
    old: Any
    new: Any


class RuntimeConfig:
    def __init__(self, db: Database, repo: RuntimeSettingsRepository, audit: AuditTrail,
                 clock: Clock) -> None:
        self._db = db
        self._repo = repo
        self._audit = audit
        self._clock = clock
        # The stored values, read once: `set` is the only writer while the bot runs, and it
        # updates this after its transaction commits. A signal reads half a dozen settings,
        # each a database round trip without it.
        self._stored: dict[str, Any] | None = None

    async def _all_stored(self) -> dict[str, Any]:
        if self._stored is None:
            self._stored = {k: v for k, v in (await self._repo.all()).items()
                            if k.startswith(PREFIX)}
        return self._stored

    async def values(self) -> dict[str, Any]:
        """Every setting's current value (defaults where never set), in declaration order."""
        stored = await self._all_stored()
        return {spec.key: _decode(spec, stored[PREFIX + spec.key]) if PREFIX + spec.key in stored
                else spec.default for spec in SETTINGS}

    async def get(self, key: str) -> Any:
        spec = self.spec(key)
        raw = (await self._all_stored()).get(PREFIX + spec.key)
        return spec.default if raw is None else _decode(spec, raw)

    @staticmethod
    def spec(key: str) -> SettingSpec:
        spec = _BY_KEY.get(key.strip().lower())
        if spec is None:
            raise UserFacingError("Unknown setting {key}. Settings: {keys}.", key=key[:64],
                                  keys=", ".join(_BY_KEY))
        return spec

    async def set(self, key: str, text: str, *, actor_id: int, role: str) -> SettingChange:
        """Validate, store and audit one change; a bad value changes nothing."""
        spec = self.spec(key)
        try:
            value = spec.parse(text)
        except ValueError:
            raise UserFacingError("{key} must be {rule} (got {value}).", key=spec.key,
                                  rule=spec.rule, value=text.strip()[:64]) from None
        async with self._db.transaction():
            old = await self.get(spec.key)
            await self._repo.put(PREFIX + spec.key, _encode(value), by=actor_id,
                                 now=self._clock.now())
            await self._audit.record(actor_id=actor_id, role=role, action="set", outcome="done",
                                     key=spec.key, old=spec.show(old), new=spec.show(value))
        self._stored = None  # committed: read back as stored (the repository's encoding)
        return SettingChange(spec, old, value)

    async def risk_limits(self) -> RiskLimits:
        v = await self.values()
        return RiskLimits(
            daily_loss_pct=v["risk.daily_loss_pct"], max_drawdown_pct=v["risk.max_drawdown_pct"],
            max_open_positions=v["risk.max_open_positions"],
            one_position_per_symbol=v["risk.one_position_per_symbol"],
            max_position_pct=v["risk.max_position_pct"],
            channel_allocation_pct=v["risk.channel_allocation_pct"],
            max_consecutive_losses=v["risk.max_consecutive_losses"],
            require_stop_loss=v["risk.require_stop_loss"])

    async def tp_weights(self) -> tuple[Decimal, ...]:
        """The take-profit ladder's weights; () splits it equally."""
        return weights_of(str(await self.get("exits.tp_weights")))

    async def size_rule(self) -> SizeRule:
        v = await self.values()
        return SizeRule(SizeMode(v["sizing.mode"]), v["sizing.value"])


def _encode(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


# Decimal settings whose default is off (None), so the default does not tell the type.
_DECIMALS_OFF_BY_DEFAULT = frozenset({"risk.channel_allocation_pct", "exits.trailing_pct"})


def _decode(spec: SettingSpec, raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(spec.default, Decimal) or spec.key in _DECIMALS_OFF_BY_DEFAULT:
        return Decimal(str(raw))
    return raw
