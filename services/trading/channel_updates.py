"""A channel's management posts applied to the position of the signal they manage.

    stop moved to a price / to break-even ─▶ the stop order is replaced
    close, close the rest, stop hit, all targets hit ─▶ the position is closed at market
    cancel, cancel the pending entry ─▶ a waiting entry is cancelled (cancel closes an
                                          open position too)
    close N % ─▶ that share is sold at market, the stop follows the rest
    target hit, entry filled, hold ─▶ nothing to do: the bot's own orders do it
    new targets ─▶ shown, not applied (the ladder is kept)

Only for channels set to follow their updates (`/channel @x updates follow`, the default);
every outcome, applied or not and why, is emitted as one `UpdateApplied`.
"""

from __future__ import annotations

from decimal import Decimal

from services.events import TradeUpdateReceived
from services.parsing import UpdateKind
from services.parsing.model import UpdateAction
from services.trading.closing import PositionCloser
from services.trading.engine_events import UpdateApplied
from services.trading.engine_execution import Execution
from services.trading.exits import Markets, PositionExits
from services.trading.pnl import direction
from services.trading.port import ExchangeError, Market
from services.trading.precision import round_amount
from services.trading.tracker import PositionTracker
from storage.channels import ChannelRepository
from storage.position_orders import PositionOrderRepository
from storage.positions import (
    ACTIVE,
    OPEN,
    PARTIALLY_CLOSED,
    WAITING_ENTRY,
    PositionRepository,
    PositionRow,
)

CLOSES = frozenset({UpdateKind.CLOSE, UpdateKind.CLOSE_REMAINING, UpdateKind.SL_HIT,
                    UpdateKind.ALL_TARGETS_HIT})
NOTHING_TO_DO = frozenset({UpdateKind.TP_HIT, UpdateKind.ENTRY_FILLED, UpdateKind.HOLD})
# What the channel said, in a trader's words, for the lines of `UpdateApplied`.
_ACTION = {
    UpdateKind.TP_HIT: "target hit",
    UpdateKind.ENTRY_FILLED: "entry filled",
    UpdateKind.HOLD: "keep holding",
    UpdateKind.MOVE_SL: "stop moved",
    UpdateKind.SL_TO_BREAKEVEN: "stop to break-even",
    UpdateKind.CLOSE_PCT: "partial close",
}


