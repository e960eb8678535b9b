"""Reading management posts: target hit, entry filled, stop moved, partial close, cancel,
close — in English and Russian, for one symbol, several ("#JUP - … / #VIRTUAL - …"), or
none ("Scalpers can secure half and set BE": the channel's open trade).

Each line is read for actions; an action belongs to the symbols named on its line, or to
those of the line before when its line names none. Patterns run on the lower-cased line
and start with a literal, so a line without any trigger word costs one quick search.
Marked-up copies of a signal (targets followed by ✅) are read in `parser.py` from the
signal's own sections.
"""

from __future__ import annotations

import re
from decimal import Decimal

from services.parsing.model import Side, UpdateAction, UpdateKind
from services.parsing.numbers import NumberKind, scan_numbers
from services.parsing.symbols import NOT_A_COIN, SymbolMention, make_symbol
from services.parsing.words import NO_LETTER_AFTER as _E
from services.parsing.words import has_any, iter_words, search_word

_HIT = (
    r"(?:✅|hit|reached|achieved|done|taken|есть|взят\w*|достигнут\w*|выполнен\w*"
    r"|alcanzad\w*|atingid\w*|geldi)"  # Spanish, Portuguese, Turkish
)
_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
    "4th": 4, "fifth": 5, "5th": 5, "перв": 1, "втор": 2, "трет": 3, "четв": 4, "пят": 5,
    "перш": 1, "друг": 2,  # Ukrainian
}  # fmt: skip

