"""Reading a new signal out of a post's sections.

Fields come from their labels (`sections.py`); where a channel omits a label the usual
positions are used instead: the numbers after the side word ("BTCUSDT LONG 36705-36200"),
or a line of bare numbers before the first label ("$SAND / long / 0.646"). `BUY:`/`SELL:`
are read as entry and targets in the order they come; `Close 33660 31500` after an entry
is a target list. The side is the one the prices show (targets above the entry, stop
below: long), else the stated one; a disagreement between the two is recorded as a
problem, as are a stop on the wrong side and targets out of order (see `validation.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import pairwise

from services.parsing.model import EntryType, MarginMode, MarketType, ParsedSignal, Side
from services.parsing.numbers import NumberKind, NumberToken
from services.parsing.prices import infer_side, rescale_outliers
from services.parsing.sections import WORD, LabelKind, Layout, Section, line_bounds
from services.parsing.symbols import SymbolMention, pick_symbol
from services.parsing.terms import margin_mode, stated_market
from services.parsing.validation import check_consistency
from services.parsing.words import NO_LETTER_AFTER, has_any, iter_words, search_word

# Patterns run on the lower-cased post and start with a literal (see `words.py`).
_MARKET_WORDS = re.compile(
    rf"(?:cmp|market|now|current(?:\s*price)?|по\s*рынку|рын\w*|текущ\w*){NO_LETTER_AFTER}"
)
# Literal stems: every match of the pattern they follow contains one of them, so a post
# holding none is not searched (`words.has_any`).
_MARKET_WORDS_STEMS = ("cmp", "market", "now", "current", "рын", "текущ")
_OPEN_NOW = re.compile(
    r"(?:открыва\w*|открыть|открываем|open|enter)\s+(?:a\s+)?"
    rf"(?P<side>лонг|шорт|long|short){NO_LETTER_AFTER}"
    rf"|market\s+(?P<side2>buy|sell|long|short){NO_LETTER_AFTER}"
    r"|(?P<side3>buy|sell|long|short|лонг|шорт)\s+(?:at|@|по)\s+(?:market|cmp|рынку)"
)
_OPEN_NOW_HINT = ("открыв", "открыт", "open", "enter", "market", "cmp", "рынку")  # pre-check
_NEGATION_BEFORE = re.compile(r"(?:не|don'?t|do\s+not|never|no)\s*$")
_SIDE_OF = {
    LabelKind.LONG: Side.LONG,
    LabelKind.SHORT: Side.SHORT,
    LabelKind.BUY: Side.LONG,
    LabelKind.SELL: Side.SHORT,
}
# Enum members are slow to look up in Python 3.11 (EnumType defines __getattr__, so
# every `Kind.MEMBER` takes a slow path, ~0.15 us): code run per post or per number
# uses these aliases.
_PRICE, _PERCENT, _LEVERAGE = NumberKind.PRICE, NumberKind.PERCENT, NumberKind.LEVERAGE
_ENTRY, _TARGETS, _STOP, _DCA = LabelKind.ENTRY, LabelKind.TARGETS, LabelKind.STOP, LabelKind.DCA
_LEVERAGE_LABEL = LabelKind.LEVERAGE
_SIDE_LABELS = (LabelKind.LONG, LabelKind.SHORT)
_TOWARDS = frozenset({"to", "till", "until", "towards", "до", "к"})
# Words that may stand between a side word and its entry without making it a sentence:
# "Шорт #BTC по рынку (≈ 67850)", "long on $DYDX here at 2.08", "лонг по BTC от 64200".
_ENTRY_FILLERS = frozenset(
    """at on in into some from here now market cmp spot zone range area limit limits around
    about near approx current по рынку от на споте спот зоне диапазоне лимитками лимиткой около
    текущих текущей текущим рынка usdt usdc perp""".split()
)
_MAX_LEVERAGE_READ = 250
_NO_STOP = re.compile(
    r"[\W_]*(?:не\s+став\w*|нет|без|none|no|not\s+set|n/a)(?![^\W\d_])"  # "Стоп не ставлю"
)
# Between a leverage label and its bare number: separators and at most two words ("Плечо
# не больше 5"), no end of sentence ("No leverage. Hold for 1-3 weeks").
_LEVERAGE_GAP = re.compile(r"[\s:=(-]*(?:[^\W\d_]+[\s:=(-]*){0,2}")
_LEG_KINDS = frozenset({LabelKind.BUY, LabelKind.SELL, LabelKind.CLOSE})
_BUY_SELL = (LabelKind.BUY, LabelKind.SELL)
_SIDE_FIELDS = ("side", "direction", "action")
_PRICE_FIELD = LabelKind.PRICE
# "Entry: CMP", "Buy at market", "Шорт #LDO по рынку": labels whose head may order at market
_MARKET_ENTRY_LABELS = (*_BUY_SELL, LabelKind.ENTRY, *_SIDE_LABELS)
_ENTRY_TYPES = (EntryType.MARKET, EntryType.SINGLE, EntryType.ZONE, EntryType.LADDER)


@dataclass(slots=True)
class SignalDraft:
    """Everything a post says that a signal needs, before deciding what the post is."""

    symbol: str | None = None
    stated_side: Side | None = None
    entries: list[Decimal] = field(default_factory=list)
    entry_hits: list[bool] = field(default_factory=list)
    has_entry_label: bool = False
    at_market: bool = False
    market_entry: bool = False  # "Entry: CMP" / "Buy at market" with no entry price
    open_now: bool = False  # a one-line order to open at market: "Открывать ЛОНГ"
    targets: list[Decimal] = field(default_factory=list)
    target_hits: list[bool] = field(default_factory=list)
    # The number the post gives its first entry / target ("Target 2 ✅ 36.90": 2), 1 when
    # unnumbered: a copy that lists only its later targets has not hit them all.
    first_entry_number: int = 1
    first_target_number: int = 1
    stop: Decimal | None = None
    stop_pct: Decimal | None = None
    leverage: int | None = None
    margin_mode: MarginMode | None = None
    market_type: MarketType | None = None
    dca: list[Decimal] = field(default_factory=list)

    @property
    def side(self) -> Side | None:
        return infer_side(self.entries, self.targets, self.stop) or self.stated_side

    @property
    def has_levels(self) -> bool:
        return bool(self.entries or self.targets or self.stop is not None)

    @property
    def has_marks(self) -> bool:
        return any(self.target_hits) or any(self.entry_hits)

    def is_complete(self) -> bool:
        """A symbol, a side, an entry (or a market order) and a target or stop."""
        return (  # the side (a computation) is asked last
            self.symbol is not None
            and bool(self.entries or self.market_entry or self.open_now)
            and bool(self.targets or self.stop is not None)
            and self.side is not None
        )

    def is_minimal(self) -> bool:
        """Less than complete but still an order: "Limit long XRP - 1.118", "Open LONG"."""
        if self.symbol is None or self.side is None:
            return False
        return (bool(self.entries) and self.has_entry_label) or (
            self.open_now and self.stated_side is not None
        )


def read_draft(layout: Layout, mentions: list[SymbolMention]) -> SignalDraft:
    """Collect the signal fields of a post (see the module docstring)."""
    low = layout.low
    draft = SignalDraft(symbol=pick_symbol(mentions))
    by_kind = _by_kind(layout.sections)
    sides = _sides(layout.sections, by_kind)
    leg_side = _read_entries_and_targets(layout, by_kind, sides, draft)
    _read_stop(by_kind.get(_STOP, []), draft, low)
    draft.leverage = _read_leverage(layout, by_kind.get(_LEVERAGE_LABEL, []))
    draft.dca = [t.value for s in by_kind.get(_DCA, []) for t in s.prices]
    # A stated "long"/"short" beats the side implied by "BUY:"/"SELL:" used as the entry.
    draft.stated_side = _SIDE_OF[sides[0].kind] if sides else leg_side or _side_field(layout)
    for m in iter_words(_OPEN_NOW, low) if has_any(low, _OPEN_NOW_HINT) else ():
        start, end = line_bounds(low, m.start())
        line = low[start:end]
        if (
            len(WORD.findall(line)) <= 4
            and "?" not in line
            and not _NEGATION_BEFORE.search(low, max(start, m.start() - 10), m.start())
        ):
            draft.open_now = True
            word = m.group("side") or m.group("side2") or m.group("side3")
            if draft.stated_side is None:
                draft.stated_side = Side.LONG if word in ("long", "buy", "лонг") else Side.SHORT
            break
    draft.margin_mode = margin_mode(low)
    # Futures on leverage or a short, whatever the post says; else what it says.
    if draft.leverage is not None or draft.side is Side.SHORT:
        draft.market_type = MarketType.FUTURES
    else:
        draft.market_type = stated_market(low, bool(sides))
    return draft


def _by_kind(sections: list[Section]) -> dict[LabelKind, list[Section]]:
    """The sections of each label kind, in post order (`Layout.of_kind` for one kind,
    computed once instead of once per question)."""
    groups: dict[LabelKind, list[Section]] = {}
    for section in sections:
        group = groups.get(section.kind)
        if group is None:
            groups[section.kind] = [section]
        else:
            group.append(section)
    return groups


def _sides(sections: list[Section], by_kind: dict[LabelKind, list[Section]]) -> list[Section]:
    """The LONG/SHORT sections in post order (`Layout.of_kind`, skipped for the many posts
    that state no side as a label)."""
    if _SIDE_LABELS[0] not in by_kind and _SIDE_LABELS[1] not in by_kind:
        return []
    return [s for s in sections if s.kind in _SIDE_LABELS]


def _side_field(layout: Layout) -> Side | None:
    """A buy/sell word as the value of a side field: "Side: Sell", "Direction: Buy"."""
    for field_label, value in pairwise(layout.sections):
        if (
            value.kind in _BUY_SELL
            and field_label.kind is LabelKind.IGNORE
            and field_label.label in _SIDE_FIELDS
            and "\n" not in layout.low[field_label.end : value.start]
        ):
            return _SIDE_OF[value.kind]
    return None


def _price_hits(section: Section) -> tuple[list[Decimal], list[bool]]:
    """The section's prices and, for each, whether it is marked ✅ (hit / filled)."""
    values: list[Decimal] = []
    marks: list[bool] = []
    for t, hit in zip(section.tokens, section.hits, strict=True):
        if t.kind is _PRICE:
            values.append(t.value)
            marks.append(hit)
    return values, marks


