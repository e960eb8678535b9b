"""TELETHON__SESSION: a StringSession string or a session file in DATA_DIR."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from telethon.crypto import AuthKey
from telethon.sessions import SQLiteSession, StringSession

from bot.settings import TelethonSettings
from services.listener_session import (
    SessionConfigError,
    client_from_settings,
    is_string_session,
    locate_session,
)


def session_string() -> str:
    """A real StringSession string, as `bot login` prints it."""
    session = StringSession()
    session.set_dc(2, "149.154.167.51", 443)
    session.auth_key = AuthKey(bytes(range(256)))
    value: str = session.save()
    return value


def settings(session: str | None, *, api_id: int | None = 12345,
             api_hash: str | None = "0123456789abcdef") -> TelethonSettings:
    return TelethonSettings(api_id=api_id, api_hash=SecretStr(api_hash) if api_hash else None,
                            session=SecretStr(session) if session is not None else None)


def test_file_name_means_a_session_file_in_data_dir(tmp_path: Path) -> None:
    client = client_from_settings(settings("signaldesk"), tmp_path / "data")()
    try:
        assert isinstance(client.session, SQLiteSession)
        assert Path(client.session.filename) == tmp_path / "data" / "signaldesk.session"
        assert (tmp_path / "data" / "signaldesk.session").exists()
    finally:
        client.session.close()


def test_unset_session_means_the_default_file(tmp_path: Path) -> None:
    assert locate_session(None, tmp_path).file == tmp_path / "signaldesk.session"


def test_suffix_is_not_doubled_and_absolute_paths_are_kept(tmp_path: Path) -> None:
    assert locate_session("desk.session", tmp_path).file == tmp_path / "desk.session"
    elsewhere = tmp_path / "other" / "me"
    assert locate_session(str(elsewhere), tmp_path / "data").file == (
        tmp_path / "other" / "me.session")


def test_string_session_is_used_as_is_and_writes_no_file(tmp_path: Path) -> None:
    value = session_string()
    client = client_from_settings(settings(value), tmp_path)()
    assert isinstance(client.session, StringSession)
    assert client.session.save() == value
    assert client.session.dc_id == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["signaldesk", "1abc", "1" + "A" * 351, "my-session", ""])
def test_names_that_do_not_parse_are_file_names(value: str) -> None:
    assert not is_string_session(value)


def test_session_string_is_never_shown_in_reprs(tmp_path: Path) -> None:
    value = session_string()
    assert value not in repr(locate_session(value, tmp_path))


@pytest.mark.parametrize(("api_id", "api_hash", "missing"), [
    (None, "abc", "TELETHON__API_ID is not set"),
    (1, None, "TELETHON__API_HASH is not set"),
    (None, None, "TELETHON__API_ID and TELETHON__API_HASH are not set"),
])
def test_missing_api_credentials_are_named(tmp_path: Path, api_id: int | None,
                                           api_hash: str | None, missing: str) -> None:
    with pytest.raises(SessionConfigError, match=missing):
        client_from_settings(settings("signaldesk", api_id=api_id, api_hash=api_hash), tmp_path)
