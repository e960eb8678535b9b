"""Cutting a normalised post into labelled sections.

A channel post is a sequence of labels ("Entry Zone:", "TP1", "Stop", "Leverage", "Вход",
"🎯"...) each followed by the numbers it introduces. A section owns the text from the end
of its label to the next label, limited to its own line; it continues onto the following
lines only when its label line is a header ("Take-Profit Targets:") or already holds
numbers, and never through a line of prose. That one rule reads one-line posts
("… Entry: 0.3144 - 0.3272 DCA: 0.3434 TP ➊: 0.2890 …"), Cornix blocks with numbered
lists, and posts with a paragraph of analysis after the levels.

Numbers are read once for the whole post (`numbers.scan_numbers`) and handed to the
section whose text holds them; numbers before the first label form the preamble.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from services.parsing.normalize import BULLET, HIT_MARK
from services.parsing.numbers import NumberKind, NumberToken, scan_numbers, uses_decimal_comma
from services.parsing.words import NO_LETTER_AFTER, has_any, keyword_regex, search_word


class LabelKind(StrEnum):
    ENTRY = "entry"
    DCA = "dca"
    TARGETS = "targets"
    STOP = "stop"
    LEVERAGE = "leverage"
    BUY = "buy"  # entry of a long, or the targets of a short ("BUY: … SELL: …")
    SELL = "sell"  # entry of a short, or the targets of a long ("Sell Zone: 353-357")
    LONG = "long"
    SHORT = "short"
    CLOSE = "close"  # "Close 33660 31500" lists targets; "Close algo" is a command
    PRICE = "price"  # a bare "Price:" starting a line: the entry of a post that labels none
    IGNORE = "ignore"  # labels whose numbers are not levels: risk, OTE, current price...


# Label spellings, lower-case, each starting with a literal letter (see `words.py`).
# Order matters where two start at the same place: the longer spelling comes first.
_LABELS: tuple[tuple[LabelKind, tuple[str, ...]], ...] = (
    (  # a copy-trading card's fill ("Avg. entry price: 142.37", "Средняя цена входа")
        LabelKind.PRICE,
        (
            r"average\s*(?:entry\s*)?(?:price)?",
            r"avg\.?\s*(?:entry\s*)?(?:price)?",
            r"средн\w*\s+цен\w*(?:\s+входа)?",
        ),
    ),
    (
        LabelKind.IGNORE,
        (
            r"close\s*price",
            r"exit\s*price",
            r"liq(?:uidation)?\.?\s*price",
        ),
    ),
    (
        LabelKind.ENTRY,
        (
            r"limit\s*entr(?:y|ies)",
            r"entr(?:y|ies)(?:\s*(?:zone|price|point|targets?|orders?|limit|range|area|levels?))?"
            r"(?:\s*\(usdt\))?",
            r"buy\s*(?:zone|setup|limit|range|area|price)",
            r"limit",
            r"диапазон\s+входа",
            r"зона\s+входа",
            r"зона\s+покупки",
            r"зона\s+набора",
            r"заход\w*",  # "Заходил по 3 412"
            r"open(?=\s*(?:at|@)(?![^\W\d_]))",  # "Open at CMP (5.412)"
            r"market(?=\s*:)",  # "Market: 38.40 / Limit: 36.90"
            r"bids?(?=\s*(?:at(?![^\W\d_])|:))",  # "Bids at 93.5 and 91.8"
            r"точка\s+входа",
            r"цена\s+входа",
            r"вход\w*",
            r"твх",  # точка входа
            r"вхід\w*",  # Ukrainian
            r"ep",  # entry price
            r"giriş\w*",
            r"entrada",  # Spanish, Portuguese
        ),
    ),
    (LabelKind.DCA, (r"dca", r"усреднени\w*", r"добор\w*", r"add\s+more")),
    (
        LabelKind.STOP,
        (
            r"stop[\s-]*targets?",
            r"stop[\s-]*loss(?:es)?",
            r"stol[\s-]*loss",
            r"stop\w*",
            r"sl",
            "🛑",
            r"стоп[\s-]*лосс\w*",
            r"стоп\w*",
            r"сл",
            r"zarar\s*durdur",
            r"inval(?:idation)?(?:\s*(?:level|point|price|zone))?",  # the level voiding the idea
        ),
    ),
    (
        LabelKind.TARGETS,
        (
            r"take[\s-]*profits?(?:\s*(?:targets?|orders?|levels?))?",
            r"profit\s*targets?",
            r"targets?(?:\s*in\s*usdt)?",
            r"таргет\w*",
            r"tps?",
            r"tgts?",
            r"t(?=\d{1,2}(?![\d.,]))",  # "T1 - 2.58"
            "🎯",
            r"цел(?:ь|и|ей)",
            r"ціл(?:і|ь|ей)",  # Ukrainian
            r"тейк[\s-]*профит\w*",  # "Тейк-профит 1: 67 100"
            r"тейк\w*",
            r"тп",
            r"hedef\w*",
            r"looking\s*for",  # "stop under 1.96, looking for 2.25 then 2.40"
            r"objetivos?",  # Spanish
            r"alvos?",  # Portuguese
        ),
    ),
    (
        LabelKind.LEVERAGE,
        (r"leverage", r"lev\.?", r"плеч\w*", r"kaldıraç", r"apalancamiento", r"alavancagem"),
    ),
    (
        LabelKind.BUY,
        (
            *(r"buy", r"aped(?:\s*in(?:to)?)?", r"покупка", r"купить", r"покупаем", r"покупаю"),
            r"набира\w*",
        ),
    ),
    (LabelKind.SELL, (r"sell(?:\s*zone)?", r"продажа", r"продать")),
    (LabelKind.LONG, (r"long(?:ing)?", r"лонг\w*")),
    (LabelKind.SHORT, (r"short(?:ing)?", r"шорт\w*")),
    (LabelKind.CLOSE, (r"close",)),
    (LabelKind.PRICE, (r"price", r"текущ(?:ая|ая\s+цена|ий\s+курс)")),  # "Текущая ~67 450"
    (
        LabelKind.IGNORE,
        tuple(
            r"""
            risk(?:\s*level)? риск\w* capital(?:\s*invested)? wallet(?:\s*size)? size ote
            qty quantity amount размер\w* roi action r:r rr risk[\s/:-]*reward
            current\s*(?:rate|price) last\s*price mark\s*price expected\s*profit profit(?=\s*:)
            period note client exchanges? direction side trade\s*type signal\s*type call\s*type
            type signal\s*id rsi timeframe таймфрейм время ставка trailing(?:\s*configuration)?
            trigger confluences? pair coin(?:\s*name)? symbol name ticker тикер инструмент монета
            """.split()
        ),
    ),
)


def _one_line(alternative: str) -> str:
    """`\\s` as spaces and tabs only: a label never spans lines ("Long - market entry" over
    "Targets: …" is not "entry targets")."""
    return alternative.replace(r"[\s", r"[ \t").replace(r"\s", r"[ \t]")


_LABEL = keyword_regex([(kind.value, _one_line(alt)) for kind, alts in _LABELS for alt in alts])
# `match.lastgroup` names the alternative that matched (see `keyword_regex`).
_KIND_BY_GROUP = {group: LabelKind(group.split("__", 1)[0]) for group in _LABEL.groupindex}
_ALNUM = re.compile(r"[^\W_]")
_TERM_AFTER = re.compile(r"\s*-?\s*term\b")
# Words saying a level was reached, after its number or price ("Target 2 ✅", "Цель 2 взята").
_HIT_WORDS = r"hit|reached|done|achieved|взят\w*|достигнут\w*|alcanzad\w*|atingid\w*|geldi"
# "TP1 29330", "Target 1: 5.82✅", "Entry 2 - 153", "target 2 ✅"
# "Тейк 2 по #LDO взят ✅": a number, words, then the hit later on the line.
_INDEX = re.compile(
    rf"[ \t]*(?P<i>\d{{1,2}})(?:(?P<strong>[ \t]*(?:[:)]|✅|(?:{_HIT_WORDS})\b)"
    rf"|(?=[ \t]+[^\W\d_][^\n\d]*?(?:✅|(?:{_HIT_WORDS})\b)))"
    r"|(?=[ \t]+-?[ \t]*\$?\.?\d))",
)
_INDEX_BEFORE = re.compile(r"\W*(\d{1,2})[.)]?[ \t]*")
_GLUED_INDEX = re.compile(r"(?P<i>\d)(?P<num>\d*\.\d+)")  # "TP41.3100" = TP4 1.3100
_GLUED_PRICE = re.compile(r"\d*\.\d+")
WORD = re.compile(r"[^\W\d_][^\W\d_]+")  # a word of 2+ letters; see normalize._runs_of
_HIT = re.compile(rf"(?:{HIT_MARK}|filled|{_HIT_WORDS}){NO_LETTER_AFTER}")
# Every match of `_HIT` contains one of these: a post without them is not searched.
_HIT_STEMS = (
    *("✅", "hit", "reached", "done", "achieved", "filled", "взят", "достигнут"),
    *("alcanzad", "atingid", "geldi"),
)
# Enum members are slow to look up in Python 3.11 (EnumType defines __getattr__, so
# every `Kind.MEMBER` takes a slow path, ~0.15 us): code run per number or section
# uses these aliases.
_PRICE = NumberKind.PRICE
_ENTRY, _TARGETS, _CLOSE = LabelKind.ENTRY, LabelKind.TARGETS, LabelKind.CLOSE
_LINE_START_ONLY = (_CLOSE, LabelKind.PRICE)
_INDEXABLE = (_ENTRY, _TARGETS)
_SIDES = (LabelKind.LONG, LabelKind.SHORT)


@dataclass(slots=True)
class Section:
    """One label and the text (spans) and numbers it owns."""

    kind: LabelKind
    label: str
    start: int  # label start in the post
    end: int  # label end (after any index)
    line_start: bool  # the label is the first word of its line
    index: int | None = None  # "TP2" -> 2
    bulleted: bool = False  # "TP ➊: 0.289" - a list item like an index
    spans: list[tuple[int, int]] = field(default_factory=list)
    tokens: list[NumberToken] = field(default_factory=list)
    hits: list[bool] = field(default_factory=list)  # parallel to tokens: marked ✅

    def text(self, post: str) -> str:
        return "\n".join(post[a:b] for a, b in self.spans)

    @property
    def prices(self) -> list[NumberToken]:
        return [t for t in self.tokens if t.kind is _PRICE]


@dataclass(slots=True)
class Layout:
    """A post cut into sections, with every number it holds."""

    text: str
    low: str  # text.lower(), same length
    sections: list[Section]
    tokens: list[NumberToken]
    preamble: list[NumberToken]  # prices on signal-like lines before the first label

    def of_kind(self, *kinds: LabelKind) -> list[Section]:
        return [s for s in self.sections if s.kind in kinds]


def is_prose(line: str) -> bool:
    """A line of sentences rather than levels: four or more words."""
    return len(WORD.findall(line)) >= 4


def line_bounds(text: str, pos: int) -> tuple[int, int]:
    """Start and end of the line holding `pos`."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, (end if end >= 0 else len(text))