def _collect(
    sections: list[Section], text: str, *, targets: bool
) -> tuple[list[Decimal], list[bool], int]:
    """Numbered or bulleted labels add up; otherwise the first labelled list counts.

    For targets, a repeated label also adds up when it starts a line ("🎯 2380 / 🎯 2420")
    or directly continues the previous list; one inside a sentence ("… 6.3 and bonus
    target 3.1") does not. Also returns the number the list starts from: its first label's
    index ("TP2 36.90": 2), else 1.
    """
    values: list[Decimal] = []
    hits: list[bool] = []
    first_number = 1
    previous: Section | None = None
    for section in sections:
        if not section.line_start and not _prices_follow(section, text):
            continue  # "… цель движения - снятие ликвидности над 16.00": a word in prose
        found, marks = _price_hits(section)
        if found:
            if not values:
                values, hits = found, marks
                first_number = 1 if section.index is None else section.index
            elif (
                section.index is not None
                or section.bulleted
                or (targets and (section.line_start or _continues(previous, section, text)))
            ):
                values += found
                hits += marks
            previous = section
    return values, hits, first_number


def _continues(previous: Section | None, section: Section, text: str) -> bool:
    """True when only separators stand between the previous list and this label."""
    if previous is None or not previous.tokens or previous.spans[-1][1] != section.start:
        return False
    gap = text[previous.tokens[-1].end : section.start]
    return not any(c.isalpha() for c in gap)


