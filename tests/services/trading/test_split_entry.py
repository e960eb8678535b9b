"""An entry zone split across several limits (`entry.zone_mode` = split): the prices and
shares as pure functions, then the position's life over the real paper exchange — parts
resting, filling one by one (the position grows, its stop and take-profits are resized),
the rest expiring or cancelled, a part filling after the position closed, a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from services.trading.engine_events import (
    EntryAdded,
    EntryPlaced,
    EntryRestExpired,
    PositionClosed,
    PositionOpened,
    TargetHit,
)
from services.trading.orders import EntryOrder, entry_order, entry_parts, split_prices
from services.trading.pnl import average_after_adding, leg_pnl
from services.trading.port import Market, MarketKind, OrderType
from tests.services.trading.test_engine_support import (
    ADMIN,
    BTC_PERP,
    D,
    EngineHarness,
    engine_harness,
)

BTC = Market(symbol="BTC/USDT:USDT", base="BTC", quote="USDT", kind=MarketKind.FUTURES,
             amount_step=D("0.001"), price_step=D("0.1"), min_amount=D("0.001"),
             min_notional=D("100"), max_leverage=125)


# ---- prices and shares -------------------------------------------------------------------------
def test_a_two_price_zone_is_split_evenly_from_the_edge_that_fills_first() -> None:
    zone = (D("93000"), D("94000"))
    assert split_prices(BTC, "long", zone, 3) == (D("94000"), D("93500"), D("93000"))
    assert split_prices(BTC, "short", zone, 3) == (D("93000"), D("93500"), D("94000"))
    assert split_prices(BTC, "long", zone, 4) == (
        D("94000"), D("93666.6"), D("93333.3"), D("93000"))  # on the tick, never above


def test_a_channel_listing_three_or_more_prices_gets_one_order_each() -> None:
    prices = (D("95"), D("93"), D("94"), D("92"))
    market = Market(symbol="SOL/USDT:USDT", base="SOL", quote="USDT", kind=MarketKind.FUTURES,
                    amount_step=D("0.01"), price_step=D("0.01"), min_amount=D("0.01"),
                    min_notional=D("5"), max_leverage=50)
    assert split_prices(market, "long", prices, 2) == (D("95"), D("94"), D("93"), D("92"))


def test_the_shares_are_equal_and_sum_to_the_amount() -> None:
    entry = entry_order(BTC, "long", "zone", (D("93000"), D("94000")), D("95000"), "split", 3)
    assert (entry.type, entry.price, entry.prices) == (
        OrderType.LIMIT, D("94000"), (D("94000"), D("93500"), D("93000")))
    assert entry.reference == D("93500")  # sized at the average of the parts
    parts = entry_parts(BTC, entry, D("0.010"))
    assert [(p.price, p.amount) for p in parts] == [
        (D("94000"), D("0.003")), (D("93500"), D("0.003")), (D("93000"), D("0.004"))]


def test_fewer_parts_when_a_share_would_be_below_the_minimum_keeping_both_edges() -> None:
    entry = entry_order(BTC, "long", "zone", (D("93000"), D("94000")), D("95000"), "split", 5)
    prices = entry.prices
    assert len(prices) == 5
    parts = entry_parts(BTC, entry, D("0.006"))  # 5 or 4 shares: below 0.002 (100 USDT)
    assert [p.price for p in parts] == [prices[0], prices[2], prices[4]]
    assert [p.amount for p in parts] == [D("0.002")] * 3
    assert [p.price for p in entry_parts(BTC, entry, D("0.003"))] == [D("94000")]
    with pytest.raises(ValueError, match="minimum"):
        entry_parts(BTC, entry, D("0.001"))  # one order of 94 USDT: below 100 USDT


def test_edge_and_middle_modes_are_one_order() -> None:
    for mode in ("edge", "middle"):
        entry = entry_order(BTC, "long", "zone", (D("93000"), D("94000")), D("95000"), mode)
        assert not entry.split
        assert len(entry_parts(BTC, entry, D("0.010"))) == 1
    single = EntryOrder(OrderType.MARKET, None, D("95000"))
    assert entry_parts(BTC, single, D("0.010"))[0].amount == D("0.010")


def test_closing_everything_at_the_new_average_realises_each_part() -> None:
    # Held 0.003 at 94000, 0.003 more at 93500; all sold at 95000.
    average = average_after_adding(D("94000"), D("0.003"), D("93500"), D("0.003"))
    assert average == D("93750")
    assert leg_pnl("long", average, D("95000"), D("0.006")) == (
        leg_pnl("long", D("94000"), D("95000"), D("0.003"))
        + leg_pnl("long", D("93500"), D("95000"), D("0.003")))
    assert average_after_adding(None, D(0), D("93000"), D("0.004")) == D("93000")


# ---- the position's life ----------------------------------------------------------------------
@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[EngineHarness]:
    async with engine_harness(tmp_path) as harness:
        await harness.set("entry.zone_mode", "split")
        yield harness


async def rest_split(h: EngineHarness) -> int:
    """A long zone 93000–94000 with the price above it: three limits rest (0.010 BTC)."""
    h.paper.fake.set_price("BTC/USDT", "95000")
    waiting = await h.engine.on_signal(await h.signal(entries=("93000", "94000")))
    assert waiting.status == "waiting_entry"
    return waiting.id


async def on_book(h: EngineHarness) -> dict[str, Decimal]:
    return {o.client_id or "": o.amount for o in await h.exchange.fetch_open_orders(BTC_PERP)}


async def test_parts_rest_then_fill_one_by_one_and_the_exits_follow(h: EngineHarness) -> None:
    pid = await rest_split(h)
    [placed] = h.of(EntryPlaced)
    assert placed.parts == 3
    legs = await h.legs(pid)
    assert [(legs[f"entry{n}"].price, legs[f"entry{n}"].amount) for n in (1, 2, 3)] == [
        (D("94000"), D("0.003")), (D("93500"), D("0.003")), (D("93000"), D("0.004"))]
    assert await on_book(h) == {"sd-1-entry1": D("0.003"), "sd-1-entry2": D("0.003"),
                                "sd-1-entry3": D("0.004")}

    await h.move("93900")  # the first part fills: the position opens with it
    position = await h.position(pid)
    assert (position.status, position.filled_amount, position.average_entry) == (
        "open", D("0.003"), D("94000"))
    assert len(h.of(PositionOpened)) == 1
    book = await on_book(h)
    assert book["sd-1-sl"] == D("0.003")
    assert sum(book[f"sd-1-tp{n}"] for n in (1, 2, 3)) == D("0.003")

    await h.move("93400")  # the second: the position grows, stop and ladder resized
    position = await h.position(pid)
    assert (position.status, position.filled_amount, position.average_entry) == (
        "open", D("0.006"), D("93750"))
    [added] = h.of(EntryAdded)
    assert (added.filled, added.parts, added.position.filled_amount) == (2, 3, D("0.006"))
    book = await on_book(h)
    assert set(book) == {"sd-1-entry3", "sd-1-sl1", "sd-1-tp1r1", "sd-1-tp2r1", "sd-1-tp3r1"}
    assert book["sd-1-sl1"] == D("0.006")
    assert [book[f"sd-1-tp{n}r1"] for n in (1, 2, 3)] == [D("0.002")] * 3
    legs = await h.legs(pid)
    assert {legs[leg].state for leg in ("sl", "tp1", "tp2", "tp3")} == {"canceled"}

    await h.move("96100")  # TP1 (its revision) hits: the number is the list's
    [hit] = h.of(TargetHit)
    assert (hit.number, hit.amount) == (1, D("0.002"))
    position = await h.position(pid)
    assert position.realized_pnl == leg_pnl("long", D("93750"), hit.price, D("0.002"))

    for price in ("97100", "98100"):
        await h.move(price)
    position = await h.position(pid)
    assert (position.status, position.reason, position.remaining) == ("closed", "tp", D(0))
    assert (await h.legs(pid))["entry3"].state == "canceled"  # never filled, cancelled
    assert await on_book(h) == {}
    assert await h.exchange.fetch_positions([BTC_PERP]) == []


async def test_a_zone_around_the_price_opens_at_once_with_the_rest_resting(
        h: EngineHarness) -> None:
    h.paper.fake.set_price("BTC/USDT", "93700")
    position = await h.engine.on_signal(await h.signal(entries=("93000", "94000")))
    assert (position.status, position.filled_amount) == ("open", D("0.003"))
    assert h.of(EntryPlaced) == []
    assert {"sd-1-entry2", "sd-1-entry3", "sd-1-sl"} <= set(await on_book(h))


async def test_the_rest_expires_and_the_position_keeps_what_filled(h: EngineHarness) -> None:
    await h.set("entry.expiry_min", "30")
    pid = await rest_split(h)
    await h.move("93900")
    h.paper.clock.advance(31 * 60)
    await h.move("93950")

    [expired] = h.of(EntryRestExpired)
    assert (expired.position.id, expired.cancelled) == (pid, 2)
    position = await h.position(pid)
    assert (position.status, position.filled_amount) == ("open", D("0.003"))
    assert not any(c.startswith("sd-1-entry") for c in await on_book(h))
    await h.move("93960")
    assert len(h.of(EntryRestExpired)) == 1  # told once


async def test_a_split_entry_nothing_filled_of_expires_whole(h: EngineHarness) -> None:
    await h.set("entry.expiry_min", "30")
    pid = await rest_split(h)
    h.paper.clock.advance(31 * 60)
    await h.move("95100")
    position = await h.position(pid)
    assert (position.status, position.reason) == ("closed", "expired")
    assert len(h.of(PositionClosed)) == 1
    assert await on_book(h) == {}


async def test_closing_by_hand_cancels_the_parts_still_resting(h: EngineHarness) -> None:
    pid = await rest_split(h)
    await h.move("93900")
    result = await h.engine.closer.close(pid, actor_id=ADMIN)
    assert result.closed
    position = await h.position(pid)
    assert (position.status, position.reason, position.remaining) == ("closed", "manual", D(0))
    assert await on_book(h) == {}
    assert await h.exchange.fetch_positions([BTC_PERP]) == []


async def test_a_gap_through_the_zone_and_the_stop_leaves_nothing_held(
        h: EngineHarness) -> None:
    """The price falls through the other parts and the stop in one tick: whatever order
    the fills are applied in, the position ends closed and the account flat."""
    pid = await rest_split(h)
    await h.move("93900")
    await h.move("92000")
    await h.move("92000")

    position = await h.position(pid)
    assert (position.status, position.remaining) == ("closed", D(0))
    assert position.filled_amount == D("0.010")
    assert await h.exchange.fetch_positions([BTC_PERP]) == []
    assert await on_book(h) == {}
    assert position.realized_pnl < 0


async def test_a_restart_with_parts_resting_keeps_following_them(h: EngineHarness) -> None:
    pid = await rest_split(h)
    await h.move("93900")
    await h.restart()
    await h.engine.resume_in_flight()
    await h.move("93400")
    position = await h.position(pid)
    assert (position.filled_amount, position.average_entry) == (D("0.006"), D("93750"))
    assert (await on_book(h))["sd-1-sl1"] == D("0.006")


async def test_the_ladder_keeps_the_weights_it_opened_with(h: EngineHarness) -> None:
    """`exits.tp_weights` applies to positions opened after the change: a part filling
    later resizes the ladder with the weights the position opened with."""
    await h.set("exits.tp_weights", "50,30,20")
    pid = await rest_split(h)
    await h.move("93900")
    assert (await h.position(pid)).tp_weights == (D(50), D(30), D(20))
    await h.set("exits.tp_weights", "equal")
    await h.move("93400")
    book = await on_book(h)
    # 0.006 at 50:30:20 on the 0.001 lot (0.003 held before had room for TP1 and TP2 only,
    # so TP3's order is its first: no revision)
    assert [book[leg] for leg in ("sd-1-tp1r1", "sd-1-tp2r1", "sd-1-tp3")] == [
        D("0.003"), D("0.001"), D("0.002")]
