"""Callback data of every inline button, with the least role allowed to press it."""

from __future__ import annotations

from typing import ClassVar

from aiogram.filters.callback_data import CallbackData

from services.access import Role


class Button(CallbackData, prefix="_"):
    """Base of our callback data: each subclass says who may press it."""

    required_role: ClassVar[Role] = Role.ADMIN


class ChooseLanguage(Button, prefix="lang"):
    language: str
    required_role: ClassVar[Role] = Role.VIEWER


class RefreshStatus(Button, prefix="status"):
    required_role: ClassVar[Role] = Role.VIEWER


class ChannelAction(Button, prefix="chan"):
    """A toggle on a /channels row: on, off, manual, auto, remove."""

    channel_id: int
    action: str


class FollowChannel(Button, prefix="follow"):
    """Offered under a post from a channel that is not followed yet."""

    channel_id: int


class DecideApproval(Button, prefix="appr"):
    """A button of an approval card: approve, reject, half (×½) or double (×2)."""

    position_id: int
    action: str


class DecideEdit(Button, prefix="edit"):
    """Apply or Ignore under a channel's edit of a traded signal."""

    position_id: int
    apply: bool


class ShowPositions(Button, prefix="pos"):
    """◀ ▶ under /positions: show page `page` (0-based) in place."""

    page: int
    required_role: ClassVar[Role] = Role.VIEWER


class ShowPosition(Button, prefix="posd"):
    """🔍 under /positions: the position's detail, as /position <id> answers it."""

    position_id: int
    required_role: ClassVar[Role] = Role.VIEWER


class ClosePosition(Button, prefix="close"):
    """Close one position: ask (✖️ under /positions), yes (confirmed) or no (cancelled)."""

    position_id: int
    action: str


class ConfirmHalt(Button, prefix="halt"):
    """The confirmation of /stop or /closeall (`what`): yes or no."""

    what: str
    action: str


BUTTONS: tuple[type[Button], ...] = (ChooseLanguage, RefreshStatus, ChannelAction, FollowChannel,
                                     DecideApproval, ShowPositions, ShowPosition, ClosePosition,
                                     ConfirmHalt, DecideEdit)


def required_role(data: str | None) -> Role | None:
    """The role a button's callback data needs; None for data no registered button makes."""
    for button in BUTTONS:
        try:
            button.unpack(data or "")
        except (ValueError, TypeError):
            continue
        return button.required_role
    return None