def _read_entries_and_targets(
    layout: Layout,
    by_kind: dict[LabelKind, list[Section]],
    sides: list[Section],
    draft: SignalDraft,
) -> Side | None:
    """Fill entries and targets; return the side implied by a BUY/SELL entry, if any.

    `by_kind` groups the layout's sections by kind; `sides` are its LONG/SHORT sections.
    """
    text = layout.text
    entry_sections = by_kind.get(_ENTRY, [])
    draft.has_entry_label = bool(entry_sections)
    target_sections = by_kind.get(_TARGETS, [])
    draft.entries, draft.entry_hits, draft.first_entry_number = _collect(
        entry_sections, text, targets=False
    )
    draft.targets, draft.target_hits, draft.first_target_number = _collect(
        target_sections, text, targets=True
    )
    legs: list[Section] = []
    if not _LEG_KINDS.isdisjoint(by_kind):  # most posts have no BUY/SELL/CLOSE label
        legs = [
            s
            for s in layout.of_kind(LabelKind.BUY, LabelKind.SELL, LabelKind.CLOSE)
            if _prices_follow(s, text)
            and (s.kind is not LabelKind.CLOSE or draft.entries or len(s.prices) > 1)
        ]
    entry_source: Section | None = None
    leg_side: Side | None = None
    if not draft.entries:
        trade_legs = [s for s in legs if s.kind is not LabelKind.CLOSE]
        if trade_legs:
            entry_source = trade_legs[0]
            draft.entries, draft.entry_hits = _price_hits(entry_source)
            leg_side = _SIDE_OF[entry_source.kind]
            draft.has_entry_label = True
    if not draft.entries:
        side_section = next((s for s in sides if _prices_follow(s, text)), None)
        if side_section is not None:
            entry_source = side_section
            draft.entries, draft.entry_hits = _price_hits(side_section)
    if not draft.entries:  # "Price: 3412.55" in an alert that labels no entry
        field = next((s for s in by_kind.get(_PRICE_FIELD, []) if s.prices), None)
        if field is not None:
            entry_source = field
            draft.entries, draft.entry_hits = _price_hits(field)
    if not draft.entries and layout.preamble:
        draft.entries = [t.value for t in layout.preamble]
        draft.entry_hits = [False] * len(draft.entries)
    if draft.entries and not draft.targets:
        rest = [s for s in legs if s is not entry_source]
        if rest:
            draft.targets, draft.target_hits = _price_hits(rest[0])
    sources = [*entry_sections, entry_source] if entry_source else entry_sections
    low = layout.low
    # The stems are whole-word parts, so a section's text holds one only if the post does.
    market_words = has_any(low, _MARKET_WORDS_STEMS)
    draft.at_market = market_words and any(search_word(_MARKET_WORDS, s.text(low)) for s in sources)
    if market_words and entry_source is not None and entry_source.kind is _PRICE_FIELD:
        # "#BTC шорт по рынку / Текущая ~67 450": the price is the market order's reference
        draft.at_market = draft.at_market or any(
            search_word(_MARKET_WORDS, _head(s, low)) for s in sides
        )
    if not draft.entries and market_words:
        # "Entry: CMP", "Buy at market": an order at the current price, no price given
        draft.market_entry = any(
            search_word(_MARKET_WORDS, _head(s, low)) for s in layout.of_kind(*_MARKET_ENTRY_LABELS)
        )
    return leg_side


