"""The fake Bot API, driven the way handler tests use it: a real aiogram Bot over HTTP."""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramServerError
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyParameters,
)

from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.fakes.telegram_objects import (
    channel_post_update,
    forwarded_channel_post_update,
    message_update,
    user,
)

ANN = user(4242, "Ann", username="ann_trader")
APPROVE = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Approve", callback_data="approve:7")]]
)


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"".join(b"\0" + b"\xff\0\0" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        yield api


@pytest.fixture
def bot(fake: FakeBotAPI) -> Bot:
    return fake.make_bot()


async def test_get_me_over_the_documented_session_recipe(fake: FakeBotAPI) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    bot = Bot("777:secret-token", session=session)
    try:
        me = await bot.get_me()
    finally:
        await bot.session.close()

    assert (me.id, me.is_bot, me.username) == (777, True, "signaldesk_test_bot")
    assert fake.calls[0].method == "getMe"
    assert fake.calls[0].token == "777:secret-token"


async def test_send_message_round_trips_inline_keyboard(fake: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(
        ANN["id"], "Signal #7: BTC long", reply_markup=APPROVE, disable_notification=True
    )

    call = fake.calls_of("sendMessage")[0]
    assert call.params["chat_id"] == ANN["id"]
    assert call.params["disable_notification"] is True
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Approve", "callback_data": "approve:7"}]]
    }
    # model_dump: parsed objects carry the bot in a private attribute, so == is always False
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump() == APPROVE.model_dump()
    assert fake.messages[(ANN["id"], sent.message_id)]["text"] == "Signal #7: BTC long"


async def test_reply_keyboard_is_not_echoed_into_the_message(fake: FakeBotAPI, bot: Bot) -> None:
    keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Status")]])

    sent = await bot.send_message(ANN["id"], "Pick one", reply_markup=keyboard)

    assert sent.reply_markup is None
    assert fake.calls_of("sendMessage")[0].params["reply_markup"]["keyboard"] == [
        [{"text": "Status"}]
    ]


async def test_send_photo_upload_arrives_intact_and_downloads_back(
    fake: FakeBotAPI, bot: Bot
) -> None:
    chart = png(3, 2)

    sent = await bot.send_photo(ANN["id"], BufferedInputFile(chart, "pnl.png"), caption="PnL")

    upload = fake.calls_of("sendPhoto")[0].files["photo"]
    assert (upload.filename, upload.content) == ("pnl.png", chart)
    assert sent.caption == "PnL"
    assert sent.photo is not None
    assert (sent.photo[-1].width, sent.photo[-1].height) == (3, 2)
    downloaded = await bot.download(sent.photo[-1].file_id)
    assert downloaded is not None
    assert downloaded.read() == chart


async def test_send_document_resolves_attach_reference(fake: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_document(ANN["id"], BufferedInputFile(b"a,b\n1,2\n", "trades.csv"))

    call = fake.calls_of("sendDocument")[0]
    assert call.params["document"].startswith("attach://")
    assert call.files["document"].content == b"a,b\n1,2\n"
    assert sent.document is not None
    assert (sent.document.file_name, sent.document.mime_type) == ("trades.csv", "text/csv")


async def test_polling_dispatcher_answers_pushed_command(fake: FakeBotAPI, bot: Bot) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(f"Welcome, {message.from_user.first_name}!")  # type: ignore[union-attr]

    dp = Dispatcher()
    dp.include_router(router)
    fake.push_update(message_update(ANN, "/start"))
    async with fake.polling(dp, bot):
        reply = await fake.wait_for_call("sendMessage")

    assert reply.text == "Welcome, Ann!"
    assert reply.params["chat_id"] == ANN["id"]
    assert fake.calls_of("getMe")
    assert fake.calls_of("getUpdates")[0].params["timeout"] == 1


async def test_pushed_callback_query_is_handled_and_answered(fake: FakeBotAPI, bot: Bot) -> None:
    router = Router()

    @router.callback_query(F.data == "approve:7")
    async def approve(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)  # not InaccessibleMessage
        await query.message.edit_text("Approved ✅")
        await query.answer("Done")

    dp = Dispatcher()
    dp.include_router(router)
    sent = await bot.send_message(ANN["id"], "Signal #7", reply_markup=APPROVE)
    fake.push_update(fake.callback_update(ANN, "approve:7"))
    async with fake.polling(dp, bot):
        answered = await fake.wait_for_call("answerCallbackQuery")

    assert answered.answered_status == 200
    assert answered.params["text"] == "Done"
    edited = fake.messages[(ANN["id"], sent.message_id)]
    assert edited["text"] == "Approved ✅"
    assert "reply_markup" not in edited  # editing text without a keyboard drops it


async def test_get_updates_confirms_by_offset_and_long_polls(fake: FakeBotAPI, bot: Bot) -> None:
    first = fake.push_update(message_update(ANN, "one"))
    fake.push_update(message_update(ANN, "two"))

    assert [u.update_id for u in await bot.get_updates(limit=1)] == [first]
    assert [u.message.text for u in await bot.get_updates(offset=first + 1)] == ["two"]  # type: ignore[union-attr]

    started = time.monotonic()
    assert await bot.get_updates(offset=first + 2, timeout=30) == []
    assert 0.9 < time.monotonic() - started < 1.5  # capped at max_long_poll

    poll = asyncio.create_task(bot.get_updates(offset=first + 2, timeout=30))
    await fake.wait_for_call("getUpdates", count=4)
    third = fake.push_update(channel_post_update(1234, "BTC long 60k", message_id=5))
    updates = await poll
    assert [u.update_id for u in updates] == [third]
    assert updates[0].channel_post is not None
    assert updates[0].channel_post.chat.id == -1000000001234


async def test_stop_releases_pending_long_poll_promptly() -> None:
    fake = FakeBotAPI(max_long_poll=30)
    await fake.start()
    bot = fake.make_bot()
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_for_call("getUpdates")

    started = time.monotonic()
    await fake.stop()

    assert time.monotonic() - started < 0.5
    assert poll.done()
    assert await poll == []


async def test_fail_next_429_raises_retry_after_once(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=7)

    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(ANN["id"], "flood")
    await bot.send_message(ANN["id"], "after the pause")

    assert raised.value.retry_after == 7
    assert [c.answered_status for c in fake.calls_of("sendMessage")] == [429, 200]


async def test_fail_next_502_raises_server_error(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", status=502, times=2)

    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_message(ANN["id"], "hello")
    await bot.send_message(ANN["id"], "hello")


async def test_edit_without_change_is_not_modified(fake: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(ANN["id"], "Signal #7", reply_markup=APPROVE)

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Signal #7", chat_id=ANN["id"], message_id=sent.message_id, reply_markup=APPROVE
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=ANN["id"], message_id=sent.message_id + 100)
    edited = await bot.edit_message_reply_markup(chat_id=ANN["id"], message_id=sent.message_id)

    assert isinstance(edited, Message)
    assert edited.reply_markup is None
    assert edited.edit_date is not None


async def test_html_is_rendered_and_bad_html_rejected(fake: FakeBotAPI) -> None:
    bot = fake.make_bot(default=DefaultBotProperties(parse_mode="HTML"))

    sent = await bot.send_message(ANN["id"], "<b>BTC</b> &lt;60k &amp; rising")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ANN["id"], "pnl < 0 for ETH")

    assert sent.text == "BTC <60k & rising"
    assert sent.html_text == "<b>BTC</b> &lt;60k &amp; rising"


async def test_forwarded_channel_post_parses_with_marked_channel_id(
    fake: FakeBotAPI, bot: Bot
) -> None:
    update = forwarded_channel_post_update(
        ANN, "BUY SOL 140", channel_id=1234, channel_username="alpha", legacy_fields=True
    )
    fake.push_update(update)

    [received] = await bot.get_updates()

    message = received.message
    assert message is not None
    assert message.chat.id == ANN["id"]
    assert message.forward_origin.chat.id == -1000000001234  # type: ignore[union-attr]
    assert message.forward_origin.chat.username == "alpha"  # type: ignore[union-attr]
    assert message.forward_from_chat.id == -1000000001234  # type: ignore[union-attr]


async def test_commands_are_stored_per_scope_and_language(fake: FakeBotAPI, bot: Bot) -> None:
    scope = BotCommandScopeChat(chat_id=ANN["id"])

    await bot.set_my_commands(
        [BotCommand(command="status", description="Статус")], scope=scope, language_code="ru"
    )
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Status", description="Status")])

    stored = await bot.get_my_commands(scope=scope, language_code="ru")
    assert [c.command for c in stored] == ["status"]
    assert await bot.get_my_commands() == []
    assert fake.commands_for({"type": "chat", "chat_id": ANN["id"]}, "ru")[0]["command"] == "status"
    assert await bot.delete_my_commands(scope=scope, language_code="ru") is True
    assert fake.commands_for({"type": "chat", "chat_id": ANN["id"]}, "ru") == []


async def test_oversized_callback_data_is_rejected(bot: Bot) -> None:
    button = InlineKeyboardButton(text="Approve", callback_data="approve:" + "x" * 60)

    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            ANN["id"], "?", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]])
        )


