"""New-signal extraction, through `parse_post` (the real path)."""

from decimal import Decimal as D

import pytest

from services.parsing import (
    EntryType,
    MarginMode,
    MarketType,
    ParsedSignal,
    Side,
    parse_post,
)


def signal(text: str) -> ParsedSignal:
    result = parse_post(text)
    assert isinstance(result, ParsedSignal), result
    return result


def test_full_english_signal():
    s = signal(
        "📊 #SOLUSDT\n\n🟢 LONG\n\n👉 Entry: 142.5 - 140.0\n\n🎯 TP1: 145\n🎯 TP2: 148\n"
        "🎯 TP3: 152\n\n⛔️ SL: 137.8\n\n⚡️ Leverage: 20x (Isolated)"
    )
    assert s.symbol == "SOL/USDT"
    assert s.side is Side.LONG
    assert s.entries == (D("140.0"), D("142.5"))
    assert s.entry_type is EntryType.ZONE
    assert s.targets == (D(145), D(148), D(152))
    assert s.stop_loss == D("137.8")
    assert s.leverage == 20
    assert s.margin_mode is MarginMode.ISOLATED
    assert s.market_type is MarketType.FUTURES
    assert s.tradable


def test_russian_signal_with_cyrillic_leverage():
    s = signal(
        "Монета: ARB/USDT\nНаправление: Шорт\nВход: 1.12-1.15\nЦели: 1.08, 1.05, 1.00\n"
        "Стоп: 1.19\nПлечо: 5х"
    )
    assert (s.symbol, s.side, s.leverage) == ("ARB/USDT", Side.SHORT, 5)
    assert s.entries == (D("1.12"), D("1.15"))
    assert s.targets == (D("1.08"), D("1.05"), D("1.00"))
    assert s.stop_loss == D("1.19")


def test_russian_labels_tp_sl():
    s = signal("🚀 ЛОНГ BTCUSDT\nВход: 45000\nТП: 46000\nСЛ: 44000\nПлечо: 10x")
    assert (s.side, s.entries, s.targets, s.stop_loss, s.leverage) == (
        Side.LONG,
        (D(45000),),
        (D(46000),),
        D(44000),
        10,
    )


def test_turkish_labels():
    s = signal(
        "#AVAXUSDT LONG\nGiriş: 35.20 - 34.80\nHedef 1: 36.00\nHedef 2: 37.10\nStop: 33.90\n"
        "Kaldıraç: 10x"
    )
    assert s.entries == (D("34.80"), D("35.20"))
    assert s.targets == (D("36.00"), D("37.10"))
    assert (s.stop_loss, s.leverage) == (D("33.90"), 10)


def test_comma_decimals():
    s = signal(
        "LONG $PEPE\nEntry: 0,00001150 - 0,00001120\nTP: 0,00001200; 0,00001260\nSL: 0,00001080"
    )
    assert s.entries == (D("0.00001120"), D("0.00001150"))
    assert s.stop_loss == D("0.00001080")


def test_keycap_numbered_targets_and_open_ended_marker():
    s = signal(
        "🟢 Long\nName: #CFXUSDT\nEntry Price (USDT): 0.2066\n🎯 Targets in USDT:\n\n1️⃣ 0.2097\n"
        "2️⃣ 0.2118\n3️⃣ 🌙\n\n🛑 StopLoss: 0.1859"
    )
    assert s.targets == (D("0.2097"), D("0.2118"))


@pytest.mark.parametrize(
    ("line", "leverage", "margin"),
    [
        ("Leverage: Cross 20x", 20, MarginMode.CROSS),
        ("Leverage: Cross (20х)", 20, MarginMode.CROSS),
        ("Leverage x10", 10, None),
        ("Leverage: 5-10x", 5, None),
        ("LEVERAGE:  10X-20X (CROSS)", 10, MarginMode.CROSS),
        ("Lev: Cross With 50-75X", 50, MarginMode.CROSS),
        ("LEVERAGE Isolated 20X", 20, MarginMode.ISOLATED),
        ("Leverage: 10", 10, None),
        ("(20x-50x Leverage)", 20, None),
    ],
)
def test_leverage_forms_give_the_lower_bound(line, leverage, margin):
    s = signal(f"#BTCUSDT LONG\nEntry: 60000\nTP: 61000\nSL: 59000\n{line}")
    assert s.leverage == leverage
    assert s.margin_mode is margin


def test_side_is_inferred_from_prices_when_unstated():
    s = signal("#BNBUSDT\nEntry: 627.06\nTargets: 624.95 - 623.92\nStop: 630.2")
    assert s.side is Side.SHORT
    assert s.stated_side is None and s.tradable


def test_market_entry_without_a_price():
    s = signal("#OP/USDT LONG\nEntry: CMP\nTargets: 2.5 - 2.7 - 3.0\nSL: 2.1")
    assert s.entries == ()
    assert s.entry_type is EntryType.MARKET
    assert s.at_market


def test_entry_price_marked_cmp_is_kept_and_flagged_at_market():
    s = signal("Long: ID/USDT\nEntry at CMP: 0.03155\nDCA: 0.03070\nTP: 0.03295\nSL: 0.02975")
    assert s.entries == (D("0.03155"),)
    assert s.at_market
    assert s.dca == (D("0.03070"),)


def test_one_line_market_order_without_levels():
    s = signal("🔹 Инструмент: NEWTUSDT\n🟢 Открывать ЛОНГ")
    assert (s.symbol, s.side, s.entry_type) == ("NEWT/USDT", Side.LONG, EntryType.MARKET)