def find_labels(low: str) -> list[Section]:
    """Every label in the lower-cased post `low`, in order, without their spans."""
    sections: list[Section] = []
    expected = {_ENTRY: 1, _TARGETS: 1}
    bullets = BULLET in low
    for m in _LABEL.finditer(low):
        start, end = m.span()
        if start and low[start - 1].isalpha():
            continue  # not the start of a word (`words.iter_words`, inlined: this is hot)
        kind = _KIND_BY_GROUP[m.lastgroup]  # type: ignore[index]
        if kind in _SIDES and _TERM_AFTER.match(low, end):
            continue  # "Short Term: 0.72 - 0.74" is a target row, not a side
        line_begin = low.rfind("\n", 0, start) + 1
        line_start = line_begin == start or _ALNUM.search(low, line_begin, start) is None
        if kind in _LINE_START_ONLY and not line_start:
            continue  # "1H Candle Close Under 300" - part of a stop; "Stop price: 9"
        section = Section(kind, m.group(), start, end, line_start)
        if kind in _INDEXABLE and not section.label.endswith(("s", "и", "ies")):
            _read_index(low, section, expected)
            if section.index is None and line_begin < start:  # "2 вход — 6.05"
                before = _INDEX_BEFORE.fullmatch(low, line_begin, start)
                if before is not None:
                    section.index = int(before.group(1))
        if bullets and (
            low.startswith(BULLET, _skip_blanks(low, section.end))  # "TP • 0.289"
            or (line_start and BULLET in low[line_begin:start])  # "1️⃣ вход: 36.20"
        ):
            section.bulleted = True
        sections.append(section)
    return sections


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t:":
        pos += 1
    return pos


