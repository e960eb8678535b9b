"""Channel styles the held-out corpora (corpora/) showed the parser missing: management
posts (updates, closes) and talk that must not be read as one. One rule each, with the near
misses each rule must leave alone. (New trades: test_channel_styles_signals.py.)"""

from decimal import Decimal

import pytest

from services.parsing import Noise, ParsedClose, ParsedSignal, ParsedUpdate, parse_post
from tests.services.parsing.styles import labels, prices, signal_of


def test_spanish_and_portugueselabels():
    es = signal_of(
        "🚨 SEÑAL #XRP/USDT\nDirección: CORTO\nEntrada: 0.6240\n"
        "Objetivos: 0.6150 - 0.6060 - 0.5920\nStop Loss: 0.6330\nApalancamiento: 10x"
    )
    assert (prices(es.entries), es.side.value, es.leverage) == (["0.6240"], "short", 10)
    assert prices(es.targets) == ["0.6150", "0.6060", "0.5920"]
    pt = signal_of(
        "Moeda: #ADAUSDT\nOperação: COMPRA (Long)\nEntrada: 0.3850 a 0.3920\n"
        "Alvos: 0.4010 / 0.4100\nStop: 0.3740\nAlavancagem: 5x"
    )
    assert (prices(pt.entries), prices(pt.targets), pt.leverage) == (
        ["0.3850", "0.3920"],
        ["0.4010", "0.4100"],
        5,
    )


def test_a_copy_listing_only_a_later_target_has_not_hit_them_all():
    result = parse_post(
        "#AVAX Short Term Target 2 ✅ 36.90 reached\nProfit so far: 48.6% (with 5x)"
    )
    assert isinstance(result, ParsedUpdate)
    assert labels(result) == ["tp_hit:2"]


def test_a_numbered_target_hit_with_words_between():
    result = parse_post("Тейк 2 по #LDO взят ✅ Остаток держим, стоп переставляем на 1,90")
    assert isinstance(result, ParsedUpdate)
    assert labels(result) == ["tp_hit:2", "move_sl:1.90"]


def test_spanish_portuguese_and_turkish_updates():
    es = parse_post("#XRP/USDT Objetivo 2 alcanzado ✅\nMover stop a 0.6150")
    assert (es.symbol, labels(es)) == ("XRP/USDT", ["tp_hit:2", "move_sl:0.6150"])
    tr = parse_post("#SOLUSDT 1. hedef geldi ✅ Stopu girişe çekin.")
    assert labels(tr) == ["tp_hit:1", "sl_to_breakeven"]
    pt = parse_post("#ADAUSDT fechado no stop ❌ Seguimos para a próxima.")
    assert isinstance(pt, ParsedClose) and labels(pt) == ["sl_hit"]
    cancelled = parse_post("#ADA/USDT Señal cancelada ❌\nNo se alcanzó la zona de entrada.")
    assert isinstance(cancelled, ParsedClose) and labels(cancelled) == ["cancel"]


@pytest.mark.parametrize(
    "text",
    [
        "#APT second entry (8.80) cancelled, price ran away. Trade stays open with entry 1 only.",
        "#AVAX - усреднение на 38.10 отменяем, шорт держим. Стоп прежний.",
    ],
)
def test_a_cancelled_pending_order_named_first_keeps_the_trade(text):
    result = parse_post(text)
    assert isinstance(result, ParsedUpdate)
    assert "cancel_pending_entry" in labels(result)


def test_an_advert_recalling_an_old_trade_is_noise_but_news_of_an_old_signal_is_not():
    advert = (
        "Throwback 📅 Remember our #ETH long from 2,950 last month? All 4 targets "
        "(3,020 / 3,100 / 3,180 / 3,260) were hit within 9 days. Join VIP 👉 @join_vip"
    )
    assert isinstance(parse_post(advert), Noise)
    update = parse_post("#ETH (our call from last week): TP2 hit ✅")
    assert isinstance(update, ParsedUpdate) and labels(update) == ["tp_hit:2"]


def test_a_close_inside_the_stop_condition_is_not_a_close():
    text = "#MATIC LONG\nEntry 0.68 - 0.70\nTarget: 0.74, 0.79\nSL: close daily below 0.64"
    assert signal_of(text).stop_loss == Decimal("0.64")
    assert isinstance(parse_post("#MATIC close now"), ParsedClose)


def test_a_heading_before_the_one_coin_named_applies_to_that_coin():
    result = parse_post(
        "Copy Trade Closed\nSymbol: BTCUSDT Perpetual\nSide: Sell\nClose Price: 66,120.0\n"
        "Realized PnL: +41.6%"
    )
    assert isinstance(result, ParsedClose)
    assert (result.symbol, result.side) == ("BTC/USDT", "short")


def test_close_all_positions_is_a_command_however_long_the_post():
    result = parse_post(
        "🚨 Close all open positions NOW. BTC lost the 64k support, we step aside until "
        "things calm down."
    )
    assert isinstance(result, ParsedClose) and result.symbol is None


