from services.parsing.normalize import BULLET, normalize_text


def test_zero_width_characters_and_variation_selectors_are_removed():
    assert normalize_text("#HOT\u200b/USDT\ufe0f \ufeffLONG") == "#HOT/USDT LONG"


def test_non_breaking_and_thin_spaces_become_plain_spaces():
    assert normalize_text("ENTRY\u00a01.1950\u202f-\u20091.2100") == "ENTRY 1.1950 - 1.2100"


def test_keycap_digits_become_bullets_so_glued_prices_separate():
    text = normalize_text("Targets: 1️⃣1.0752️⃣1.0953️⃣1.115")
    assert text.split(BULLET)[1:] == [" 1.075 ", " 1.095 ", " 1.115"]


def test_circled_digits_become_bullets():
    assert normalize_text("TP ➊: 0.2890 TP ②: 0.2664").count(BULLET) == 2
    assert "1" not in normalize_text("➊②")


def test_decorative_emoji_become_spaces_but_meaningful_ones_stay():
    text = normalize_text("📈 Long⚡️ 🎯 2380 🛑 2220 164.5 ✅😎 ✔️")
    assert "📈" not in text and "⚡" not in text and "😎" not in text
    assert "🎯" in text and "🛑" in text and text.count("✅") == 2
    assert "Long " in text


def test_markdown_residue_and_links_are_removed():
    text = normalize_text("**Entry:** `627.06` __SHORT__ [NEWTUSDT](https://bybit.com/x)")
    assert text == "Entry: 627.06 SHORT NEWTUSDT"


def test_urls_and_mentions_are_removed_with_their_digits():
    text = normalize_text("https://www.tradingview.com/x/3k9ARB7S/ by @CRR www.site.com t.me/c/12")
    assert not any(c.isdigit() for c in text)
    assert "@" not in text


def test_dates_and_times_are_removed():
    text = normalize_text("BINANCE, 2026-2-27, T4:30:0 UTC\n27.02.2026 13:00\n2026-02-27T08:00:01Z")
    assert not any(c.isdigit() for c in text)


def test_times_do_not_eat_prices():
    assert normalize_text("Target 1: 0.385") == "Target 1: 0.385"


def test_cyrillic_x_next_to_a_number_becomes_latin_x():
    assert normalize_text("Cross (20х) плечо х10") == "Cross (20x) плечо x10"


def test_cyrillic_x_inside_words_is_kept():
    assert normalize_text("3-х лет") == "3-х лет"


def test_multiplication_sign_is_an_x():
    assert normalize_text("cross (×20)") == "cross (x20)"


def test_labels_glued_by_lost_line_breaks_are_split():
    text = normalize_text("BINANCEPair: SUSHIUSDTPERP LONGLeverage: Cross 10xEntry: 10.7SL: 10.2")
    assert text.split("\n") == [
        "BINANCE",
        "Pair: SUSHIUSDTPERP LONG",
        "Leverage: Cross 10x",
        "Entry: 10.7",
        "SL: 10.2",
    ]


def test_lower_case_copy_keeps_positions():
    text = normalize_text("GİRİŞ: 35.20 #AVAXUSDT")
    assert len(text.lower()) == len(text)
    assert text.lower().startswith("giriş")


def test_dashes_become_hyphens():
    assert normalize_text("2300 – 2340 — 2350 − 1") == "2300 - 2340 - 2350 - 1"
