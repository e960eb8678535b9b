"""`parse_post`: a channel post's text in, exactly one `ParseResult` out. Pure: no I/O.

The order of the questions matters, and is what keeps updates from opening trades:

1. A signal-shaped post whose targets or entries are marked ✅ is progress on an existing
   trade (an edited signal, a results post): an update, or a close once every target is hit
   (from target 1: "Target 2 ✅ 36.90" has not hit them all).
2. A complete signal (symbol, side, entry or market order, target or stop) is a new trade,
   whatever management advice it also contains ("move your stop to entry after TP1") —
   unless it reports an outcome ("all targets hit", "closed", "stopped out"), or is not a
   call: the sentence giving its entry is a question ("Should I long ETH at 3000?") or a
   hypothetical ("if you long BTC at 60,000"), what leads to it recalls a past trade
   ("VIP members caught this one:"), or the post says there is no trade.
3. A market review is noise, whatever levels it mentions.
4. Otherwise management wording (target hit, stop moved, close, cancel…) makes an update
   or a close.
5. Short orders without targets ("Limit long XRP - 1.118", "Открывать ЛОНГ") are signals.
6. Everything else is noise — marked `looks_like_signal` when it had a symbol and levels.

Updates and closes (1 and 4) are noise when the post instructs nothing (`talk.py`: an
advert recalling an old trade, a results recap, a post that opens by asking); a post with a
signal's side, targets and stop whose entry cannot be read is "no entry price", never a
move of a live trade's stop. A post that opens a new trade after news of another ("По #AVAX
забрали вторую цель. / Новая сделка: / #FIL лонг …", "заходим повторно") is read from
where the new trade starts.
"""

from __future__ import annotations

import re

from services.parsing.model import (
    CLOSING_KINDS,
    Noise,
    ParsedClose,
    ParsedSignal,
    ParsedUpdate,
    ParseResult,
    Side,
    UpdateAction,
    UpdateKind,
)
from services.parsing.normalize import normalize_text
from services.parsing.sections import Layout, layout, line_bounds
from services.parsing.signal import SignalDraft, build_signal, read_draft
from services.parsing.symbols import Mentions
from services.parsing.talk import instructs_nothing, reports_outcome
from services.parsing.updates import read_actions, states_stop_move
from services.parsing.words import NO_LETTER_AFTER, has_any, search_word

_PROGRESS_NEWS = (UpdateKind.SL_TO_BREAKEVEN, UpdateKind.MODIFY_TP)
_STOP_MOVES = (UpdateKind.SL_TO_BREAKEVEN, UpdateKind.MOVE_SL)
# On the entry's line or the line before it: the levels are a past trade's, an example's.
_RECALLED = re.compile(
    r"(?:caught|banked|smashed|nailed|delivered|printed|gave|example|yesterday"
    rf"|пример\w*|забрали|заработали|поймали|вчера){NO_LETTER_AFTER}"
)
# In the entry's sentence: a hypothetical ("if you long BTC at 60,000…").
_HYPOTHETICAL = re.compile(rf"(?:if|если)\s+(?:you|вы|ты){NO_LETTER_AFTER}")
# Anywhere: the author says there is no trade ("Пока наблюдаем, сделки нет").
_NO_TRADE = re.compile(
    r"сделки\s+(?:пока\s+)?нет|пока\s+наблюдаем|no\s+trade\s+(?:yet|for\s+now)"
    rf"|not\s+a\s+(?:signal|call|trade)|не\s+сигнал|just\s+watching{NO_LETTER_AFTER}"
)
_NO_TRADE_STEMS = ("сделки", "наблюдаем", "no trade", "not a", "не сигнал", "watching")
# Where the post's new trade starts after news of another: a line "Новая сделка 👇", "Next
# one", or (anywhere) "заходим повторно". Each starts with a literal (see `words.py`); the
# start of the line is checked in Python.
_NEW_TRADE_LINE = re.compile(
    r"(?:нов(?:ая|ый)|следующ(?:ая|ий))\s+(?:сделка|сигнал|вход)"
    rf"|new\s+(?:trade|signal|setup|call|position)|next\s+(?:one|trade|signal|call|setup){NO_LETTER_AFTER}"
)
_NEW_TRADE_ANYWHERE = re.compile(
    r"(?:заходим|входим|захожу|вхожу)\s+(?:повторно|снова|ещ[её]\s+раз)"
    rf"|повторно\s+(?:заходим|входим|захожу|вхожу)|re-?enter(?:ing)?{NO_LETTER_AFTER}"
)
_NEW_TRADE_STEMS = (
    *("новая", "новый", "следующ", "new ", "next ", "заходим", "входим", "re-enter", "reenter"),
    *("захожу", "вхожу"),
)
_WORD_CHAR = re.compile(r"\w")
_SENTENCE_END = re.compile(r"[?!\n]|\.(?!\d)")
_REVIEW = re.compile(
    rf"(?:обзор\w*|review|analysis|аналитика|разбор\w*|market\s+update){NO_LETTER_AFTER}"
)


