import pytest

from services.parsing.normalize import normalize_text
from services.parsing.symbols import make_symbol, pick_symbol, symbol_mentions


def symbol_of(text: str) -> str | None:
    return pick_symbol(symbol_mentions(normalize_text(text)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BTC/USDT long", "BTC/USDT"),
        ("#BTCUSDT", "BTC/USDT"),
        ("#BNB_USDT Scalp", "BNB/USDT"),
        ("ETH-USDT", "ETH/USDT"),
        ("PAIR:  FHE/ USDT", "FHE/USDT"),
        ("BTC-PERP short", "BTC/USDT"),
        ("SUSHIUSDTPERP LONG", "SUSHI/USDT"),
        ("BTCUSDT.P", "BTC/USDT"),
        ("1000PEPEUSDT", "1000PEPE/USDT"),
        ("#1000PEPE/USDT", "1000PEPE/USDT"),
        ("$BTC", "BTC/USDT"),
        ("#MDX spot", "MDX/USDT"),
        ("Lit/Usdt short scalp", "LIT/USDT"),
        ("ETH/BTC", "ETH/BTC"),
        ("Pair: XRP LONG", "XRP/USDT"),
        ("THETA short", "THETA/USDT"),
        ("Limit long Xrp - 1.118", "XRP/USDT"),
        ("61800 limit long btc", "BTC/USDT"),
    ],
)
def test_symbol_forms(text, expected):
    assert symbol_of(text) == expected


def test_explicit_pair_beats_an_earlier_tag():
    assert symbol_of("#BINANCE FUTURES $LTC\n#LTC/USDT (Long)") == "LTC/USDT"
    assert symbol_of("Long/Buy #1INCH/USDT 3.26 … Buy #LINK when…") == "1INCH/USDT"


def test_exchange_and_side_hashtags_are_not_coins():
    assert symbol_of("#Bybit Call #LONG #SHORT #EXCHANGE: Binance") is None


def test_side_word_is_never_a_base():
    assert symbol_of("🔴 Short : BTC/USDT") == "BTC/USDT"


def test_lower_case_bare_word_only_on_short_lines():
    long_line = "how long do you think the market will stay this quiet before moving again"
    assert symbol_of(long_line) is None


def test_channel_tag_after_the_coin_does_not_win():
    assert symbol_of("THETA short\nEntry 8.8\n#CCC bearish") == "THETA/USDT"


def test_make_symbol_defaults_quote_to_usdt():
    assert make_symbol("btc") == "BTC/USDT"
    assert make_symbol("btc", "perp") == "BTC/USDT"
    assert make_symbol("eth", "btc") == "ETH/BTC"