def _read_index(text: str, section: Section, expected: dict[LabelKind, int]) -> None:
    m = _INDEX.match(text, section.end)
    want = expected[section.kind]
    if m:
        index = int(m.group("i"))
        own = m.start("i") == section.end  # "TP4 166": the label's own number
        if m.group("strong") is not None or own or index == want:
            section.index = index
            section.end = m.end("i")
            expected[section.kind] = index + 1
        return
    glued = _GLUED_INDEX.match(text, section.end)
    if glued and int(glued.group("i")) == want:
        section.index = want
        section.end = glued.start("num")
        expected[section.kind] = want + 1


def layout(text: str, low: str | None = None) -> Layout:
    """Cut a normalised post into sections and hand each its numbers."""
    low = text.lower() if low is None else low
    sections = find_labels(low)
    tokens = scan_numbers(text, decimal_comma=uses_decimal_comma(text), low=low)
    stops = [s.start for s in sections]
    stops.append(len(text))
    for i, section in enumerate(sections, 1):
        section.spans = _spans(text, section.end, stops[i])
    tokens = _add_glued_numbers(text, sections, tokens)
    _assign(low, sections, tokens)
    first = sections[0].start if sections else len(text)
    preamble = [t for t in tokens if t.end <= first and t.kind is _PRICE]
    if preamble:  # only from lines of levels, not from sentences
        preamble = [t for t in preamble if not is_prose(text[slice(*line_bounds(text, t.start))])]
    return Layout(text, low, sections, tokens, preamble)


