"""Channel styles the held-out corpora (corpora/) showed the parser missing: how new trades
are read, and posts that must not be read as one. One rule each, with the near misses each
rule must leave alone. (Management posts: test_channel_styles_management.py.)"""

from decimal import Decimal

import pytest

from services.parsing import Noise, ParsedSignal, parse_post
from services.parsing.normalize import normalize_text
from services.parsing.numbers import scan_numbers
from tests.services.parsing.styles import prices, signal_of


def test_a_list_numbered_one_dot_is_not_read_asprices():
    text = "#ENA/USDT LONG\nEntry: 0.5850 - 0.6010\nTargets:\n1. 0.6200\n2. 0.6400\nStop: 0.5620"
    assert prices(signal_of(text).targets) == ["0.6200", "0.6400"]


def test_a_number_ending_a_sentence_mid_line_stays_a_price():
    assert [str(t.value) for t in scan_numbers("stop 12. then 15")] == ["12", "15"]
    assert [str(t.value) for t in scan_numbers("• 1. 0.62\n2. 0.64")] == ["0.62", "0.64"]


def test_a_table_header_over_a_row_of_values_is_read_by_column():
    text = (
        "SIGNAL SHEET\n\nPAIR | SIDE | ENTRY | TP1 | TP2 | SL | LEV\n"
        "DOGE/USDT | SHORT | 0.1625 | 0.1590 | 0.1555 | 0.1672 | 25x"
    )
    signal = signal_of(text)
    assert (signal.symbol, signal.side.value, signal.leverage) == ("DOGE/USDT", "short", 25)
    assert prices(signal.entries) == ["0.1625"]
    assert prices(signal.targets) == ["0.1590", "0.1555"]
    assert signal.stop_loss == Decimal("0.1672")


def test_a_table_with_several_rows_or_one_line_of_bars_is_left_as_written():
    one_line = "#ATOM Entry: 8.45 TP: 8.70 | 8.95 | 9.30 | 9.60 SL: 8.10"
    assert normalize_text(one_line) == one_line
    sheet = "A | B | C\n1.5 | 2.5 | 3.5\n4.5 | 5.5 | 6.5"
    assert normalize_text(sheet) == sheet


def test_hashtag_fields_joined_by_underscores():
    signal = signal_of("#LINKUSDT #LONG #ENTRY_14.20 #TP1_14.80 #TP2_15.40 #SL_13.55 #LEV_15X")
    assert prices(signal.entries) == ["14.20"]
    assert prices(signal.targets) == ["14.80", "15.40"]
    assert (signal.stop_loss, signal.leverage) == (Decimal("13.55"), 15)
    assert normalize_text("#BNB_USDT") == "#BNB_USDT"


@pytest.mark.parametrize(
    "text",
    [
        "🎯 12.40 / 12.95 / 13.60\n⛔ 11.20\n🟢 LONG #UNIUSDT @ 11.70\nLev 3x",
        "#UNI LONG\nEntry 11.70\nTargets 12.40 / 12.95 / 13.60\nInvalidation: 11.20",
        "#UNI LONG\nEntry 11.70\nTargets 12.40 / 12.95 / 13.60\nInvalidation: daily close below 11.20",
    ],
)
def test_no_entry_sign_and_invalidation_are_the_stop(text):
    signal = signal_of(text)
    assert signal.stop_loss == Decimal("11.20")
    assert prices(signal.targets) == ["12.40", "12.95", "13.60"]


def test_russian_tvh_is_the_entry_and_nabiraem_buys():
    ton = signal_of("Шорт #TON\nСтоп — 6,48\nТВХ — 6,12–6,20\nТейки — 5,95; 5,80; 5,55")
    assert (prices(ton.entries), ton.stop_loss) == (["6.12", "6.20"], Decimal("6.48"))
    dot = signal_of("Спот 💎 Набираем #DOT в зоне 5.90–6.15\nЦели: 6.80, 7.40\nСтоп ниже 5.55")
    assert (prices(dot.entries), dot.side.value, dot.market_type) == (
        ["5.90", "6.15"],
        "long",
        "spot",
    )


