"""The command menu per role and language, and what users see when something fails."""

from __future__ import annotations

from bot.app import Application
from handlers.commands import COMMANDS
from services.access import Role
from tests.conftest import ADMIN, ADMIN_ID, VIEWER_ID, say
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.telegram_objects import message_update


def names(commands: list[dict]) -> list[str]:
    return [c["command"] for c in commands]


async def test_menus_are_registered_per_role_in_english_and_russian(
        app: Application, telegram: FakeBotAPI) -> None:
    await telegram.wait_for_call("setMyCommands", count=6)
    default = telegram.commands_for({"type": "default"})
    assert names(default) == ["start", "help"]
    admin = telegram.commands_for({"type": "chat", "chat_id": ADMIN_ID})
    # Every command of the registry, in its order, as far as the role allows.
    assert names(admin) == [s.name for s in COMMANDS if s.menu]
    assert {"positions", "position", "close", "closeall", "stop", "pause"} <= set(names(admin))
    viewer = telegram.commands_for({"type": "chat", "chat_id": VIEWER_ID})
    assert names(viewer) == [s.name for s in COMMANDS if s.menu and s.role is Role.VIEWER]
    assert {"positions", "position"} <= set(names(viewer))
    assert not {"close", "closeall", "stop", "pause"} & set(names(viewer))
    admin_ru = telegram.commands_for({"type": "chat", "chat_id": ADMIN_ID}, "ru")
    assert dict((c["command"], c["description"]) for c in admin_ru)["pause"].startswith("Пауза")
    assert all(c["description"] for c in admin + admin_ru)


async def test_a_failing_reply_is_reported_plainly_without_a_traceback(
        app: Application, telegram: FakeBotAPI) -> None:
    telegram.fail_next("sendMessage", status=400, description="Bad Request: can't parse entities")
    telegram.push_update(message_update(ADMIN, "/status"))
    reply = await telegram.wait_for_call(
        "sendMessage", lambda c: c.answered_status == 200 and c.params["chat_id"] == ADMIN_ID)
    assert "Something went wrong" in reply.text and "id " in reply.text
    assert "Traceback" not in reply.text and "Bad Request" not in reply.text
    metrics = await app.metrics.render()
    assert b"signaldesk_handler_errors_total 1.0" in metrics


async def test_a_short_flood_wait_on_a_reply_is_waited_out(
        app: Application, telegram: FakeBotAPI) -> None:
    telegram.fail_next("sendMessage", status=429, retry_after=1)
    reply = await say(telegram, ADMIN, "/help")
    assert reply.answered_status == 429
    delivered = await telegram.wait_for_call("sendMessage", lambda c: c.answered_status == 200)
    assert "/status" in delivered.text
