"""Who may use the bot: admins (everything), viewers (read-only), strangers (refused).

Roles come from configuration (TELEGRAM__ADMIN_IDS / TELEGRAM__VIEWER_IDS). Every refused
attempt is audited; the refusal *message* is rate-limited per user so a stranger cannot
make the bot flood.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from services.audit import AuditTrail
from services.clock import Clock
from storage.users import UserRepository

SUPPORTED_LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"


class Role(IntEnum):
    """Ordered: a higher role may do everything a lower one may."""

    STRANGER = 0
    VIEWER = 1
    ADMIN = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Actor:
    """The user behind an update, as the control plane needs to know them."""

    user_id: int
    role: Role
    language: str
    first_name: str = ""
    username: str | None = None

    def may(self, needed: Role) -> bool:
        return self.role >= needed


def language_for(chosen: str | None, language_code: str | None) -> str:
    """The user's chosen language, else their Telegram language if we speak it, else English."""
    if chosen in SUPPORTED_LANGUAGES:
        return chosen
    base = (language_code or "").split("-")[0].lower()
    return base if base in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


class AccessService:
    def __init__(self, *, admin_ids: Iterable[int], viewer_ids: Iterable[int],
                 users: UserRepository, audit: AuditTrail, clock: Clock,
                 refusal_interval_s: float = 60.0) -> None:
        self._admins = frozenset(admin_ids)
        self._viewers = frozenset(viewer_ids) - self._admins
        self._users = users
        self._audit = audit
        self._clock = clock
        self._refusal_interval = refusal_interval_s
        self._last_refusal: dict[int, float] = {}

    @property
    def admin_ids(self) -> frozenset[int]:
        return self._admins

    @property
    def viewer_ids(self) -> frozenset[int]:
        return self._viewers

    def role_of(self, user_id: int) -> Role:
        if user_id in self._admins:
            return Role.ADMIN
        if user_id in self._viewers:
            return Role.VIEWER
        return Role.STRANGER

    async def identify(self, user_id: int, *, first_name: str = "", username: str | None = None,
                       language_code: str | None = None) -> Actor:
        """Resolve role and language; remember known users (strangers are not stored)."""
        role = self.role_of(user_id)
        chosen = None
        if role is not Role.STRANGER:
            row = await self._users.get(user_id)
            chosen = row.language if row else None
            await self._users.touch(user_id, username=username, first_name=first_name,
                                    language_code=language_code, role=role.label,
                                    now=self._clock.now())
        return Actor(user_id=user_id, role=role, language=language_for(chosen, language_code),
                     first_name=first_name, username=username)

    async def refuse(self, actor: Actor, action: str, **detail: Any) -> bool:
        """Audit a refused attempt; True when the user should be told (once a minute at most)."""
        await self._audit.record(actor_id=actor.user_id, role=actor.role.label, action=action,
                                 outcome="refused", username=actor.username, **detail)
        now = self._clock.monotonic()
        last = self._last_refusal.get(actor.user_id)
        if last is not None and now - last < self._refusal_interval:
            return False
        self._last_refusal[actor.user_id] = now
        if len(self._last_refusal) > 10_000:  # bound memory under a flood of strangers
            cutoff = now - self._refusal_interval
            self._last_refusal = {k: v for k, v in self._last_refusal.items() if v >= cutoff}
        return True

    async def admins(self) -> list[Actor]:
        """Every configured admin with their language, for notifications."""
        actors = []
        for user_id in sorted(self._admins):
            row = await self._users.get(user_id)
            language = language_for(row.language if row else None,
                                    row.language_code if row else None)
            actors.append(Actor(user_id=user_id, role=Role.ADMIN, language=language,
                                first_name=(row.first_name or "") if row else "",
                                username=row.username if row else None))
        return actors

    async def choose_language(self, actor: Actor, language: str | None) -> Actor:
        """Store the user's language choice (None: follow Telegram's); audited."""
        if language is not None and language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        await self._users.set_language(actor.user_id, language)
        await self._audit.record(actor_id=actor.user_id, role=actor.role.label,
                                 action="set_language", outcome="done", language=language)
        row = await self._users.get(actor.user_id)
        return Actor(user_id=actor.user_id, role=actor.role,
                     language=language_for(language, row.language_code if row else None),
                     first_name=actor.first_name, username=actor.username)