def test_a_copy_trading_card_side_field_and_quantity():
    signal = signal_of(
        "Bybit Copy Trading - new position opened\nSymbol: ETHUSDT Perpetual\nSide: Sell\n"
        "Order type: Limit\nPrice: 3,412.50\nQty: 0.85 ETH\nLeverage: 25x\n"
        "Take Profit: 3,318.00\nStop Loss: 3,466.00"
    )
    assert (prices(signal.entries), signal.stated_side) == (["3412.50"], "short")


def test_an_alert_price_field_is_its_entry_but_other_prices_are_not():
    alert = signal_of(
        "TradingView Alert\nAction: BUY\nTicker: BINANCE:ETHUSDT.P\nPrice: 3412.55\n"
        "TP: 3446.70\nSL: 3378.40\nLeverage: 5"
    )
    assert (prices(alert.entries), alert.side.value, alert.leverage) == (["3412.55"], "long", 5)
    stop_price = signal_of("#ETH LONG\nEntry: 3400\nTP: 3500\nStop price: 3300")
    assert (prices(stop_price.entries), stop_price.stop_loss) == (["3400"], Decimal("3300"))
    # a price field is no entry label: with no target or stop it makes no order
    assert isinstance(parse_post("#BTC long liquidations rising\nPrice: 64000"), Noise)


def test_a_question_is_not_a_call():
    result = parse_post("Should I long ETH at 3000 with 10x or wait for 2850? Stop would be 2900.")
    assert isinstance(result, Noise) and "question" in result.reason
    # a question elsewhere in a signal does not matter
    assert signal_of("#ETH LONG\nEntry: 3000\nTP: 3100\nSL: 2900\nReady? 🚀").entries


@pytest.mark.parametrize(
    ("text", "entries", "targets", "stop"),
    [
        (
            "BTC/USDT:USDT LONG\nEntry: $ 64 500 – $ 65 100\nTake profit:\n✔️ $ 66 200\n"
            "✔️ $ 67 400\nStop: $ 63 350",
            ["64500", "65100"],
            ["66200", "67400"],
            "63350",
        ),
        (
            "ETH SHORT\nEnter: 3 480 / 3 510\nTP: 3 420 – 3 360\nSL: 3 600",
            ["3480", "3510"],
            ["3420", "3360"],
            "3600",
        ),
        (
            "#SOL LONG\nEntry 150 160\nTargets 170 180\nStop 140",
            ["150", "160"],
            ["170", "180"],
            "140",
        ),
    ],
)
def test_a_space_as_thousands_separator(text, entries, targets, stop):
    signal = signal_of(text)
    assert (prices(signal.entries), prices(signal.targets)) == (entries, targets)
    assert signal.stop_loss == Decimal(stop)


def test_a_cross_mark_before_a_price_is_the_stop():
    signal = signal_of("📉 #LTCUSDT 🔴\n⤵️ 84.60 - 85.40\n🎯 83.10 / 81.70\n❌ 87.20\n⚙️ x10")
    assert (signal.side.value, signal.stop_loss, signal.leverage) == ("short", Decimal("87.20"), 10)
    assert isinstance(parse_post("✅ #BTC +15%\n❌ #SOL -5%"), Noise)


def test_a_label_never_spans_two_lines():
    signal = signal_of("📈 #OPUSDT\nLong — market entry\nTargets: 2.18, 2.26\nStop: 1.97")
    assert (signal.entries, prices(signal.targets), signal.at_market) == (
        (),
        ["2.18", "2.26"],
        True,
    )


def test_a_market_order_stated_with_the_side():
    signal = signal_of("Открываю шорт #LDO по рынку\nТП: 1.72 / 1.65\nСЛ: 1.86")
    assert (signal.side.value, signal.entries, signal.at_market) == ("short", (), True)
    reference = signal_of("Шорт #BTC по рынку (≈ 67 850)\nСтоп 68 900\nТейк 66 400 / 65 200")
    assert prices(reference.entries) == ["67850"]


