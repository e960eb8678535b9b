"""Bot API objects in Telegram's JSON shape, for pushing into `FakeBotAPI`.

Builders return plain dicts with every field aiogram requires, so they survive
aiogram's validation when they come back from `getUpdates`. Updates are built
without `update_id`: `FakeBotAPI.push_update` assigns one, which keeps the ids in
push order. (Add `update_id` yourself to feed a builder to `dp.feed_raw_update`.)

Message ids come from one per-chat sequence shared by these builders and the fake
server, as Telegram shares it between both sides of a chat, so a user's message
and the bot's reply never collide.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

_CHANNEL_ID_BASE = 10**12


class ChatMessageIds:
    """Per-chat message id sequence; explicit ids seen anywhere push it forward."""

    def __init__(self) -> None:
        self._last: dict[int, int] = {}

    def next(self, chat_id: int) -> int:
        self._last[chat_id] = self._last.get(chat_id, 0) + 1
        return self._last[chat_id]

    def note(self, chat_id: int, message_id: int) -> None:
        self._last[chat_id] = max(self._last.get(chat_id, 0), message_id)


message_ids = ChatMessageIds()
_callback_query_ids = itertools.count(1)


def now() -> int:
    return int(time.time())


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def channel_chat_id(channel_id: int) -> int:
    """Bot API id of a channel given bare (1234) or marked (-1001234)."""
    return channel_id if channel_id < 0 else -(_CHANNEL_ID_BASE + channel_id)


def user(
    user_id: int,
    first_name: str = "Ann",
    language_code: str | None = "en",
    username: str | None = None,
    is_bot: bool = False,
) -> dict[str, Any]:
    result: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if username is not None:
        result["username"] = username
    if language_code is not None:
        result["language_code"] = language_code
    return result


def private_chat(of_user: dict[str, Any]) -> dict[str, Any]:
    chat = {"id": of_user["id"], "type": "private", "first_name": of_user["first_name"]}
    if "username" in of_user:
        chat["username"] = of_user["username"]
    return chat


def channel_chat(
    channel_id: int, title: str = "Signals", username: str | None = None
) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": channel_chat_id(channel_id), "type": "channel", "title": title}
    if username is not None:
        chat["username"] = username
    return chat


def chat_for_id(chat_id: int) -> dict[str, Any]:
    """A plausible Chat for an id never seen in an update: the sign says the kind."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    if chat_id < -_CHANNEL_ID_BASE:
        return {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}
    return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}


def command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entity Telegram adds for a leading /command[@bot]."""
    match = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]


def text_message(
    chat: dict[str, Any],
    text: str,
    *,
    from_user: dict[str, Any] | None = None,
    message_id: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A text Message in `chat`; `extra` is merged last and wins."""
    if message_id is None:
        message_id = message_ids.next(chat["id"])
    else:
        message_ids.note(chat["id"], message_id)
    result: dict[str, Any] = {"message_id": message_id, "date": now(), "chat": chat}
    if from_user is not None:
        result["from"] = from_user
    result["text"] = text
    if entities := command_entities(text):
        result["entities"] = entities
    result.update(extra)
    return result