class ChannelUpdates:
    def __init__(self, *, positions: PositionRepository, orders: PositionOrderRepository,
                 channels: ChannelRepository, execution: Execution, exits: PositionExits,
                 closer: PositionCloser, tracker: PositionTracker, markets: Markets) -> None:
        self._positions = positions
        self._orders = orders
        self._channels = channels
        self._execution = execution
        self._exits = exits
        self._closer = closer
        self._tracker = tracker
        self._markets = markets

    async def apply(self, event: TradeUpdateReceived) -> UpdateApplied | None:
        """Apply `event` to its linked position. None when there is nothing to say: not
        linked to a signal, or the signal never became a position."""
        if event.linked_signal_id is None:
            return None
        position = await self._positions.by_signal(event.linked_signal_id)
        if position is None:
            return None
        name = event.channel.name
        channel = await self._channels.get(event.channel.channel_id)
        if channel is not None and channel.updates == "ignore":
            return UpdateApplied(position, name, (), ("this channel's updates are only shown "
                                                      "(/channel … updates follow)",))
        if position.status not in ACTIVE:
            return UpdateApplied(position, name, (), (f"the position is already "
                                                      f"{position.status}",))
        applied: list[str] = []
        skipped: list[str] = []
        for action in event.update.actions:
            if action.symbol is not None and action.symbol.split("/")[0] != \
                    position.symbol.split("/")[0]:
                continue  # a multi-symbol post: this action is for another coin
            done, why = await self._one(position, action, event.channel.channel_id)
            (applied if done else skipped).append(why)
            fresh = await self._positions.get(position.id)
            assert fresh is not None
            position = fresh
            if position.status not in ACTIVE:
                break
        return UpdateApplied(position, name, tuple(applied), tuple(skipped))

    async def _one(self, position: PositionRow, action: UpdateAction,
                   channel_id: int) -> tuple[bool, str]:
        kind = action.kind
        if kind in NOTHING_TO_DO:
            return False, f"{_ACTION[kind]}: nothing to do, the bot's own orders handle it"
        if kind is UpdateKind.MODIFY_TP:
            return False, "new targets are shown, not applied: the ladder is kept"
        if kind in CLOSES or kind is UpdateKind.CANCEL or (
                kind is UpdateKind.CANCEL_PENDING and position.status == WAITING_ENTRY):
            result = await self._closer.close(position.id, actor_id=channel_id, role="channel",
                                              reason="channel")
            if result.closed:
                return True, "closed as the channel said"
            return False, f"close failed: {result.reason}"
        if kind is UpdateKind.CANCEL_PENDING:
            return await self._cancel_rest(position)
        if position.status not in (OPEN, PARTIALLY_CLOSED):
            return False, f"{_ACTION.get(kind, kind.value)}: the entry has not filled yet"
        try:
            market = (await self._markets())[position.symbol]
        except (ExchangeError, KeyError) as exc:
            return False, f"the exchange is not answering: {exc}"
        if kind in (UpdateKind.MOVE_SL, UpdateKind.SL_TO_BREAKEVEN):
            return await self._move_stop(position, market, action)
        if kind is UpdateKind.CLOSE_PCT and action.percent:
            return await self._close_part(position, market, action.percent, channel_id)
        return False, f"{_ACTION.get(kind, kind.value)}: not understood well enough to act on"

    async def _cancel_rest(self, position: PositionRow) -> tuple[bool, str]:
        """"Cancel the pending entry" once part of a split entry filled: its parts still
        resting are cancelled; the position keeps what it holds."""
        async with self._execution.lock:
            left = await self._exits.entries.entries_left(position.id)
            if not left:
                return False, "the entry has filled already: nothing pending to cancel"
            if not await self._exits.cancel_open_orders(position, legs=("entry",),
                                                        reason="channel"):
                return False, "the exchange did not confirm the cancel of the entry orders"
        return True, f"{len(left)} entry order(s) not filled yet cancelled"

    async def _move_stop(self, position: PositionRow, market: Market,
                         action: UpdateAction) -> tuple[bool, str]:
        to_entry = action.kind is UpdateKind.SL_TO_BREAKEVEN
        stop = position.average_entry if to_entry else action.price
        if stop is None:
            return False, "the new stop has no price"
        ticker = self._tracker.prices.get(position.symbol)
        if ticker is not None and (ticker.last - stop) * direction(position.side) <= 0:
            return False, (f"a stop at {stop} is already past the price ({ticker.last}); "
                           "close the position instead if that is meant")
        async with self._execution.lock:
            moved = await self._exits.replace_stop(
                position, market, stop, "break_even" if to_entry else "channel")
        if moved is None:
            return False, "the old stop had fired: the position is closed"
        return True, f"stop moved to {moved.stop_loss}"

    async def _close_part(self, position: PositionRow, market: Market,
                          percent: Decimal, channel_id: int) -> tuple[bool, str]:
        amount = round_amount(market, position.remaining * min(percent, Decimal(100)) / 100)
        if amount <= 0:
            return False, f"{percent}% of the position is below the exchange's lot size"
        if amount >= position.remaining:
            result = await self._closer.close(position.id, actor_id=channel_id, role="channel",
                                              reason="channel")
            return result.closed, "closed as the channel said" if result.closed else \
                f"close failed: {result.reason}"
        async with self._execution.lock:
            after = await self._exits.market_exit(
                position, market, await self._exits.next_close_leg(position.id), amount)
            if after is None:
                return False, f"the partial close of {percent}% failed"
            await self._exits.replace_stop(after, market, after.stop_loss, "remainder")
        return True, f"{percent}% closed"
