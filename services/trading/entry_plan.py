"""Planning an entry before any order: the market, the entry order, the leverage, the size
on the market's lot, and the risk gate's verdict. Nothing here sends an order; a signal
that cannot be traded raises `Skip` with the reason the trader reads."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.runtime_config import RuntimeConfig
from services.trading.breaker import BreakerState
from services.trading.orders import EntryOrder, EntryPart, entry_order, entry_parts
from services.trading.port import Market, MarketKind
from services.trading.precision import round_amount
from services.trading.resilient import ResilientExchange
from services.trading.risk import EntryCandidate, check_entry
from services.trading.risk_monitor import RiskMonitor
from services.trading.sizing import (
    SizeMode,
    SizeRule,
    SizingError,
    capped_leverage,
    size_position,
)
from storage.channels import ChannelRow
from storage.positions import NewPosition, PositionRepository, PositionRow


class Skip(Exception):
    """Not tradable; the message is the reason recorded and shown."""


@dataclass(frozen=True)
class Plan:
    market: Market
    entry: EntryOrder
    leverage: int
    margin: Decimal
    amount: Decimal
    parts: tuple[EntryPart, ...]  # the entry's orders: one, or several across a split zone
    equity: Decimal | None = None  # the balance the size was computed from, when it was


class EntryPlanner:
    def __init__(self, *, exchange: ResilientExchange, positions: PositionRepository,
                 config: RuntimeConfig, risk: RiskMonitor) -> None:
        self._exchange = exchange
        self._positions = positions
        self._config = config
        self._risk = risk

    async def plan(self, draft: NewPosition, channel: ChannelRow | None,
                   wanted_leverage: int | None, last: Decimal | None = None) -> Plan:
        """A new signal's entry: sized by the channel's rule (or the global one) on the
        balance now, leverage capped by the channel, the settings and the market. `last`
        is a price read a moment ago (the market check's); None: ask the exchange."""
        market, entry = await self._entry(draft.symbol, draft.side, draft.entry_type,
                                          draft.entry_prices, last)
        leverage = capped_leverage(
            wanted_leverage, channel.max_leverage if channel else None,
            int(await self._config.get("risk.max_leverage")), market.max_leverage,
            spot=market.kind is MarketKind.SPOT)
        equity = await self.equity(market)
        try:
            size = size_position(await self._size_rule(channel), equity=equity,
                                 entry=entry.reference, stop=draft.stop_loss, leverage=leverage)
        except SizingError as exc:
            raise Skip(str(exc)) from None
        amount = round_amount(market, size.amount)
        return Plan(market, entry, leverage, size.margin, amount,
                    self._parts(market, entry, amount), equity)

    async def approved(self, position: PositionRow, factor: Decimal) -> Plan:
        """An approved position's entry at its planned size × `factor` (×½, ×2)."""
        if factor <= 0:
            raise Skip("the size factor must be positive")
        market, entry = await self._entry(position.symbol, position.side, position.entry_type,
                                          position.entry_prices)
        amount = round_amount(market, position.planned_amount * factor)
        return Plan(market, entry, position.leverage, position.margin * factor, amount,
                    self._parts(market, entry, amount))

    async def risk_reason(self, draft: NewPosition, channel: ChannelRow | None,
                          market: Market, equity: Decimal | None = None) -> str | None:
        """The risk gate's verdict on opening `draft` now (None: go ahead); `equity` is
        the balance just read for sizing, asked again when not given."""
        if equity is None:
            equity = await self.equity(market)
        snapshot = await self._risk.snapshot(
            equity_now=equity, active=await self._positions.active(),
            channel=channel, channel_id=draft.channel_id,
            circuit_open=self._exchange.breaker.state is BreakerState.OPEN)
        return check_entry(await self._config.risk_limits(), snapshot,
                           EntryCandidate(draft.symbol, draft.margin,
                                          has_stop_loss=draft.stop_loss is not None))

    async def equity(self, market: Market) -> Decimal:
        balance = (await self._exchange.fetch_balance()).get(market.quote)
        return balance.total if balance is not None else Decimal(0)

    async def _entry(self, symbol: str, side: str, entry_type: str,
                     entry_prices: tuple[Decimal, ...],
                     last: Decimal | None = None) -> tuple[Market, EntryOrder]:
        markets = await self._exchange.load_markets()
        market = markets.get(symbol)
        if market is None:
            raise Skip(f"{symbol} is not a market of this exchange")
        if last is None:
            last = (await self._exchange.fetch_tickers([market.symbol]))[market.symbol].last
        return market, entry_order(market, side, entry_type, entry_prices, last,
                                   str(await self._config.get("entry.zone_mode")),
                                   int(await self._config.get("entry.split_parts")))

    @staticmethod
    def _parts(market: Market, entry: EntryOrder, amount: Decimal) -> tuple[EntryPart, ...]:
        try:
            return tuple(entry_parts(market, entry, amount))
        except ValueError as exc:
            raise Skip(str(exc)) from None

    async def _size_rule(self, channel: ChannelRow | None) -> SizeRule:
        if channel is not None and channel.size_mode and channel.size_value:
            return SizeRule(SizeMode(channel.size_mode), Decimal(channel.size_value))
        return await self._config.size_rule()