def parse_post(text: str) -> ParseResult:
    """Read one channel post (see the module docstring for the decision order)."""
    norm = normalize_text(text)
    if not norm.strip():
        return Noise("empty post")
    low = norm.lower()
    if has_any(low, _NEW_TRADE_STEMS):
        at = _new_trade_start(low)
        if at:
            tail = _new_trade(norm, low, at) or _reentry(norm, low)
            if tail is not None:
                return tail
    return _read(norm, low)


def _new_trade_start(low: str) -> int | None:
    """Where a new trade starts after news of another (see `_NEW_TRADE_LINE`), if it does."""
    for m in _NEW_TRADE_LINE.finditer(low):
        line_start = low.rfind("\n", 0, m.start()) + 1
        if not _WORD_CHAR.search(low, line_start, m.start()):
            return m.start()
    anywhere = search_word(_NEW_TRADE_ANYWHERE, low)
    return None if anywhere is None else anywhere.start()


def _reentry(norm: str, low: str) -> ParsedSignal | None:
    """ "#ENA повторно захожу в лонг, прошлый раз выбило стопом. Вход …": a new trade whose
    post reports how the last one ended."""
    if not search_word(_NEW_TRADE_ANYWHERE, low):
        return None
    result = _read(norm, low, reentry=True)
    return result if isinstance(result, ParsedSignal) else None


def _new_trade(norm: str, low: str, at: int) -> ParsedSignal | None:
    """The signal that starts at `at` after news of another trade ("По #AVAX забрали вторую
    цель. / Новая сделка: / #FIL лонг …"); when it names no coin, the coin named last
    before it ("#RUNE — прошлую сделку закрыли, заходим повторно. / Лонг 5.35-5.48 …")."""
    tail = _read(norm[at:], low[at:])
    if isinstance(tail, ParsedSignal):
        return tail
    named = [m for m in Mentions(norm, low).all() if m.start < at]
    if not named:
        return None
    coin = "#" + named[-1].symbol.split("/")[0]
    tail = _read(f"{coin} {norm[at:]}", f"{coin.lower()} {low[at:]}")
    return tail if isinstance(tail, ParsedSignal) else None


def _read(norm: str, low: str, *, reentry: bool = False) -> ParseResult:
    """`parse_post` of a normalised post and its lower-cased copy. `reentry`: the post
    says it enters again, so the outcome it reports is the last trade's."""
    mentions = Mentions(norm, low)
    # The first explicit pair is the symbol when there is one (`pick_symbol`); the other
    # mentions are looked for only when needed: no pair, or management read line by line.
    sections = layout(norm, low)
    draft = read_draft(sections, mentions.explicit() or mentions.all())
    if draft.has_marks:
        return _chatter(low) or _progress(draft, read_actions(norm, mentions.all(), low)[0], low)
    if draft.is_complete() and (reentry or not reports_outcome(low)):
        return _unless_not_a_call(draft, sections)
    first_line = low.strip().split("\n", 1)[0]
    if search_word(_REVIEW, first_line):
        return Noise("market review")
    management = _management(draft, read_actions(norm, mentions.all(), low))
    if management is not None and _signal_without_entry(draft, management, low):
        return _noise(draft)  # "Long only on a 1h close above 0.512 / Targets … / Stop: 0.487"
    if management is not None:
        return _chatter(low) or management
    if draft.is_minimal():
        return _unless_not_a_call(draft, sections)
    return _noise(draft)


def _chatter(low: str) -> Noise | None:
    """Noise for talk about trades that instructs nothing (see `talk.instructs_nothing`)."""
    reason = instructs_nothing(low)
    return None if reason is None else Noise(reason)


