"""/start, /help and /lang per role and language, through the real Bot over HTTP."""

from __future__ import annotations

from bot.app import Application
from tests.conftest import ADMIN, ADMIN_ID, ADMIN_RU, VIEWER, say
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.telegram_objects import user


async def test_start_greets_an_admin_in_english_with_mode_and_role(
        app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, ADMIN, "/start")
    assert "Hello, Ann!" in reply.text
    assert "Mode: <b>paper</b>" in reply.text
    assert "Your role: <b>admin</b>" in reply.text
    assert reply.params["parse_mode"] == "HTML"


async def test_start_speaks_russian_to_a_russian_telegram_client(
        app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, ADMIN_RU, "/start")
    assert "Привет, Аня!" in reply.text
    assert "Ваша роль: <b>админ</b>" in reply.text


async def test_a_language_code_we_do_not_speak_falls_back_to_english(
        app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, user(ADMIN_ID, first_name="Jo", language_code="de"), "/start")
    assert "Hello, Jo!" in reply.text


async def test_help_for_an_admin_lists_every_command_with_its_description(
        app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, ADMIN, "/help")
    for line in ("/status — Mode, trading state, health", "/pause — Pause new entries",
                 "/resume — Resume new entries", "/logs [n] — Recent audit log entries",
                 "/lang [en|ru] — Language"):
        assert line in reply.text


async def test_help_for_a_viewer_lists_only_read_only_commands(
        app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, VIEWER, "/help")
    assert "/status" in reply.text and "/help" in reply.text
    assert "/pause" not in reply.text and "/resume" not in reply.text
    assert "/logs" not in reply.text


async def test_help_in_russian(app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, ADMIN_RU, "/help")
    assert "<b>Команды</b>" in reply.text
    assert "/pause — Пауза новых входов" in reply.text


async def test_lang_command_overrides_the_telegram_language_and_survives_restart(
        app: Application, telegram: FakeBotAPI, make_settings, start_app) -> None:
    reply = await say(telegram, ADMIN, "/lang ru")
    assert reply.text == "Язык: русский."
    assert "<b>Команды</b>" in (await say(telegram, ADMIN, "/help")).text

    await app.stop()
    await start_app(make_settings())
    assert "<b>Команды</b>" in (await say(telegram, ADMIN, "/help")).text
    assert (await say(telegram, ADMIN_RU, "/lang en")).text == "Language set: English."


async def test_lang_buttons_switch_language_and_edit_the_card(
        app: Application, telegram: FakeBotAPI) -> None:
    card = await say(telegram, ADMIN, "/lang")
    buttons = [b["callback_data"] for row in card.params["reply_markup"]["inline_keyboard"]
               for b in row]
    assert buttons == ["lang:en", "lang:ru"]
    telegram.push_update(telegram.callback_update(ADMIN, "lang:ru"))
    edit = await telegram.wait_for_call("editMessageText")
    assert edit.text == "Язык: русский."
    answer = await telegram.wait_for_call("answerCallbackQuery")
    assert answer.params.get("text") == "Язык: русский."


async def test_unknown_language_gets_the_usage(app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, ADMIN, "/lang fr")
    assert "Unknown language fr" in reply.text and "/lang en" in reply.text


async def test_unknown_command_and_plain_text_get_a_hint(
        app: Application, telegram: FakeBotAPI) -> None:
    assert "Unknown command /foo" in (await say(telegram, ADMIN, "/foo bar")).text
    assert "/help" in (await say(telegram, VIEWER, "hello there")).text


async def test_command_addressed_to_the_bot_by_username_works(
        app: Application, telegram: FakeBotAPI) -> None:
    reply = await say(telegram, ADMIN, f"/help@{telegram.bot_username}")
    assert "/status" in reply.text