def _head(section: Section, text: str) -> str:
    """The first few words after a label."""
    start, end = section.spans[0]
    return " ".join(text[start:end].split()[:4])  # "Открываю шорт по #XRP по рынку"


def _prices_follow(section: Section, text: str) -> bool:
    """The first price comes right after the label ("LONG 36705", "long above: 12$"),
    not inside a sentence ("long setup: waiting for a retest of 140") and not as a
    destination ("short to 58000" names a target, not an entry)."""
    first = next((t for t in section.tokens if t.kind is _PRICE), None)
    if first is None:
        return False
    words = WORD.findall(text[section.end : first.start].lower())
    if _TOWARDS.intersection(words):
        return False
    return len(words) <= 2 or sum(w not in _ENTRY_FILLERS for w in words) <= 1


def _read_stop(stops: list[Section], draft: SignalDraft, low: str) -> None:
    """The first stop price, else the first stop percentage (`stops`: the STOP sections),
    unless the stop is said not to be set ("Стоп не ставлю, … докупаю на 0.90")."""
    stops = [s for s in stops if not _NO_STOP.match(low, s.end)]
    for section in stops:
        first = next((t for t in section.tokens if t.kind is _PRICE), None)
        if first is not None:
            draft.stop = first.value
            return
    for section in stops:
        percents = [t for t in section.tokens if t.kind is _PERCENT]
        if percents:
            draft.stop_pct = percents[0].value
            return


