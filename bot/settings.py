"""Process configuration: environment variables and an optional `.env`, nested with `__`.

The names here are a public contract (README "Configuration"). Nothing is read at import
time: `load_settings()` builds a `Settings` or raises `ConfigError` with one readable line
per problem, so the CLI can print them and exit 2 before any heavy import.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BOT_API = "https://api.telegram.org"


def _json_value(value: Any) -> Any:
    """Decode a JSON string from the environment; other values pass through unchanged."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValueError("not valid JSON") from None
    return value


def _user_ids(value: Any) -> Any:
    """A JSON list of ids; `111` and `111, 222` are accepted too, as people write them."""
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\s*,\s*-?\d+)*\s*,?\s*", value):
        return [int(part) for part in value.split(",") if part.strip()]
    decoded = _json_value(value)
    return [decoded] if isinstance(decoded, int) else decoded


class TelegramSettings(BaseModel):
    bot_token: SecretStr | None = None
    api_base: str = DEFAULT_BOT_API
    admin_ids: list[int] = Field(default_factory=list)
    viewer_ids: list[int] = Field(default_factory=list)
    polling_timeout_s: int = Field(default=10, ge=1, le=50)

    _decode_ids = field_validator("admin_ids", "viewer_ids", mode="before")(_user_ids)

    @field_validator("api_base")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class TradingSettings(BaseModel):
    mode: Literal["paper", "live"] = "paper"
    # Preflight refuses live mode below this balance (in the quote currency, USDT).
    live_min_balance: Decimal = Field(default=Decimal(50), ge=0)


class ExchangeSettings(BaseModel):
    id: str = "binance"
    market: Literal["futures", "spot"] = "futures"
    api_key: SecretStr | None = None
    secret: SecretStr | None = None
    sandbox: bool = False
    ccxt_config: dict[str, Any] = Field(default_factory=dict)

    _decode_config = field_validator("ccxt_config", mode="before")(_json_value)


class HttpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


_LOCAL_TIME = re.compile(r"(?:(mon|tue|wed|thu|fri|sat|sun)\s+)?([01]?\d|2[0-3]):[0-5]\d")


def _local_time(value: str, *, weekday: bool) -> str:
    """A daily time "21:00" or, with `weekday`, a weekly "sun 20:00"; lower-cased."""
    match = _LOCAL_TIME.fullmatch(value.strip().lower())
    if match is None or bool(match.group(1)) != weekday:
        raise ValueError("not a local time like " + ("sun 20:00" if weekday else "21:00"))
    return match.group(0)


class JobsSettings(BaseModel):
    pnl_interval_s: int = Field(default=15, ge=1)
    approval_expiry_s: int = Field(default=30, ge=1)
    reconcile_interval_s: int = Field(default=300, ge=10)
    maintenance_at: str = "04:00"  # local time in REPORTS__TIMEZONE

    @field_validator("maintenance_at")
    @classmethod
    def _daily(cls, value: str) -> str:
        return _local_time(value, weekday=False)


class ReportsSettings(BaseModel):
    timezone: str = "UTC"  # the trader's zone: daily / weekly times and what /status shows
    daily_at: str = "21:00"
    weekly_at: str = "sun 20:00"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError("not a known IANA time zone") from None
        return value

    @field_validator("daily_at")
    @classmethod
    def _daily(cls, value: str) -> str:
        return _local_time(value, weekday=False)

    @field_validator("weekly_at")
    @classmethod
    def _weekly(cls, value: str) -> str:
        return _local_time(value, weekday=True)


class BackupSettings(BaseModel):
    keep: int = Field(default=7, ge=1)  # newest backups kept in DATA_DIR/backups
    at: str = "03:30"  # the daily backup, local time in REPORTS__TIMEZONE

    @field_validator("at")
    @classmethod
    def _daily(cls, value: str) -> str:
        return _local_time(value, weekday=False)