def _spans(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    """The text a label owns: the rest of its line, and the level lines below a header."""
    line_end = text.find("\n", start)
    if line_end < 0:
        line_end = len(text)
    if stop <= line_end:
        return [(start, stop)]
    spans = [(start, line_end)]
    head = text[start:line_end]
    if not any(map(str.isdigit, head)) and len(WORD.findall(head)) > 1:
        return spans  # a label inside a sentence: it owns nothing beyond its line
    findall = WORD.findall
    pos = line_end + 1
    while pos < stop:
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        if len(findall(text, pos, line_end)) >= 4:  # is_prose(the whole line)
            break
        end = min(line_end, stop)
        spans.append((pos, end))
        pos = end + 1
    return spans


def _add_glued_numbers(
    text: str, sections: list[Section], tokens: list[NumberToken]
) -> list[NumberToken]:
    """The price of "TP41.3100" is glued to its index, so the scanner skipped it."""
    extra = []
    for section in sections:
        if section.index is None or not text[section.end - 1 : section.end + 1].isdigit():
            continue
        m = _GLUED_PRICE.match(text, section.end)
        if m:
            extra.append(NumberToken(Decimal(m.group()), _PRICE, m.start(), m.end()))
    if not extra:
        return tokens
    return sorted(tokens + extra, key=lambda t: t.start)


def _assign(low: str, sections: list[Section], tokens: list[NumberToken]) -> None:
    """Hand every number to the section whose text holds it, with its ✅ mark."""
    spans = [(a, b, i) for i, section in enumerate(sections) for a, b in section.spans]
    spans.sort()
    starts = [a for a, _, _ in spans]
    marks: list[bool] = [False] * len(tokens)
    if has_any(low, _HIT_STEMS) and search_word(_HIT, low):
        following: NumberToken | None = None
        for n in range(len(tokens) - 1, -1, -1):  # ✅ marks the price before it, past "- 20%"
            token = tokens[n]
            marks[n] = _marked(low, token, following)
            if token.kind is _PRICE:
                following = token
    bisect_right = bisect.bisect_right
    for n, token in enumerate(tokens):
        k = bisect_right(starts, token.start) - 1
        if k < 0:
            continue
        _, b, i = spans[k]
        if token.end > b:
            continue
        section = sections[i]
        section.tokens.append(token)
        section.hits.append(marks[n])


def _marked(low: str, token: NumberToken, following: NumberToken | None) -> bool:
    """True when ✅ (or "hit", "reached"…) follows the number on its line before the next
    price."""
    end = low.find("\n", token.end)
    end = len(low) if end < 0 else end
    if following is not None and following.start < end:
        end = following.start
    return search_word(_HIT, low, token.end, end) is not None
