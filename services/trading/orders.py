"""The orders of a position, as pure functions: the entry order, the protective stop and
the take-profit ladder, rounded to the market through `precision` (the one place rounding
happens) and named by `client_ids`.

Entries: a market signal (or "CMP") is a market order; one entry price is a limit at it;
a zone (or a ladder of prices) is one limit — by default (`entry.zone_mode` = edge) at the
zone's far edge, the top for a long and the bottom for a short, so a zone that contains
the price fills at once (never worse than the zone) and a zone away from the price rests
until the price comes to it; with `middle`, at the zone's middle (a better price, and a
chance of not filling); with `split`, several limits across the zone (`entry_legs`): the
channel's own prices when it lists three or more, else `entry.split_parts` prices evenly
spaced from edge to edge, the amount shared equally — the position grows as the price
goes deeper into the zone, and its exits are resized with each fill.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.trading.client_ids import ClientIds, stop_leg, target_leg
from services.trading.port import Market, MarketKind, OrderRequest, OrderSide, OrderType
from services.trading.precision import PriceIntent, check_order, round_amount, round_price

ZERO = Decimal(0)


def entry_side(side: str) -> OrderSide:
    """The order side that opens a `long` / `short` position."""
    return OrderSide.BUY if side == "long" else OrderSide.SELL


def exit_side(side: str) -> OrderSide:
    return OrderSide.SELL if side == "long" else OrderSide.BUY


@dataclass(frozen=True)
class EntryOrder:
    type: OrderType
    price: Decimal | None  # the (first) limit, on the tick; None for a market order
    reference: Decimal  # the price the size is computed and checked at
    prices: tuple[Decimal, ...] = ()  # a split zone: every limit, the first to fill first

    @property
    def split(self) -> bool:
        return len(self.prices) > 1


ZONE_MODES = ("edge", "middle", "split")
DEFAULT_SPLIT_PARTS = 3


def entry_order(market: Market, side: str, entry_type: str, entries: tuple[Decimal, ...],
                last: Decimal, zone_mode: str = "edge",
                split_parts: int = DEFAULT_SPLIT_PARTS) -> EntryOrder:
    """How to enter: market at `last`, one limit, or a zone split over several limits
    (see the module docstring)."""
    if entry_type == "market" or not entries:
        return EntryOrder(OrderType.MARKET, None, last)
    order_side = entry_side(side)
    if entry_type != "single" and zone_mode == "split":
        prices = split_prices(market, side, entries, split_parts)
        if len(prices) > 1:
            return EntryOrder(OrderType.LIMIT, prices[0], sum(prices, ZERO) / len(prices),
                              prices)
    if entry_type == "single":
        wanted = entries[0]
    elif zone_mode == "middle":
        wanted = (min(entries) + max(entries)) / 2
    else:
        wanted = max(entries) if side == "long" else min(entries)
    price = round_price(market, wanted, order_side, PriceIntent.ENTRY)
    return EntryOrder(OrderType.LIMIT, price, price)


def split_prices(market: Market, side: str, entries: tuple[Decimal, ...],
                 parts: int) -> tuple[Decimal, ...]:
    """The limits of a split zone on the market's tick, the first to fill first (highest
    for a long, lowest for a short): the channel's own prices when it gives three or more,
    else `parts` prices evenly spaced from one edge of the zone to the other. Prices that
    round onto the same tick count once."""
    distinct = sorted(set(entries))
    if len(distinct) >= 3:
        wanted = distinct
    elif len(distinct) == 2 and parts >= 2:
        low, high = distinct
        wanted = [low + (high - low) * i / (parts - 1) for i in range(parts)]
    else:
        wanted = distinct
    order_side = entry_side(side)
    rounded = {round_price(market, price, order_side, PriceIntent.ENTRY) for price in wanted}
    return tuple(sorted(rounded, reverse=side == "long"))


@dataclass(frozen=True)
class EntryPart:
    """One limit order of an entry: its price and its share of the amount."""

    price: Decimal
    amount: Decimal


def entry_parts(market: Market, entry: EntryOrder, amount: Decimal) -> list[EntryPart]:
    """`amount` over the entry's limits: one part for a plain entry; for a split zone an
    equal share per price (lot-rounded, the remainder on the last), with fewer prices —
    still spread from edge to edge — while a share would be below the market's minimum
    amount or order value. Raises ValueError with the exchange's rule when even one order
    of the whole amount does not fit."""
    if not entry.split:
        reason = check_order(market, amount, entry.reference)
        if reason is not None:
            raise ValueError(reason)
        return [EntryPart(entry.price if entry.price is not None else entry.reference,
                          amount)]
    prices = entry.prices
    for count in range(len(prices), 0, -1):
        chosen = _spread(prices, count)
        shares = [round_amount(market, amount / count)] * (count - 1)
        parts = [EntryPart(p, a) for p, a in
                 zip(chosen, [*shares, amount - sum(shares, ZERO)], strict=True)]
        reasons = [check_order(market, part.amount, part.price) for part in parts]
        if not any(reasons):
            return parts
        if count == 1:
            raise ValueError(reasons[0])
    raise AssertionError("unreachable: one part is always tried")


def _spread(prices: tuple[Decimal, ...], count: int) -> list[Decimal]:
    """`count` of `prices`, evenly spread and keeping both ends (the first when one)."""
    if count == 1:
        return [prices[0]]
    last = len(prices) - 1
    return [prices[round(i * last / (count - 1))] for i in range(count)]


def ladder_weights(weights: tuple[Decimal, ...], n: int) -> list[Decimal]:
    """The weights of `n` take-profits from the configured `weights`: equal (all 1) without
    weights; the first `n` when there are more; the last one repeated for targets beyond
    the list ("50,30,20" over five targets is 50:30:20:20:20). Not normalised: a leg is
    amount × weight / sum, computed in that order so that equal legs stay exact."""
    if not weights:
        return [Decimal(1)] * n
    return [*weights[:n], *[weights[-1]] * (n - len(weights))]


def split_ladder(amount: Decimal, n: int, market: Market,
                 weights: tuple[Decimal, ...] = ()) -> list[Decimal]:
    """`amount` split over `n` take-profits by `weights` (equal when empty, see
    `ladder_weights`): each leg rounded down to the lot step, the remainder on the last leg,
    so the legs sum to `amount` exactly.

    When a leg would be below the market's minimum amount, fewer legs are used (the first
    targets, their weights normalised again); the result always has at least one leg and at
    most `n`.
    """
    if n < 1:
        raise ValueError("a ladder has at least one leg")
    if amount <= ZERO:
        return []
    if any(w <= ZERO for w in weights):
        raise ValueError("take-profit weights must be positive")
    smallest = max(market.min_amount, market.amount_step, Decimal(0))
    for legs in range(n, 0, -1):
        chosen = ladder_weights(weights, legs)
        total = sum(chosen, ZERO)
        parts = [round_amount(market, amount * w / total) for w in chosen[:-1]]
        last = amount - sum(parts, ZERO)
        if legs == 1 or (min(parts) >= smallest and last >= smallest):
            return [*parts, last]
    raise AssertionError("unreachable: one leg is always returned")


@dataclass(frozen=True)
class ExitLeg:
    leg: str
    request: OrderRequest


def exit_legs(*, ids: ClientIds, position_id: int, market: Market, side: str,
              amount: Decimal, stop_loss: Decimal | None,
              targets: tuple[Decimal, ...],
              weights: tuple[Decimal, ...] = ()) -> list[ExitLeg]:
    """The protective stop (revision 0) and the take-profit ladder of an open position.

    Futures: stop-market and take-profit-market trigger orders, reduce-only. Spot has no
    reduce-only and an exchange locks the coins of every resting sell, so only the stop is
    placed there (take-profits on spot are left to the bot's own watch).
    """
    futures = market.kind is MarketKind.FUTURES
    legs: list[ExitLeg] = []
    if stop_loss is not None and market.supports_stop_orders:
        legs.append(ExitLeg(stop_leg(0), stop_request(ids, position_id, stop_leg(0), market,
                                                     side, amount, stop_loss)))
    if futures and targets and market.supports_stop_orders:
        for number, (target, part) in enumerate(
                zip(targets, split_ladder(amount, len(targets), market, weights),
                    strict=False),
                start=1):
            leg = target_leg(number)
            legs.append(ExitLeg(leg, target_request(ids, position_id, leg, market, side, part,
                                                    target)))
    return legs


def stop_request(ids: ClientIds, position_id: int, leg: str, market: Market, side: str,
                 amount: Decimal, stop: Decimal) -> OrderRequest:
    """The stop-market order closing `amount` of a `side` position at `stop` (on the
    tick, rounded so it triggers no later; reduce-only on futures)."""
    close = exit_side(side)
    return OrderRequest(
        client_id=ids.make(position_id, leg), symbol=market.symbol, side=close,
        type=OrderType.STOP_MARKET, amount=amount,
        trigger_price=round_price(market, stop, close, PriceIntent.STOP),
        reduce_only=market.kind is MarketKind.FUTURES)


def target_request(ids: ClientIds, position_id: int, leg: str, market: Market, side: str,
                   amount: Decimal, target: Decimal) -> OrderRequest:
    """The take-profit-market order (futures, reduce-only) closing `amount` at `target`."""
    close = exit_side(side)
    return OrderRequest(
        client_id=ids.make(position_id, leg), symbol=market.symbol, side=close,
        type=OrderType.TAKE_PROFIT_MARKET, amount=amount,
        trigger_price=round_price(market, target, close, PriceIntent.TARGET),
        reduce_only=True)
