"""Every user-facing message has a Russian translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from handlers.commands import COMMANDS
from handlers.i18n import LOCALES_DIR, build_i18n

ROOT = Path(__file__).resolve().parents[2]
# UserFacingError carries English text that the errors router translates.
KEYWORDS = {"_": None, "N_": None, "__": None, "UserFacingError": None, "SettingSpec": (2,)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def messages_in_code() -> set[str]:
    found: set[str] = set()
    for folder in ("handlers", "services"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, keywords=KEYWORDS, comment_tags=()):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_in_the_code_is_translated_to_russian() -> None:
    with (LOCALES_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    missing = sorted(m for m in messages_in_code() if not (catalog.get(m) and catalog.get(m).string))
    assert missing == [], "untranslated (see locales/README.md):\n" + "\n".join(missing)


def test_translations_keep_the_placeholders_and_tags() -> None:
    with (LOCALES_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    for message in catalog:
        if not message.id or not message.string:
            continue
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(PLACEHOLDER.findall(message.string)), message.id
        assert sorted(re.findall(r"</?\w+>", message.id)) == sorted(re.findall(r"</?\w+>", message.string)), message.id


def test_command_descriptions_fit_telegrams_limit_in_every_language() -> None:
    i18n = build_i18n()
    for spec in COMMANDS:
        for language in ("en", "ru"):
            text = i18n.gettext(spec.description, locale=language)
            assert 3 <= len(text) <= 256, (spec.name, language)
        assert i18n.gettext(spec.description, locale="ru") != spec.description