class TelethonSettings(BaseModel):
    api_id: int | None = None
    api_hash: SecretStr | None = None
    session: SecretStr | None = None

    def missing(self) -> list[str]:
        """Names of the variables the channel listener still needs (empty when it can run).

        The session may stay unset: it then defaults to DATA_DIR/signaldesk.session, the
        file `python -m bot login` writes.
        """
        names = {"TELETHON__API_ID": self.api_id, "TELETHON__API_HASH": self.api_hash}
        return [name for name, value in names.items() if not value]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # `KEY=` (as .env.example has it) means "not set", not an empty value.
        env_ignore_empty=True,
        # Complex values (JSON lists/objects) are decoded by the fields' own validators,
        # so a bad value becomes one readable problem instead of aborting the whole load.
        enable_decoding=False,
    )

    data_dir: Path = Path("data")
    log_level: str = "INFO"
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    trading: TradingSettings = Field(default_factory=TradingSettings)
    exchange: ExchangeSettings = Field(default_factory=ExchangeSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    jobs: JobsSettings = Field(default_factory=JobsSettings)
    reports: ReportsSettings = Field(default_factory=ReportsSettings)
    telethon: TelethonSettings = Field(default_factory=TelethonSettings)
    backups: BackupSettings = Field(default_factory=BackupSettings)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "signaldesk.sqlite3"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def run_lock_path(self) -> Path:
        """Held by the running bot; `restore` refuses while it is (services/run_lock.py)."""
        return self.data_dir / "signaldesk.lock"


class ConfigError(Exception):
    """Configuration that cannot work; `problems` holds one readable line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# What to tell the user for a field that failed validation, by environment variable.
_HINTS: dict[str, str] = {
    "TELEGRAM__ADMIN_IDS": "a JSON list of numeric Telegram user ids, e.g. [123456789]",
    "TELEGRAM__VIEWER_IDS": "a JSON list of numeric Telegram user ids, e.g. [123456789]",
    "TELEGRAM__API_BASE": "the Bot API base URL, e.g. https://api.telegram.org",
    "TRADING__MODE": "paper or live",
    "EXCHANGE__MARKET": "futures or spot",
    "EXCHANGE__SANDBOX": "true or false",
    "EXCHANGE__CCXT_CONFIG": 'a JSON object, e.g. {"options": {"defaultType": "future"}}',
    "HTTP__PORT": "a port number from 0 to 65535",
    "TELETHON__API_ID": "the numeric api_id from my.telegram.org",
    "REPORTS__TIMEZONE": "an IANA time zone name, e.g. Europe/Berlin or UTC",
    "REPORTS__DAILY_AT": "a local time HH:MM, e.g. 21:00",
    "REPORTS__WEEKLY_AT": "a weekday and a local time, e.g. sun 20:00",
    "JOBS__MAINTENANCE_AT": "a local time HH:MM, e.g. 04:00",
    "BACKUPS__KEEP": "a whole number of backups to keep, 1 or more",
}
_SECRET_FIELDS = {"bot_token", "api_key", "secret", "api_hash", "session"}


def _env_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    return "__".join(parts).upper()


def _describe(error: dict[str, Any]) -> str:
    loc = tuple(error.get("loc", ()))
    name = _env_name(loc)
    expected = _HINTS.get(name)
    shown = ""
    if not (set(map(str, loc)) & _SECRET_FIELDS) and "input" in error:
        value = error["input"]
        if isinstance(value, str | int | float | bool):
            shown = f" (got {json.dumps(value, ensure_ascii=False)[:60]})"
    if expected:
        return f"{name} is invalid{shown}: expected {expected}."
    return f"{name} is invalid{shown}: {error.get('msg', 'bad value')}."


def load_settings(**overrides: Any) -> Settings:
    """Read the environment (and `.env`); raise ConfigError listing every problem found."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError([_describe(dict(e)) for e in exc.errors()]) from None


def check_can_run(settings: Settings) -> list[str]:
    """Problems that stop `bot run` (but not `migrate` or `parse`), one line each."""
    problems: list[str] = []
    token = settings.telegram.bot_token.get_secret_value() if settings.telegram.bot_token else ""
    if not token.strip():
        problems.append(
            "TELEGRAM__BOT_TOKEN is not set — create a bot with @BotFather and put its token "
            "in .env (TELEGRAM__BOT_TOKEN=123456:ABC...)."
        )
    else:
        head, _, tail = token.partition(":")
        if not head.isdigit() or not tail or any(c.isspace() for c in token):
            problems.append(
                "TELEGRAM__BOT_TOKEN does not look like a bot token (expected <digits>:<text> "
                "as given by @BotFather)."
            )
    overlap = set(settings.telegram.admin_ids) & set(settings.telegram.viewer_ids)
    if overlap:
        problems.append(
            f"TELEGRAM__VIEWER_IDS repeats admin ids {sorted(overlap)} — a user is either an "
            "admin or a viewer; remove them from one list."
        )
    if settings.trading.mode == "live":
        missing = [name for name, value in (("EXCHANGE__API_KEY", settings.exchange.api_key),
                                            ("EXCHANGE__SECRET", settings.exchange.secret))
                   if value is None or not value.get_secret_value().strip()]
        if missing:
            problems.append(
                f"TRADING__MODE=live needs {' and '.join(missing)} — create an API key with "
                "trading (no withdrawal) permission on the exchange and put it in .env."
            )
    return problems
