"""Marking English text that the control plane translates (services stay Telegram-free)."""

from __future__ import annotations


class Msg(str):
    """Text to translate where it is shown, e.g. a parameter of a UserFacingError."""

    __slots__ = ()


def N_(text: str) -> Msg:
    """Mark text for translation where it is defined; it is translated where it is shown."""
    return Msg(text)
