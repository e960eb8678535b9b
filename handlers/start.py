"""/start, /help and /lang."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import ChooseLanguage
from handlers.commands import command, commands_for
from services.access import SUPPORTED_LANGUAGES, AccessService, Actor, Role

LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def role_name(role: Role) -> str:
    return {Role.ADMIN: _("admin"), Role.VIEWER: _("viewer (read-only)")}.get(role, _("stranger"))


def help_text(actor: Actor, i18n: I18n) -> str:
    lines = [_("<b>Commands</b>")]
    for spec in commands_for(actor.role):
        usage = f" {html.escape(spec.usage)}" if spec.usage else ""
        lines.append(f"/{spec.name}{usage} — {html.escape(i18n.gettext(spec.description))}")
    return "\n".join(lines)


async def start(message: Message, actor: Actor, mode: str) -> None:
    name = html.escape(actor.first_name or "")
    await message.answer(
        _("👋 Hello, {name}! I am <b>signaldesk</b>: I read your signal channels, ask you "
          "before each trade, and report PnL and risk here.").format(name=name)
        + "\n\n"
        + _("Mode: <b>{mode}</b>. Your role: <b>{role}</b>.").format(
            mode=html.escape(mode), role=role_name(actor.role))
        + "\n"
        + _("Send /help for the commands.")
    )


async def help_command(message: Message, actor: Actor, i18n: I18n) -> None:
    await message.answer(help_text(actor, i18n))


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LANGUAGES:
        mark = "✓ " if code == current else ""
        builder.button(text=mark + LANGUAGE_NAMES[code],
                       callback_data=ChooseLanguage(language=code))
    return builder.as_markup()


async def lang(message: Message, command: CommandObject, actor: Actor, access: AccessService,
               i18n: I18n) -> None:
    wanted = (command.args or "").strip().lower()
    if not wanted:
        await message.answer(_("Choose your language:"),
                             reply_markup=language_keyboard(actor.language))
        return
    if wanted not in SUPPORTED_LANGUAGES:
        await message.answer(_("Unknown language {lang}. Usage: /lang en or /lang ru.").format(
            lang=html.escape(wanted)))
        return
    actor = await access.choose_language(actor, wanted)
    with i18n.use_locale(actor.language):
        await message.answer(_("Language set: English."))


async def lang_button(query: CallbackQuery, callback_data: ChooseLanguage, actor: Actor,
                      access: AccessService, i18n: I18n) -> None:
    actor = await access.choose_language(actor, callback_data.language)
    with i18n.use_locale(actor.language):
        done = _("Language set: English.")
        await query.answer(done)
        if isinstance(query.message, Message):
            await query.message.edit_text(done, reply_markup=language_keyboard(actor.language))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, command("start"))
    router.message.register(help_command, command("help"))
    router.message.register(lang, command("lang"))
    known_language = ChooseLanguage.filter(F.language.in_(SUPPORTED_LANGUAGES))
    router.callback_query.register(lang_button, known_language)
    return router