def test_casual_one_liners_and_coin_nicknames():
    btc = signal_of("short btc here 68.9k, sl 69.6k, tp 67.5k / 66.8k. 20x, small size")
    assert (btc.symbol, btc.entries, btc.stop_loss) == ("BTC/USDT", (68900,), 69600)
    eth = signal_of("лонганул эфир по 3380, стоп 3325, тейки 3440 и 3500. плечо х15")
    assert (eth.symbol, eth.side.value, eth.leverage) == ("ETH/USDT", "long", 15)
    arb = signal_of("взял лонг по арбе 0.447, стоп 0.432, тейк 0.468 и 0.49 , плечо 5")
    assert (arb.symbol, prices(arb.entries)) == ("ARB/USDT", ["0.447"])
    wif = signal_of("aped into some $WIF here at 2.31 stop under 2.18, looking for 2.55 then 2.80")
    assert (prices(wif.entries), prices(wif.targets)) == (["2.31"], ["2.55", "2.80"])
    atom = signal_of("buy ATOM 6.842 tp 7.05 7.31 sl 6.61")
    assert (atom.symbol, atom.side.value) == ("ATOM/USDT", "long")


def test_dca_words_and_repeated_entries():
    uni = signal_of("#UNI лонг\nВход: рынок (9.42), добор 9.10\nЦели: 9.85 – 10.30\nСтоп: 8.84")
    assert (prices(uni.entries), prices(uni.dca)) == (["9.42"], ["9.10"])
    kas = signal_of(
        "$KAS spot\nBuy below 0.1220 (ladder 0.1220 / 0.1180 / 0.1140)\nTargets 0.135, 0.148\n"
        "Stop 0.1075"
    )
    assert [float(e) for e in kas.entries] == [0.114, 0.118, 0.122]


def test_a_prose_target_word_does_not_join_the_target_list():
    signal = signal_of(
        "#LINK/USDT\nГлобальная цель движения - снятие ликвидности над 16.00.\n\n"
        "Вход в позицию: 13.40 - 13.65\nЦели:\n🎯 14.10\n🎯 14.75\nСтоп-лосс: 12.55"
    )
    assert prices(signal.targets) == ["14.10", "14.75"]


@pytest.mark.parametrize(
    "text",
    [
        "💎 VIP members caught this one: #PEPE entry 0.00000980 ➜ TP 0.00001420 (+45%) 🚀\n"
        "Next VIP call drops in 1 hour. DM @signal_admin_desk",
        "Друзья, открыли набор в приватный канал\nПример нашей сделки: шорт #ETH от 3550, "
        "тейк 3380 — забрали +48% на х10.",
        "🚀 Want signals like this?\nYesterday in VIP: LONG #FET\n"
        "Entry 1.52 | TP 1.60 - 1.68 | SL 1.46\n✅ All targets hit in 6 hours!\n50% off VIP",
        "📊 POLL: Where does #BTC close this week?\n🔼 Above 70k\n🔽 Below 65k\nVote below 👇",
    ],
)
def test_adverts_examples_and_polls_are_never_trades_nor_closes(text):
    assert isinstance(parse_post(text), Noise)


def test_an_allocation_and_a_trade_number_are_noprices():
    signal = signal_of(
        "WOLF SIGNALS\n#Trade_45\n\n🔴 SHORT #OP/USDT\nEntry: 2.418 - 2.465 (split 50/50)\n"
        "Targets: 🎯2.36 🎯2.31 🎯2.24\nStop: 2.54\nLev: 5x-10x isolated"
    )
    assert (prices(signal.entries), signal.stop_loss, signal.leverage) == (
        ["2.418", "2.465"],
        Decimal("2.54"),
        5,
    )
    assert signal.problems == ()


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("Arweave (AR)\nBuy zone: 18.50 - 20.20\nTargets: 26 / 32 / 41\nStop: 15.90", "AR/USDT"),
        (
            "Тонкоин (TON) — открываю лонг\nВход: 5.48–5.56\nТейк-профит: 5.70\nСтоп-лосс: 5.29",
            "TON/USDT",
        ),
    ],
)
def test_a_coin_named_with_its_ticker_in_brackets(text, symbol):
    assert signal_of(text).symbol == symbol


