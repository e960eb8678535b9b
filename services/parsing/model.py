"""What the signal parser returns: plain frozen data, no Telegram, no exchange.

A post becomes exactly one of four results:

- `ParsedSignal`  — a new trade ("open"). It may carry `problems`: the post reads as a
  signal but is inconsistent (stop on the wrong side, targets out of order, the stated side
  contradicts the prices, shorthand prices rescaled by guess...). A signal with problems is
  NOT tradable; later code shows it to admins as "not understood: <reason>".
- `ParsedUpdate`  — progress or management of a live trade (target hit, stop moved...).
- `ParsedClose`   — a full exit (close, cancel, stop-loss hit, all targets hit).
- `Noise`         — anything else. `looks_like_signal` marks noise that had the shape of a
  signal but could not be read as one (its `reason` says why): admins see those too, as
  "not understood: <reason>"; plain noise is only stored.

`not_understood_reason(result)` is the one place that answers "should admins be told that
this post was not understood, and why".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal


class Side(StrEnum):
    LONG = "long"
    SHORT = "short"


class MarketType(StrEnum):
    SPOT = "spot"
    FUTURES = "futures"


class MarginMode(StrEnum):
    CROSS = "cross"
    ISOLATED = "isolated"


class EntryType(StrEnum):
    """How the entry is to be filled."""

    MARKET = "market"  # no entry price: buy/sell at market
    SINGLE = "single"  # one limit price
    ZONE = "zone"  # two bounds: fill anywhere between them
    LADDER = "ladder"  # three or more limit prices


class UpdateKind(StrEnum):
    """What a management post asks for (the corpus' `actions` vocabulary)."""

    TP_HIT = "tp_hit"
    ALL_TARGETS_HIT = "all_targets_hit"
    ENTRY_FILLED = "entry_filled"
    MOVE_SL = "move_sl"
    SL_TO_BREAKEVEN = "sl_to_breakeven"
    CLOSE_PCT = "close_pct"
    MODIFY_TP = "modify_tp"
    CANCEL_PENDING = "cancel_pending_entry"
    HOLD = "hold"
    SL_HIT = "sl_hit"
    CLOSE = "close_all"
    CLOSE_REMAINING = "close_remaining"
    CANCEL = "cancel"


#: Actions that end a trade; a single-symbol post made of one of these is a close.
CLOSING_KINDS = frozenset(
    {
        UpdateKind.ALL_TARGETS_HIT,
        UpdateKind.SL_HIT,
        UpdateKind.CLOSE,
        UpdateKind.CLOSE_REMAINING,
        UpdateKind.CANCEL,
    }
)


@dataclass(frozen=True, slots=True)
class UpdateAction:
    """One instruction of an update or close post.

    `symbol` is set when the post names several symbols (each action then says which one).
    `target` is the 1-based take-profit or entry number (`None` with TP_HIT / ENTRY_FILLED
    means "all"); `price` the new stop price; `percent` the share of the position closed;
    `targets` the new take-profit ladder.
    """

    kind: UpdateKind
    symbol: str | None = None
    target: int | None = None
    price: Decimal | None = None
    percent: Decimal | None = None
    targets: tuple[Decimal, ...] = ()

    def label(self) -> str:
        """Compact form used in the corpus: `tp_hit:2`, `BTC:move_sl:64300`, `close_pct:50`."""
        text = self.kind.value
        if self.target is not None:
            text += f":{self.target}"
        elif self.kind in (UpdateKind.TP_HIT, UpdateKind.ENTRY_FILLED):
            text += ":all"
        if self.price is not None:
            text += f":{self.price}"
        if self.percent is not None:
            text += f":{self.percent}"
        if self.symbol is not None:
            text = f"{self.symbol.split('/')[0]}:{text}"
        return text


@dataclass(frozen=True, slots=True)
class ParsedSignal:
    """A new trade read from a post. Prices are exact decimals as written."""

    symbol: str  # BASE/QUOTE, quote USDT when the post omits it
    side: Side
    entries: tuple[Decimal, ...]  # sorted ascending; empty for a market entry
    entry_type: EntryType
    targets: tuple[Decimal, ...]  # in message order
    stop_loss: Decimal | None
    leverage: int | None = None  # a range ("5-10x") gives its lower bound
    margin_mode: MarginMode | None = None
    market_type: MarketType | None = None
    at_market: bool = False  # "CMP"/"now"/"market" wording: enter at the current price
    stop_loss_pct: Decimal | None = None  # stop given only as a percentage ("SL 5-7%")
    dca: tuple[Decimal, ...] = ()  # add-on (DCA) levels, kept out of `entries`
    stated_side: Side | None = None  # the side the text states, if any
    problems: tuple[str, ...] = ()  # why it must not be traded as is; empty when consistent

    kind: ClassVar[Literal["open"]] = "open"

    @property
    def tradable(self) -> bool:
        """True when nothing in the post itself argues against trading it."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class ParsedUpdate:
    """Progress or management of a trade that stays open."""

    symbol: str | None  # None for symbol-less or multi-symbol posts
    actions: tuple[UpdateAction, ...]
    side: Side | None = None
    leverage: int | None = None

    kind: ClassVar[Literal["update"]] = "update"


@dataclass(frozen=True, slots=True)
class ParsedClose:
    """A full exit: close, cancel, stop-loss hit, all targets hit."""

    symbol: str | None  # None when the post closes by side ("close all longs")
    actions: tuple[UpdateAction, ...]
    side: Side | None = None
    leverage: int | None = None

    kind: ClassVar[Literal["close"]] = "close"


@dataclass(frozen=True, slots=True)
class Noise:
    """A post that asks for nothing: reviews, ads, alerts without levels..."""

    reason: str
    looks_like_signal: bool = False

    kind: ClassVar[Literal["noise"]] = "noise"


ParseResult = ParsedSignal | ParsedUpdate | ParsedClose | Noise


def not_understood_reason(result: ParseResult) -> str | None:
    """The reason to show admins as "not understood: <reason>", or None.

    None means either a tradable signal, an update/close, or plain noise (stored only).
    """
    if isinstance(result, ParsedSignal):
        return "; ".join(result.problems) if result.problems else None
    if isinstance(result, Noise) and result.looks_like_signal:
        return result.reason
    return None