async def test_unimplemented_method_is_rejected_and_recorded(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="method not implemented in fake"):
        await bot.get_chat(ANN["id"])

    [call] = fake.calls_of("getChat")
    assert call.answered_status == 400

    fake.stub("getChatMemberCount", lambda call: 3 if call.params["chat_id"] == -100123 else 1)
    assert await bot.get_chat_member_count(-100123) == 3


async def test_wait_for_call_timeout_lists_recent_calls(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(ANN["id"], "only this")

    with pytest.raises(AssertionError, match=r"(?s)found 0.*sendMessage\(chat_id=4242"):
        await fake.wait_for_call("sendPhoto", timeout=0.05)


async def test_malformed_token_gets_telegram_404(fake: FakeBotAPI) -> None:
    async with aiohttp.ClientSession() as http:
        response = await http.post(f"{fake.base_url}/botnot-a-token/getMe")
        body = await response.json()

    assert response.status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert fake.calls_of("getMe")[0].answered_status == 404


def test_default_token_is_valid_for_aiogram() -> None:
    assert Bot(DEFAULT_TOKEN).id == 123456789


async def test_reply_carries_the_pushed_user_message(fake: FakeBotAPI, bot: Bot) -> None:
    update = message_update(ANN, "close BTC")
    fake.push_update(update)

    sent = await bot.send_message(
        ANN["id"],
        "Closed",
        reply_parameters=ReplyParameters(message_id=update["message"]["message_id"]),
    )

    assert sent.message_id > update["message"]["message_id"]  # one id sequence per chat
    assert sent.reply_to_message is not None
    assert sent.reply_to_message.text == "close BTC"


async def test_callback_query_can_be_answered_once(fake: FakeBotAPI, bot: Bot) -> None:
    update = fake.callback_update(ANN, "approve:7")  # no bot message yet: synthetic one
    fake.push_update(update)
    [received] = await bot.get_updates()
    assert isinstance(received.callback_query.message, Message)  # type: ignore[union-attr]

    assert await bot.answer_callback_query(update["callback_query"]["id"]) is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(update["callback_query"]["id"])


async def test_deleted_message_is_forgotten(fake: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(ANN["id"], "Pending approval")

    assert await bot.delete_message(ANN["id"], sent.message_id) is True
    assert (ANN["id"], sent.message_id) not in fake.messages
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ANN["id"], sent.message_id)


async def test_edited_channel_post_parses(fake: FakeBotAPI, bot: Bot) -> None:
    fake.push_update(channel_post_update(-1000000001234, "BTC long 61k", message_id=5, edited=True))

    [received] = await bot.get_updates()

    post = received.edited_channel_post
    assert post is not None
    assert (post.chat.id, post.chat.type, post.message_id) == (-1000000001234, "channel", 5)
    assert post.edit_date is not None


async def test_push_update_refuses_an_already_confirmed_id(fake: FakeBotAPI, bot: Bot) -> None:
    delivered = fake.push_update(message_update(ANN, "one"))
    await bot.get_updates(offset=delivered + 1)

    with pytest.raises(ValueError, match="already delivered"):
        fake.push_update({"update_id": delivered, **message_update(ANN, "again")})


async def test_get_requests_and_any_method_case_are_served(fake: FakeBotAPI) -> None:
    url = f"{fake.base_url}/bot{DEFAULT_TOKEN}/SENDMESSAGE"
    async with aiohttp.ClientSession() as http:
        response = await http.get(url, params={"chat_id": "42", "text": "007"})
        body = await response.json()

    assert body["ok"] is True
    assert body["result"]["text"] == "007"
    assert fake.calls[0].method == "SENDMESSAGE"
    assert fake.calls_of("sendMessage")[0].params == {"chat_id": 42, "text": "007"}
