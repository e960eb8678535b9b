"""Management posts: updates and closes, through `parse_post`."""

from decimal import Decimal as D

import pytest

from services.parsing import (
    Noise,
    ParsedClose,
    ParsedUpdate,
    Side,
    UpdateAction,
    UpdateKind,
    parse_post,
)


def labels(result) -> list[str]:
    return [a.label() for a in result.actions]


def update(text: str) -> ParsedUpdate:
    result = parse_post(text)
    assert isinstance(result, ParsedUpdate), result
    return result


def close(text: str) -> ParsedClose:
    result = parse_post(text)
    assert isinstance(result, ParsedClose), result
    return result


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("#DOT/USDT Take-Profit target 2 ✅", 2),
        ("#SOLUSDT TP2 reached 🎯 Profit +45% (20x)", 2),
        ("Take profit 1 done ✅ #MATIC", 1),
        ("#ETH 3🎯", 3),
        ("#LIT - первая цель есть", 1),
        ("#ARB вторая цель взята", 2),
    ],
)
def test_target_hit(text, target):
    assert UpdateAction(UpdateKind.TP_HIT, target=target) in update(text).actions


def test_target_hit_symbol_is_read():
    assert update("#DOT/USDT Take-Profit target 2 ✅").symbol == "DOT/USDT"


def test_edited_signal_with_ticked_targets_is_an_update_not_a_new_trade():
    result = update(
        "#ETH/USDT\nTrade Type: Regular (SHORT)\nEntry Zone:\n2460- 2478\nTake-Profit Targets:\n"
        "1) 2430 - 20%✅\n2) 2409- 20%✅\n3) 2345 - 20%\nStop Targets:\n1) 2630 - 100.0%"
    )
    assert labels(result) == ["tp_hit:1", "tp_hit:2"]
    assert result.side is Side.SHORT


def test_every_listed_target_ticked_closes_the_trade():
    result = close("COIN: $INJ/USDT (3-5x)\nDirection: LONG\nTarget 1: 5.82✅\nTarget 2: 5.93✅")
    assert labels(result)[-1] == "all_targets_hit"


def test_every_target_ticked_but_stop_moved_keeps_the_trade():
    result = update(
        "COIN: $ETH/USDT\nShort Term Target 1: 1,880✅\nShort Term Target 2: 1,850✅\n"
        "profits taken and stops moved to entries."
    )
    assert "sl_to_breakeven" in labels(result)


def test_entry_filled():
    result = update(
        "Binance Futures\n#APE/USDT All entry targets achieved\nAverage Entry Price: 4.493"
    )
    assert labels(result) == ["entry_filled:all"]


@pytest.mark.parametrize(
    "text",
    [
        "Move SL to breakeven for all open trades",
        "Стоп на твх",
        "#ONDO - перевожу стоп в б/у.",
        "move SL on entry",
        "Scalpers can secure half and set BE",
        "stop to break-even",
    ],
)
def test_stop_to_break_even(text):
    assert UpdateAction(UpdateKind.SL_TO_BREAKEVEN) in update(text).actions


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("#XRP move stop loss to 0.52", D("0.52")),
        ("🛑 на 68.2", D("68.2")),
        ("Стоп по #NEAR переносим на 5.40", D("5.40")),
    ],
)
def test_stop_moved_to_a_price(text, price):
    assert UpdateAction(UpdateKind.MOVE_SL, price=price) in update(text).actions


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("Close 25% #ETHUSDT and move SL on entry", D(25)),
        ("#LIT - первая цель есть, зафиксировал 50% позиции", D(50)),
        ("Scalpers can secure half and set BE", D(50)),
        ("Book 50% profit on #DOT now", D(50)),
    ],
)
def test_partial_close(text, percent):
    assert UpdateAction(UpdateKind.CLOSE_PCT, percent=percent) in update(text).actions


def test_profit_percentage_is_not_a_partial_close():
    assert isinstance(parse_post("Closed #BNB manually at +3%"), ParsedClose)


