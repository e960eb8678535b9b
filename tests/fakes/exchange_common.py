"""Shared pieces of the fake Binance server: errors, number handling, request params."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

Json = Any

CLIENT_ID_PATTERN = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
CLIENT_ID_RULE = r"^[\.A-Z\:/a-z0-9_-]{1,36}$"
DECIMAL_RULE = r"^([0-9]{1,20})(\.[0-9]{1,20})?$"


class BinanceError(Exception):
    """An error answered the way Binance answers it: HTTP status + {"code", "msg"}."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(f"{code} {msg}")
        self.code = code
        self.msg = msg
        self.status = status


def now_ms() -> int:
    return int(time.time() * 1000)


def dec(value: Decimal | str | float | int) -> Decimal:
    """Decimal from user input; floats go through str() so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def fmt(value: Decimal, places: int) -> str:
    """Fixed-point string with `places` decimals, as Binance prints numbers."""
    quantum = Decimal(1).scaleb(-places) if places > 0 else Decimal(1)
    return format(value.quantize(quantum), "f")


def plain(value: Decimal) -> str:
    """Shortest plain (non-exponent) string for a Decimal: 5, 0.001, 95000.1."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def decimals_of(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    if step == 0:
        return value
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def is_multiple(value: Decimal, step: Decimal) -> bool:
    return step == 0 or value % step == 0


@dataclass
class Params:
    """The merged query-string + body parameters of one request."""

    values: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if value not in (None, "") else None

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise BinanceError(
                -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
            )
        return value

    def decimal(self, name: str, required: bool = False) -> Decimal | None:
        raw = self.require(name) if required else self.get(name)
        if raw is None:
            return None
        if not re.match(DECIMAL_RULE, raw):
            raise BinanceError(
                -1100,
                f"Illegal characters found in parameter '{name}'; legal range is '{DECIMAL_RULE}'.",
            )
        try:
            return Decimal(raw)
        except InvalidOperation as exc:  # pragma: no cover - regex already guards this
            raise BinanceError(-1100, f"Illegal characters found in parameter '{name}'.") from exc

    def integer(self, name: str) -> int | None:
        raw = self.get(name)
        if raw is None:
            return None
        if not raw.lstrip("-").isdigit():
            raise BinanceError(
                -1100, f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]+$'."
            )
        return int(raw)

    def flag(self, name: str) -> bool:
        return (self.get(name) or "false").lower() == "true"

    def client_id(self, name: str) -> str | None:
        value = self.get(name)
        if value is not None and not CLIENT_ID_PATTERN.match(value):
            raise BinanceError(
                -1100,
                f"Illegal characters found in parameter '{name}'; legal range is '{CLIENT_ID_RULE}'.",
            )
        return value


def invalid_symbol() -> BinanceError:
    return BinanceError(-1121, "Invalid symbol.")


def pick_window(items: list[Any], params: Params, time_of: Any, default_limit: int) -> list[Any]:
    """Apply Binance's startTime / endTime / limit to a list already sorted by time."""
    start, end = params.integer("startTime"), params.integer("endTime")
    limit = params.integer("limit") or default_limit
    chosen = [
        item
        for item in items
        if (start is None or time_of(item) >= start) and (end is None or time_of(item) <= end)
    ]
    return chosen[:limit] if start is not None else chosen[-limit:]
