"""What /positions and /position show, as plain data: each position with its channel, the
latest price, unrealised and net PnL; pages of them; one position with its orders.

Prices come from the tracker's last tick; symbols it has not priced yet are fetched in one
batched request, so a /positions right after start shows prices too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from loguru import logger

from services.errors import UserFacingError
from services.trading.pnl import pnl_pct, unrealized_pnl
from services.trading.port import Balance, Exchange, ExchangeError, Ticker
from services.trading.tracker import PositionTracker
from storage.channels import ChannelRepository, channel_label
from storage.position_orders import PositionOrderRepository, PositionOrderRow
from storage.positions import PositionRepository, PositionRow

PER_PAGE = 5
ZERO = Decimal(0)
HELD = ("open", "partially_closed")


@dataclass(frozen=True)
class PositionView:
    position: PositionRow
    channel: str  # the channel's @username or title, or its id
    last_price: Decimal | None
    unrealized_pnl: Decimal
    net_pnl: Decimal  # realised − fees + unrealised
    pnl_pct: Decimal | None  # of the margin

    @property
    def id(self) -> int:
        return self.position.id


@dataclass(frozen=True)
class PositionsPage:
    items: tuple[PositionView, ...]
    page: int  # 0-based, clamped to the pages there are
    pages: int
    total: int


@dataclass(frozen=True)
class Exposure:
    """The active positions at a glance (prices of the tracker's last tick, no request)."""

    open: int  # open or partly closed
    waiting: int  # waiting for their entry or for an approval
    unrealized_pnl: Decimal
    margin: Decimal = ZERO  # committed by every active position, waiting ones included
    at_risk: Decimal = ZERO  # lost if every held position hit its stop now (none: no stop)


@dataclass(frozen=True)
class AssetLine:
    balance: Balance
    value: Decimal | None  # in the quote currency (None: no price known for the coin)


@dataclass(frozen=True)
class BalanceView:
    quote: str
    assets: tuple[AssetLine, ...]  # the quote currency first, then by value
    equity: Decimal  # the quote's total plus the value of the coins held (spot)
    exposure: Exposure


@dataclass(frozen=True)
class PositionDetail:
    view: PositionView
    orders: tuple[PositionOrderRow, ...]


class Portfolio:
    def __init__(self, *, positions: PositionRepository, orders: PositionOrderRepository,
                 channels: ChannelRepository, tracker: PositionTracker,
                 exchange: Exchange) -> None:
        self._positions = positions
        self._orders = orders
        self._channels = channels
        self._tracker = tracker
        self._exchange = exchange

    async def page(self, page: int = 0, per_page: int = PER_PAGE) -> PositionsPage:
        """Active positions (waiting, open, partly closed), newest last, one page of them."""
        active = await self._positions.active()
        pages = max(1, -(-len(active) // per_page))
        page = min(max(page, 0), pages - 1)
        chosen = active[page * per_page:(page + 1) * per_page]
        views = await self._views(chosen)
        return PositionsPage(tuple(views), page, pages, len(active))

    async def detail(self, position_id: int) -> PositionDetail:
        position = await self._positions.get(position_id)
        if position is None:
            raise UserFacingError("There is no position #{id}. /positions lists them.",
                                  id=position_id)
        [view] = await self._views([position])
        return PositionDetail(view, tuple(await self._orders.for_position(position_id)))

    async def exposure(self) -> Exposure:
        active = await self._positions.active()
        prices = self._tracker.prices
        held = [p for p in active if p.status in HELD]
        unrealized = sum((unrealized_pnl(p.side, p.average_entry,
                                         t.last if (t := prices.get(p.symbol)) else None,
                                         p.remaining) for p in held), ZERO)
        at_risk = sum((abs(p.average_entry - p.stop_loss) * p.remaining for p in held
                       if p.average_entry is not None and p.stop_loss is not None
                       and (p.stop_loss < p.average_entry) == (p.side == "long")), ZERO)
        return Exposure(len(held), len(active) - len(held), unrealized,
                        sum((p.margin for p in active), ZERO), at_risk)

    async def balance(self, quote: str = "USDT") -> BalanceView:
        """The account's balances as the exchange reports them, each coin valued in `quote`
        at the latest price; raises UserFacingError when the exchange does not answer."""
        try:
            balances = await self._exchange.fetch_balance()
        except ExchangeError as exc:
            raise UserFacingError("The exchange did not answer ({why}). Try again in a "
                                  "minute; /status shows the exchange's state.",
                                  why=exc.reason[:200]) from None
        held = {c: b for c, b in balances.items() if b.total != 0 or c == quote}
        coins = {f"{c}/{quote}" for c in held if c != quote}
        prices = await self._prices(coins) if coins else {}
        lines = []
        for currency, balance in held.items():
            if currency == quote:
                value: Decimal | None = balance.total
            else:
                ticker = prices.get(f"{currency}/{quote}")
                value = balance.total * ticker.last if ticker else None
            lines.append(AssetLine(balance, value))
        lines.sort(key=lambda a: (a.balance.currency != quote, -(a.value or ZERO),
                                  a.balance.currency))
        equity = sum((a.value for a in lines if a.value is not None), ZERO)
        return BalanceView(quote, tuple(lines), equity, await self.exposure())

    async def _views(self, positions: list[PositionRow]) -> list[PositionView]:
        prices = await self._prices({p.symbol for p in positions
                                     if p.status in ("open", "partially_closed",
                                                     "waiting_entry")})
        names: dict[int, str] = {}
        views = []
        for p in positions:
            if p.channel_id not in names:
                names[p.channel_id] = channel_label(await self._channels.get(p.channel_id),
                                                    p.channel_id)
            ticker = prices.get(p.symbol)
            last = ticker.last if ticker else None
            held = p.remaining if p.status in ("open", "partially_closed") else Decimal(0)
            unrealized = unrealized_pnl(p.side, p.average_entry, last, held)
            net = p.net_pnl + unrealized
            views.append(PositionView(p, names[p.channel_id], last, unrealized, net,
                                      pnl_pct(net, p.margin)))
        return views

    async def _prices(self, symbols: set[str]) -> dict[str, Ticker]:
        known = self._tracker.prices
        missing = sorted(s for s in symbols if s not in known)
        if missing:
            try:
                known.update(await self._exchange.fetch_tickers(missing))
            except ExchangeError as exc:  # shown without prices rather than not at all
                logger.warning("prices for /positions unavailable: {}", exc.reason)
        return {s: known[s] for s in symbols if s in known}
