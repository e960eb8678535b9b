"""Trade terms a signal states besides its levels: the margin mode and the market
(spot or futures). Patterns run on the lower-cased post and start with a literal
(see `words.py`); each is only searched when the post holds one of its stems (literal
parts every match contains, `words.has_any`)."""

from __future__ import annotations

import re

from services.parsing.model import MarginMode, MarketType
from services.parsing.words import NO_LETTER_AFTER, has_any, search_word

_FUTURES_WORDS = re.compile(
    rf"(?:futures?|perp|perpetual|usdt-?m|фьюч\w*|фандинг\w*|funding){NO_LETTER_AFTER}"
)
_PERP_SUFFIX = re.compile(r"usdt(?:perp|\.p)\b")
# Of both patterns above ("usdt" alone is in most posts, so its longer forms are listed).
_FUTURES_STEMS = ("futur", "perp", "usdtm", "usdt-m", "usdt.p", "фьюч", "фандинг", "funding")
_SPOT_WORD = re.compile(rf"(?:spot|спот){NO_LETTER_AFTER}")
_SPOT_WORD_STEMS = ("spot", "спот")
_EXCHANGE_LABEL = re.compile(r"exchanges?\s*[:=-]")
_CROSS = re.compile(rf"(?:cross|кросс){NO_LETTER_AFTER}")
_CROSS_STEMS = ("cross", "кросс")
_ISOLATED = re.compile(rf"(?:isolated|изолир\w*){NO_LETTER_AFTER}")
_ISOLATED_STEMS = ("isolated", "изолир")


def margin_mode(low: str) -> MarginMode | None:
    """Cross or isolated margin, when the post says which."""
    if has_any(low, _CROSS_STEMS) and search_word(_CROSS, low):
        return MarginMode.CROSS
    if has_any(low, _ISOLATED_STEMS) and search_word(_ISOLATED, low):
        return MarginMode.ISOLATED
    return None


def stated_market(low: str, says_long_short: bool) -> MarketType | None:
    """Futures on perp wording; spot when stated; else unknown — for a post that states
    no leverage and is not a short (those are futures whatever they say).

    "Long"/"short" are derivatives words (a spot trade is a "buy"), so a post that uses
    them and does not say spot is read as futures.
    """
    futures = has_any(low, _FUTURES_STEMS) and (
        search_word(_FUTURES_WORDS, low) is not None or _PERP_SUFFIX.search(low) is not None
    )
    spot = has_any(low, _SPOT_WORD_STEMS) and search_word(_SPOT_WORD, low) is not None
    if futures and spot:
        return None  # "SPOT & FUTURES": the follower chooses
    if futures:
        return MarketType.FUTURES
    if spot or ("exchange" in low and search_word(_EXCHANGE_LABEL, low)):
        # Cornix convention: "Exchanges: Binance" (no leverage) is the spot account
        return MarketType.SPOT
    return MarketType.FUTURES if says_long_short else None