# Any word that can start an action; a line without one is skipped at once.
_TRIGGER = re.compile(
    r"target|tak|tp|тп|цел|тейк|entr|вход|лимит|ордер|sl|stop|стоп|🛑|🎯|clos|secur|book"
    r"|fix|закр|зафикс|фикс|забира|next|new|updat|следующ|нов|актуал|задел|longer|relevant"
    r"|adjust|chang|revis|снима|сним|добор|исполн|ціл"
    r"|cancel|remove|отмен|iptal|exit|kapa|выбил|выбит|hit|держ|hold|all|все|half|set|tüm|add"
    r"|добав|прикры|сработал|скинул|скида|сбросил|increas|беззбит|перш|друг|половин|увеличен"
    r"|move|перенос|переставл|двига|подтяг|зарыва|сработал|objetivo|alvo|hedef|cerra|fecha|invalid"
    r"|order|dca"
)
_TP_HIT = (
    re.compile(
        r"(?:take[\s-]*profit|target|tp|тп|цель|тейк|objetivo|alvo|hedef)(?:\s*target)?"
        r"\s*(?P<n>\d{1,2})(?:\s+(?:по|on|for|de|на)\s+[#$]?[a-z0-9]+)?"  # "Тейк 2 по #LDO взят"
        rf"\s*(?:is\s+|was\s+)?{_HIT}"
    ),
    # "1. hedef geldi", "2 тейк 🎯": the number first, as an ordinal
    re.compile(
        r"(?P<n>\d{1,2})\.?\s*(?:take[\s-]*profit|target|tp|тп|цел\w*|тейк\w*|objetivo|alvo|hedef)"
        rf"\w*\s*(?:is\s+|was\s+)?(?:{_HIT}|🎯)"
    ),
    re.compile(r"(?P<n>\d{1,2})\s*🎯(?!\s*[-:]?\s*\$?\d)"),  # "2🎯", not "1🎯 0.5"
    re.compile(
        r"(?P<o>first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)\s+"
        rf"(?:target|tp|take[\s-]*profit)\s+(?:is\s+|was\s+)?{_HIT}"
    ),
    re.compile(
        r"(?P<o>перв|перш|втор|друг|трет|четв|пят)\w*\s+(?:цель|ціль|тейк|тп)\w*"
        r"(?:\s+по\s+[#$]?\w+)?\s*"  # "Второй тейк по #APT ✅"
        rf"(?:{_HIT}|(?P<p>\d[\d.,]*)?\s*🎯)"
    ),
)
# Literal stems: every match of the pattern they follow contains one of them, so a line
# holding none is not searched at all (`words.has_any`; the patterns run per line).
_TP_HIT_STEMS = (
    ("take", "target", "tp", "тп", "цель", "тейк", "objetivo", "alvo", "hedef"),
    ("take", "target", "tp", "тп", "цел", "тейк", "objetivo", "alvo", "hedef"),
    ("🎯",),
    ("target", "tp", "take"),
    ("цель", "ціль", "тейк", "тп"),
)
_CONDITIONAL = re.compile(
    r"(?<![^\W\d_])(?:after|when|once|if|until|после|когда|если|как\s+только)"
    r"(?:\W+[^\W\d_]+){0,2}\W*$"
)
_ALL_TARGETS = re.compile(
    r"all\s+(?:take[\s-]*profit\s+)?(?:targets|tps|take[\s-]*profits?)\s+(?:were\s+|are\s+)?"
    rf"{_HIT}"
    r"|все\s+(?:цели|тейки)\s+(?:достигнуты|взяты|отработаны)"
    r"|все\s+(?:цели|тейки)\s+(?:выполнены|закрыты|сработали)"
    r"|tüm\s+hedefler\s+(?:tamamlandı|geldi|vuruldu)"
)
_ALL_TARGETS_STEMS = ("all", "все", "tüm")
_ENTRY_FILLED = re.compile(
    r"(?:all\s+)?entr(?:y|ies)(?:\s*(?:targets?|orders?|zone))?(?:\s*(?P<n>\d{1,2}))?\s+"
    r"(?:are\s+|is\s+|was\s+)?"
    r"(?:achieved|filled|hit|reached|done|triggered|activated|✅)"
    r"|(?:вход|лимитк\w*|ордер\w*|добор\w*|усреднени\w*)(?:\s+(?:по|на)\s+[#$]?[\w.,]+){0,2}"
    r"(?:\s+\([\d.,]+\))?\s+(?:исполнен\w*|исполнил\w*|сработал\w*|активирован\w*|налил\w*)"
    r"|increased\s+(?:the\s+)?position|added\s+to\s+(?:the\s+)?position|position\s+increased"
    r"|увеличен\w*\s+позици\w*|позици\w*\s+увеличен\w*"
    r"|(?:all\s+)?(?:buy|sell|limit|entry)\s+orders?\s+(?:are\s+|were\s+)?(?:filled|executed)"
    r"|(?:исполнил\w*|исполнен\w*|сработал\w*|добрал\w*)\s+(?:\w+\s+)?"
    r"(?:лимитк\w*|ордер\w*|вход\w*|добор\w*|част\w*)"
    r"|(?:част\w*|лимитк\w*)\s+(?:набран\w*|добран\w*|исполнен\w*)"
)
_ENTRY_FILLED_STEMS = (
    *("entr", "вход", "лимитк", "ордер", "добор", "усреднени", "сработал", "добрал", "набран"),
    *("increased", "added to", "увеличен", "orders"),
)
_ENTRY_BEFORE = re.compile(r"(?:entry|вход\w*)\s*$")
_BREAKEVEN = re.compile(
    r"(?:sl|stop\w*|стоп\w*)(?:[\s-]*loss)?[^\n.;!?]{0,25}?"
    rf"(?:b/?e|break[\s-]*even|entr(?:y|ies)|точк\w*\s+входа|твх|б/у|бу|безубыт\w*"
    rf"|giriş\w*|entrada|беззбит\w*){_E}"
    rf"|(?:set|move(?:d)?\s+to|moving\s+to)\s+(?:be|b/e|break[\s-]*even){_E}"
)
_BREAKEVEN_STEMS = ("sl", "stop", "стоп", "set", "move", "moving")
# "Стоп по #NEAR переносим на 5.40", "move the stop on #BTC to 61200"
_MOVE_VERB = (
    r"(?:move[sd]?|moving|raise[sd]?|raising|lower(?:ed|ing)?|trail(?:ed|ing)?"
    r"|перенос\w*|переставл\w*|передвига\w*|двига\w*|подтяг\w*|подним\w*|подня\w*)"
)
_MOVE_STOP_VERB = re.compile(
    rf"(?:(?:sl|stop\w*|стоп\w*)[^\n\d]{{0,30}}?{_MOVE_VERB}|{_MOVE_VERB}[^\n\d]{{0,20}}?"
    r"(?:sl|stop\w*|стоп\w*))[^\n\d]{0,20}?(?:to|на|at|под|над|under|below|above)\s*\$?"
    r"(?P<p>\d[\d.,]*)(?![\d.,]*\s*%)"
)
# "Sl btc - 64300", "🛑 на 68.2", "stop 35680"
_MOVE_STOP = re.compile(r"(?:sl|stop(?:[\s-]*loss)?|стоп(?:[\s-]*лосс)?)(?:\s+[a-z]{2,10})?|🛑")
_MOVE_STOP_STEMS = ("sl", "stop", "стоп", "🛑")  # of both patterns above
_STOP_PRICE = re.compile(
    r"\s*(?:(?:moved\s+|move\s+)?to|на|в|at|a|@|:|-|→)?\s*\$?(?P<p>\d[\d.,]*)(?![\d.,]*\s*%)"
)
# "Close 25%", "зафиксировал 50% позиции", "secure half" - but not a result ("closed at
# +3%", "closed 45% profit") or an advert ("take 20% discount").
_CLOSE_PCT = re.compile(
    r"(?:(?P<close>close[sd]?|closing|закры\w*)|secure[sd]?|securing|take|taking|book\w*|fix\w*"
    r"|зафикс\w*|фиксир\w*|фиксану\w*|забира\w*)[^\d+\n]{0,25}?(?<![+-])(?<!at )(?<!with )"
    r"(?P<pct>\d{1,3}(?:[.,]\d+)?)\s*%"
    r"(?!\s*(?:discount|off(?!\s+the\s+table)|bonus|скидк\w*))"
    r"(?P<profit>\s*(?:profit|gain|roi|прибыл|профит))?"
    r"|(?:secure|close|take|book|fix\w*|закры\w*|прикры\w*|зафикс\w*|фиксир\w*|забира\w*"
    r"|скинул\w*|скида\w*|сбросил\w*)\s+"
    r"(?:the\s+|another\s+|ещ[её]\s+)?(?P<half>half|половин\w*)"
)
_CLOSE_PCT_STEMS = ("%", "half", "половин")
_DISCOUNT = re.compile(r"скидк|discount|promo|sale")
_NEW_TARGETS = re.compile(
    r"(?:(?:next|new|следующ\w*|нов\w*)\s+(?:targets?|tps?|цел\w*|тейк\w*)?"
    r"|(?:updated?|adjust\w*|chang\w*|revis\w*|add\w*|добав\w*|переставл\w*|перенос\w*)"
    r"\s+(?:the\s+|a\s+)?"
    r"(?:targets?|tps?|цел\w*|тейк\w*)(?:\s+(?:по|for|on)\s+[#$]?\w+)?"
    # ("update - 14.06" is a date, not new targets)
    r"|(?:targets?|tps?|цел\w*|тейк\w*)\s+(?:revised|updated|changed|пересмотрен\w*"
    r"|изменен\w*|обновлен\w*))\s*[^\w\s]*"  # "цели пересмотрены ➡️ 598 / 612"
    r"[:-]?\s*(?P<rest>\d.*)"
)
_NEW_TARGETS_STEMS = (
    *("next", "new", "updat", "revis", "chang", "adjust", "add", "добав", "следующ", "нов"),
    *("переставл", "перенос"),
    *("пересмотр", "измен"),
    "обновл",
)
_TARGETS_LINE = re.compile(r"\W*🎯\s*[:-]?\s*(?P<rest>\d.*)")  # "🎯 - 72.3, 73.7, 75"
_CANCEL_PENDING = re.compile(
    r"не\s+актуал\w*|неактуал\w*|не\s+задел\w*"
    r"|no\s+longer\s+(?:valid|relevant|active)|not\s+(?:valid|relevant)\s+anymore"
    r"|(?:cancel|remove)\s+(?:the\s+)?(?:\w+\s+)?(?:limit|pending|entry|dca)(?:\s+orders?)?"
    r"|(?:cancel|remove)\s+(?:the\s+)?(?:unfilled|remaining|rest)"
    r"|(?:cancel|remove)\s+(?:the\s+)?(?:second|third|2nd|3rd|next|other)\s+(?:one|entry|order|limit)"
    # "second entry (8.80) cancelled", "limit order removed", "усреднение на 38.10 отменяем"
    r"|(?:entr(?:y|ies)|limit|order|dca|усреднени\w*|лимитк\w*|ордер\w*|вход\w*)(?![^\W\d_])"
    r"[^\n!?]{0,25}?\s(?:cancell?ed|removed|отмен\w*|сним\w*|снят\w*)"
    r"|отмен\w*\s+(?:усреднени\w*|лимитк\w*|ордер\w*)"
)
_CANCEL_PENDING_STEMS = (
    "актуал",
    "задел",
    "longer",
    "anymore",
    "cancel",
    "remove",
    "отмен",
    "сним",
    "снят",
)
_SL_HIT = re.compile(
    r"stopped\s+out|(?:sl|stop[\s-]*loss|stop\s+targets?)\s+(?:was\s+|is\s+)?"
    r"(?:hit|triggered|reached)|stop\s+oldu"
    r"|(?:closed|fechad[oa]|cerrad[oa])\s+(?:at|by|on|no|na|en|em|por)\s+(?:the\s+|o\s+|el\s+)?"
    r"(?:sl|stop\w*)|hit\s+(?:the\s+|our\s+)?(?:sl|stop\w*)"
    r"|(?:выбил\w*|выбит\w*|закрыт\w*|сработал\w*)\s+(?:по\s+)?стоп\w*"
    r"|стоп[\s-]*лосс\w*\s+сработал\w*"
)
_SL_HIT_STEMS = ("sl", "stop", "стоп")
_CLOSE_REMAINING = re.compile(
    r"(?:закры\w*|фиксир\w*|зафикс\w*|close|closing)\s+(?:the\s+)?"
    r"(?:остаток|rest|remaining|remainder)"
)
_CLOSE_REMAINING_STEMS = ("остаток", "rest", "remain")
# "фиксирую всю позицию", "take the whole position off": a close without a close verb
_CLOSE_WHOLE = re.compile(
    r"(?:фиксиру\w*|зафиксир\w*|забира\w*|secur\w*|tak\w*|book\w*)\s+"
    r"(?:всю|весь|всё|все|the\s+whole|the\s+full|the\s+entire|full|entire|all)\s+"
    r"(?:[^\W\d_]+\s+)?(?:позици\w*|объ[её]м\w*|positions?|profits?|шорт\w*|лонг\w*)"
)
_CLOSE_WHOLE_STEMS = ("всю", "весь", "всё", "все", "whole", "full", "entire", "all")
_CANCEL = re.compile(rf"(?:cancel(?:l?ed)?|invalidated|cancelad[oa]|anulad[oa]|отмен\w*|iptal){_E}")
_CANCEL_STEMS = ("cancel", "invalidated", "anulad", "отмен", "iptal")
# The whole signal called off, whatever pending orders the line also mentions.
_CANCEL_SIGNAL = re.compile(
    r"(?:signal|trade|сигнал\w*|сделк\w*)(?:\s+(?:по|on|for)\s+[#$]?\w+)?\s+(?:is\s+|was\s+)?"
    r"(?:cancel\w*|отмен\w*)"
    r"|(?:cancel\w*|отмен\w*)\s+(?:the\s+|this\s+)?(?:signal|trade|сигнал\w*|сделк\w*)"
    r"|отмен\w*\s+по\s+[#$]?\w+"  # "Отмена по #NEAR"
)
_CLOSE = re.compile(
    r"(?:close[sd]?|closing|exit(?:ed)?|закры\w*|закри\w*|закрою|kapat\w*|kapand\w*"
    rf"|cerrad[oa]s?|cerramos|cerrar|fechad[oa]s?|fechamos|fechar){_E}"
)
_CLOSE_STEMS = ("clos", "exit", "закры", "закри", "закрою", "kapat", "kapand", "cerra", "fecha")
_STOP_COMMAND = re.compile(r"\W*stop\s+[#$]?[a-z][a-z0-9]*\W*$")  # "Stop DOGEUSDT"
_CLOSE_SIDE = re.compile(rf"(?:all\s+)?(?P<side>longs?|shorts?|лонг\w*|шорт\w*){_E}")
_HOLD = re.compile(
    r"продолжаю\s+(?:удерживать|держать)|удерживаю|держу"
    rf"|(?:keep\s+)?holding{_E}|hold\s+(?:it|the|until|for){_E}"
)
_HOLD_STEMS = ("продолжаю", "удерживаю", "держу", "hold")
# A bare coin name next to a command: "Close algo", "Sl btc - 64300", "Sol Sl на твх".
_COMMAND_SYMBOL = re.compile(
    r"\W*(?:close|stop|cancel|exit|sl)\s+[#$]?(?P<a>[a-z][a-z0-9]{1,9})(?![a-z0-9])"
    r"|\W*(?P<b>[a-z][a-z0-9]{1,9})\s+(?:sl|stop|стоп)(?![^\W\d_])"
)
_COMMAND_SYMBOL_STEMS = ("close", "stop", "cancel", "exit", "sl", "стоп")
_STOP_WORD = re.compile(r"(?<![^\W\d_])(?:sl|stop|стоп)(?![^\W\d_])")
_MAX_SYMBOLLESS_WORDS = 16
# "Close all open positions", "Закрываем все позиции": a command however long the post.
_CLOSE_EVERYTHING = re.compile(
    r"(?:close|закрыва\w*|закрой\w*)\s+(?:all|все)\s+(?:open\s+|открыт\w*\s+)?"
    r"(?:positions?|trades?|позици\w*|сделк\w*)"
)
# What before a close verb makes it no order: the stop's condition ("SL: close daily below
# 0.64"), a candle's close ("wait for candle close confirmation"), an adjective ("feels close").
_NOT_A_CLOSE_BEFORE = re.compile(
    r"(?:^\W*(?:sl|stop\w*|стоп\w*)\W+|(?:sl|stop\w*|стоп\w*)\s*:\W*)(?:[^\W\d_]+\W+){0,2}$"
    r"|(?:candle|daily|weekly|monthly|\d+[hdmwчд]|свеч\w*|дневн\w*|недельн\w*)\s+$"
    r"|(?:feels?|looks?|seems?|is|are|too|very|so|pretty|quite)\s+$"  # "SL … feels close"
    r"|(?:будут|будет|will\s+be|принудительно)\s+(?:\w+\s+)?$"  # news: "будут закрыты"
)
# "Закрытый канал", "closed group": a private channel, not a close.
_NOT_A_CLOSE_AFTER = re.compile(r"\s+(?:канал|клуб|чат|групп|channel|group|club|community)")
_CLOSE_VERBS = ("закрываю", "закрываем", "закрыл", "закрыть")
_NOT_COINS_HERE = frozenset({"loss", "all", "the", "and"})


