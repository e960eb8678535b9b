"""Localisation: gettext catalogs in locales/<lang>/LC_MESSAGES/messages.po.

The .po files are the source of truth and are compiled in memory at start (Babel), so
there is no build step and no binary file to keep in sync. English is the source
language: its text is the msgid itself.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from services.access import DEFAULT_LANGUAGE, Actor
from services.text import N_

__all__ = ["N_", "ActorLocaleMiddleware", "CatalogI18n", "build_i18n"]

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


class CatalogI18n(I18n):
    """aiogram's I18n, reading .po catalogs directly."""

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's `gettext` looks the instance up on I18n's own context variable; a
        # subclass gets a variable of its own (ContextInstanceMixin), so set the base one.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for folder in sorted(self.path.iterdir()):
            po_path = folder / "LC_MESSAGES" / f"{self.domain}.po"
            if not po_path.is_file():
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=folder.name, domain=self.domain)
            compiled = BytesIO()
            write_mo(compiled, catalog)
            compiled.seek(0)
            translations[folder.name] = gettext.GNUTranslations(compiled)
        return translations


def build_i18n(path: Path = LOCALES_DIR) -> CatalogI18n:
    return CatalogI18n(path=path, default_locale=DEFAULT_LANGUAGE, domain=DOMAIN)


class ActorLocaleMiddleware(I18nMiddleware):
    """Speaks the language the access gate resolved for the user (their /lang choice first)."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        actor: Actor | None = data.get("actor")
        return actor.language if actor else self.i18n.default_locale
