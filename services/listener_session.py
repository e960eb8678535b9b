"""Which Telethon session the listener (and `python -m bot login`) uses.

`TELETHON__SESSION` holds one of two things, told apart by trying to parse it:

- a **StringSession** string — Telethon's portable form of a logged-in session (a "1"
  followed by ~352 characters of url-safe base64); nothing is written to disk;
- otherwise a **session file name**, kept in DATA_DIR: ``signaldesk`` means
  ``DATA_DIR/signaldesk.session`` (the ``.session`` suffix is added when missing, as
  Telethon does). A relative path is taken relative to DATA_DIR, an absolute one as is.

Either form grants full access to the Telegram account, so neither the string nor the
api_hash is ever logged or put into an error message.
"""

from __future__ import annotations

import binascii
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr
from telethon import TelegramClient
from telethon.sessions import Session, SQLiteSession, StringSession

DEFAULT_SESSION_NAME = "signaldesk"
SESSION_SUFFIX = ".session"
DEVICE_MODEL = "signaldesk"


class TelethonConfig(Protocol):
    """The shape of `bot.settings.TelethonSettings` (services/ does not import bot/)."""

    @property
    def api_id(self) -> int | None: ...

    @property
    def api_hash(self) -> SecretStr | None: ...

    @property
    def session(self) -> SecretStr | None: ...


class SessionConfigError(ValueError):
    """The Telethon configuration cannot make a client; the message names the variables."""


@dataclass(frozen=True)
class SessionLocation:
    """Where a session lives: a file under DATA_DIR, or a StringSession string in the env."""

    file: Path | None = None  # the .session file (file mode)
    string: str | None = field(default=None, repr=False)  # StringSession (string mode), secret

    @property
    def is_string(self) -> bool:
        return self.file is None

    def open(self) -> Session:
        """A fresh Telethon session object (one per client: a client closes its session)."""
        if self.file is not None:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            return SQLiteSession(str(self.file))
        return StringSession(self.string or None)


def is_string_session(value: str) -> bool:
    """True when `value` parses as a Telethon StringSession (the rule in the module doc)."""
    if not value:
        return False
    try:
        StringSession(value)
    except (ValueError, struct.error, binascii.Error):
        return False
    return True


def session_file(name: str, data_dir: Path) -> Path:
    """`DATA_DIR/<name>.session` for a file name; absolute paths are kept."""
    path = Path(name.strip())
    if not path.is_absolute():
        path = data_dir / path
    if not path.name.endswith(SESSION_SUFFIX):
        path = path.with_name(path.name + SESSION_SUFFIX)
    return path


def locate_session(value: str | None, data_dir: Path) -> SessionLocation:
    """The session named by TELETHON__SESSION; unset means the default file `signaldesk`."""
    text = (value or "").strip()
    if is_string_session(text):
        return SessionLocation(string=text)
    return SessionLocation(file=session_file(text or DEFAULT_SESSION_NAME, data_dir))


def api_credentials(config: TelethonConfig) -> tuple[int, str]:
    """(api_id, api_hash), or SessionConfigError naming what is missing."""
    api_id = config.api_id
    api_hash = config.api_hash.get_secret_value() if config.api_hash else ""
    missing = [name for name, value in (("TELETHON__API_ID", api_id),
                                        ("TELETHON__API_HASH", api_hash)) if not value]
    if not api_id or missing:
        raise SessionConfigError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set — get them "
            "at https://my.telegram.org (API development tools) and put them in .env.")
    return api_id, api_hash


def build_client(location: SessionLocation, api_id: int, api_hash: str) -> TelegramClient:
    """A TelegramClient as signaldesk runs it (not connected).

    `sequential_updates=True`: updates are handed to the listener one at a time, in the
    order Telegram sent them, so a signal is always processed before its own edit or a
    reply to it. Channel posts are few; order matters more than parallelism.
    """
    return TelegramClient(location.open(), api_id, api_hash, sequential_updates=True,
                          device_model=DEVICE_MODEL)


def client_from_settings(settings: TelethonConfig,
                         data_dir: Path) -> Callable[[], TelegramClient]:
    """A factory of fresh, unconnected clients for `ChannelListener(client_factory=...)`.

    Raises SessionConfigError at once when api_id / api_hash are missing. An unset
    TELETHON__SESSION means the file `DATA_DIR/signaldesk.session` (what `bot login`
    creates by default); see the module doc for how a StringSession is recognised.
    """
    api_id, api_hash = api_credentials(settings)
    session = settings.session.get_secret_value() if settings.session else None
    location = locate_session(session, data_dir)

    def factory() -> TelegramClient:
        return build_client(location, api_id, api_hash)

    return factory