def _ordinal(word: str) -> int:
    """1 for "first", "1st", "первая", "первый"…"""
    return next((n for stem, n in _ORDINALS.items() if word.startswith(stem)), 1)


def _command_symbol(low_line: str) -> str | None:
    if not has_any(low_line, _COMMAND_SYMBOL_STEMS):
        return None
    m = _COMMAND_SYMBOL.match(low_line)
    if m is None or len(low_line.split()) > 6:
        return None
    base = m.group("a") or m.group("b")
    if base in NOT_A_COIN or base in _NOT_COINS_HERE:
        return None
    return make_symbol(base)


def _is_close_typo(low_line: str) -> bool:
    """A close verb one letter off, in a short command: "Зарываю Лонги"."""
    if low_line.isascii():
        return False  # the verbs are Cyrillic: no ASCII word is one letter off them
    words = low_line.split()
    return len(words) <= 4 and any(
        _one_edit_apart(w, verb) for w in words if len(w) >= 6 for verb in _CLOSE_VERBS
    )


def _one_edit_apart(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, longer = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == longer[i]:
        i += 1
    return short[i:] == longer[i + 1 :]


def unconditional(
    regex: re.Pattern[str], line: str, stems: tuple[str, ...] = ()
) -> re.Match[str] | None:
    """The first word-starting match not preceded by "after", "if", "после"…

    `stems`, when given, are the pattern's literal stems (see `_TP_HIT_STEMS`).
    """
    if stems and not has_any(line, stems):
        return None
    for m in iter_words(regex, line):
        if not _CONDITIONAL.search(line, max(0, m.start() - 24), m.start()):
            return m
    return None


def _close_command(line: str) -> bool:
    """A close verb that is an instruction: not conditional ("if it closes below…"), not the
    stop's condition ("SL: close daily below 0.64"), not a candle's ("4h close")."""
    m = unconditional(_CLOSE, line, _CLOSE_STEMS)
    return (
        m is not None
        and not _NOT_A_CLOSE_BEFORE.search(line, max(0, m.start() - 30), m.start())
        and not _NOT_A_CLOSE_AFTER.match(line, m.end())
    )


def line_actions(line: str) -> tuple[list[UpdateAction], Side | None]:
    """The actions one lower-cased line asks for, and the side it closes as a whole
    ("закрываю все лонги")."""
    actions: list[UpdateAction] = []
    closed_side: Side | None = None
    for regex, stems in zip(_TP_HIT, _TP_HIT_STEMS, strict=True):
        if not has_any(line, stems):
            continue
        for m in iter_words(regex, line):
            if _CONDITIONAL.search(line, max(0, m.start() - 24), m.start()):
                continue  # "after TP1 hit, move the stop": advice, not news
            if _ENTRY_BEFORE.search(line, max(0, m.start() - 8), m.start()):
                continue  # "Entry target 1 ✅" is an entry filled (read below)
            groups = m.groupdict()
            n = int(groups["n"]) if groups.get("n") else _ordinal(groups["o"])
            actions.append(UpdateAction(UpdateKind.TP_HIT, target=n))
    if has_any(line, _ALL_TARGETS_STEMS) and search_word(_ALL_TARGETS, line):
        actions.append(UpdateAction(UpdateKind.ALL_TARGETS_HIT))
    filled = search_word(_ENTRY_FILLED, line) if has_any(line, _ENTRY_FILLED_STEMS) else None
    if filled:
        number = filled.group("n")
        actions.append(
            UpdateAction(UpdateKind.ENTRY_FILLED, target=int(number) if number else None)
        )
    if has_any(line, _BREAKEVEN_STEMS) and search_word(_BREAKEVEN, line):
        actions.append(UpdateAction(UpdateKind.SL_TO_BREAKEVEN))
    else:
        price = _moved_stop(line) if has_any(line, _MOVE_STOP_STEMS) else None
        if price is not None:
            actions.append(UpdateAction(UpdateKind.MOVE_SL, price=price))
    share = search_word(_CLOSE_PCT, line) if has_any(line, _CLOSE_PCT_STEMS) else None
    if share and _DISCOUNT.search(share.group()):
        share = None  # "Закрытый канал - скидка 40%": an advert's discount
    if share and share.group("close") and share.group("profit"):
        share = None  # "closed 45% profit": a result, not a share of the position
    partial = share is not None
    if share:
        pct = share.group("pct")
        percent = Decimal(pct.replace(",", ".")) if pct else Decimal(50)  # "half"
        actions.append(UpdateAction(UpdateKind.CLOSE_PCT, percent=percent))
    listed = (has_any(line, _NEW_TARGETS_STEMS) and search_word(_NEW_TARGETS, line)) or (
        "🎯" in line and _TARGETS_LINE.match(line)
    )
    if listed:
        rest = _STOP_WORD.split(listed.group("rest"), 1)[0]  # "…185, SL raised to 158"
        values = [t.value for t in scan_numbers(rest) if t.kind is NumberKind.PRICE]
        if values:
            actions.append(UpdateAction(UpdateKind.MODIFY_TP, targets=tuple(values)))
    pending = (
        has_any(line, _CANCEL_PENDING_STEMS) and search_word(_CANCEL_PENDING, line) is not None
    )
    if pending:
        actions.append(UpdateAction(UpdateKind.CANCEL_PENDING))
    if unconditional(_SL_HIT, line, _SL_HIT_STEMS):
        actions.append(UpdateAction(UpdateKind.SL_HIT))
    elif has_any(line, _CLOSE_REMAINING_STEMS) and search_word(_CLOSE_REMAINING, line):
        actions.append(UpdateAction(UpdateKind.CLOSE_REMAINING))
    elif (not pending or _CANCEL_SIGNAL.search(line)) and unconditional(
        _CANCEL, line, _CANCEL_STEMS
    ):
        actions.append(UpdateAction(UpdateKind.CANCEL))
    elif not partial and (
        _close_command(line)
        or ("stop" in line and _STOP_COMMAND.match(line))
        or _is_close_typo(line)
        or (has_any(line, _CLOSE_WHOLE_STEMS) and search_word(_CLOSE_WHOLE, line) is not None)
    ):
        actions.append(UpdateAction(UpdateKind.CLOSE))
        side = search_word(_CLOSE_SIDE, line)
        if side:
            word = side.group("side")
            closed_side = Side.LONG if word.startswith(("long", "лонг")) else Side.SHORT
    if has_any(line, _HOLD_STEMS) and search_word(_HOLD, line):
        actions.append(UpdateAction(UpdateKind.HOLD))
    return actions, closed_side


def _first_price(raw: str) -> Decimal | None:
    found = scan_numbers(" " + raw)
    return found[0].value if found and found[0].kind is NumberKind.PRICE else None


def _moved_stop(line: str) -> Decimal | None:
    verb = search_word(_MOVE_STOP_VERB, line)
    if verb:
        return _first_price(verb.group("p"))
    for m in iter_words(_MOVE_STOP, line):
        after = _STOP_PRICE.match(line, m.end())
        if after:
            price = _first_price(after.group("p"))
            if price is not None:
                return price
    return None


def states_stop_move(low: str) -> bool:
    """True when the post says the stop was moved to a price ("SL moved to 1.0600")."""
    return has_any(low, _MOVE_STOP_STEMS) and search_word(_MOVE_STOP_VERB, low) is not None


def read_actions(
    text: str, mentions: list[SymbolMention], low: str | None = None
) -> tuple[dict[str | None, list[UpdateAction]], Side | None]:
    """Actions per symbol (None: the post names no symbol) and a side closed as a whole.

    `mentions` are the post's symbol mentions (positions in `text`).
    """
    low = text.lower() if low is None else low
    by_symbol: dict[str | None, list[UpdateAction]] = {}
    current: list[str] = []
    closed_side: Side | None = None
    position = 0
    for line in low.split("\n"):
        start, position = position, position + len(line) + 1
        if not line.strip() or line.rstrip().endswith("?"):
            continue  # a question asks for nothing: "Where does #BTC close this week?"
        named = [m.symbol for m in mentions if start <= m.start < position]
        if named:
            current = list(dict.fromkeys(named))
        elif (command := _command_symbol(line)) is not None:
            current = [command]
        if not _TRIGGER.search(line):
            continue
        actions, side = line_actions(line)
        closed_side = closed_side or side
        if actions:
            targets: list[str | None] = list(current) if current else [None]
            for symbol in targets:
                by_symbol.setdefault(symbol, []).extend(actions)
    if list(by_symbol) == [None]:  # actions, but no line names a coin
        coins = list(dict.fromkeys(m.symbol for m in mentions))
        if len(coins) == 1:
            return {coins[0]: by_symbol[None]}, closed_side  # the one coin the post names
        if len(text.split()) > _MAX_SYMBOLLESS_WORDS and not search_word(_CLOSE_EVERYTHING, low):
            return {}, None  # a long text naming no coin is commentary, not management
    if None in by_symbol and len(by_symbol) == 2:
        # a heading before the one coin named ("Copy Trade Closed / Symbol: BTCUSDT")
        heading = by_symbol.pop(None)
        ((symbol, actions),) = by_symbol.items()
        by_symbol[symbol] = list(dict.fromkeys([*heading, *actions]))
    return by_symbol, closed_side
