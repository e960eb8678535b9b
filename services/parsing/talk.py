"""Posts that talk about trades without asking for anything: reports of how a trade ended,
results recaps, adverts recalling old trades. `parse_post` asks these before it takes a
post's levels or management wording as an order (see `parser.py`). Patterns run on the
lower-cased post and start with a literal (see `words.py`); each is searched only when the
post holds one of its stems.
"""

from __future__ import annotations

import re

from services.parsing.updates import unconditional
from services.parsing.words import NO_LETTER_AFTER as _E
from services.parsing.words import has_any, keyword_regex, search_word

# A post that opens by asking ("Anyone know if we should still hold the #DOGE long? …").
_ASKS = re.compile(
    r"\W*(?:(?:guys|friends|folks|друзья|ребята)\W+)?"  # "Guys, who is still holding…?"
    r"(?:anyone|should|can|could|does|do|is|are|what|why|how|when|who|кто|стоит|можно|что"
    r"|как|когда|почему|нужно\s+ли)(?![^\W\d_])(?:[^.!?\n]|\.\d)*\?"
)
# Past-tense news about a trade: a signal post that says one of these is a report on an
# existing trade, not a new one ("… TP 61000 SL 59000 — all targets hit +40%").
_NUMBERED_HIT = (
    r"\s*\d{1,2}\s*(?:is\s+|was\s+)?(?:hit|reached|achieved|done|✅|взят\w*|достигнут\w*)"
)
_ALL_DONE = (
    r"\s+(?:take[\s-]*profit\s+)?(?:targets|tps|take[\s-]*profits?|entr(?:y|ies)(?:\s*targets?)?)"
    r"\s+(?:were\s+|are\s+)?(?:hit|reached|achieved|done|filled)"
)
_STOP_HIT = r"\s+(?:was\s+)?(?:hit|triggered)"
_OUTCOME = keyword_regex(
    [
        *(("hit", word + _NUMBERED_HIT) for word in (r"take[\s-]*profit", "target", "tp", "тп")),
        *(("hit", word + _NUMBERED_HIT) for word in ("цель", "тейк")),
        ("all", "all" + _ALL_DONE),
        *(("closed", word) for word in (r"stopped\s+out", "closed", "cancell?ed", "закрыт[аоы]?")),
        *(("closed", word) for word in ("закрыли", r"отмен[её]н\w*", "выбило", "выбил")),
        *(("stop", word + _STOP_HIT) for word in ("sl", r"stop[\s-]*loss", r"stop\s+targets?")),
    ]
)
# Every match of `_OUTCOME` contains one of these: a post without them reports nothing.
_OUTCOME_STEMS = (
    *("hit", "reached", "achieved", "done", "✅", "взят", "достигнут", "filled", "triggered"),
    *("stopped", "closed", "cancel", "закрыт", "закрыли", "отмен", "выбил"),
)
# "Profit: 49%" on a line of its own (not "Expected profit: 2.11").
_RESULT_LINE = re.compile(
    r"(?m)^\W*(?:profit|pnl|roi|прибыль|профит|результат)\s*[:=-]\s*[+-]?\d+(?:[.,]\d+)?\s*%"
)
_RESULT_LINE_STEMS = ("profit", "pnl", "roi", "прибыль", "профит", "результат")
_PAST = re.compile(
    r"last\s+(?:week|month|year|call|signal|trade)|\d+\s+(?:weeks|months|years)\s+ago"
    r"|throwback|yesterday|вчера|(?:на)?пример\w*|for\s+example|caught|banked|smashed|nailed"
    r"|signals?\s+like\s+this|такие\s+сигналы"
    r"|(?:в|на|из)\s+прошл\w*\s+(?:месяц\w*|недел\w*|году)"
)
_PAST_STEMS = (
    *("last", "ago", "throwback", "yesterday", "вчера", "прошл", "пример", "example", "caught"),
    *("banked", "smashed", "nailed", "like this", "такие сигналы"),
)
# A results recap: "Weekly results", "Итоги недели", "Win rate 82%".
_RECAP = re.compile(
    r"(?:weekly|monthly|daily)\s+(?:results|recap|report|stats)|win\s*rate|винрейт"
    rf"|итоги\s+(?:недели|месяца|дня)|результаты\s+(?:недели|месяца|дня){_E}"
)
_RECAP_STEMS = ("weekly", "monthly", "daily", "win", "винрейт", "итоги", "результаты")
_ADVERT = re.compile(rf"(?:vip|join|subscribe|premium|подпис\w*|вступ\w*|присоедин\w*){_E}")
_ADVERT_STEMS = ("vip", "join", "subscribe", "premium", "подпис", "вступ", "присоедин")


def reports_outcome(low: str) -> bool:
    """True when the lower-cased post reports what happened to a trade (a target hit,
    a stop-out, a close, a "Profit: 49%" line…) rather than advising what to do."""
    return unconditional(_OUTCOME, low, _OUTCOME_STEMS) is not None or (
        has_any(low, _RESULT_LINE_STEMS) and _RESULT_LINE.search(low) is not None
    )


def is_recap(low: str) -> bool:
    """True when the post sums up past results ("Weekly results … Win rate 82%")."""
    return has_any(low, _RECAP_STEMS) and search_word(_RECAP, low) is not None


def recalls_past_trade(low: str) -> bool:
    """True when the lower-cased post is an advert recalling an old trade ("Remember our
    #ETH long from last month? All 4 targets were hit… join VIP"): news about no live
    trade, whatever results it lists."""
    return (
        has_any(low, _PAST_STEMS)
        and has_any(low, _ADVERT_STEMS)
        and search_word(_PAST, low) is not None
        and search_word(_ADVERT, low) is not None
    )


def instructs_nothing(low: str) -> str | None:
    """Why a post with management wording or marked levels asks for nothing, or None: an
    advert recalling an old trade, a results recap, a post that opens by asking."""
    if recalls_past_trade(low):
        return "an advert recalling past trades"
    if is_recap(low):
        return "a results recap"
    if _ASKS.match(low):
        return "a question, not an instruction"
    return None
