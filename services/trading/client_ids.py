"""Client order ids: derived from (position, leg), never from an attempt counter.

A resend after a timeout or a crash must carry the *same* id, so that the exchange (or our
look-up before resending) recognises the order. The id is

    <namespace>-<position>-<leg>          e.g.  sd-1842-tp2,  sd7q3k-1842-sl1

- at most 36 characters of `[.A-Z:/a-z0-9_-]` (Binance's rule, the strictest common one);
- `namespace` is per installation, so two bots trading one account never take each other's
  orders for their own (`derive_namespace` makes a short stable one from any seed);
- `leg` names the order's job in the position. An order that *replaces* another (a stop
  moved to break-even, a second close attempt of a different size) gets a new leg —
  `stop_leg(1)`, `close_leg(2)` — because a reused id could be found and taken for the old,
  cancelled order.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MAX_LENGTH = 36
DEFAULT_NAMESPACE = "sd"

_NAMESPACE = re.compile(r"[a-z][a-z0-9]{0,9}")
_POSITION = re.compile(r"[A-Za-z0-9]{1,20}")
_LEG = re.compile(r"[a-z][a-z0-9]{0,9}")
_EXCHANGE_RULE = re.compile(r"[.A-Z:/a-z0-9_-]{1,36}")


@dataclass(frozen=True)
class ClientOrderRef:
    """What a client order id of ours says: which position, which leg."""

    position_id: str
    leg: str


def entry_leg(part: int | None = None) -> str:
    """The entry order; `part` numbers the orders of an entry zone split over several."""
    return "entry" if part is None else f"entry{part}"


def stop_leg(revision: int = 0) -> str:
    """The protective stop; each move (break-even, trailing) is a new revision."""
    return "sl" if revision == 0 else f"sl{revision}"


def target_leg(number: int, revision: int = 0) -> str:
    """Take-profit number `number` of the ladder (1-based); an order that replaces it (the
    ladder resized after another entry filled, or revised by the channel) is a revision."""
    if number < 1:
        raise ValueError("take-profit numbers start at 1")
    return f"tp{number}" if revision == 0 else f"tp{number}r{revision}"


def close_leg(attempt: int = 0) -> str:
    """A market close of what is left; a later close of a different size is a new one."""
    return "close" if attempt == 0 else f"close{attempt}"


def derive_namespace(seed: str, prefix: str = DEFAULT_NAMESPACE) -> str:
    """A short namespace stable for `seed` (e.g. the bot's id or its data folder):
    `prefix` plus four base-36 characters of the seed's SHA-256."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    digits = ""
    for _ in range(4):
        number, rest = divmod(number, 36)
        digits += "0123456789abcdefghijklmnopqrstuvwxyz"[rest]
    return _checked_namespace(prefix + digits)


def _checked_namespace(namespace: str) -> str:
    if not _NAMESPACE.fullmatch(namespace):
        raise ValueError(f"client id namespace {namespace!r} must be 1–10 lowercase letters "
                         "or digits, starting with a letter")
    return namespace


class ClientIds:
    """Makes and reads the client order ids of one installation."""

    def __init__(self, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.namespace = _checked_namespace(namespace)

    def make(self, position_id: int | str, leg: str) -> str:
        """The id of `leg` of position `position_id`; the same inputs give the same id."""
        position = str(position_id)
        if not _POSITION.fullmatch(position):
            raise ValueError(f"position id {position!r} must be 1–20 letters or digits")
        if not _LEG.fullmatch(leg):
            raise ValueError(f"leg {leg!r} must be 1–10 lowercase letters or digits")
        client_id = f"{self.namespace}-{position}-{leg}"
        if len(client_id) > MAX_LENGTH:
            raise ValueError(f"client order id {client_id!r} is longer than {MAX_LENGTH}")
        assert _EXCHANGE_RULE.fullmatch(client_id)
        return client_id

    def parse(self, client_id: str | None) -> ClientOrderRef | None:
        """(position, leg) of one of our ids; None for anything else (orders placed by hand,
        by another installation, or by the exchange's own id generator)."""
        if not client_id:
            return None
        parts = client_id.split("-")
        if len(parts) != 3 or parts[0] != self.namespace:
            return None
        _, position, leg = parts
        if not (_POSITION.fullmatch(position) and _LEG.fullmatch(leg)):
            return None
        return ClientOrderRef(position, leg)

    def is_ours(self, client_id: str | None) -> bool:
        return self.parse(client_id) is not None