def test_inbox_and_outbox_emoji_label_entry_and_targets():
    signal = signal_of("#MATIC/USDT 🟢\n📥 0.5410 - 0.5520\n📤 0.5650 / 0.5790\n⛔ 0.5260\n⚖️ 10x")
    assert (prices(signal.entries), prices(signal.targets)) == (
        ["0.5410", "0.5520"],
        ["0.5650", "0.5790"],
    )


def test_a_member_asking_and_an_advert_quoting_a_last_call_are_noise():
    asked = parse_post(
        "Anyone know if we should still hold the #DOGE long from yesterday? Price is 0.158 "
        "and SL at 0.1525 feels close 🤔"
    )
    assert isinstance(asked, Noise)
    advert = parse_post(
        "🔥 VIP ACCESS 50% OFF 🔥\nOur last call: #SOL entry 138, TP 152 ✅ in 6 hours!\n"
        "Don't miss the next one"
    )
    assert isinstance(advert, Noise)


def test_abbreviations_ukrainian_and_a_first_person_buy():
    btc = signal_of("BTC long 🟢\nentries 63.9k – 64.4k\ntp 65.2k / 66.8k\ninval 62.7k (4h close)")
    assert btc.stop_loss == 62700
    ena = signal_of("Buy #ENA | Lev 25X cross\nEP 0.842\nTP 0.858 • 0.871\nSL 0.811")
    assert (prices(ena.entries), ena.leverage) == (["0.842"], 25)
    pyth = signal_of(
        "Відкриваю лонг #PYTH\nВхід: 0,472–0,481\nЦілі: 0,498 / 0,515\nСтоп: 0,456\nПлече: 6х"
    )
    assert (prices(pyth.entries), prices(pyth.targets), pyth.leverage) == (
        ["0.472", "0.481"],
        ["0.498", "0.515"],
        6,
    )
    ondo = signal_of("Покупаю #ONDO на споте в диапазоне 1,02–1,06. Цели: 1,18, 1,30, 1,45.")
    assert (prices(ondo.entries), prices(ondo.targets)) == (
        ["1.02", "1.06"],
        ["1.18", "1.30", "1.45"],
    )


def test_a_coin_named_in_words_and_a_side_verb():
    sol = signal_of(
        "Longing Solana here 🚀 In at 144.80, targets 147.5, 150 and 155. Stop under 141."
    )
    assert (sol.symbol, prices(sol.entries), sol.stop_loss) == ("SOL/USDT", ["144.80"], 141)
    uni = signal_of(
        "Биток держится на 64к, пока не потеряем 62 500 — ищу лонги в альтах.\n\n#UNI лонг\n"
        "Вход: 10,15-10,35\nЦели: 10,70 / 11,10\nСтоп: 9,78"
    )
    assert uni.symbol == "UNI/USDT"  # a coin's name in commentary gives way to a tag


def test_a_leverage_number_must_follow_its_label():
    pepe = signal_of(
        "#PEPE/USDT (Spot)\nBuy zone: 0.00000812 - 0.00000851\nSell targets:\n➡️ 0.00000905\n"
        "Stop: daily close below 0.00000765\n\nNo leverage. Hold for 1-3 weeks."
    )
    assert pepe.leverage is None
    sand = signal_of(
        "#SAND/USDT\nЛонг от 0,4850 до 0,4720\nЦели: 0,5010\nСтоп: 0,4590\nплечо не больше 5"
    )
    assert sand.leverage == 5


def test_a_signal_without_a_readable_entry_never_moves_a_live_stop():
    result = parse_post(
        "$SEI — breakout long\nLong only on a 1h close above 0.512\nTargets: 0.545 / 0.580\n"
        "Stop: 0.487"
    )
    assert isinstance(result, Noise) and result.looks_like_signal
    assert "no entry price" in result.reason