def _unless_not_a_call(draft: SignalDraft, sections: Layout) -> ParsedSignal | Noise:
    """The signal, unless the sentence that gives its entry price is a question ("Should
    I long ETH at 3000 with 10x or wait?") or its line recalls a result ("VIP members
    caught this one: #PEPE entry 0.0000098 ➜ TP 0.0000142"): neither is a call."""
    if not draft.entries:
        return build_signal(draft)
    low = sections.low
    first = draft.entries[0]
    for at in sections.tokens:
        if at.value == first:
            break
    else:
        return build_signal(draft)
    if "?" in low:
        end = _SENTENCE_END.search(low, at.end)
        if end is not None and end.group() == "?":
            return Noise(f"{draft.symbol}: a question, not a call")
    start = line_bounds(low, at.start)[0]
    before = line_bounds(low, start - 2)[0] if start >= 2 else start  # the line before
    if search_word(_RECALLED, low, before, at.start):  # what leads to the entry, not after it
        return Noise(f"{draft.symbol}: a past trade recalled, not a call")
    sentence = max(low.rfind(".", 0, at.start), low.rfind("\n", 0, at.start)) + 1
    if search_word(_HYPOTHETICAL, low, sentence, at.start):
        return Noise(f"{draft.symbol}: a worked example, not a call")
    if has_any(low, _NO_TRADE_STEMS) and search_word(_NO_TRADE, low):
        return Noise(f"{draft.symbol}: the post says there is no trade")
    return build_signal(draft)


def _signal_without_entry(
    draft: SignalDraft, management: ParsedUpdate | ParsedClose, low: str
) -> bool:
    """A signal's shape (a side, targets, a stop line) whose entry could not be read: its
    "Stop: 0.487" line is the signal's stop, not an order to move a live trade's stop."""
    return (
        draft.stated_side is not None
        and bool(draft.targets)
        and draft.stop is not None
        and all(a.kind is UpdateKind.MOVE_SL for a in management.actions)
        and not states_stop_move(low)
    )


def _progress(
    draft: SignalDraft, extra: dict[str | None, list[UpdateAction]], low: str
) -> ParsedUpdate | ParsedClose:
    """An edited or results copy of a signal: ✅ after its entries and targets, with what
    it says besides (a stop moved, new targets). A trade whose stop moves lives on."""
    actions = [
        UpdateAction(UpdateKind.ENTRY_FILLED, target=n)
        for n, hit in enumerate(draft.entry_hits, draft.first_entry_number)
        if hit
    ]
    actions += [
        UpdateAction(UpdateKind.TP_HIT, target=n)
        for n, hit in enumerate(draft.target_hits, draft.first_target_number)
        if hit
    ]
    said = [a for found in extra.values() for a in found]
    # The copy repeats its own stop line ("SL: 59000"), so a stop price is news only when
    # the post says it moved ("SL moved to 1.0600"); a move to break-even always is.
    moved_to_price = states_stop_move(low)
    news = [
        a
        for a in said
        if a.kind in _PROGRESS_NEWS or (a.kind is UpdateKind.MOVE_SL and moved_to_price)
    ]
    actions += dict.fromkeys(
        UpdateAction(a.kind, None, a.target, a.price, a.percent, a.targets) for a in news
    )
    stop_moved = any(a.kind in _STOP_MOVES for a in news)
    every_target = draft.first_target_number == 1 and all(draft.target_hits)
    if draft.target_hits and every_target and not stop_moved:
        actions.append(UpdateAction(UpdateKind.ALL_TARGETS_HIT))
        return ParsedClose(draft.symbol, tuple(actions), draft.side, draft.leverage)
    return ParsedUpdate(draft.symbol, tuple(actions), draft.side, draft.leverage)


def _management(
    draft: SignalDraft, read: tuple[dict[str | None, list[UpdateAction]], Side | None]
) -> ParsedUpdate | ParsedClose | None:
    """An update or close from the actions read per symbol, or None if nothing is asked."""
    by_symbol, closed_side = read
    if all(a.kind is UpdateKind.HOLD for actions in by_symbol.values() for a in actions):
        return None  # nothing asked but "keep holding": commentary
    if len(by_symbol) > 1:
        multi = tuple(
            UpdateAction(a.kind, symbol, a.target, a.price, a.percent, a.targets)
            for symbol, actions in by_symbol.items()
            for a in actions
        )
        return ParsedUpdate(None, multi)
    ((symbol, actions),) = by_symbol.items()
    symbol = symbol or draft.symbol
    kinds = {a.kind for a in actions}
    side = closed_side or draft.stated_side
    if kinds & CLOSING_KINDS and UpdateKind.CLOSE_PCT not in kinds:
        return ParsedClose(symbol, tuple(actions), side, draft.leverage)
    return ParsedUpdate(symbol, tuple(actions), side, draft.leverage)


def _noise(draft: SignalDraft) -> Noise:
    if draft.symbol is None or not draft.has_levels:
        return Noise("no trade instruction")
    if draft.side is None:
        return Noise(f"{draft.symbol}: cannot tell long from short", looks_like_signal=True)
    if not draft.entries:
        return Noise(f"{draft.symbol}: no entry price", looks_like_signal=True)
    return Noise(f"{draft.symbol}: no targets, stop loss or entry label", looks_like_signal=True)
