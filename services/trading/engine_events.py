"""Typed events of the trading engine. No Telegram here: the control plane subscribes to
the EventBus and turns these into messages (approval cards, fills, failures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from services.events import ChannelRef
from storage.position_orders import PositionOrderRow
from storage.positions import PositionRow


@dataclass(frozen=True)
class PositionSkipped:
    """A signal (or an approved position) that will not be traded, and why."""

    position: PositionRow
    reason: str


@dataclass(frozen=True)
class ApprovalRequested:
    """A manual channel's signal waits for Approve / Reject / size ×½ / ×2 until `expires_at`."""

    position: PositionRow
    channel: ChannelRef
    expires_at: datetime
    split_prices: tuple[Decimal, ...] = ()  # a zone split over several limits: their prices


@dataclass(frozen=True)
class PositionApproved:
    position: PositionRow
    actor_id: int
    factor: Decimal


@dataclass(frozen=True)
class PositionRejected:
    position: PositionRow
    actor_id: int


@dataclass(frozen=True)
class ApprovalExpired:
    position: PositionRow
    channel_name: str = ""  # @username, title or id, to redraw the card


@dataclass(frozen=True)
class EntryPlaced:
    """A limit entry rests on the exchange: the position waits for its price (`parts`:
    how many orders of a split entry rest; `order` is the first to fill)."""

    position: PositionRow
    order: PositionOrderRow
    parts: int = 1


@dataclass(frozen=True)
class EntryFilled:
    position: PositionRow
    order: PositionOrderRow


@dataclass(frozen=True)
class EntryAdded:
    """Another part of a split entry filled: the position grew (`position` as it is now,
    its average entry and amount), its stop and take-profits were resized."""

    position: PositionRow
    order: PositionOrderRow
    filled: int  # parts filled so far
    parts: int  # parts the entry was split into
    late: bool = False  # it filled after the position closed: it is closed at market


@dataclass(frozen=True)
class EntryRestExpired:
    """The parts of a split entry still unfilled when the entry expired were cancelled;
    the position keeps what filled."""

    position: PositionRow
    cancelled: int


@dataclass(frozen=True)
class PositionOpened:
    """The entry filled and the exits were sent; `exits` as the exchange answered them
    (a failed one also raised OrderFailed)."""

    position: PositionRow
    exits: tuple[PositionOrderRow, ...]
    entry_parts: int = 1  # a split entry: how many orders it has (this fill is the first)


@dataclass(frozen=True)
class OrderFailed:
    """An order was refused, or could not be placed; `unknown` when it may be on the
    exchange (its intent is kept and resolved by `resume_in_flight`)."""

    position_id: int
    leg: str
    client_id: str
    reason: str
    unknown: bool = False


@dataclass(frozen=True)
class TargetHit:
    """Take-profit `number` filled: `amount` closed at `price` for `pnl` (gross, quote)."""

    position: PositionRow
    number: int
    price: Decimal
    amount: Decimal
    pnl: Decimal


@dataclass(frozen=True)
class StopMoved:
    """The protective stop now sits at `new` (`why`: break_even, channel, trailing)."""

    position: PositionRow
    old: Decimal | None
    new: Decimal
    why: str


@dataclass(frozen=True)
class PositionClosed:
    """Nothing is held any more. `position.reason` says why (tp, sl, break_even, manual,
    close_all, expired, cancelled); `position.net_pnl` is the result after fees."""

    position: PositionRow
    held_for: timedelta | None


@dataclass(frozen=True)
class PositionStuck:
    """Open for longer than the configured time: worth a look."""

    position: PositionRow
    open_for: timedelta


@dataclass(frozen=True)
class UpdateApplied:
    """What a channel's management post did to the position of its signal. `applied` and
    `skipped` are readable lines (English); `position` as it stands after."""

    position: PositionRow
    channel_name: str
    applied: tuple[str, ...]
    skipped: tuple[str, ...]


EngineEvent = (PositionSkipped | ApprovalRequested | PositionApproved | PositionRejected
               | ApprovalExpired | EntryPlaced | EntryFilled | PositionOpened | OrderFailed
               | TargetHit | StopMoved | PositionClosed | PositionStuck | UpdateApplied)
