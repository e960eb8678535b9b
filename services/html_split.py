"""Split Telegram HTML text into pieces that each fit a message, keeping tags balanced.

Telegram refuses messages over 4096 characters (captions: 1024). Pieces are cut at a
line break where possible, else at a space, never inside a tag or an `&entity;`, and
tags open at a cut are closed at its end and reopened at the start of the next piece.
"""

from __future__ import annotations

import re

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

_TOKEN = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|[^<&]+|[<&]")
_TAG = re.compile(r"<\s*(/)?\s*([A-Za-z0-9-]+)[^>]*?(/)?\s*>")


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _opening(stack: list[tuple[str, str]]) -> str:
    return "".join(tag for _, tag in stack)


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of `text`, each at most `limit` characters including the tags it carries."""
    if len(text) <= limit:
        return [text]
    if limit < 64:
        raise ValueError("limit too small to split HTML safely")
    pieces: list[str] = []
    stack: list[tuple[str, str]] = []  # (tag name, full opening tag)
    current = ""

    def flush() -> None:
        nonlocal current
        body = current + _closing(stack)
        if body.strip():
            pieces.append(body)
        current = _opening(stack)

    for token in _TOKEN.findall(text):
        tag = _TAG.fullmatch(token) if token.startswith("<") else None
        if tag is not None:
            if len(current) + len(token) + len(_closing(stack)) + 16 > limit:
                flush()
            current += token
            closing, name, self_closing = tag.group(1), tag.group(2).lower(), tag.group(3)
            if closing:
                for i in range(len(stack) - 1, -1, -1):
                    if stack[i][0] == name:
                        del stack[i]
                        break
            elif not self_closing:
                stack.append((name, token))
            continue
        # Text or an entity: place as much as fits, cutting at a newline, else a space.
        while token:
            room = limit - len(current) - len(_closing(stack))
            if len(token) <= room:
                current += token
                break
            if token.startswith("&") and token.endswith(";"):
                flush()  # entities are never cut
                continue
            cut = token.rfind("\n", 0, room + 1)
            if cut <= 0:
                cut = token.rfind(" ", 0, room + 1)
            if cut <= 0:
                if current.strip() and current != _opening(stack):
                    flush()
                    continue
                cut = max(room, 1)
            current += token[:cut]
            token = token[cut:].lstrip("\n")
            flush()
    if current.strip() and current != _opening(stack):
        pieces.append(current + _closing(stack))
    return pieces
