"""Is a parsed signal safe to trade? Pure checks with reasons a trader can read.

`check_consistency` needs nothing but the signal: stop on the right side of the entry,
targets on the right side and in order, the stated side matching the prices. The parser
runs it and stores the reasons in `ParsedSignal.problems`.

`validate_signal` adds what needs the market, supplied by the caller (no I/O here): the
entry's distance from the current price, the leverage cap, whether the symbol exists,
and (on request) liquidation before the stop. `rescale_price` / `rescale_signal` recover shorthand
prices ("28390" for 0.02839) when exactly one power of ten puts them near the market.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from decimal import Decimal

from services.parsing.model import ParsedSignal, Side
from services.parsing.numbers import format_price

DEFAULT_MAX_ENTRY_DISTANCE_PCT = Decimal("20")
_HUNDRED = Decimal(100)
_POWERS = range(-12, 13)


def check_consistency(signal: ParsedSignal) -> list[str]:
    """Reasons why the signal's own prices contradict each other (empty when they agree)."""
    problems: list[str] = []
    side, entries, targets, stop = signal.side, signal.entries, signal.targets, signal.stop_loss
    long = side is Side.LONG
    if signal.stated_side is not None and signal.stated_side is not side:
        problems.append(
            f"the post says {signal.stated_side.value} but its prices are those of a {side.value}"
        )
    if entries:
        worst = min(entries) if long else max(entries)
        if stop is not None and (stop >= worst if long else stop <= worst):
            where = "above" if long else "below"
            problems.append(
                f"stop loss {format_price(stop)} is {where} entry {format_price(worst)} "
                f"for a {side.value}"
            )
        # Only when some target is not beyond the entry (min/max run in C) is it looked for.
        if targets and not (min(targets) > worst if long else max(targets) < worst):
            for n, target in enumerate(targets, 1):
                if target <= worst if long else target >= worst:
                    where = "below" if long else "above"
                    problems.append(
                        f"target {n} ({format_price(target)}) is {where} entry "
                        f"{format_price(worst)} for a {side.value}"
                    )
                    break
    elif stop is not None and targets:
        nearest = min(targets) if long else max(targets)
        if stop >= nearest if long else stop <= nearest:
            problems.append(
                f"stop loss {format_price(stop)} is beyond target {format_price(nearest)} "
                f"for a {side.value}"
            )
    # In order when sorting leaves the targets as they are (sorting is stable).
    in_order = list(targets) == sorted(targets, reverse=not long)
    if not in_order:
        way = "rising" if long else "falling"
        problems.append(
            "targets are out of order for a "
            f"{side.value} ({', '.join(map(format_price, targets))}; expected {way})"
        )
    return problems


def _fitting_power(price: Decimal, market_price: Decimal, max_distance_pct: Decimal) -> int | None:
    """0 when `price` is near the market, else the one k for which price * 10**k is."""
    if price <= 0 or market_price <= 0:
        return None

    def near(value: Decimal) -> bool:
        return abs(value - market_price) / market_price * _HUNDRED <= max_distance_pct

    if near(price):
        return 0
    fits = [k for k in _POWERS if k and near(price.scaleb(k))]
    return fits[0] if len(fits) == 1 else None


def rescale_price(
    price: Decimal, market_price: Decimal, max_distance_pct: Decimal
) -> Decimal | None:
    """`price`, or `price` shifted by the one power of ten that puts it near the market.

    Returns `price` itself when it is within `max_distance_pct` % of `market_price`;
    the shifted price when exactly one power of ten (10**-12 … 10**12) brings it within
    that distance (28390 -> 0.02839 at a market of 0.0283); None when none or several do.
    """
    power = _fitting_power(price, market_price, max_distance_pct)
    return None if power is None else price.scaleb(power)


def rescale_signal(
    signal: ParsedSignal,
    market_price: Decimal,
    max_distance_pct: Decimal = DEFAULT_MAX_ENTRY_DISTANCE_PCT,
) -> ParsedSignal | None:
    """The signal with every price shifted by the power of ten that puts its entry near
    the market (entries, targets, stop and DCA levels alike, so their relations hold).

    The signal itself when its entry is already near the market or it has no entry
    price; None when no single power of ten fits. Problems the parser found are kept.
    """
    if not signal.entries:
        return signal
    middle = (min(signal.entries) + max(signal.entries)) / 2
    power = _fitting_power(middle, market_price, max_distance_pct)
    if power is None:
        return None
    if power == 0:
        return signal

    def shift(values: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
        return tuple(v.scaleb(power) for v in values)

    stop = signal.stop_loss
    return replace(
        signal,
        entries=shift(signal.entries),
        targets=shift(signal.targets),
        stop_loss=None if stop is None else stop.scaleb(power),
        dca=shift(signal.dca),
    )


def validate_signal(
    signal: ParsedSignal,
    *,
    market_price: Decimal | None = None,
    max_entry_distance_pct: Decimal = DEFAULT_MAX_ENTRY_DISTANCE_PCT,
    max_leverage: int | None = None,
    known_symbols: Collection[str] | None = None,
    check_liquidation: bool = False,
) -> list[str]:
    """Every reason not to trade `signal` as it stands; an empty list means go.

    Includes the parser's own `problems`. Without `market_price` the distance check is
    skipped; without `known_symbols` the symbol is not checked. `check_liquidation` also
    refuses a stop that lies beyond the liquidation price at the signal's own leverage
    (off by default: sizing may trade it at a lower leverage than the channel states).
    """
    reasons = list(signal.problems)
    if known_symbols is not None and signal.symbol not in known_symbols:
        reasons.append(f"unknown symbol {signal.symbol}")
    if market_price is not None and market_price > 0:
        for entry in signal.entries:
            distance = abs(entry - market_price) / market_price * _HUNDRED
            if distance <= max_entry_distance_pct:
                continue
            reason = (
                f"entry {format_price(entry)} is {distance:.1f}% from the market price "
                f"{format_price(market_price)} (limit {format_price(max_entry_distance_pct)}%)"
            )
            fixed = rescale_price(entry, market_price, max_entry_distance_pct)
            if fixed is not None:
                reason += f"; shorthand for {format_price(fixed)}?"
            reasons.append(reason)
            break
    if signal.leverage is not None:
        if max_leverage is not None and signal.leverage > max_leverage:
            reasons.append(f"leverage {signal.leverage}x is above the cap of {max_leverage}x")
        liquidation = _liquidation_reason(signal) if check_liquidation else None
        if liquidation:
            reasons.append(liquidation)
    return reasons


def _liquidation_reason(signal: ParsedSignal) -> str | None:
    """At leverage L a move of about 100/L % against the position liquidates it."""
    if signal.stop_loss is None or not signal.entries or not signal.leverage:
        return None
    reference = sum(signal.entries, Decimal(0)) / len(signal.entries)
    distance = abs(reference - signal.stop_loss) / reference * _HUNDRED
    limit = _HUNDRED / signal.leverage
    if distance < limit:
        return None
    return (
        f"stop loss {format_price(signal.stop_loss)} is {distance:.1f}% from the entry: at "
        f"{signal.leverage}x the position is liquidated after about {limit:.1f}%"
    )
