"""ccxt exceptions → the port's errors, with a reason a trader can read.

ccxt's class alone is not enough: which class a Binance code becomes depends on the host
(see tests/fakes/EXCHANGE_FAKE.md), so a duplicate client id (-2010 "Duplicate order sent",
-4116) or a futures filter failure can arrive as a plain `ExchangeError`; a revoked spot key
(-2015) arrives as `DDoSProtection`. The exchange's own code and message decide first.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ccxt.base import errors as ccxt_errors

from services.trading import port

# Binance codes that mean "your keys are not accepted", whatever class ccxt chose.
_AUTH_CODES = {-2014, -2015, -1022, -2008}
_DUPLICATE_CODES = {-4116}
_DUPLICATE_TEXT = re.compile(r"duplicate order sent|clientorderid is duplicated|"
                             r"duplicate client ?order ?id", re.IGNORECASE)

# What a code (or a phrase of the exchange's message) means for the trader.
_BY_CODE: dict[int, str] = {
    -4164: "the order's value is below the market's minimum",
    -2019: "not enough margin for this order",
    -2022: "the reduce-only order was refused: there is no position to reduce",
    -2021: "the trigger price has already been reached",
    -5021: "the fill-or-kill order could not be filled at once",
    -5022: "the post-only order would have taken liquidity",
    -4061: "the order's position side does not match the account's position mode",
    -4028: "this leverage is above what the symbol allows",
    -4014: "the price does not fit the market's tick size",
    -1111: "the amount or price has more decimals than the market allows",
    -4013: "the price is outside the market's limits",
    -4023: "the amount does not fit the market's lot size",
    -4003: "the amount is below the market's minimum",
    -4004: "the amount is above the market's maximum",
    -4005: "the amount is above the market's maximum",
    -4016: "the price is too far from the market price",
    -4024: "the price is too far from the market price",
    -4120: "this order type is not accepted here",
    -1121: "the exchange does not list this symbol",
}
_BY_TEXT: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"NOTIONAL", re.IGNORECASE), "the order's value is below the market's minimum"),
    (re.compile(r"LOT_SIZE"), "the amount does not fit the market's lot size"),
    (re.compile(r"PRICE_FILTER"), "the price does not fit the market's tick size"),
    (re.compile(r"PERCENT_PRICE"), "the price is too far from the market price"),
    (re.compile(r"insufficient", re.IGNORECASE), "not enough balance for this order"),
    (re.compile(r"immediately match", re.IGNORECASE),
     "the post-only order would have taken liquidity"),
    (_DUPLICATE_TEXT, "an order with this client id is already open"),
)
_BY_CLASS: tuple[tuple[type[Exception], str], ...] = (
    (ccxt_errors.InsufficientFunds, "not enough balance or margin for this order"),
    (ccxt_errors.OrderImmediatelyFillable, "the order would have executed at once"),
    (ccxt_errors.OrderNotFillable, "the order cannot be filled as asked"),
    (ccxt_errors.BadSymbol, "the exchange does not list this symbol"),
    (ccxt_errors.OrderNotFound, "the exchange does not know this order"),
)
_TRANSIENT_BY_CLASS: tuple[tuple[type[Exception], str], ...] = (
    (ccxt_errors.RequestTimeout, "the exchange did not answer in time"),
    (ccxt_errors.DDoSProtection, "the exchange is rate limiting us"),
    (ccxt_errors.RateLimitExceeded, "the exchange is rate limiting us"),
    (ccxt_errors.OnMaintenance, "the exchange is under maintenance"),
    (ccxt_errors.ExchangeNotAvailable, "the exchange is unavailable"),
    (ccxt_errors.InvalidNonce, "our clock is out of step with the exchange's"),
    (ccxt_errors.NetworkError, "network error talking to the exchange"),
    (ccxt_errors.OperationFailed, "the exchange could not process the request"),
)
# Urls in ccxt's messages: keep the path, drop host and query (timestamp, signature).
_URL = re.compile(r"https?://[^/\s]+(/[^\s?]*)?(\?\S*)?")
_MAX_DETAIL = 240


def exchange_code(exc: BaseException) -> tuple[int | None, str]:
    """The exchange's error code and message from a ccxt exception's text, when it has one
    (Binance: `binance {"code":-4164,"msg":"..."}`); else (None, the text itself)."""
    text = str(exc)
    start = text.find("{")
    if start >= 0:
        try:
            body: Any = json.loads(text[start:])
        except ValueError:
            body = None
        if isinstance(body, dict):
            code = body.get("code", body.get("retCode"))
            message = body.get("msg") or body.get("retMsg") or body.get("message") or ""
            try:
                return (int(code) if code is not None else None), str(message)
            except (TypeError, ValueError):
                return None, str(message) or text
    match = re.search(r'"code"\s*:\s*(-?\d+)', text)
    return (int(match.group(1)) if match else None), text


def is_duplicate_client_id(exc: BaseException) -> bool:
    code, message = exchange_code(exc)
    return (isinstance(exc, ccxt_errors.DuplicateOrderId) or code in _DUPLICATE_CODES
            or bool(_DUPLICATE_TEXT.search(message)) or bool(_DUPLICATE_TEXT.search(str(exc))))


def is_position_side_mismatch(exc: BaseException) -> bool:
    """Binance -4061: the order's positionSide does not fit one-way / hedge mode."""
    return exchange_code(exc)[0] == -4061


def readable_reason(exc: BaseException, exchange_id: str = "") -> str:
    """`<what it means> (<exchange> <code>: <its message>)`, without urls' query strings."""
    code, message = exchange_code(exc)
    meaning = _BY_CODE.get(code) if code is not None else None
    if meaning is None:
        meaning = next((text for pattern, text in _BY_TEXT if pattern.search(message)), None)
    if meaning is None:
        meaning = next((text for cls, text in _BY_CLASS + _TRANSIENT_BY_CLASS
                        if isinstance(exc, cls)), None)
    detail = _URL.sub(lambda m: m.group(1) or "/", message).strip()
    if exchange_id and detail.startswith(exchange_id + " "):
        detail = detail[len(exchange_id) + 1:]
    if len(detail) > _MAX_DETAIL:
        detail = detail[:_MAX_DETAIL - 1] + "…"
    source = " ".join(part for part in (exchange_id, str(code) if code is not None else "")
                      if part)
    detail = f"{source}: {detail}" if source and detail else (source or detail)
    if meaning is None:
        return f"the exchange refused: {detail}" if detail else "the exchange refused"
    return f"{meaning} ({detail})" if detail else meaning


def translate(exc: ccxt_errors.BaseError, *, placing: bool = False, exchange_id: str = "",
              retry_after_s: float | None = None) -> port.ExchangeError:
    """The port's error for a ccxt exception. `placing`: raised by create_order, where any
    definite refusal is an `OrderRejected`."""
    reason = readable_reason(exc, exchange_id)
    code, _ = exchange_code(exc)
    if placing and is_duplicate_client_id(exc):
        return port.DuplicateClientId(reason)
    if isinstance(exc, ccxt_errors.OrderNotFound):
        return port.OrderNotFound(reason)
    if isinstance(exc, ccxt_errors.AuthenticationError) or code in _AUTH_CODES:
        return port.AuthenticationFailed(reason)
    if isinstance(exc, ccxt_errors.OperationFailed):
        rate_limited = isinstance(exc, ccxt_errors.DDoSProtection | ccxt_errors.RateLimitExceeded)
        return port.TransientExchangeError(reason, retry_after_s if rate_limited else None)
    if placing:
        return port.OrderRejected(reason)
    return port.ExchangeError(reason)
