"""What a position's order is for, read from its leg name (see `client_ids`): entry, stop,
take-profit number N (and its revisions), close; and which order states are final."""

from __future__ import annotations

from storage.position_orders import (
    CANCELED,
    FILLED,
    IN_FLIGHT,
    OPEN,
    REJECTED,
    PositionOrderRow,
)

FINAL = (FILLED, CANCELED, REJECTED)
LIVE = (*IN_FLIGHT, OPEN)  # states of an order that may still act on the exchange


def leg_kind(leg: str) -> str:
    """entry / sl / tp / close — the job of a leg whatever its number or revision."""
    for kind in ("entry", "close", "sl", "tp"):
        if leg.startswith(kind):
            return kind
    return leg


def target_number(leg: str) -> int:
    """The take-profit a `tp` leg is for: tp2 and its revisions tp2r1, tp2r2 are all 2."""
    return int(leg[2:].split("r")[0])


def targets_done(rows: list[PositionOrderRow], *, filled_only: bool = False) -> set[int]:
    """Numbers of the take-profits that have an order (or a filled one)."""
    return {target_number(o.leg) for o in rows
            if leg_kind(o.leg) == "tp" and (not filled_only or o.state == FILLED)}
