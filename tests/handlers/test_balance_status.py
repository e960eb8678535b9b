"""/balance and the trading figures of /status through the real app and the fake Bot API:
paper futures with a position open, spot coins valued in USDT, live with the exchange
refusing (one clear line, no traceback), and /status answering without the exchange."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.app import Application
from bot.settings import Settings
from tests.bot.test_spot_mode import spot
from tests.conftest import ADMIN, STRANGER, VIEWER, say
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.exchange import FakeExchange
from tests.handlers.test_positions import BTC, ETH_WAITING, follow_auto, post_signal


async def test_balance_and_status_with_a_position_open(app: Application,
                                                       telegram: FakeBotAPI) -> None:
    before = (await say(telegram, VIEWER, "/balance")).text
    assert before.splitlines()[0] == "<b>Balance</b> (paper)"
    assert "<b>USDT</b>: 10 000.00 · free 10 000.00 · in use 0.00" in before
    assert "Equity: <b>10 000.00 USDT</b>" in before
    assert "Positions:" not in before

    await follow_auto(app, telegram)
    assert "Opened" in (await post_signal(telegram, BTC, 1)).text
    assert "waiting for the price" in (await post_signal(telegram, ETH_WAITING, 2)).text
    text = (await say(telegram, ADMIN, "/balance")).text
    usdt = re.search(r"<b>USDT</b>: ([\d ]+\.\d\d) · free ([\d ]+\.\d\d) · in use "
                     r"([\d ]+\.\d\d)", text)
    assert usdt is not None
    total, free, used = (float(g.replace(" ", "")) for g in usdt.groups())
    assert used > 0 and abs(total - free - used) < 0.02  # margin and the waiting order
    assert "Positions: 1 open (" in text and "USDT unrealised), 1 waiting" in text

    await app.engine.tracker.tick()  # prices and the first equity snapshot
    status = (await say(telegram, VIEWER, "/status")).text
    assert "Exchange circuit: ✅ closed (orders go through)" in status
    assert "Positions: 1 open, 1 waiting" in status
    assert re.search(r"Today: 0\.00 USDT closed, [+−]?[\d ]+\.\d\d USDT open", status)
    assert re.search(r"Equity: [\d ]+\.\d\d USDT \(at \d{4}-\d\d-\d\d \d\d:\d\d UTC\)", status)


async def test_spot_coins_are_listed_with_their_value(
        make_settings: Callable[..., Settings], exchange: FakeExchange, telegram: FakeBotAPI,
        start_app: Callable[[Settings], Awaitable[Application]]) -> None:
    app = await start_app(spot(make_settings, exchange, live=False))
    await follow_auto(app, telegram)
    assert "Opened" in (await post_signal(telegram, BTC, 1)).text
    text = (await say(telegram, ADMIN, "/balance")).text
    lines = text.splitlines()
    assert lines[1].startswith("<b>USDT</b>: ")  # the quote first
    btc = next(line for line in lines if line.startswith("<b>BTC</b>: "))
    assert re.match(r"<b>BTC</b>: 0\.\d+ \(≈ [\d ]+\.\d\d USDT\) · free 0\.\d+$", btc), btc
    assert "Equity: <b>" in text


async def test_live_balance_when_the_exchange_refuses(
        make_settings: Callable[..., Settings], exchange: FakeExchange, telegram: FakeBotAPI,
        start_app: Callable[[Settings], Awaitable[Application]]) -> None:
    from tests.bot.test_live_mode import fund_live_account, live, started_live

    fund_live_account(exchange)
    app = await start_app(live(make_settings))
    assert app.live is not None
    await started_live(telegram, app)
    shown = (await say(telegram, ADMIN, "/balance")).text
    assert "<b>Balance</b> (live)" in shown and "<b>USDT</b>: 1 000.00" in shown

    for path in ("/fapi/v3/account", "/fapi/v2/account", "/fapi/v2/balance",
                 "/fapi/v3/balance"):
        exchange.fail_next(path, status=401, code=-2015, times=5,
                           msg="Invalid API-key, IP, or permissions for action.")
    refused = (await say(telegram, ADMIN, "/balance")).text
    assert refused.startswith("The exchange did not answer (")
    assert "Try again in a minute; /status shows the exchange's state." in refused
    assert "Traceback" not in refused
    status = (await say(telegram, ADMIN, "/status")).text  # needs no exchange request
    assert "Positions: 0 open, 0 waiting" in status


async def test_strangers_get_no_balance(app: Application, telegram: FakeBotAPI) -> None:
    answer = (await say(telegram, STRANGER, "/balance")).text
    assert "USDT" not in answer
