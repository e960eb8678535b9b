"""Which exchange the engine trades on: the paper account (fills against the exchange's
public prices) or, in live mode, the keyed ccxt client — both behind the resilient layer
(retries, circuit breaker, its changes published as events)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.settings import Settings
from services.clock import Clock
from services.trading.breaker import CircuitReporter
from services.trading.paper import PaperAccount, PaperExchange
from services.trading.resilient import ResilientExchange, RetryPolicy
from services.trading.tracker import OrderFeed, PaperOrderFeed
from storage.database import Database
from storage.paper import PaperRepository

if TYPE_CHECKING:  # ccxt is imported once the configuration is known sound
    from services.trading.ccxt_exchange import CcxtExchange
    from services.trading.ccxt_market_data import CcxtMarketData


@dataclass(frozen=True)
class TradingExchange:
    exchange: ResilientExchange
    live: CcxtExchange | None  # the keyed client in live mode (its preflight, its close)
    feed: OrderFeed | None  # how fills are seen; None: the exchange's open-orders book
    paper_account: Callable[[], Awaitable[PaperAccount]] | None  # paper: opened when, with


def trading_exchange(settings: Settings, *, market_data: CcxtMarketData, db: Database,
                     clock: Clock, publish: Callable[[Any], Awaitable[None]]) -> TradingExchange:
    reporter = CircuitReporter(publish)
    if settings.trading.mode == "live":
        from services.trading.ccxt_exchange import CcxtExchange

        live = CcxtExchange.from_settings(settings.exchange, clock=clock)
        return TradingExchange(ResilientExchange(live, clock=clock, on_change=reporter),
                               live, None, None)
    paper = PaperExchange(prices=market_data, db=db, repo=PaperRepository(db), clock=clock,
                          kind=market_data.kind)
    exchange = ResilientExchange(paper, retry=RetryPolicy(order_settle_s=0), clock=clock,
                                 on_change=reporter)
    return TradingExchange(exchange, None, PaperOrderFeed(paper.on_prices), paper.account)