def message_update(
    from_user: dict[str, Any],
    text: str,
    *,
    chat_id: int | None = None,
    message_id: int | None = None,
    reply_to_message_id: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A user's message; in a private chat with them unless `chat_id` is given."""
    chat = private_chat(from_user) if chat_id in (None, from_user["id"]) else chat_for_id(chat_id)
    if reply_to_message_id is not None:
        extra.setdefault(
            "reply_to_message",
            {"message_id": reply_to_message_id, "date": now() - 60, "chat": chat},
        )
    return {
        "message": text_message(chat, text, from_user=from_user, message_id=message_id, **extra)
    }


def callback_update(
    from_user: dict[str, Any],
    data: str,
    *,
    message: dict[str, Any] | None = None,
    chat_instance: str = "ci",
) -> dict[str, Any]:
    """A button press on `message`; without one, on a synthetic bot message in the
    user's private chat. `FakeBotAPI.callback_update` defaults to the bot's real
    latest message instead."""
    if message is None:
        message = text_message(private_chat(from_user), "(synthetic bot message)")
    return {
        "callback_query": {
            "id": f"cq-{next(_callback_query_ids)}",
            "from": from_user,
            "chat_instance": chat_instance,
            "message": message,
            "data": data,
        }
    }


def forwarded_channel_post_update(
    from_user: dict[str, Any],
    text: str,
    *,
    channel_id: int,
    channel_title: str = "Signals",
    channel_username: str | None = None,
    channel_message_id: int | None = None,
    legacy_fields: bool = False,
) -> dict[str, Any]:
    """A user forwarding a channel post into their private chat with the bot."""
    channel = channel_chat(channel_id, channel_title, channel_username)
    if channel_message_id is None:
        channel_message_id = message_ids.next(channel["id"])
    posted = now() - 300
    extra: dict[str, Any] = {
        "forward_origin": {
            "type": "channel",
            "chat": channel,
            "message_id": channel_message_id,
            "date": posted,
        }
    }
    if legacy_fields:
        extra.update(
            forward_from_chat=channel,
            forward_from_message_id=channel_message_id,
            forward_date=posted,
        )
    return message_update(from_user, text, **extra)


def channel_post_update(
    channel_id: int,
    text: str,
    *,
    message_id: int | None = None,
    edited: bool = False,
    channel_title: str = "Signals",
    channel_username: str | None = None,
) -> dict[str, Any]:
    """A post in a channel the bot administers; `edited` makes it an edit of that post."""
    channel = channel_chat(channel_id, channel_title, channel_username)
    post = text_message(channel, text, message_id=message_id, sender_chat=channel)
    if edited:
        post["edit_date"] = now()
        return {"edited_channel_post": post}
    return {"channel_post": post}


# --- What Telegram accepts in a message ------------------------------------------


class Rejected(ValueError):
    """Content Telegram refuses with 400; str() is the text after "Bad Request: "."""


def render(params: dict[str, Any], field: str) -> dict[str, Any]:
    """The text or caption (with entities) Telegram stores for a send or edit."""
    source = params.get(field) or ""
    entities_field = "entities" if field == "text" else "caption_entities"
    if str(params.get("parse_mode") or "").upper() == "HTML":
        try:
            text, entities = parse_html(source)
        except ValueError as error:
            raise Rejected(f"can't parse entities: {error}") from None
    else:  # Markdown modes are stored unparsed
        text, entities = source, params.get(entities_field) or []
    if not text.strip():
        if field == "text":
            raise Rejected("message text is empty")
        return {}
    if utf16_len(text) > (4096 if field == "text" else 1024):
        raise Rejected("message is too long" if field == "text" else "message caption is too long")
    return {field: text, entities_field: entities} if entities else {field: text}


def inline_keyboard(params: dict[str, Any]) -> dict[str, Any] | None:
    """The reply_markup a Message echoes: inline keyboards only, never reply keyboards."""
    markup = params.get("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise Rejected("BUTTON_DATA_INVALID")
    return markup


def check_commands(commands: list[dict[str, Any]]) -> None:
    for command in commands:
        name, description = command.get("command", ""), command.get("description", "")
        if not re.fullmatch(r"[a-z0-9_]{1,32}", name) or not 1 <= len(description) <= 256:
            raise Rejected("BOT_COMMAND_INVALID")


# Telegram's HTML parse mode

_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link",
    "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
_HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Render `parse_mode=HTML` text as Telegram does: (plain text, entities).

    Raises ValueError with the reason Telegram gives after "can't parse entities: ",
    modelled on tdlib's parser: unknown or unclosed tags fail; a stray "&" is literal.
    """
    out: list[str] = []
    offset = 0  # UTF-16 units written so far
    open_tags: list[tuple[str, int, dict[str, Any]]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(source):
        at = f"at byte offset {len(source[:i].encode())}"
        if source[i] == "<":
            end = source.find(">", i)
            closing = source.startswith("</", i)
            if end < 0:
                raise ValueError(f"Unclosed {'end' if closing else 'start'} tag {at}")
            if closing:
                name = source[i + 2 : end].strip().lower()
                if not open_tags:
                    raise ValueError(f"Unexpected end tag {at}")
                tag, start, attrs = open_tags.pop()
                if name and name != tag:
                    raise ValueError(
                        f'Unmatched end tag {at}, expected "</{tag}>", found "</{name}>"'
                    )
                if offset > start and (tag != "a" or attrs.get("url")):
                    entity = {"type": _HTML_TAGS[tag], "offset": start, "length": offset - start}
                    entities.append(entity | attrs)
            else:
                name = re.split(r"[\s/]", source[i + 1 : end], maxsplit=1)[0].lower()
                if name not in _HTML_TAGS:
                    raise ValueError(f'Unsupported start tag "{name}" {at}')
                found = {m[1]: m[2] or m[3] or m[4] for m in _ATTRIBUTE.finditer(source, i, end)}
                attrs = {}
                if name == "a":
                    attrs["url"] = found.get("href", "")
                elif name == "tg-emoji":
                    attrs["custom_emoji_id"] = found.get("emoji-id", "")
                open_tags.append((name, offset, attrs))
            i = end + 1
            continue
        piece = source[i]
        if piece == "&" and (entity_match := _HTML_ENTITY.match(source, i)):
            code = entity_match[1]
            piece = _NAMED.get(code) or chr(int(code[2:], 16) if code[1] == "x" else int(code[1:]))
            i = entity_match.end()
        else:
            i += 1
        out.append(piece)
        offset += utf16_len(piece)
    if open_tags:
        raise ValueError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities
