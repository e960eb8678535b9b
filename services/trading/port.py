"""The exchange port: what the trading engine needs from an exchange, and nothing more.

Two implementations stand behind it — the ccxt adapter (live) and the paper exchange
(fills against the same exchange's public prices) — wrapped by the resilient layer
(retries, look-up before resend, circuit breaker). Everything here is plain data:
Decimal money, aware UTC time, unified ccxt symbols ("BTC/USDT" spot,
"BTC/USDT:USDT" linear futures).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class MarketKind(StrEnum):
    SPOT = "spot"
    FUTURES = "futures"  # linear USDT-margined perpetual swaps


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"  # a protective stop: market order once the trigger is hit
    TAKE_PROFIT_MARKET = "take_profit_market"


class OrderStatus(StrEnum):
    OPEN = "open"  # resting (limit) or waiting for its trigger
    FILLED = "filled"
    PARTIALLY_FILLED = "partially_filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Market:
    """A tradable market with the rules an order must meet."""

    symbol: str  # unified: "BTC/USDT" or "BTC/USDT:USDT"
    base: str
    quote: str
    kind: MarketKind
    price_step: Decimal  # tick size
    amount_step: Decimal  # lot size
    min_amount: Decimal
    min_notional: Decimal  # minimum amount × price, in quote
    contract_size: Decimal = Decimal(1)
    max_leverage: int | None = None
    taker_fee: Decimal = Decimal("0.001")
    maker_fee: Decimal = Decimal("0.001")
    supports_stop_orders: bool = True


@dataclass(frozen=True)
class Ticker:
    symbol: str
    last: Decimal
    bid: Decimal | None
    ask: Decimal | None
    at: datetime


@dataclass(frozen=True)
class Candle:
    at: datetime  # open time
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True)
class OrderRequest:
    """An order as the engine wants it; the client id makes it idempotent."""

    client_id: str  # ≤ 36 chars of [.A-Z:/a-z0-9_-], derived from position and leg
    symbol: str
    side: OrderSide
    type: OrderType
    amount: Decimal  # base units (contracts × contract_size for futures), already rounded
    price: Decimal | None = None  # limit price, already rounded
    trigger_price: Decimal | None = None  # for stop / take-profit orders
    reduce_only: bool = False


@dataclass(frozen=True)
class Fill:
    price: Decimal
    amount: Decimal
    fee: Decimal  # in `fee_currency`
    fee_currency: str
    at: datetime


@dataclass(frozen=True)
class Order:
    """An order as the exchange knows it."""

    exchange_id: str
    client_id: str | None
    symbol: str
    side: OrderSide
    type: OrderType
    status: OrderStatus
    amount: Decimal
    filled: Decimal
    average_price: Decimal | None
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    reduce_only: bool = False
    fee: Decimal = Decimal(0)
    fee_currency: str | None = None
    created_at: datetime | None = None
    fills: tuple[Fill, ...] = field(default=())


@dataclass(frozen=True)
class Balance:
    currency: str
    total: Decimal  # equity in this currency (wallet + unrealised PnL for futures)
    free: Decimal
    used: Decimal  # in orders / margin


@dataclass(frozen=True)
class ExchangePosition:
    """A futures position as the exchange reports it (spot has none: it has balances)."""

    symbol: str
    side: OrderSide  # BUY = long, SELL = short
    amount: Decimal
    entry_price: Decimal
    unrealized_pnl: Decimal
    leverage: int | None
    margin_mode: str | None  # "cross" / "isolated"


class ExchangeError(Exception):
    """Base of the port's errors. `reason` is readable by a trader; `kind` names the class
    of failure for /metrics."""

    kind = "other"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientExchangeError(ExchangeError):
    """Network, timeout, rate limit, exchange unavailable: worth retrying.

    `retry_after_s` is the wait the exchange asked for (HTTP Retry-After), when it said.
    """

    kind = "unavailable"

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


class OrderRejected(ExchangeError):
    """The exchange refused the order for good (filters, balance, reduce-only...)."""

    kind = "rejected"


class DuplicateClientId(ExchangeError):
    """An order with this client id exists already: look it up, never resend."""

    kind = "duplicate_client_id"


class OrderNotFound(ExchangeError):
    kind = "order_not_found"


class AuthenticationFailed(ExchangeError):
    kind = "authentication"


def error_kind(exc: BaseException) -> str:
    """The /metrics label of a failed exchange call: the port error's kind, "rate_limited"
    when the exchange asked for a pause, "bug" for anything that is not a port error."""
    if (isinstance(exc, TransientExchangeError) and exc.kind == "unavailable"
            and exc.retry_after_s is not None):
        return "rate_limited"
    return exc.kind if isinstance(exc, ExchangeError) else "bug"


class Exchange(Protocol):
    """What the engine may ask of an exchange. All methods may raise ExchangeError."""

    kind: MarketKind

    async def load_markets(self, reload: bool = False) -> dict[str, Market]: ...

    async def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]:
        """Prices of every symbol asked for, in as few requests as the exchange allows."""
        ...

    async def fetch_candles(self, symbol: str, timeframe: str, since: datetime | None = None,
                            limit: int = 200) -> list[Candle]: ...

    async def fetch_balance(self) -> dict[str, Balance]: ...

    async def fetch_positions(self, symbols: list[str] | None = None) -> list[ExchangePosition]: ...

    async def create_order(self, request: OrderRequest) -> Order: ...

    async def fetch_order_by_client_id(self, symbol: str, client_id: str,
                                       trigger: bool = False) -> Order | None:
        """The order with this client id, or None when the exchange has never seen it."""
        ...

    async def cancel_order(self, symbol: str, exchange_id: str, trigger: bool = False) -> Order: ...

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]: ...

    async def set_leverage(self, symbol: str, leverage: int) -> None: ...

    async def set_margin_mode(self, symbol: str, mode: str) -> None: ...

    async def close(self) -> None: ...
