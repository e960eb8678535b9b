"""/logs [n]: the most recent audit log entries."""

from __future__ import annotations

import html

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.commands import command
from handlers.ui import answer_long, format_utc
from services.audit import AuditTrail
from storage.audit import AuditEntry

DEFAULT_COUNT = 15
MAX_COUNT = 100


def entry_line(entry: AuditEntry) -> str:
    who = str(entry.actor_id) if entry.actor_id is not None else "—"
    detail = ", ".join(f"{k}={v}" for k, v in entry.detail.items() if v is not None)
    text = f"{format_utc(entry.at)} · {who} ({entry.role}) · {entry.action} → {entry.outcome}"
    if detail:
        text += f" · {detail[:120]}"
    return f"<code>{html.escape(text)}</code>"


async def logs(message: Message, command: CommandObject, audit: AuditTrail) -> None:
    arg = (command.args or "").strip()
    if arg and not (arg.isdigit() and 1 <= int(arg) <= MAX_COUNT):
        await message.answer(_("Usage: /logs [n] — n from 1 to {max}.").format(max=MAX_COUNT))
        return
    entries = await audit.recent(int(arg) if arg else DEFAULT_COUNT)
    if not entries:
        await message.answer(_("The audit log is empty."))
        return
    lines = [_("<b>Audit log</b> (newest first)")] + [entry_line(e) for e in entries]
    await answer_long(message, "\n".join(lines))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(logs, command("logs"))
    return router
