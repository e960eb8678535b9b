"""`python -m bot login` against a stand-in for Telegram's login API.

Telegram's MTProto servers cannot run here, so `FakeLoginClient` implements the few
TelegramClient methods the login uses — and raises Telethon's real error classes, so the
error handling under test is the real one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from telethon import errors, types
from telethon.crypto import AuthKey
from telethon.sessions import StringSession

from bot.login_command import login
from bot.settings import Settings, load_settings

PHONE = "+14155550123"
CODE = "12345"
PASSWORD = "correct horse"
API_HASH = "0123456789abcdef0123"
ME = types.User(id=777, first_name="Ann", username="ann_trader")


class FakeLoginClient:
    def __init__(self, *, password: str | None = None, authorized: bool = False,
                 code_expires: bool = False, send_error: Exception | None = None) -> None:
        self.session = StringSession()  # real: `save()` gives a real session string
        self._password = password
        self._authorized = authorized
        self._code_expires = code_expires
        self._send_error = send_error
        self.code_hash = "hash-abc"
        self.connected = False
        self.disconnected = False
        self.sign_ins: list[dict[str, Any]] = []

    async def connect(self) -> None:
        self.connected = True

    async def is_user_authorized(self) -> bool:
        return self._authorized

    async def get_me(self) -> types.User | None:
        return ME if self._authorized else None

    async def send_code_request(self, phone: str) -> Any:
        if self._send_error:
            raise self._send_error
        assert phone == PHONE
        return types.auth.SentCode(type=types.auth.SentCodeTypeApp(length=5),
                                   phone_code_hash=self.code_hash)

    async def sign_in(self, phone: str | None = None, code: str | None = None, *,
                      password: str | None = None, phone_code_hash: str | None = None) -> Any:
        self.sign_ins.append({"phone": phone, "code": code, "password": password,
                              "phone_code_hash": phone_code_hash})
        if code is not None:
            if self._code_expires:
                raise errors.PhoneCodeExpiredError(request=None)
            if not code:
                raise errors.PhoneCodeEmptyError(request=None)
            if code != CODE or phone_code_hash != self.code_hash:
                raise errors.PhoneCodeInvalidError(request=None)
            if self._password is not None:
                raise errors.SessionPasswordNeededError(request=None)
            return self._logged_in()
        if password != self._password:
            raise errors.PasswordHashInvalidError(request=None)
        return self._logged_in()

    def _logged_in(self) -> types.User:
        self._authorized = True
        self.session.set_dc(2, "149.154.167.51", 443)
        self.session.auth_key = AuthKey(bytes(range(256)))
        return ME

    async def disconnect(self) -> None:
        self.disconnected = True


class Terminal:
    """Scripted answers for the prompts, and everything printed (stdout and stderr)."""

    def __init__(self, *answers: str, passwords: tuple[str, ...] = ()) -> None:
        self._answers = list(answers)
        self._passwords = list(passwords)
        self.prompts: list[str] = []
        self.out: list[str] = []
        self.err: list[str] = []

    def input(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self._answers:
            raise EOFError
        return self._answers.pop(0)

    def getpass(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self._passwords.pop(0)

    def print(self, *args: Any, file: Any = None, **_: Any) -> None:
        text = " ".join(str(a) for a in args)
        (self.err if file is not None else self.out).append(text)

    @property
    def stdout(self) -> str:
        return "\n".join(self.out)


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def build(**telethon: Any) -> Settings:
        values = {"api_id": 12345, "api_hash": API_HASH, **telethon}
        return load_settings(_env_file=None, data_dir=tmp_path / "data",
                             telethon={k: v for k, v in values.items() if v is not None})

    return build


async def run_login(settings: Settings, client: FakeLoginClient, terminal: Terminal,
                    **kw: Any) -> int:
    return await login(settings, input_fn=terminal.input, password_fn=terminal.getpass,
                       print_fn=terminal.print, client=client, **kw)


def assert_clean(terminal: Terminal) -> None:
    everything = "\n".join(terminal.out + terminal.err)
    assert "Traceback" not in everything
    assert API_HASH not in everything


async def test_login_without_2fa_saves_the_session_file(make_settings: Callable[..., Settings],
                                                        tmp_path: Path) -> None:
    client, term = FakeLoginClient(), Terminal(PHONE, CODE)
    assert await run_login(make_settings(session="signaldesk"), client, term) == 0
    assert client.sign_ins == [{"phone": PHONE, "code": CODE, "password": None,
                                "phone_code_hash": "hash-abc"}]
    assert "Logged in as Ann (@ann_trader, id 777)." in term.out
    assert f"Session file: {(tmp_path / 'data' / 'signaldesk.session').resolve()}" in term.out
    assert "TELETHON__SESSION=signaldesk" in term.stdout
    assert term.err == [] and client.disconnected
    assert_clean(term)


async def test_login_with_2fa_asks_for_the_password(make_settings: Callable[..., Settings]) -> None:
    client = FakeLoginClient(password=PASSWORD)
    term = Terminal(PHONE, CODE, passwords=(PASSWORD,))
    assert await run_login(make_settings(), client, term) == 0
    assert [s["password"] for s in client.sign_ins] == [None, PASSWORD]
    assert any("password" in p.lower() for p in term.prompts)
    assert "Logged in as Ann (@ann_trader, id 777)." in term.out
    assert PASSWORD not in term.stdout
    assert_clean(term)


async def test_wrong_code_is_asked_again_then_accepted(
        make_settings: Callable[..., Settings]) -> None:
    client, term = FakeLoginClient(), Terminal(PHONE, "11111", "", "12 345")
    assert await run_login(make_settings(), client, term) == 0
    assert [s["code"] for s in client.sign_ins] == ["11111", "", CODE]
    assert "That code is not right — try again (2 left)." in term.out
    assert "That code is not right — try again (1 left)." in term.out
    assert term.err == []


async def test_wrong_code_three_times_fails_with_one_line(
        make_settings: Callable[..., Settings]) -> None:
    client, term = FakeLoginClient(), Terminal(PHONE, "1", "2", "3", CODE)
    assert await run_login(make_settings(), client, term) == 1
    assert len(client.sign_ins) == 3
    assert term.err == ["login failed: wrong code 3 times — run `python -m bot login` again "
                        "for a new code"]
    assert client.disconnected
    assert_clean(term)


async def test_expired_code_says_to_start_over(make_settings: Callable[..., Settings]) -> None:
    client, term = FakeLoginClient(code_expires=True), Terminal(PHONE, CODE)
    assert await run_login(make_settings(), client, term) == 1
    [line] = term.err
    assert line.startswith("login failed: the code expired — run `python -m bot login` again")
    assert_clean(term)


async def test_wrong_password_is_asked_again_then_fails_after_three(
        make_settings: Callable[..., Settings]) -> None:
    client = FakeLoginClient(password=PASSWORD)
    term = Terminal(PHONE, CODE, passwords=("a", "b", "c"))
    assert await run_login(make_settings(), client, term) == 1
    assert "That password is not right — try again (2 left)." in term.out
    assert term.err == ["login failed: wrong two-step verification password 3 times — run "
                        "`python -m bot login` again"]
    assert_clean(term)


async def test_wrong_password_then_right_one_logs_in(
        make_settings: Callable[..., Settings]) -> None:
    client = FakeLoginClient(password=PASSWORD)
    term = Terminal(PHONE, CODE, passwords=("nope", PASSWORD))
    assert await run_login(make_settings(), client, term) == 0
    assert term.err == []


@pytest.mark.parametrize(("values", "named"), [
    ({"api_id": None}, "TELETHON__API_ID is not set"),
    ({"api_hash": None}, "TELETHON__API_HASH is not set"),
])
async def test_missing_api_credentials_exit_2_before_any_network(
        make_settings: Callable[..., Settings], values: dict[str, Any], named: str) -> None:
    client, term = FakeLoginClient(), Terminal()
    assert await run_login(make_settings(**values), client, term) == 2
    [line] = term.err
    assert named in line and "my.telegram.org" in line
    assert not client.connected and term.prompts == []


async def test_rejected_api_id_exits_2(make_settings: Callable[..., Settings]) -> None:
    client = FakeLoginClient(send_error=errors.ApiIdInvalidError(request=None))
    term = Terminal(PHONE)
    assert await run_login(make_settings(), client, term) == 2
    assert term.err == ["login failed: Telegram rejected TELETHON__API_ID / TELETHON__API_HASH "
                        "— copy them again from https://my.telegram.org (API development tools)"]


async def test_flood_wait_says_how_long(make_settings: Callable[..., Settings]) -> None:
    client = FakeLoginClient(send_error=errors.FloodWaitError(request=None, capture=420))
    term = Terminal(PHONE)
    assert await run_login(make_settings(), client, term) == 1
    [line] = term.err
    assert "wait 420 s" in line


async def test_string_session_mode_prints_the_string_once_with_a_warning(
        make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    client, term = FakeLoginClient(), Terminal(PHONE, CODE)
    assert await run_login(make_settings(), client, term, string_session=True) == 0
    session = client.session.save()
    assert session and StringSession(session).dc_id == 2
    assert term.out.count(session) == 1
    assert "never share it" in term.stdout and "TELETHON__SESSION=" in term.stdout
    assert not (tmp_path / "data").exists() or list((tmp_path / "data").iterdir()) == []


async def test_already_logged_in_says_so_without_asking(
        make_settings: Callable[..., Settings]) -> None:
    client, term = FakeLoginClient(authorized=True), Terminal()
    assert await run_login(make_settings(), client, term) == 0
    assert term.prompts == []
    assert "Already logged in as Ann (@ann_trader, id 777)." in term.out


async def test_no_input_available_explains_docker_run_it(
        make_settings: Callable[..., Settings]) -> None:
    client, term = FakeLoginClient(), Terminal()  # input() hits end of file at once
    assert await run_login(make_settings(), client, term) == 1
    assert term.err == ["login failed: cancelled (no input: inside Docker, run it with "
                        "`docker run -it`)"]
    assert client.disconnected


async def test_network_failure_is_one_line(make_settings: Callable[..., Settings]) -> None:
    class Offline(FakeLoginClient):
        async def connect(self) -> None:
            raise ConnectionError("Connection to Telegram failed 5 time(s)")

    term = Terminal()
    assert await run_login(make_settings(), Offline(), term) == 1
    assert term.err == ["login failed: cannot reach Telegram (ConnectionError: Connection to "
                        "Telegram failed 5 time(s)) — check the network"]
