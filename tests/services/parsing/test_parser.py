"""The decision order of `parse_post`, and channel styles the corpus does not have."""

import pytest

from services.parsing import Noise, ParsedSignal, not_understood_reason, parse_post

# Written for this test in the styles of channels that are not in the corpus.
UNSEEN_STYLES = [
    ("open", "$DOGE Short\nEntry: 0.1620\nTargets: 0.1580 / 0.1540 / 0.1490\nSL: 0.1675\nLev 10x"),
    ("open", "🔴 SHORT #ETH\nТочка входа: 3450\nТейк-профит: 3380 / 3300\nСтоп-лосс: 3520"),
    ("open", "#TON\nПокупка: 5.20-5.30\nЦели: 5.6 / 5.9\nСтоп: 4.95"),
    ("open", "#BTCUSDT LONG Targets: 1) 61000 2) 62000 3) 63000 Entry: 60000 Stop: 59000"),
    ("open", "1000SHIBUSDT long\nEntry: 0.02345 - 0.02300\nTP: 0.0240, 0.0248\nSL: 0.0225"),
    ("open", "Buy #LINK at market, TP 15/16/17, SL 13"),
    ("open", "ETH long 3200 tp 3300 sl 3150"),
    ("open", "Scalp idea: #DOGE long above 0.12, targets 0.125 / 0.13, invalidation 0.115"),
    ("open", "Entry: 1.25$ Targets: 1.30$, 1.35$ Stop: 1.20$ #APT"),
    ("open", "⚡️SIGNAL⚡️\nCoin: #ATOM\nSide: BUY\nEntry: 8.45\nTP: 8.70 | 8.95 | 9.30\nSL: 8.10"),
    ("open", "SHORT BTC-PERP\nEntry 67,250\nTP 66,500 / 65,800\nSL 68,100"),
    ("open", "#WLD\nOpen LONG"),
    ("update", "TP1 ✅ SL moved to entry"),
    ("update", "#ARB первый тейк взят, стоп в безубыток"),
    ("update", "#SUI TP3 hit, close 50% and move SL to TP1"),
    ("update", "#DOGE entry filled ✅"),
    ("close", "All targets achieved on #FTM 🚀🚀 +120%"),
    ("close", "Closing #ETH here, +45% profit"),
    (
        "close",
        "#BTC LONG\nEntry: 60000\nTP1: 61000\nTP2: 62000\nSL: 59000\n\nResult: all targets hit",
    ),
    ("close", "Recap: LONG #BTC Entry 60000 TP 61000 SL 59000 - closed in profit"),
    ("noise", "BTC is looking strong, might go long above 70000 if it breaks resistance"),
    ("noise", "#BTC is looking strong, might go long above 70000 if it breaks resistance"),
    ("noise", "#SOL long setup: waiting for a retest of 140 before entering. Targets 160, 180."),
    ("noise", "Our VIP members took 500% profit this week! Join now: t.me/vipchannel"),
    ("noise", "New listing: #XYZ on Binance, trading starts at 10:00 UTC"),
    ("noise", "#BTC long liquidations hit $500M in the last hour"),
    ("noise", "Binance will list #PEPE. Long term bullish. Targets 2x-5x"),
    ("noise", "Get 3 FREE #BTC signals! Entry, targets and stop loss included. Win rate 85%"),
    ("noise", "⚠️ Reminder: always use stop loss! Risk max 2% per trade."),
    ("noise", "Open long positions only above 70000 on #BTC, otherwise wait"),
    ("noise", "Time to open long on #BTC?"),
    ("noise", "Weekly results: #BTC +12%, #ETH +8%, #SOL -3%. Total profit 17%"),
    ("noise", "Good morning traders ☀️ BTC holding 64k, ETH 3.1k. Have a great day!"),
    ("noise", "Market update: BTC long/short ratio 1.2, funding 0.01%"),
    ("noise", "BTC 65000 long"),
    ("noise", "Targets for #BTC: 70000, 75000"),
    ("noise", "✅ #BTC +15%\n✅ #ETH +10%\n❌ #SOL -5%"),
    ("noise", "🔥 Бесплатный сигнал в VIP канале! Вход, цели и стоп — по ссылке"),
    ("open", "Long #BTC now! Entry 60000, TP 62000, SL 59000"),
    ("open", "XRPUSDT LONG Entry 0.52 TP 0.55 0.58 SL 0.50 Lev 20x"),
    (
        "open",
        "#XRP LONG\nEntry: 0.52 (market)\nTarget 1 - 0.55\nTake Profit 2: 0.58\nSL: 0.50 (-4%)",
    ),
    ("open", "#BTC SHORT\nEntry: 27400-27500\nTargets: 27k, 26.5k, 26k\nStop: 28.2k"),
    ("open", "#BTC ЛОНГ\nВход: 60000-59500\nЦель 1: 61000\nЦель 2: 62000\nСтоп: 58500"),
    ("open", "Монета: SOL\nПозиция: Лонг\nТочка входа: 140\nТейк: 150\nСтоп-лосс: 135"),
    ("open", "Покупаем #DOGE по рынку, цели 0.13/0.14, стоп 0.11"),
    # Cornix bot notifications, common in channels that relay its messages
    (
        "update",
        "Binance Futures\n#BTC/USDT Take-Profit target 1 ✅\nProfit: 5.2%\nPeriod: 10 Minutes",
    ),
    ("update", "#BTC/USDT Entry target 1 ✅\nAverage Entry Price: 0.5"),
    ("close", "#BTC/USDT All take-profit targets achieved 😎\nProfit: 180.5%\nPeriod: 2 days"),
    ("close", "#BTC/USDT Closed at trailing stoploss after reaching take profit ⚠️"),
    ("close", "#BTC/USDT Stop Target Hit ⛔\nLoss: 25%"),
    ("update", "#ETHUSDT\nLONG ✅\nEntry: 3000 ✅\nTP1: 3100 ✅\nTP2: 3200\nSL: 2900"),
    ("update", "BTC LONG 🚀\nEntry 60000 reached ✅"),
    ("update", "#SOL тейк 1 ✅"),
    ("update", "#SOL стоп переставил в безубыток"),
    ("update", "#SOL закрыл половину"),
    ("close", "По #SOL сработал стоп"),
]


