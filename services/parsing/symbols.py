"""Finding the traded symbol in a post.

Written forms, strongest first:

1. an explicit pair — `BTC/USDT`, `#BNB_USDT`, `ETH-USDT`, `FHE/ USDT`, `#BTCUSDT`,
   `SUSHIUSDTPERP`, `BTCUSDT.P`, `BTC-PERP`, `1000PEPEUSDT`;
2. a hashtag or cashtag (`#MDX`, `$AXS`), a labelled name (`Pair: XRP`), or a bare coin
   name right next to a side word (`THETA short`, `limit long btc`) — the earliest wins.

The quote is USDT when the post omits it (perpetual markers mean USDT-margined too).
The symbol is not checked against any exchange here: that is the resolver's job.

For speed every search starts from a literal anchor (the quote, `#`/`$`, a label or a
side word) in the lower-cased text, and the coin name is read from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.parsing.words import has_any

DEFAULT_QUOTE = "USDT"

# Words that appear as hashtags or next to a side word but are never coins.
NOT_A_COIN = frozenset(
    """
    long short buy sell signal signals vip free futures future spot margin perp perpetual
    binance bybit okx okex bingx mexc kraken bitget kucoin gate gateio htx huobi bitmex
    deribit coinbase bitfinex phemex exchange exchanges call calls trade trades trading
    scalp scalping swing setup set up enter entry limit market regular type direction side
    potential position positions open opening go the a an to at in on for and or now above
    below term mid my our this is are be of all close closing take profit stop loss sl tp
    leverage lev cross isolated zone new update alert strong medium weak high low risk risky
    idea plan bias looking look still not no too also bullish bearish hold holding quick
    small big price usdt usd usdc busd cmp order orders entries target targets trailing
    sentiment analysis review report results result pnl news chart crypto coin pair move
    moved mover note notice warning attention important reminder breaking disclaimer poll
    vote quiz giveaway contest promo bonus tip tips today daily weekly monthly morning
    you we they me us if when then will can should would could may might just only here
    there some into manually alts altcoins altcoin memes defi ote dca roi utc msk мск ath atl
    rsi ema ma macd vwap fomo fud
    """.split()
)
_STABLE_QUOTES = ("usdt", "usdc", "busd", "fdusd", "tusd")

# "btc/usdt", "bnb_usdt", "eth-usdt", "fhe/ usdt", "btc-perp" (anchored on the separator;
# a space before it, "btc / usdt", belongs to the match too: see `_separated_quotes`)
_SEPARATED_QUOTE = re.compile(r"[/_-] ?(usdt|usdc|busd|fdusd|tusd|usd|btc|eth|perp)(?![a-z0-9])")
# "btcusdt", "sushiusdtperp", "btcusdt.p" (anchored on the quote)
_GLUED_QUOTE = re.compile(r"(usdt|usdc|busd|fdusd|tusd)(?:[._]?p(?:erp)?)?(?![a-z0-9])")
# "#ETHBTC", "$SOLETH": a tag glued to a BTC or ETH quote (a base of 3+ letters: not WBTC)
_GLUED_CRYPTO_QUOTE = re.compile(r"(btc|eth)(?![a-z0-9])")
_TAG = re.compile(r"[#$]([a-z0-9]{1,20})(?![a-z0-9/_&-])")
_LABELLED = re.compile(
    r"(?:pair|coin(?: ?name)?|symbol|name|ticker|asset|token|тикер|инструмент|монета)"
    r"\s*[:=-]?\s*[#$]?([a-z][a-z0-9]{1,19})(?![a-z0-9])"
)
# The label words of `_LABELLED`: a post without any is not searched.
_LABELLED_STEMS = (
    *("pair", "coin", "symbol", "name", "ticker", "asset", "token"),
    *("тикер", "инструмент", "монета"),
)
_SIDE = re.compile(r"(?:long(?:ing)?|short(?:ing)?|лонг|шорт|buy|sell)(?![^\W\d_])")
_SIDE_STEMS = ("long", "short", "лонг", "шорт", "buy", "sell")  # else not searched
_WORD_BEFORE = re.compile(r"(?<![^\W\d_])([a-z][a-z0-9]{1,9}) +$")  # "señal long" names no AL
_WORD_AFTER = re.compile(r" +(?:(?:по|on|for|на) +)?([a-z][a-z0-9]{1,9})(?![a-z0-9/])")
_PRICE_SOON = re.compile(r"(?: +[^\W\d_]+){0,2} +\$?\d")
# Coins by the names Russian-speaking channels give them: "лонганул эфир", "по арбе".
_NICKNAMES = {
    "биток": "btc", "битка": "btc", "битку": "btc", "битке": "btc", "битком": "btc",
    "эфир": "eth", "эфира": "eth", "эфиру": "eth", "эфире": "eth", "эфиром": "eth",
    "арба": "arb", "арбу": "arb", "арбе": "arb", "арбы": "arb",
    "солана": "sol", "солану": "sol", "солане": "sol", "соланы": "sol",
    "рипл": "xrp", "рипла": "xrp", "риплу": "xrp", "догикоин": "doge", "доги": "doge",
    "биткоин": "btc", "биткоина": "btc", "биткоину": "btc", "биткоином": "btc",
    "bitcoin": "btc", "ethereum": "eth", "solana": "sol", "ripple": "xrp", "cardano": "ada",
    "dogecoin": "doge", "polkadot": "dot", "chainlink": "link", "avalanche": "avax",
    "litecoin": "ltc", "toncoin": "ton", "arbitrum": "arb", "optimism": "op", "aptos": "apt",
}  # fmt: skip
_NICKNAME = re.compile(rf"(?:{'|'.join(sorted(_NICKNAMES, key=len, reverse=True))})(?![^\W\d_])")
_NICKNAME_STEMS = (
    *("бит", "эфир", "арб", "солан", "рипл", "доги", "bitcoin", "ethereum", "solana", "ripple"),
    *("cardano", "dogecoin", "polkadot", "chainlink", "avalanche", "litecoin", "toncoin"),
    *("arbitrum", "optimism", "aptos"),
)
# A coin by its name with the ticker in brackets: "Arweave (AR)", "Тонкоин (TON)".
# (Anchored on the bracket; what stands before it is checked in Python, see `words.py`.)
_NAMED_TICKER = re.compile(r"\(([A-Z][A-Z0-9]{1,9})\)")
# A coin named first in the post, as a heading: "DOGE: cancel the 2nd limit entry".
_HEADING = re.compile(r"\W*([A-Z][A-Z0-9]{1,9})(?: ?:| -)")


@dataclass(frozen=True, slots=True)
class SymbolMention:
    symbol: str  # BASE/QUOTE
    start: int
    explicit: bool  # written as a pair (BTC/USDT, BTCUSDT, BTC-PERP)
    weak: bool = False  # a coin's name in prose ("Биток держится…", "Longing Solana"):
    # the symbol only when nothing names one otherwise (`pick_symbol`)


def make_symbol(base: str, quote: str | None = None) -> str:
    """`BASE/QUOTE` in upper case; perpetual markers and a missing quote mean USDT."""
    quote = (quote or DEFAULT_QUOTE).upper()
    if quote == "PERP":
        quote = DEFAULT_QUOTE
    return f"{base.upper()}/{quote}"


def _is_coin_word(base: str) -> bool:
    return not base.isdigit() and base not in NOT_A_COIN


def _base_before(low: str, end: int) -> tuple[int, str] | None:
    """The coin name that ends at `end`: letters and digits, after a tag or a non-word."""
    start = end
    while start > 0 and end - start < 20 and low[start - 1].isascii() and low[start - 1].isalnum():
        start -= 1
    if start == end or (start > 0 and low[start - 1].isalnum()):
        return None
    return start, low[start:end]


_Found = list[tuple[int, int, SymbolMention]]  # (start, end, mention)


def _taken(found: _Found, position: int) -> bool:
    return any(a <= position < b for a, b, _ in found)


def _add(
    found: _Found,
    start: int,
    end: int,
    base: str,
    quote: str | None,
    explicit: bool,
    *,
    weak: bool = False,
) -> None:
    found.append((start, end, SymbolMention(make_symbol(base, quote), start, explicit, weak)))


def symbol_mentions(
    text: str, *, bare_words: bool = True, low: str | None = None
) -> list[SymbolMention]:
    """Every symbol mention in `text`, in order of position.

    `bare_words` also accepts coin names written without a tag next to a side word;
    mixed- or lower-case ones only on short lines ("Limit long Xrp - 1.118").
    `low` is `text.lower()` when the caller has it already.
    """
    return Mentions(text, text.lower() if low is None else low, bare_words=bare_words).all()


class Mentions:
    """The symbol mentions of one post, found in two steps: the explicit pairs first
    (they alone name the symbol of most signals: see `pick_symbol`), the tags, labels and
    bare words only when every mention is asked for."""

    __slots__ = ("_all", "_bare_words", "_found", "_low", "_text")

    def __init__(self, text: str, low: str, *, bare_words: bool = True) -> None:
        self._text, self._low, self._bare_words = text, low, bare_words
        self._found = _explicit_pairs(text, low)
        self._all: list[SymbolMention] | None = None

    def explicit(self) -> list[SymbolMention]:
        """The explicit pairs (BTC/USDT, BTCUSDT, BTC-PERP), in order of position."""
        ordered = sorted(self._found, key=_start_of)
        return [mention for _, _, mention in ordered if mention.explicit]

    def all(self) -> list[SymbolMention]:
        """Every mention (what `symbol_mentions` returns), in order of position."""
        if self._all is None:
            found = self._found
            _add_named(self._text, self._low, found, self._bare_words)
            found.sort(key=_start_of)
            self._all = [mention for _, _, mention in found]
        return self._all


def _start_of(item: tuple[int, int, SymbolMention]) -> int:
    return item[0]


def _explicit_pairs(text: str, low: str) -> _Found:
    found: _Found = []
    if "usd" in low or "btc" in low or "eth" in low or "perp" in low:
        for start, end, quote in _separated_quotes(low):
            base = _base_before(low, start)
            # A word that is never a coin alone can be one in an upper-case pair: "#NOT/USDT"
            if base and base[1] != quote and (
                _is_coin_word(base[1]) or text[base[0] : start].isupper()
            ):
                _add(found, base[0], end, base[1], quote, True)
        for m in _GLUED_QUOTE.finditer(low):
            base = _base_before(low, m.start())
            if base and not base[1].isdigit() and not _taken(found, base[0]):
                _add(found, base[0], m.end(), base[1], m.group(1), True)
        for m in _GLUED_CRYPTO_QUOTE.finditer(low) if "#" in low or "$" in low else ():
            base = _base_before(low, m.start())
            if base and len(base[1]) >= 3 and base[0] and low[base[0] - 1] in "#$":
                if base[1].isalpha() and not _taken(found, base[0]):
                    _add(found, base[0], m.end(), base[1], m.group(1), True)
    return found


def _add_named(text: str, low: str, found: _Found, bare_words: bool) -> None:
    """Add tags, labelled names and bare words next to a side word to `found` (the
    explicit pairs), skipping what a pair already covers."""
    if "#" in low or "$" in low:
        for m in _TAG.finditer(low):
            start = m.start()
            if (start == 0 or not low[start - 1].isalnum()) and not _taken(found, start + 1):
                if _is_coin_word(m.group(1)):
                    _add(found, start, m.end(), m.group(1), None, False)
    for m in _LABELLED.finditer(low) if has_any(low, _LABELLED_STEMS) else ():
        if _starts_word(low, m.start()) and _is_coin_word(m.group(1)):
            if not _taken(found, m.start(1)):
                _add(found, m.start(1), m.end(1), m.group(1), None, False)
    if bare_words and has_any(low, _SIDE_STEMS):
        for m in _SIDE.finditer(low):
            if _starts_word(low, m.start()):
                _bare_word_near_side(text, low, m, found)
    # A coin's name in prose is a weak mention (see `pick_symbol`): looked for only when
    # nothing else names a coin.
    for m in _NICKNAME.finditer(low) if not found and has_any(low, _NICKNAME_STEMS) else ():
        if _starts_word(low, m.start()) and not _taken(found, m.start()):
            _add(found, m.start(), m.end(), _NICKNAMES[m.group()], None, False, weak=True)
    for m in _NAMED_TICKER.finditer(text) if "(" in text else ():
        before = m.start() - 1 if m.start() and text[m.start() - 1] == " " else m.start()
        if not before or not text[before - 1].isalpha():
            continue  # a ticker in brackets right after a name: "Arweave (AR)"
        ticker = m.group(1).lower()
        if _is_coin_word(ticker) and not _taken(found, m.start(1)):
            _add(found, m.start(1), m.end(1), ticker, None, False)
    heading = _HEADING.match(text)
    if heading and _is_coin_word(heading[1].lower()) and not _taken(found, heading.start(1)):
        _add(found, heading.start(1), heading.end(1), heading[1].lower(), None, False)


def _separated_quotes(low: str) -> list[tuple[int, int, str]]:
    """(start, end, quote) of every `_SEPARATED_QUOTE` match, a space before the separator
    included: what `[/_-] ?Q| [/_-] ?Q` would find, but scanning only separators (a
    pattern anchored on spaces tries a match at every one of them)."""
    if "/" not in low and "-" not in low and "_" not in low:
        return []
    # The space before a separator cannot end an earlier match (that ends with a quote).
    return [
        (m.start() - 1 if m.start() and low[m.start() - 1] == " " else m.start(), m.end(), m[1])
        for m in _SEPARATED_QUOTE.finditer(low)
    ]


def _starts_word(low: str, pos: int) -> bool:
    return pos == 0 or not low[pos - 1].isalpha()


def _bare_word_near_side(text: str, low: str, side: re.Match[str], found: _Found) -> None:
    """The coin written right before or after a side word: "THETA short", "long Xrp".

    An upper-case name anywhere; another case only while nothing else names a coin, and
    only on a short line or when a price follows within two words ("short btc here 68.9k,
    sl 69.6k, tp 67.5k").
    """
    line_start = low.rfind("\n", 0, side.start()) + 1
    line_end = low.find("\n", side.end())
    line_end = len(low) if line_end < 0 else line_end
    short_line = len(low[line_start:line_end].split()) <= 8
    before = _WORD_BEFORE.search(low, line_start, side.start())
    after = _WORD_AFTER.match(low, side.end(), line_end)
    for m in (before, after):
        if m is None:
            continue
        # a price right after: the coin's ("long btc 64.2k") or the side word's ("btc long 64.2k")
        soon = _PRICE_SOON.match(low, m.end(1) if m is after else side.end(), line_end) is not None
        start, end = m.start(1), m.end(1)
        if start > 0 and low[start - 1] in "#$/":
            continue  # a tag or a pair is read elsewhere
        word = low[start:end]
        if not _is_coin_word(word) or _taken(found, start):
            continue
        if text[start:end].isupper() or (not found and (short_line or soon)):
            _add(found, start, end, word, None, False)


def pick_symbol(mentions: list[SymbolMention]) -> str | None:
    """The post's symbol: the first explicit pair, else the first mention that is not a
    coin's name in prose, else the first mention."""
    for mention in mentions:
        if mention.explicit:
            return mention.symbol
    for mention in mentions:
        if not mention.weak:
            return mention.symbol
    return mentions[0].symbol if mentions else None
