"""/settings and /set <key> <value>: runtime settings, validated, persisted, audited."""

from __future__ import annotations

import html

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers.commands import command
from handlers.ui import answer_long
from services.access import Actor
from services.runtime_config import SETTINGS, RuntimeConfig


async def show_settings(message: Message, runtime_config: RuntimeConfig, i18n: I18n) -> None:
    values = await runtime_config.values()
    lines = [_("<b>Settings</b> (change with /set key value)")]
    for spec in SETTINGS:
        value = values[spec.key]
        changed = "" if value == spec.default else " ✎"
        lines.append(f"<code>{spec.key}</code> = <b>{html.escape(spec.show(value))}</b>{changed}"
                     f"\n    {html.escape(i18n.gettext(spec.description))}")
    await answer_long(message, "\n".join(lines))


async def set_setting(message: Message, command: CommandObject, actor: Actor,
                      runtime_config: RuntimeConfig) -> None:
    key, _sep, value = (command.args or "").strip().partition(" ")
    if not key or not value.strip():
        await message.answer(_("Usage: /set key value, e.g. /set risk.daily_loss_pct 2.5. "
                               "/settings lists the keys."))
        return
    change = await runtime_config.set(key, value, actor_id=actor.user_id, role=actor.role.label)
    await message.answer(_("✅ {key}: {old} → {new}").format(
        key=change.spec.key, old=html.escape(change.spec.show(change.old)),
        new=html.escape(change.spec.show(change.new))))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(show_settings, command("settings"))
    router.message.register(set_setting, command("set"))
    return router