@pytest.mark.parametrize(("kind", "text"), UNSEEN_STYLES)
def test_unseen_channel_styles(kind, text):
    assert parse_post(text).kind == kind


def test_unseen_styles_never_open_a_trade_that_is_not_a_signal():
    opened = [t for k, t in UNSEEN_STYLES if k != "open" and parse_post(t).kind == "open"]
    assert opened == []


def test_signal_restated_with_its_result_is_not_a_new_trade():
    text = "#BTC/USDT LONG\nEntry: 60000\nTP1: 61000 (+16%)\nTP2: 62000\nSL: 59000\nProfit: 16%"
    assert not isinstance(parse_post(text), ParsedSignal)


def test_a_destination_after_the_side_word_is_not_an_entry():
    result = parse_post("#BTC scalp: if we lose 60000, short to 58000, stop 61000")
    assert not isinstance(result, ParsedSignal)


def test_management_advice_inside_a_signal_keeps_it_a_signal():
    text = (
        "Long #IOSTUSDT\nEntry Zone: 0.0280-0.0295\nTargets: 0.031-0.034\nLeverage - 3x\n"
        "Close: You may keep closing 10-15% of your open positions at each target.\n"
        "Overall stoploss at 0.025. You may move position stop-loss to trade entry price\n"
        "Current rate - 0.0292"
    )
    result = parse_post(text)
    assert isinstance(result, ParsedSignal)
    assert str(result.stop_loss) == "0.025"
    assert [str(e) for e in result.entries] == ["0.0280", "0.0295"]


def test_conditional_target_hit_inside_a_signal_is_advice():
    text = (
        "#BTC LONG\nEntry: 60000\nTP1: 61000\nTP2: 62000\nSL: 59000\nAfter TP1 hit move SL to entry"
    )
    assert isinstance(parse_post(text), ParsedSignal)


def test_market_review_with_levels_is_noise():
    text = "#BTC обзор\nБиткоин торгуется над 62 000$. Цель 64 250$.\nОстаток по #LIT ушел в б/у."
    assert parse_post(text) == Noise("market review")


def test_indicator_alert_without_levels_is_plain_noise():
    result = parse_post(
        "#BTCUSDT #StrongSignal\nTicker: BTCUSDT, 5 min\nTREND Reversal 63% RSI: 67\n"
        "Buying's risky – potential SHORT\nLast price: 67847.16"
    )
    assert isinstance(result, Noise)
    assert not result.looks_like_signal
    assert not_understood_reason(result) is None


def test_signal_shaped_post_without_entry_is_reported_as_not_understood():
    result = parse_post("#BTC LONG\nTargets: 70000, 72000")
    assert isinstance(result, Noise)
    assert result.looks_like_signal
    assert not_understood_reason(result) == "BTC/USDT: no entry price"


def test_empty_and_whitespace_posts_are_noise():
    assert parse_post("") == Noise("empty post")
    assert parse_post(" \u200b\n\ufeff ") == Noise("empty post")


def test_photo_placeholder_and_emoji_only_posts_are_noise():
    assert isinstance(parse_post("[ Photo ]"), Noise)
    assert isinstance(parse_post("🚀🚀🚀"), Noise)


def test_parse_is_pure_and_repeatable():
    text = "BTCUSDT LONG 36705-36200\nTarget 37000-37400\nStop 35680"
    assert parse_post(text) == parse_post(text)
