"""Split Telegram HTML text into pieces that each fit a message, keeping tags balanced.

Telegram refuses messages over 4096 characters (captions: 1024). Pieces are cut between
lines where possible; a single line too long for a message is cut at a space (or, failing
that, anywhere), never inside a tag or an `&entity;`. Tags open at a cut are closed at the
end of the piece and reopened at the start of the next one.
"""

from __future__ import annotations

import re

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

_TOKEN = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|[^<&]+|[<&]")
_TAG = re.compile(r"<\s*(/)?\s*([A-Za-z0-9-]+)[^>]*?(/)?\s*>")

Stack = tuple[tuple[str, str], ...]  # open tags: (name, the opening tag as written)


def _after(stack: Stack, token: str) -> Stack:
    """The open tags after `token` (a tag, or text which changes nothing)."""
    tag = _TAG.fullmatch(token) if token.startswith("<") else None
    if tag is None:
        return stack
    closing, name, self_closing = tag.group(1), tag.group(2).lower(), tag.group(3)
    if closing:
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] == name:
                return stack[:i] + stack[i + 1:]
        return stack
    return stack if self_closing else (*stack, (name, token))


def _opening(stack: Stack) -> str:
    return "".join(tag for _, tag in stack)


def _closing(stack: Stack) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _words(line: str) -> list[list[str]]:
    """The line as words (split at spaces outside tags), each a list of tokens."""
    words: list[list[str]] = [[]]
    for token in _TOKEN.findall(line):
        if token.startswith(("<", "&")):
            words[-1].append(token)
            continue
        first, *rest = token.split(" ")
        if first:
            words[-1].append(first)
        for part in rest:
            words.append([part] if part else [])
    return words


def _cut_line(line: str, stack: Stack, limit: int) -> tuple[list[str], str, Stack]:
    """Cut one over-long line between words: full pieces, plus the rest and its stack."""
    pieces: list[str] = []
    current, fresh = _opening(stack), True
    for word in _words(line):
        text = "".join(word)
        after = stack
        for token in word:
            after = _after(after, token)
        joined = current + ("" if fresh else " ") + text
        if len(joined) + len(_closing(after)) <= limit:
            current, stack, fresh = joined, after, False
            continue
        if not fresh:
            pieces.append(current + _closing(stack))
            current, fresh = _opening(stack), True
            if len(current) + len(text) + len(_closing(after)) <= limit:
                current, stack, fresh = current + text, after, False
                continue
        # A word longer than a message: cut it anywhere but inside a tag or an entity.
        for token in word:
            is_atom = token.startswith(("<", "&")) and len(token) > 1
            while token:
                room = limit - len(current) - len(_closing(_after(stack, token)))
                if len(token) <= room:
                    current, stack = current + token, _after(stack, token)
                    break
                if is_atom or room <= 0:
                    pieces.append(current + _closing(stack))
                    current = _opening(stack)
                    if len(current) + len(token) + len(_closing(stack)) > limit:
                        raise ValueError("a tag or entity is longer than the limit")
                    continue
                pieces.append(current + token[:room] + _closing(stack))
                current, token = _opening(stack), token[room:]
        fresh = False
    return pieces, current, stack


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of `text`, each at most `limit` characters including the tags it carries.

    Joining the pieces with "\\n" gives the text back when every cut fell between lines.
    """
    if len(text) <= limit:
        return [text]
    if limit < 64:
        raise ValueError("limit too small to split HTML safely")
    pieces: list[str] = []
    stack: Stack = ()
    current = ""  # the piece being built, without its closing tags
    for line in text.split("\n"):
        line_stack = stack
        for token in _TOKEN.findall(line):
            line_stack = _after(line_stack, token)
        joined = f"{current}\n{line}" if current else _opening(stack) + line
        if len(joined) + len(_closing(line_stack)) <= limit:
            current, stack = joined, line_stack
            continue
        if current:
            pieces.append(current + _closing(stack))
            current = ""
        if len(_opening(stack) + line) + len(_closing(line_stack)) <= limit:
            current, stack = _opening(stack) + line, line_stack
            continue
        cut, current, stack = _cut_line(line, stack, limit)
        pieces.extend(cut)
    if current.strip():
        pieces.append(current + _closing(stack))
    return [p for p in pieces if p.strip()]