def test_pronouns_and_fillers_next_to_a_side_word_are_no_coins():
    lesson = (
        "Lesson of the day: how to place a stop.\nIf you long at 100 with a target at 110, "
        "put your SL around 95 - that's 2:1 reward to risk."
    )
    assert not isinstance(parse_post(lesson), ParsedSignal)
    result = parse_post("Manually closing #ORDI short here at 37.20 to lock +6%.")
    assert isinstance(result, ParsedClose) and result.symbol == "ORDI/USDT"


def test_a_copy_trading_card_fill_price_and_a_username_with_digits():
    signal = signal_of(
        "Copy Trading | Binance Futures\nLead trader: WhaleHunter_88\nOPEN LONG\n"
        "Pair: SOLUSDT Perpetual\nMargin mode: Cross 20x\nAvg. entry price: 142.37\n"
        "Size: 35.2 SOL\nTP: 148.90\nSL: 138.10"
    )
    assert (prices(signal.entries), signal.leverage) == (["142.37"], 20)
    notice = parse_post("#BTC/USDT Entry target 1 ✅\nAverage Entry Price: 0.5")
    assert isinstance(notice, ParsedUpdate) and labels(notice) == ["entry_filled:1"]


def test_a_results_copy_that_moves_the_stop_or_lists_new_targets_keeps_the_trade():
    arb = parse_post(
        "Signal #1482 (ARB/USDT SHORT) update — 14.06 16:20 UTC\nTP1 1.0310 ✅\n"
        "SL moved to 1.0600, trade is almost risk-free now"
    )
    assert isinstance(arb, ParsedUpdate) and labels(arb) == ["tp_hit:1", "move_sl:1.0600"]
    sol = parse_post(
        "$SOL long — TP4 166 ✅\nKeeping 25% as a runner: new targets 171 / 178 / 185, "
        "SL raised to 158."
    )
    assert isinstance(sol, ParsedUpdate)
    assert labels(sol) == ["tp_hit:4", "move_sl:158", "modify_tp"]
    assert prices(sol.actions[2].targets) == ["171", "178", "185"]


def test_cancels_invalidations_and_candle_closes():
    doge = parse_post("DOGE: cancel the 2nd limit entry (0.1585), price left the zone.")
    assert isinstance(doge, ParsedUpdate) and doge.symbol == "DOGE/USDT"
    assert labels(doge) == ["cancel_pending_entry"]
    wif = parse_post("⚠️ #WIFUSDT — Signal invalidated, do not enter.")
    assert isinstance(wif, ParsedClose) and "cancel" in labels(wif)
    alert = parse_post(
        "⚠️ Alert: #DOGE approaching a key zone on the 1H.\nDo NOT enter yet — wait for "
        "candle close confirmation."
    )
    assert isinstance(alert, Noise)


def test_revised_targets_a_stop_pulled_under_a_price_and_a_whole_position_fixed():
    bnb = parse_post("#BNB: цели пересмотрены ➡️ 598 / 612 / 630. Стоп подтягиваем под 570.")
    assert isinstance(bnb, ParsedUpdate) and labels(bnb) == ["move_sl:570", "modify_tp"]
    assert prices(bnb.actions[1].targets) == ["598", "612", "630"]
    ena = parse_post("#ENA фиксирую всю позицию по текущим в +4%, рынок слабый.")
    assert isinstance(ena, ParsedClose) and labels(ena) == ["close_all"]


def test_words_around_a_side_word_are_no_coins():
    kas = signal_of(
        "🚀 SEÑAL LONG #KAS\nEntrada: 0,1585 - 0,1610\nObjetivos: 0,1650\nStop loss: 0,1530"
    )
    assert kas.symbol == "KAS/USDT"
    eth = parse_post("Closing the #ETH long manually here at 3,455 — momentum is gone.")
    assert isinstance(eth, ParsedClose) and eth.symbol == "ETH/USDT"


def test_more_management_wording():
    aave = parse_post("Update #AAVE 🔁 adjusting targets → 178 / 186 / 199. SL unchanged.")
    assert isinstance(aave, ParsedUpdate) and labels(aave) == ["modify_tp"]
    link = parse_post("#LINK: второй ордер на покупку (14,10) снимаем — уже не актуален.")
    assert isinstance(link, ParsedUpdate) and labels(link) == ["cancel_pending_entry"]
    jup = parse_post("#JUP добор по 0,995 исполнен, средняя цена входа 1,021.")
    assert isinstance(jup, ParsedUpdate) and labels(jup) == ["entry_filled:all"]
    pyth = parse_post("#PYTH — третя ціль взята 🎯🎯🎯 Угоду закрито повністю.")
    assert isinstance(pyth, ParsedClose) and labels(pyth) == ["tp_hit:3", "close_all"]
    called_off = parse_post("Сигнал отменяем ❌ Сделка не открылась, лимитные ордера снимаем.")
    assert isinstance(called_off, ParsedClose) and "cancel" in labels(called_off)