def _read_leverage(layout: Layout, sections: list[Section]) -> int | None:
    """From the LEVERAGE `sections` (a leverage, else a whole number), else the post."""
    for section in sections:
        lev = next((t for t in section.tokens if t.kind is _LEVERAGE), None)
        if lev is not None:
            return _as_leverage(lev)
        whole = next((t for t in section.prices if t.value == t.value.to_integral_value()), None)
        # "Leverage: 20", "Плечо 10", not "No leverage. Hold for 1-3 weeks"
        if whole is not None and _LEVERAGE_GAP.fullmatch(layout.low, section.end, whole.start):
            return _as_leverage(whole)
    anywhere = next((t for t in layout.tokens if t.kind is _LEVERAGE), None)
    return None if anywhere is None else _as_leverage(anywhere)


def _as_leverage(token: NumberToken) -> int | None:
    value = int(token.value)
    return value if 1 <= value <= _MAX_LEVERAGE_READ else None


def build_signal(draft: SignalDraft) -> ParsedSignal:
    """Turn a complete (or minimal) draft into a signal, with its problems listed."""
    inferred_draft = infer_side(draft.entries, draft.targets, draft.stop)  # `draft.side`:
    draft_side = inferred_draft or draft.stated_side  # computed once
    assert draft.symbol is not None and draft_side is not None
    notes: list[str] = []
    targets, stop = draft.targets, draft.stop
    if draft.entries:
        reference = (min(draft.entries) + max(draft.entries)) / 2
        targets = rescale_outliers(targets, reference, "targets", notes)
        if stop is not None:
            stop = rescale_outliers([stop], reference, "the stop loss", notes)[0]
    # Without a note nothing was rescaled: the prices, hence their side, are the draft's.
    inferred = infer_side(draft.entries, targets, stop) if notes else inferred_draft
    side = inferred or draft.stated_side or draft_side
    entries = tuple(sorted(set(draft.entries)))  # a price listed twice is one entry
    entry_type = _ENTRY_TYPES[min(len(entries), 3)]
    signal = ParsedSignal(
        symbol=draft.symbol,
        side=side,
        entries=entries,
        entry_type=entry_type,
        targets=tuple(targets),
        stop_loss=stop,
        leverage=draft.leverage,
        margin_mode=draft.margin_mode,
        market_type=draft.market_type,
        at_market=draft.at_market or not entries,
        stop_loss_pct=draft.stop_pct if stop is None else None,
        dca=tuple(draft.dca),
        stated_side=draft.stated_side,
    )
    problems = tuple(notes) + tuple(check_consistency(signal))
    return replace(signal, problems=problems) if problems else signal
