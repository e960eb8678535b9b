"""Every closed trade, kept in memory: read whole once, then only the positions written
since the last look. Statistics over the whole history (/stats) need every trade; at
100,000 trades reading and converting them all took over a second each time one closed."""

from __future__ import annotations

from services.stats import ClosedTrade
from storage.trades import PositionWrite, TradeRepository


class ClosedTrades:
    def __init__(self, trades: TradeRepository) -> None:
        self._trades = trades
        self._by_id: dict[int, ClosedTrade] = {}
        self._closed_ids: set[int] = set()  # closed positions, trades or never filled
        self._since: str | None = None  # the latest write already read
        self._ordered: list[ClosedTrade] = []

    async def all(self, mark_count: int) -> list[ClosedTrade]:
        """Every closed trade, oldest first (by close time, then id). `mark_count` is how
        many positions are closed now (`TradeRepository.history_mark`): when the closed
        positions read differ from it — a write stamped earlier than one already read, as
        a clock set back would make — everything is read again."""
        writes, latest = await self._trades.written_since(self._since)
        if writes:
            self._apply(writes)
            self._since = latest
        if len(self._closed_ids) != mark_count:
            self._by_id, self._closed_ids, self._since = {}, set(), None
            writes, self._since = await self._trades.written_since(None)
            self._apply(writes)
        return list(self._ordered)

    def _apply(self, writes: list[PositionWrite]) -> None:
        for write in writes:
            if write.closed:
                self._closed_ids.add(write.position_id)
            else:
                self._closed_ids.discard(write.position_id)
            if write.trade is not None:
                self._by_id[write.position_id] = ClosedTrade.from_row(write.trade)
            else:
                self._by_id.pop(write.position_id, None)
        self._ordered = sorted(self._by_id.values(),
                               key=lambda t: (t.closed_at, t.position_id))