def test_added_targets_fills_halves_and_cancelled_signals():
    link = parse_post("#LINK — adding targets: 17.80 / 18.60 / 19.90 ✍️ Stop stays where it is.")
    assert isinstance(link, ParsedUpdate) and labels(link) == ["modify_tp"]
    wif = parse_post("Добавляю цель по #WIF — 3.20. Остальные цели без изменений.")
    assert isinstance(wif, ParsedUpdate) and labels(wif) == ["modify_tp"]
    filled = parse_post("#LINK — сработала вторая лимитка по 13.05, средняя 13.24.")
    assert isinstance(filled, ParsedUpdate) and labels(filled) == ["entry_filled:all"]
    half = parse_post("2 тейк 🎯 прикрыл ещё половину")
    assert isinstance(half, ParsedUpdate) and labels(half) == ["tp_hit:2", "close_pct:50"]
    fet = parse_post("#FET tüm hedefler tamamlandı ✅ İşlem kapandı 🔒")
    assert isinstance(fet, ParsedClose)
    for text in (
        "Сделку по #APT отменяем — цена ушла без нас, лимитные ордера снимаем.",
        "Отмена по #NEAR ❌ Лимитка не сработала, ордер снимаем.",
    ):
        result = parse_post(text)
        assert isinstance(result, ParsedClose) and "cancel" in labels(result), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("По SOL добрали вторую лимитку на 143, средняя 144,5", ["entry_filled:all"]),
        (
            "#BTC вторая часть набрана по 63 800, средняя 64 100. Стоп прежний.",
            ["entry_filled:all"],
        ),
        ("#BTC шорт — переставляю тейки: 66 000, 64 900. Стоп без изменений.", ["modify_tp"]),
    ],
)
def test_russian_fills_and_moved_targets(text, expected):
    result = parse_post(text)
    assert isinstance(result, ParsedUpdate) and labels(result) == expected


@pytest.mark.parametrize(
    "text",
    ["#SEI/USDT stop oldu ❌ İşlem kapandı.", "#JASMY все цели выполнены ✅✅✅\nПоздравляю всех!"],
)
def test_turkish_stop_and_russian_all_targets_close(text):
    assert isinstance(parse_post(text), ParsedClose)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "#SOL — перша ціль ✅ (151), стоп переносимо в беззбиток",
            ["tp_hit:1", "sl_to_breakeven"],
        ),
        ("По #ARB второй вход на 0.940 отменяю, рынок ушёл вверх.", ["cancel_pending_entry"]),
        (
            "$SEI — cancel the unfilled part of the entry, price ran without us.",
            ["cancel_pending_entry"],
        ),
        ("Добор по ETH на 3 120 исполнился, средняя теперь 3 148.", ["entry_filled:all"]),
        ("Taking 50% off the table here, rest runs 🏄‍♂️", ["close_pct:50"]),
        (
            "🔔 [Copy Trade] SatoshiSniper increased position\nSymbol: SOLUSDT Perpetual\n"
            "Side: Short\nAdded at: 153.90\nNew avg entry: 152.41\nLeverage: 25x",
            ["entry_filled:all"],
        ),
    ],
)
def test_more_management_wording_from_sets_k_and_l(text, expected):
    result = parse_post(text)
    assert isinstance(result, ParsedUpdate) and labels(result) == expected


def test_fills_closes_of_a_side_and_adverts_showing_a_win():
    icp = parse_post("#ICP — вторая лимитка (9.45) налилась, средняя 9.62. Стоп прежний.")
    assert isinstance(icp, ParsedUpdate) and labels(icp) == ["entry_filled:all"]
    shorts = parse_post(
        "Фиксирую все шортовые позиции по рынку — BTC пробил 66к, держать нет смысла."
    )
    assert isinstance(shorts, ParsedClose) and (shorts.symbol, shorts.side) == (None, "short")
    advert = parse_post(
        "Want signals like this? 👇\n\nBTC LONG 61,800 ➝ TP 63,500 ✅ +27% (10x)\n\n"
        "Our premium group posts 3-5 setups daily."
    )
    assert isinstance(advert, Noise)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#ARB all buy orders filled ✅\nAverage entry: 0.987", ["entry_filled:all"]),
        (
            "BNB: first entry filled, cancel the second one at 571 — price won't come back there.",
            ["entry_filled:all", "cancel_pending_entry"],
        ),
        ("Второй тейк по #APT ✅ +31% с плечом 12х", ["tp_hit:2"]),
        (
            "🤖 Копитрейдинг | Bybit\n➕ Увеличена позиция LONG\nПара: XRPUSDT\nЦена: 0.6150\n"
            "Средняя цена входа: 0.6196\nПлечо: 10x",
            ["entry_filled:all"],
        ),
    ],
)
def test_fills_and_cancels_from_sets_o_and_p(text, expected):
    result = parse_post(text)
    assert isinstance(result, ParsedUpdate) and labels(result) == expected


def test_fixing_the_whole_short_closes_it():
    result = parse_post("Фиксирую весь шорт по BTC по 66 350, +1.4% к депо 💰")
    assert isinstance(result, ParsedClose) and result.symbol == "BTC/USDT"
