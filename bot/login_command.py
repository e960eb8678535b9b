"""`python -m bot login`: log the Telethon user session in, interactively.

Plain stdin/stdout and getpass, so it works in `docker run -it ... python -m bot login`:
phone number, the code Telegram sends (in the Telegram app or by SMS), and the two-step
verification password when the account has one. The session goes where
TELETHON__SESSION says (see services/listener_session.py): a file in DATA_DIR — by default
`signaldesk.session` — or, in StringSession mode, a string printed once for .env.

Every failure is one line on stderr and an exit code (2: configuration, 1: anything
else); no traceback. The session string and api_hash are never printed, except the new
session string itself, once, when the user asked for StringSession mode.
"""

from __future__ import annotations

import getpass
import sqlite3
import sys
from collections.abc import Callable
from typing import Any

from telethon import TelegramClient, errors

from bot.settings import Settings
from services.listener_session import (
    SessionConfigError,
    SessionLocation,
    api_credentials,
    build_client,
    locate_session,
)

EXIT_OK, EXIT_ERROR, EXIT_CONFIG = 0, 1, 2
CODE_ATTEMPTS = 3
PASSWORD_ATTEMPTS = 3
AGAIN = "run `python -m bot login` again"


class LoginFailed(Exception):
    """The login cannot go on; the message is the one line the user sees."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


async def login(settings: Settings, *, input_fn: Callable[[str], str] = input,
                password_fn: Callable[[str], str] = getpass.getpass,
                print_fn: Callable[..., Any] = print, client: TelegramClient | None = None,
                string_session: bool = False) -> int:
    """Log in and report where the session is; returns the process exit code.

    `string_session=True` (the CLI's `--string-session`) makes a StringSession even when
    TELETHON__SESSION names a file; a TELETHON__SESSION that already holds a session
    string always means StringSession mode. `client` replaces the real TelegramClient
    (tests: Telegram's servers cannot run offline).
    """

    def fail(message: str) -> None:
        print_fn(f"login failed: {message}", file=sys.stderr)

    try:
        api_id, api_hash = api_credentials(settings.telethon)
    except SessionConfigError as exc:
        fail(str(exc))
        return EXIT_CONFIG
    current = settings.telethon.session.get_secret_value() if settings.telethon.session else None
    location = locate_session(current, settings.data_dir)
    if string_session and not location.is_string:
        location = SessionLocation()  # a new, empty StringSession
    if client is None:
        try:
            client = build_client(location, api_id, api_hash)
        except (OSError, sqlite3.Error) as exc:
            fail(f"cannot open the session file {location.file}: {exc}")
            return EXIT_ERROR
    flow = _LoginFlow(client, location, input_fn=input_fn, password_fn=password_fn,
                      print_fn=print_fn)
    try:
        return await flow.run()
    except LoginFailed as exc:
        fail(str(exc))
        return exc.exit_code
    except (EOFError, KeyboardInterrupt):
        fail("cancelled (no input: inside Docker, run it with `docker run -it`)")
        return EXIT_ERROR
    except errors.RPCError as exc:
        fail(_explain(exc))
        return EXIT_CONFIG if isinstance(exc, errors.ApiIdInvalidError) else EXIT_ERROR
    except OSError as exc:
        fail(f"cannot reach Telegram ({type(exc).__name__}: {exc}) — check the network")
        return EXIT_ERROR
    finally:
        try:
            await client.disconnect()  # also writes a session file to disk
        except Exception as exc:  # the outcome is already decided; say it, don't mask it
            print_fn(f"warning: disconnect failed: {type(exc).__name__}", file=sys.stderr)


def _explain(exc: Exception) -> str:
    """One line for a Telegram error raised outside the code / password prompts."""
    if isinstance(exc, errors.PhoneCodeExpiredError):
        return ("the code expired — " + AGAIN + " for a new one and enter it within a few "
                "minutes (Telegram also cancels a code that was sent in any Telegram chat)")
    if isinstance(exc, errors.ApiIdInvalidError):
        return ("Telegram rejected TELETHON__API_ID / TELETHON__API_HASH — copy them again "
                "from https://my.telegram.org (API development tools)")
    if isinstance(exc, errors.PhoneNumberInvalidError):
        return "that phone number is not valid — use the international format, e.g. +14155550123"
    if isinstance(exc, errors.PhoneNumberUnoccupiedError):
        return "there is no Telegram account with that phone number — sign up in a Telegram app"
    if isinstance(exc, errors.PhoneNumberBannedError):
        return "Telegram has banned that phone number"
    if isinstance(exc, errors.FloodWaitError):
        return f"too many attempts — Telegram asks to wait {exc.seconds} s, then {AGAIN}"
    return f"Telegram refused: {exc}"


class _LoginFlow:
    def __init__(self, client: Any, location: SessionLocation, *,
                 input_fn: Callable[[str], str], password_fn: Callable[[str], str],
                 print_fn: Callable[..., Any]) -> None:
        self._client = client
        self._location = location
        self._input = input_fn
        self._password = password_fn
        self._print = print_fn

    async def run(self) -> int:
        client = self._client
        await client.connect()
        if await client.is_user_authorized():
            me = await client.get_me()
            self._print(f"Already logged in as {_who(me)}.")
            self._print_where(new=False)
            return EXIT_OK
        phone = self._input("Phone number, international format (e.g. +14155550123): ").strip()
        if not phone:
            raise LoginFailed("no phone number given — " + AGAIN)
        sent = await client.send_code_request(phone)
        me = await self._enter_code(phone, sent.phone_code_hash)
        self._print(f"Logged in as {_who(me)}.")
        self._print_where(new=True)
        return EXIT_OK

    async def _enter_code(self, phone: str, phone_code_hash: str) -> Any:
        for attempt in range(1, CODE_ATTEMPTS + 1):
            code = self._input("The code Telegram sent you (app or SMS): ").strip()
            code = code.replace(" ", "").replace("-", "")
            try:
                return await self._client.sign_in(phone=phone, code=code,
                                                  phone_code_hash=phone_code_hash)
            except (errors.PhoneCodeInvalidError, errors.PhoneCodeEmptyError):
                if attempt < CODE_ATTEMPTS:
                    self._print(f"That code is not right — try again "
                                f"({CODE_ATTEMPTS - attempt} left).")
            except errors.SessionPasswordNeededError:
                return await self._enter_password()
        raise LoginFailed(f"wrong code {CODE_ATTEMPTS} times — {AGAIN} for a new code")

    async def _enter_password(self) -> Any:
        self._print("This account has two-step verification.")
        for attempt in range(1, PASSWORD_ATTEMPTS + 1):
            password = self._password("Two-step verification password: ")
            try:
                return await self._client.sign_in(password=password)
            except errors.PasswordHashInvalidError:
                if attempt < PASSWORD_ATTEMPTS:
                    self._print(f"That password is not right — try again "
                                f"({PASSWORD_ATTEMPTS - attempt} left).")
        raise LoginFailed(f"wrong two-step verification password {PASSWORD_ATTEMPTS} times — "
                          f"{AGAIN}")

    def _print_where(self, *, new: bool) -> None:
        location = self._location
        if location.file is not None:
            name = location.file.name.removesuffix(".session")
            self._print(f"Session file: {location.file.resolve()}")
            self._print(f"The bot uses it when .env has TELETHON__SESSION={name}. Keep the file "
                        "private: it gives full access to your Telegram account.")
            return
        if not new:
            self._print("Session: the StringSession in TELETHON__SESSION.")
            return
        session = self._client.session.save()
        self._print("")
        self._print("WARNING: the line below is your session string. It gives full access to "
                    "your Telegram account — never share it, never commit it. It is shown "
                    "only this once.")
        self._print("")
        self._print(session)
        self._print("")
        self._print("Put it in .env as TELETHON__SESSION=<the string above> and keep .env "
                    "private.")


def _who(me: Any) -> str:
    if me is None:
        return "an unknown account"
    name = " ".join(p for p in (getattr(me, "first_name", None), getattr(me, "last_name", None))
                    if p) or "no name"
    username = getattr(me, "username", None)
    return f"{name} (@{username}, id {me.id})" if username else f"{name} (id {me.id})"
