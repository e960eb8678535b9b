"""Domain errors whose message is meant for the user (shown as is, never a traceback).

`reason` is English text with `{placeholders}`; the control plane translates it and fills
in `params`, so services stay free of presentation.
"""

from __future__ import annotations

from typing import Any


class UserFacingError(Exception):
    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason.format(**params) if params else reason)
        self.reason = reason
        self.params = params