def test_questions_to_members_and_advert_examples_are_noise():
    assert isinstance(
        parse_post(
            "Guys, who is still holding the $DOGE short from 0.1642? Did you close at TP1 or "
            "are you riding it? Reply below 👇"
        ),
        Noise,
    )
    assert isinstance(
        parse_post(
            "🎁 Бесплатный доступ в VIP до пятницы!\nНапример: #TAO лонг от 398, цели 430 / 455 "
            "— обе взяты ✅\nПиши @vip_manager_ru"
        ),
        Noise,
    )


@pytest.mark.parametrize(
    "text",
    [
        "💎 VIP is open for 48 hours only 💎\nHere's a taste of what members got yesterday:\n"
        "LONG #ETH  Entry 3,380  TP 3,450 / 3,520  SL 3,320 ✅ +42%\nDM @vip_admin_desk",
        "🔥 В VIP-канале вчера дали #ENA лонг от 0.52 → все 3 цели за 6 часов (+58% с плечом 10х)",
        "Risk 101: if you long BTC at 60,000 with 10x and set your stop at 59,400, a 1% move "
        "costs you 10% of margin.",
        "Если #SOL закрепится выше 150 на 4ч — буду смотреть лонг с целью 165, стоп за 144. "
        "Пока наблюдаем, сделки нет.",
    ],
)
def test_examples_lessons_and_ideas_without_a_trade_are_never_trades(text):
    assert not isinstance(parse_post(text), ParsedSignal)


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        (
            "По #AVAX забрали вторую цель, держим остаток.\n\nНовая сделка:\n#FIL лонг\n"
            "Вход 5.34–5.20\nЦели 5.60 / 5.95\nСтоп 4.98",
            "FIL/USDT",
        ),
        (
            "Прошлая сделка по #OP закрыта +12% ✅\n\nНовая сделка 👇\n#INJ лонг\nВход 24.6–25.2\n"
            "Цели 26.5, 28, 30\nСтоп 23.7",
            "INJ/USDT",
        ),
        (
            "Yesterday's $ENA call hit all 3 targets 🎯🎯🎯\n\nNext one 👇\n\n$JUP LONG\n"
            "Entry: 0.98 - 1.01\nTargets: 1.05 / 1.10\nStop: 0.94",
            "JUP/USDT",
        ),
    ],
)
def test_news_of_another_trade_before_a_new_one(text, symbol):
    assert signal_of(text).symbol == symbol


def test_risk_reward_ratio_kilo_in_cyrillic_and_a_stop_not_set():
    aave = signal_of(
        "🔴 SHORT #AAVE\nEntry: 182.4\nSL: 189.9 (-4.1%)\nTP1: 176.0\nTP2: 169.5\n"
        "R:R 1:3.2 | Lev 5x | Risk 1%"
    )
    assert (prices(aave.targets), aave.leverage) == (["176.0", "169.5"], 5)
    btc = signal_of("Шорт по BTC от 68.2к\nСтоп 69.1к\nЦели 66к / 64.5к\nПлечо 10")
    assert (btc.symbol, btc.entries, btc.stop_loss, btc.targets) == (
        "BTC/USDT",
        (68200,),
        69100,
        (66000, 64500),
    )
    sui = signal_of(
        "Покупаю в спот #SUI по 1.05–1.10\nЦели: 1.35 / 1.60\nСтоп не ставлю, при просадке докупаю на 0.90."
    )
    assert sui.stop_loss is None


def test_numbered_entry_labels_and_market_orders_with_a_reference_price():
    dot = signal_of(
        "#DOT ЛОНГ\n\n1 вход — 6.30 (по рынку)\n2 вход — 6.05\n3 вход — 5.85\n\n"
        "Цели: 6.60, 6.95\nСтоп: 5.60\nПлечо: 10"
    )
    assert prices(dot.entries) == ["5.85", "6.05", "6.30"]
    btc = signal_of("#BTC шорт по рынку 🔻\nТекущая ~67 450\nТейк 1 — 66 300\nСтоп — 68 600")
    assert (btc.entries, btc.at_market) == ((67450,), True)
    xrp = signal_of("Открываю шорт по #XRP по рынку.\nЦели: 0.5980, 0.5850\nСтоп: 0.6290")
    assert (xrp.entries, xrp.at_market) == ((), True)
    eth = signal_of(
        "Taking a small long on ETH here around 3,180. Stop below 3,095, first target 3,260."
    )
    assert prices(eth.entries) == ["3180"]