def test_limit_order_without_targets():
    s = signal("Limit long Xrp - 1.118")
    assert (s.symbol, s.side, s.entries, s.targets) == ("XRP/USDT", Side.LONG, (D("1.118"),), ())


def test_ladder_of_numbered_entries():
    s = signal(
        "#LTC/USDT (Long)\nEntry 1 - 159.80 (30%)\nEntry 2 - 153 (30%)\nEntry 3 - 147 (40%)\n"
        "Targets - 164.5 - 170\nStoploss - 145"
    )
    assert s.entries == (D(147), D(153), D("159.80"))
    assert s.entry_type is EntryType.LADDER


def test_buy_and_sell_legs_are_entry_and_targets():
    s = signal("ETH/USDT\nBuy: 3200-3250\nSell: 3400-3500-3600\nStop: 3100")
    assert s.entries == (D(3200), D(3250))
    assert s.targets == (D(3400), D(3500), D(3600))
    assert s.side is Side.LONG


def test_sell_alone_is_a_short_entry():
    s = signal(
        "SNX/USDT\nLeverage 20X\nSell  11.90 TO 12\nTarget 1  11.60\nTarget 2  10\nStop  12.30"
    )
    assert s.side is Side.SHORT
    assert s.entries == (D("11.90"), D(12))
    assert s.targets == (D("11.60"), D(10))


def test_close_keyword_after_an_entry_lists_targets():
    s = signal("#BTCUSDT\n\n#SHORT 35100-37260\n\nClose 33660 31500 29700 27000\n\nStop 37980")
    assert s.targets == (D(33660), D(31500), D(29700), D(27000))


def test_glued_tp_index_and_price():
    s = signal(
        "Buy: TOMO/USDT\nENTRY 1.1950-1.2100\nTP1 1.2350\nTP2 1.2550\nTP31.2800\nSTOP 1.1785"
    )
    assert s.targets == (D("1.2350"), D("1.2550"), D("1.2800"))


def test_one_line_post_with_labels_in_sequence():
    s = signal(
        "Short: EPIC/USDT — 20x/50x Lev Limit Entry: 0.3144 - 0.3272 DCA: 0.3434 ---- "
        "TP ➊: 0.2890 TP ➋: 0.2664 SL: H4 candle close above 0.3575 ---- Confluences: TL"
    )
    assert s.entries == (D("0.3144"), D("0.3272"))
    assert s.targets == (D("0.2890"), D("0.2664"))
    assert (s.stop_loss, s.leverage, s.dca) == (D("0.3575"), 20, (D("0.3434"),))


def test_stop_given_as_percentage_only():
    s = signal(
        "#ALPHA/USDT (Long, x20)\nEntry - 0.14980\nSL - 5-7%\nTake-Profit:\n0.152796\n0.154294"
    )
    assert s.stop_loss is None
    assert s.stop_loss_pct == D(5)


def test_stop_placeholder_word_gives_no_stop():
    s = signal("DGBUSDT LONG\nEntry Price 0,062400\nTarget : 0,063649\nStop loss :  UPDATE")
    assert s.stop_loss is None


def test_bonus_target_in_a_sentence_is_not_a_target():
    s = signal("THETA short\nEntry 8.8 to 9.5\nTargets are 🎯 8.4 - 8 - 7.7 and bonus target 3.1")
    assert s.targets == (D("8.4"), D(8), D("7.7"))


def test_analysis_paragraph_after_the_levels_is_ignored():
    s = signal(
        "#LIT/USDT SHORT\nДиапазон входа: 1.5273-1.4735$\nTP: 1.4428$ - 1.3926$\nSL: 1.7137$\n\n"
        "Риск: 2%\n\nАктив протестировал дневной имбаланс 4 часовой после 30-минутного."
    )
    assert s.targets == (D("1.4428"), D("1.3926"))


def test_spot_and_futures_markers():
    assert signal("#INJ/USDT SPOT\nBuy zone: 21.5 - 22.3\nTargets: 24\nSL: 19.8").market_type is (
        MarketType.SPOT
    )
    assert signal("BTC-PERP\nBuy: 60000\nTP: 61000\nSL: 59000").market_type is MarketType.FUTURES
    assert signal("ETHUSDT Buy 2580-2626\nTargets 2800\nStop 2333").market_type is None


def test_stop_on_the_wrong_side_makes_the_signal_not_tradable():
    s = signal(
        "#BTC/USDT\nSignal Type: Regular (Long)\nEntry Targets:\n1) 57450\n2) 56800\n"
        "Take-Profit Targets:\n1) 58400\n2) 59200\nStop Targets:\n1) 59200"
    )
    assert s.side is Side.LONG
    assert not s.tradable
    assert "stop loss 59200 is above entry 56800 for a long" in s.problems


def test_stated_side_contradicting_the_prices_is_a_problem():
    s = signal(
        "#ETH/USDT\nEnter Short\nEntry Zone: 2300 - 2340\nTargets: 2380 2420\nStop Loss: 2220"
    )
    assert s.side is Side.LONG
    assert s.stated_side is Side.SHORT
    assert any("says short" in p for p in s.problems)


def test_targets_out_of_order_are_a_problem():
    s = signal("#ETHUSDT LONG\nEntry: 2000\nTargets: 2100 - 2300 - 2200\nSL: 1900")
    assert any("out of order" in p for p in s.problems)


def test_targets_a_power_of_ten_off_are_rescaled_but_held_for_review():
    s = signal("Short: PROMPT/USDT Entry: 0.03670 TP: 0.003510 - 0.003290 SL: 0.04044")
    assert s.targets == (D("0.03510"), D("0.03290"))
    assert not s.tradable
    assert "power of ten" in s.problems[0]
