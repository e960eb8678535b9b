"""/backup: a consistent copy of the database now, sent to the admin who asked."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import FSInputFile, Message
from aiogram.utils.i18n import gettext as _

from handlers.commands import command
from services.backup import BackupService

TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024  # what a bot may send as a document


async def backup(message: Message, backups: BackupService) -> None:
    result = await backups.create()  # BackupError is a UserFacingError: the errors router
    size = f"{result.size_bytes / 1024:.1f} KB"
    if not result.integrity_ok:
        await message.answer(_("⚠️ Backup written but its integrity check failed: {detail}. "
                               "Keep the older backups.").format(
            detail=result.integrity_detail or "?"))
        return
    caption = _("💾 Backup {name} ({size}). No secrets or Telegram session inside. "
                "Restore with: python -m bot restore FILE").format(name=result.path.name,
                                                                    size=size)
    if result.size_bytes > TELEGRAM_UPLOAD_LIMIT:
        await message.answer(caption + "\n" + _("Too big for Telegram: it is on the server "
                                                "in DATA_DIR/backups."))
        return
    await message.answer_document(FSInputFile(result.path), caption=caption)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(backup, command("backup"))
    return router