def test_a_re_entry_after_news_of_the_last_trade_takes_its_coin():
    rune = signal_of(
        "#RUNE — прошлую сделку закрыли в плюс (+18%), заходим повторно.\n\nЛонг 5.35-5.48\n"
        "Цели 5.70 / 5.95\nСтоп 5.12\nПлечо 10х"
    )
    assert (rune.symbol, prices(rune.entries)) == ("RUNE/USDT", ["5.35", "5.48"])


@pytest.mark.parametrize(
    "text",
    [
        "📊 Weekly results (Jun 3–9)\n#SOL long 142.3 → 152.8 ✅ +73%\n#ORDI long ❌ -38%\n"
        "Win rate 82% | Total +412%",
        "📊 Итоги недели\n\n#SOL +38% ✅\n#ARB 2 тейка ✅\n#SUI стоп ❌\n\nИтого: +61% к депозиту",
        "Закрытый VIP-канал 🔒 Пример сигнала из прошлой недели: лонг #SOL 142 → 152, профит +70%",
    ],
)
def test_recaps_and_adverts_with_closed_trades_are_noise(text):
    assert isinstance(parse_post(text), Noise)


def test_casual_entries_accumulation_zones_and_bids():
    eth = signal_of(
        "Took a long on ETH here at 3180. Stop below 3120, looking for 3260 first, then 3350."
    )
    assert prices(eth.entries) == ["3180"]
    btc = signal_of("btc long 64.2k, sl 63.5k, tp 65.8k / 67k. lev 10")
    assert (btc.symbol, btc.entries, btc.leverage) == ("BTC/USDT", (64200,), 10)
    atom = signal_of(
        "Покупка в спот: #ATOM\n\nЗона набора: 6,10 – 6,45\nЦели: 7,20 / 8,00\nСтоп: 5,70"
    )
    assert prices(atom.entries) == ["6.10", "6.45"]
    aave = signal_of(
        "Taking a long on $AAVE here. Bids at 93.5 and 91.8, invalidation on a 4H close below "
        "88. Targets 99, 104, 112."
    )
    assert (prices(aave.entries), aave.stop_loss) == (["91.8", "93.5"], 88)
    ena = signal_of(
        "$ENA SHORT\nEntry now 0.6120, add more at 0.6400 if it wicks\nTargets 0.5950\nStop 0.6620"
    )
    assert (prices(ena.entries), prices(ena.dca)) == (["0.6120"], ["0.6400"])
    wif = signal_of("Шортим #WIF от текущих 2.86\nстоп 3.02\nцель 2.60, дальше 2.40")
    assert prices(wif.entries) == ["2.86"]


@pytest.mark.parametrize(
    "text",
    [
        "⚡️ Binance 20 мая делистит бессрочные контракты на #LOOM и #BOND. Позиции будут "
        "принудительно закрыты в 12:00 UTC.",
        "🔥 Premium members banked it again! #ARB long from 1.05 hit all 4 targets (1.12 / 1.20)"
        " in 19 hours.\nJoin Premium for $49/month",
        "🔥 Закрытый канал — скидка 40% только до воскресенья!\nПоследний сигнал по #BNB дал +27%.",
    ],
)
def test_news_and_adverts_that_say_closed_are_noise(text):
    assert isinstance(parse_post(text), Noise)


