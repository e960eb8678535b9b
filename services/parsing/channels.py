"""Telegram channel ids: one channel, two spellings.

The Bot API and Telethon's "marked" ids write a channel as -100…  (-1001234567890);
MTProto objects and t.me/c/… links carry the bare id (1234567890). Everything in
signaldesk stores and compares the marked form.
"""

from __future__ import annotations

_CHANNEL_MARK = 1_000_000_000_000  # marked id = -(_CHANNEL_MARK + bare id)


def normalize_channel_id(value: int | str) -> int:
    """The marked (-100…) form of a channel id given marked or bare, as int or text.

    A negative id that is not a marked channel id (a basic group's) is returned as is.
    Raises ValueError for anything that is not a non-zero integer.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a channel id: {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("+-").isdigit():
            raise ValueError(f"not a channel id: {value!r}")
        number = int(text)
    else:
        number = int(value)
    if number == 0:
        raise ValueError("not a channel id: 0")
    if number > 0:
        return -(_CHANNEL_MARK + number)
    return number
