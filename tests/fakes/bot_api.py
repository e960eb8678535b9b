"""A fake Telegram Bot API server on 127.0.0.1 that a real aiogram Bot talks HTTP to.

    async with FakeBotAPI() as fake:
        bot = fake.make_bot()
        fake.push_update(message_update(user(42), "/start"))
        async with fake.polling(dp, bot):
            call = await fake.wait_for_call("sendMessage")
        assert call.text == "Hello"

Modelled on Telegram: getMe, getUpdates (offset, limit, long poll), sendMessage /
sendPhoto / sendDocument, the three message edits ("message is not modified", and the
keyboard vanishing when an edit omits reply_markup), deleteMessage, answerCallbackQuery
(once per pushed query), set/get/deleteMyCommands, getFile and downloads. HTML is
parsed and checked as Telegram does (see telegram_objects.render); Markdown is stored
unparsed. Other methods answer 400 "method not implemented in fake" unless `stub`bed.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import mimetypes
import re
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from http import HTTPStatus
from pathlib import PurePosixPath
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from tests.fakes import telegram_objects as tg
from tests.fakes.bot_api_wire import ApiCall, ApiError, UploadedFile, read_request

DEFAULT_TOKEN = "123456789:AAF-signaldesk_test_token"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_API_PATH = re.compile(r"/bot([^/]*)/(\w+)")
_FILE_PATH = re.compile(r"/file/bot([^/]*)/(.+)")
_TOKEN = re.compile(r"\d+:[\w-]+")


class _LoopbackSession(AiohttpSession):
    """Closes without aiogram's 250 ms grace sleep, which is for TLS; loopback has none."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class FakeBotAPI:
    def __init__(
        self,
        bot_username: str = "signaldesk_test_bot",
        *,
        max_long_poll: float = 1.0,
        bot_first_name: str = "SignalDesk",
    ) -> None:
        self.bot_username, self.bot_first_name = bot_username, bot_first_name
        self.max_long_poll = max_long_poll  # caps getUpdates' timeout so tests end fast
        self.base_url = ""
        self.calls: list[ApiCall] = []
        # (chat_id, message_id) -> the bot's message as last returned; gone once deleted
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.uploads: dict[str, UploadedFile] = {}  # by the file_id the fake gave it
        self._pending: list[dict[str, Any]] = []
        self._last_update_id = 0
        self._confirmed = 0  # the getUpdates offset: every update below it is gone
        self._chats: dict[int, dict[str, Any]] = {}
        self._seen: dict[tuple[int, int], dict[str, Any]] = {}  # users' messages
        self._open_queries: set[str] = set()
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._failures: dict[str, list[ApiError]] = {}
        self._stubs: dict[str, Any] = {}
        self._file_paths: dict[str, str] = {}
        self._changed = asyncio.Event()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._bots: list[Bot] = []
        self._methods: dict[str, Callable[[ApiCall], Any]] = {
            "getme": lambda call: self._bot_user(call.token),
            "getupdates": self._get_updates,
            "sendmessage": lambda call: self._new_message(call, **tg.render(call.params, "text")),
            "sendphoto": lambda call: self._send_file(call, "photo"),
            "senddocument": lambda call: self._send_file(call, "document"),
            "editmessagetext": lambda call: self._edit(call, "text"),
            "editmessagecaption": lambda call: self._edit(call, "caption"),
            "editmessagereplymarkup": lambda call: self._edit(call, None),
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": lambda call: self._commands.get(_commands_key(call.params), []),
            "deletemycommands": self._delete_my_commands,
            "getfile": self._get_file,
            **dict.fromkeys(
                ["deletewebhook", "sendchataction", "setmydescription", "setmyshortdescription"],
                lambda call: True,
            ),
        }

    async def start(self) -> str:
        self._stopping = False
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.base_url

    async def stop(self) -> None:
        """Answer pending long polls with [], stop serving, close bots from `make_bot`."""
        self._stopping = True
        self._notify()
        if self._runner is not None:  # waits for the long polls just woken to answer
            await self._runner.cleanup()
            self._runner = None
        bots, self._bots = self._bots, []
        await asyncio.gather(*(bot.session.close() for bot in bots))

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def make_bot(self, token: str = DEFAULT_TOKEN, **bot_kwargs: Any) -> Bot:
        """A real aiogram Bot pointed at this fake; `stop()` closes its session."""
        session = _LoopbackSession(api=TelegramAPIServer.from_base(self.base_url))
        bot = Bot(token, session=session, **bot_kwargs)
        self._bots.append(bot)
        return bot

    @asynccontextmanager
    async def polling(self, dp: Dispatcher, bot: Bot, **workflow_data: Any) -> AsyncIterator[None]:
        """Run `dp` long-polling this fake for the duration of the block."""
        task = asyncio.create_task(
            dp.start_polling(
                bot,
                handle_signals=False,
                polling_timeout=1,
                close_bot_session=False,
                **workflow_data,
            )
        )
        await asyncio.sleep(0)  # let it take the dispatcher's running lock
        try:
            yield
        finally:
            if not task.done():
                await dp.stop_polling()
            await task  # re-raises if polling crashed

    # --- test controls ---------------------------------------------------------------

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the agreed test API
        count: int = 1,
    ) -> ApiCall:
        """The `count`-th call of `method` (matching `predicate`) ever made, once it exists."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [c for c in self.calls_of(method) if predicate is None or predicate(c)]
            if len(found) >= count:
                return found[count - 1]
            if (remaining := deadline - loop.time()) <= 0:
                wanted = f"{count} {method} call(s)" + (" matching predicate" * bool(predicate))
                recent = [c for c in self.calls if c.method.lower() != "getupdates"][-20:]
                raise AssertionError(
                    f"waited {timeout}s for {wanted}, found {len(found)}. Recent calls "
                    f"(getUpdates left out):\n" + "\n".join(f"  {c}" for c in recent)
                )
            changed = self._changed
            with suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates (waking a pending long poll); returns its id."""
        update = dict(update)
        update_id = update.setdefault("update_id", max(self._last_update_id + 1, self._confirmed))
        if update_id < self._confirmed or any(u["update_id"] == update_id for u in self._pending):
            raise ValueError(f"update_id {update_id} was already delivered or queued")
        self._last_update_id = max(self._last_update_id, update_id)
        self._pending = sorted([*self._pending, update], key=lambda u: u["update_id"])
        for kind, payload in update.items():  # remember chats, message ids and open queries
            if kind == "callback_query":
                self._open_queries.add(payload["id"])
                payload = payload.get("message") or {}
            if isinstance(payload, dict) and "chat" in payload and "message_id" in payload:
                key = (payload["chat"]["id"], payload["message_id"])
                self._chats[key[0]] = payload["chat"]
                tg.message_ids.note(*key)
                if key not in self.messages:
                    self._seen[key] = payload
        self._notify()
        return update_id

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next `times` calls of `method` fail with `status`, before anything else the
        fake would do; a 429 says retry after 1 s unless told otherwise."""
        if status == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
            retry_after = 1
        default = {
            400: "Bad Request: injected failure",
            403: "Forbidden: bot was blocked by the user",
            409: "Conflict: terminated by other getUpdates request",
            429: f"Too Many Requests: retry after {retry_after}",
        }.get(status) or HTTPStatus(status).phrase
        error = ApiError(status, description or default, retry_after)
        self._failures.setdefault(method.lower(), []).extend([error] * times)

    def stub(self, method: str, result: Any) -> None:
        """From now on answer `method` with `result`, or with `result(call)` if callable
        (which may raise ApiError); for methods the fake lacks, e.g. getChatMember."""
        self._stubs[method.lower()] = result

    def callback_update(
        self,
        from_user: dict[str, Any],
        data: str,
        *,
        message: dict[str, Any] | None = None,
        chat_instance: str = "ci",
    ) -> dict[str, Any]:
        """A button press, by default on the bot's latest message in the user's chat."""
        if message is None:
            message = self.latest_message(from_user["id"])
        return tg.callback_update(from_user, data, message=message, chat_instance=chat_instance)

    def latest_message(self, chat_id: int) -> dict[str, Any] | None:
        """The bot's most recent message in `chat_id` that was not deleted."""
        ids = [message_id for chat, message_id in self.messages if chat == chat_id]
        return self.messages[(chat_id, max(ids))] if ids else None

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """What setMyCommands stored for exactly this scope and language."""
        params = {"scope": scope, "language_code": language_code}
        return self._commands.get(_commands_key(params), [])

    # --- HTTP -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if match := _FILE_PATH.fullmatch(request.path):
            call = self._record(ApiCall("file", {"file_path": match[2]}, token=match[1]))
            upload = self.uploads.get(self._file_paths.get(match[2], ""))
            call.answered_status = 200 if upload else 404
            if upload is not None:
                return web.Response(body=upload.content, content_type=upload.content_type)
        if (match := _API_PATH.fullmatch(request.path)) is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        params, files = await read_request(request)
        call = self._record(ApiCall(match[2], params, files, token=match[1]))
        try:
            body: dict[str, Any] = {"ok": True, "result": await self._dispatch(call)}
        except ApiError as error:
            body = error.body()
        call.answered_status, call.response = body.get("error_code", 200), body
        self._notify()
        return web.json_response(body, status=call.answered_status)

    async def _dispatch(self, call: ApiCall) -> Any:
        if not _TOKEN.fullmatch(call.token):
            raise ApiError(404, "Not Found")
        name = call.method.lower()
        if failures := self._failures.get(name):
            raise failures.pop(0)
        responder = self._stubs.get(name, self._methods.get(name))
        if responder is None:
            raise ApiError(400, "Bad Request: method not implemented in fake")
        try:
            result = responder(call) if callable(responder) else responder
            return await result if inspect.isawaitable(result) else result
        except ApiError:
            raise
        except tg.Rejected as rejected:
            raise ApiError(400, f"Bad Request: {rejected}") from None
        except KeyError as missing:
            raise ApiError(400, f"Bad Request: {missing.args[0]} is empty") from None
        except Exception as bug:  # a fake bug must fail the test, not hang it
            raise ApiError(500, f"Internal Server Error: fake failed: {bug!r}") from bug

    def _record(self, call: ApiCall) -> ApiCall:
        self.calls.append(call)
        self._notify()
        return call

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # --- methods ------------------------------------------------------------------------

    def _bot_user(self, token: str) -> dict[str, Any]:
        bot_id = int(token.split(":")[0])
        return tg.user(bot_id, self.bot_first_name, None, self.bot_username, is_bot=True)

    async def _get_updates(self, call: ApiCall) -> list[dict[str, Any]]:
        offset = int(call.params.get("offset") or 0)
        if offset > 0:
            self._confirmed = max(self._confirmed, offset)
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        limit = min(max(int(call.params.get("limit") or 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(float(call.params.get("timeout") or 0), self.max_long_poll)
        while True:
            ready = (self._pending[offset:] if offset < 0 else self._pending)[:limit]
            remaining = deadline - loop.time()
            if ready or self._stopping or remaining <= 0:
                return ready
            changed = self._changed
            with suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params["chat_id"]
        if isinstance(chat_id, int):
            return self._chats.get(chat_id) or tg.chat_for_id(chat_id)
        for chat in self._chats.values():  # "@username"
            if f"@{chat.get('username', '')}".lower() == str(chat_id).lower():
                return chat
        raise tg.Rejected("chat not found")

    def _new_message(self, call: ApiCall, **content: Any) -> dict[str, Any]:
        markup, chat = tg.inline_keyboard(call.params), self._chat(call.params)
        message: dict[str, Any] = {"message_id": tg.message_ids.next(chat["id"])}
        message |= {"date": tg.now(), "chat": chat}
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = self._bot_user(call.token)
        reply = call.params.get("reply_parameters") or {}
        reply_id = reply.get("message_id") or call.params.get("reply_to_message_id", 0)
        replied = self.messages.get((chat["id"], reply_id)) or self._seen.get(
            (chat["id"], reply_id)
        )
        if replied is not None:  # Telegram includes the replied message, one level deep
            message["reply_to_message"] = {
                k: v for k, v in replied.items() if k != "reply_to_message"
            }
        message |= content
        if markup is not None:
            message["reply_markup"] = markup
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    def _send_file(self, call: ApiCall, kind: str) -> dict[str, Any]:
        upload, ref = call.files.get(kind), call.params.get(kind)
        if upload is None and isinstance(ref, str) and ref in self.uploads:
            file_id, upload = ref, self.uploads[ref]  # re-sending by file_id
        elif upload is None:
            raise tg.Rejected("wrong file identifier/HTTP URL specified")
        else:
            file_id = f"{kind}-{len(self.uploads) + 1}"
            self.uploads[file_id] = upload
        described: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
        described["file_size"] = len(upload.content)
        if kind == "photo":
            width, height = _image_size(upload.content)
            media: Any = [described | {"width": width, "height": height}]
        else:
            mime_type = mimetypes.guess_type(upload.filename)[0] or upload.content_type
            media = described | {"file_name": upload.filename, "mime_type": mime_type}
        return self._new_message(call, **{kind: media}, **tg.render(call.params, "caption"))

    def _edit(self, call: ApiCall, field: str | None) -> dict[str, Any] | bool:
        markup = tg.inline_keyboard(call.params)
        content = tg.render(call.params, field) if field else {}
        if call.params.get("inline_message_id"):
            return True
        key = (self._chat(call.params)["id"], call.params["message_id"])
        if (old := self.messages.get(key)) is None:
            raise tg.Rejected(
                "message can't be edited" if key in self._seen else "message to edit not found"
            )
        if field is not None and (field == "text") != ("text" in old):
            raise tg.Rejected(f"there is no {field} in the message to edit")
        before = {k: v for k, v in old.items() if k != "edit_date"}
        # Telegram drops the inline keyboard unless the edit sends it again.
        edited = {k: v for k, v in before.items() if k != "reply_markup"}
        if field is not None:  # the new text/caption replaces the old one and its entities
            replaced = (field, "entities" if field == "text" else "caption_entities")
            edited = {k: v for k, v in edited.items() if k not in replaced} | content
        if markup is not None:
            edited["reply_markup"] = markup
        if edited == before:
            raise tg.Rejected(NOT_MODIFIED)
        self.messages[key] = edited | {"edit_date": tg.now()}
        return self.messages[key]

    def _delete_message(self, call: ApiCall) -> bool:
        key = (self._chat(call.params)["id"], call.params["message_id"])
        if self.messages.pop(key, None) is None and self._seen.pop(key, None) is None:
            raise tg.Rejected("message to delete not found")
        return True

    def _answer_callback_query(self, call: ApiCall) -> bool:
        query_id = call.params["callback_query_id"]
        if query_id not in self._open_queries:  # unknown, or answered already
            raise tg.Rejected(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._open_queries.discard(query_id)
        return True

    def _set_my_commands(self, call: ApiCall) -> bool:
        tg.check_commands(call.params["commands"])
        self._commands[_commands_key(call.params)] = call.params["commands"]
        return True

    def _delete_my_commands(self, call: ApiCall) -> bool:
        self._commands.pop(_commands_key(call.params), None)
        return True

    def _get_file(self, call: ApiCall) -> dict[str, Any]:
        if (upload := self.uploads.get(file_id := call.params["file_id"])) is None:
            raise tg.Rejected("invalid file_id")
        path = f"files/{file_id}{PurePosixPath(upload.filename).suffix}"
        self._file_paths[path] = file_id
        described = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_path": path}
        return described | {"file_size": len(upload.content)}


def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code") or ""


def _image_size(content: bytes) -> tuple[int, int]:
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return width, height
    return 1280, 720