def test_open_at_cmp_t_numbered_targets_and_entering_words():
    tia = signal_of(
        "TIA long setup 🧩\n\nOpen at CMP (5.412), add more at 5.18 if it dips\n"
        "Targets: 5.59, 5.81, 6.15\nStop: 4.97 on a 4H close\nLev 10x"
    )
    assert (prices(tia.entries), prices(tia.dca)) == (["5.412"], ["5.18"])
    wif = signal_of(
        "Take a long on WIF 👇\n\nEntry - 2.48 to 2.41\nT1 - 2.58\nT2 - 2.69\nSL - 2.29"
    )
    assert prices(wif.targets) == ["2.58", "2.69"]
    btc = signal_of("Открыл лонг по биткоину по рынку, 63 950. Стоп 62 900, цель 65 500. Плечо х5")
    assert (btc.symbol, btc.entries) == ("BTC/USDT", (63950,))
    eth = signal_of(
        "Друзья, по эфиру отработал ретест, беру лонг.\nЗаходил по 3 412, добирать не планирую.\n"
        "Стоп ставлю под локальный минимум — 3 338.\nЦели: первая 3 520, вторая 3 640."
    )
    assert (eth.symbol, eth.entries, eth.stop_loss) == ("ETH/USDT", (3412,), 3338)


def test_a_chart_reference_after_the_entry_is_not_a_recalled_trade():
    link = signal_of("Took a long on LINK here at 14.05. Stop below yesterday's low at 13.48.")
    assert (prices(link.entries), link.stop_loss) == (["14.05"], Decimal("13.48"))


def test_a_re_entry_reporting_how_the_last_trade_ended():
    ena = signal_of(
        "#ENA повторно захожу в лонг, прошлый раз выбило стопом. Вход 0.412–0.405, стоп 0.389, "
        "цели 0.438 и 0.465. Плечо 5."
    )
    assert (prices(ena.entries), ena.leverage) == (["0.405", "0.412"], 5)


def test_a_do_not_chase_cap_is_no_entry():
    wld = signal_of(
        "#WLD лонг\nВход: 2.28–2.34\nВыше 2.45 не заходим, не догоняем!\nЦели: 2.52 / 2.70\n"
        "Стоп: 2.17"
    )
    assert prices(wld.entries) == ["2.28", "2.34"]


def test_a_pair_quoted_in_btc_and_a_ticker_that_is_also_a_word():
    eth = signal_of("#ETHBTC spot buy 0.0512-0.0520, targets 0.0545 0.0570, stop 0.0498")
    assert eth.symbol == "ETH/BTC"
    assert signal_of("#WBTC LONG\nEntry: 60000\nTP: 61000\nSL: 59000").symbol == "WBTC/USDT"
    notcoin = signal_of(
        "🚀 #NOT/USDT\nLong ✅\nEntry: 0.00745 - 0.00760\nTargets: 0.00780\nStop-loss: 0.00712"
    )
    assert notcoin.symbol == "NOT/USDT"


def test_more_entry_forms():
    jup = signal_of("Шорт по $JUP с рынка 0,8260\nТейки: 0,8090 - 0,7920\nСтоп: 0,8450\nПлечо 15х")
    assert prices(jup.entries) == ["0.8260"]
    btc = signal_of(
        "#BTCUSDT 📉 ШОРТ\nТочка входа: 67 800 - 68 200\nТейк-профит 1: 67 100\n"
        "Тейк-профит 2: 66 400\nСтоп-лосс: 68 900\nКредитное плечо: 20х"
    )
    assert (btc.targets, btc.leverage) == ((67100, 66400), 20)
    avax = signal_of(
        "#AVAX/USDT 🟢 Long\n\n1️⃣ вход: 36.20\n2️⃣ вход: 35.40\n\n🎯 37.10 | 38.30\n\n❌ Stop: 34.60"
    )
    assert prices(avax.entries) == ["35.40", "36.20"]
    ldo = signal_of("Short #LDO/USDT at CMP (2.145)\nTP: 2.080 / 2.020\nSL: 2.265\nLev 10x")
    assert (prices(ldo.entries), ldo.at_market) == (["2.145"], True)
    wld = signal_of(
        "[Bybit Copytrade] 📥 New position\nPair: WLDUSDT\nSide: Long\nAvg. entry: 2.4715\n"
        "Leverage: 8x\nTP: 2.6200 | SL: 2.3800"
    )
    assert prices(wld.entries) == ["2.4715"]
    sho = signal_of("Shorting BTC from 67,300. Invalidation 68,150. TP 66,200 / 65,400. 10x")
    assert (sho.symbol, sho.stop_loss) == ("BTC/USDT", 68150)