def test_targets_changed():
    result = update("Sol Sl на твх\nЛимитка не актуальна не задели\nСледующие цели 75, 76.5")
    assert result.symbol == "SOL/USDT"
    assert UpdateAction(UpdateKind.MODIFY_TP, targets=(D(75), D("76.5"))) in result.actions
    assert UpdateAction(UpdateKind.CANCEL_PENDING) in result.actions
    assert UpdateAction(UpdateKind.SL_TO_BREAKEVEN) in result.actions


def test_new_stop_and_targets_without_symbol():
    result = update("🛑 на 68.2\n🎯 - 72.3, 73.7, 75")
    assert labels(result) == ["move_sl:68.2", "modify_tp"]
    assert result.actions[1].targets == (D("72.3"), D("73.7"), D(75))


@pytest.mark.parametrize(
    "text", ["Cancel the limit order for #ADA, price ran away", "Не задело , не актуально"]
)
def test_pending_entry_cancelled_is_an_update(text):
    assert UpdateAction(UpdateKind.CANCEL_PENDING) in update(text).actions


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("Cancel #BTCUSDT", "BTC/USDT"),
        ("#ADAUSDT signal cancelled", "ADA/USDT"),
        ("Сигнал по #NEAR отменен", "NEAR/USDT"),
    ],
)
def test_signal_cancelled_is_a_close(text, symbol):
    result = close(text)
    assert result.symbol == symbol
    assert labels(result) == ["cancel"]


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("Close algo", "ALGO/USDT"),
        ("close FTMUSDT", "FTM/USDT"),
        ("Stop DOGEUSDT\n\nby @CRR", "DOGE/USDT"),
        ("#ARB закрыл вручную", "ARB/USDT"),
        ("#NEAR закрываем по рынку", "NEAR/USDT"),
        ("#GENIUS - закрываю остаток у точки входа.", "GENIUS/USDT"),
    ],
)
def test_close_commands(text, symbol):
    assert close(text).symbol == symbol


@pytest.mark.parametrize(
    "text",
    [
        "Stop loss hit on #LINK",
        "#DOGE stopped out",
        "#BB - позиция закрыта по стоп-лоссу.",
        "#O - позицию выбило по стоп-лоссу. Сетап не отработал.",
        "Binance Futures\n#APE/USDT Closed at stoploss after reaching take profit",
    ],
)
def test_stop_loss_hit_is_a_close(text):
    assert labels(close(text)) == ["sl_hit"]


@pytest.mark.parametrize("text", ["Закрываю все Лонги", "Зарываю Лонги", "close all longs"])
def test_close_all_longs(text):
    result = close(text)
    assert (result.symbol, result.side) == (None, Side.LONG)


def test_multi_symbol_management_post():
    result = update(
        "🔄 Менеджмент позиций\n\n#APT - выбило по стоп-лоссу.\n"
        "#MET - фиксирую остаток по текущим, позиция в хорошем профите.\n"
        "#TIA - монета выглядит сильнее остального рынка, продолжаю удерживать."
    )
    assert result.symbol is None
    assert labels(result) == ["APT:sl_hit", "MET:close_remaining", "TIA:hold"]


def test_one_action_for_two_symbols_on_one_line():
    result = update("#ONDO и #PENDLE - перевожу стоп в б/у.\n#BB - продолжаю удерживать.")
    assert labels(result) == ["ONDO:sl_to_breakeven", "PENDLE:sl_to_breakeven", "BB:hold"]


def test_stop_moves_for_two_bare_symbols():
    assert labels(update("Sl btc - 64300\n\nSl Eth - 1730")) == [
        "BTC:move_sl:64300",
        "ETH:move_sl:1730",
    ]


def test_holding_only_is_commentary():
    result = parse_post("Сделки по #BB и #VIRTUAL продолжаю удерживать до обозначенных целей.")
    assert isinstance(result, Noise)


def test_long_text_without_a_coin_is_not_management():
    text = "Take 20% discount on VIP subscription this week only, write to the admin"
    assert isinstance(parse_post(text), Noise)
