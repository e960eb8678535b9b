"""Repository of the `channels` table: followed signal channels and their defaults."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from storage.database import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class ChannelRow:
    channel_id: int
    title: str | None
    username: str | None
    enabled: bool
    mode: str  # "manual" or "auto"
    max_leverage: int | None
    size_mode: str | None
    size_value: str | None
    added_at: datetime
    added_by: int | None
    updates: str = "follow"  # "follow": its management posts change positions; "ignore"
    disabled_reason: str | None = None  # set when the bot switched it off (losing run)
    losses_counted_from: datetime | None = None  # its losing run counts from here

    @property
    def name(self) -> str:
        """How a trader recognises it: @username, else its title, else its id."""
        if self.username:
            return f"@{self.username}"
        return self.title or str(self.channel_id)


class ChannelRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        # channel id -> its row, until any channel is written (every signal asks for its
        # channel's settings; they change only by a command or a losing run)
        self._known = db.memo("channels")

    async def get(self, channel_id: int) -> ChannelRow | None:
        if channel_id in self._known.answers:
            known: ChannelRow | None = self._known.answers[channel_id]
            return known
        generation = self._known.generation
        row = await self._db.fetch_one("SELECT * FROM channels WHERE channel_id = ?",
                                       (channel_id,))
        channel = _to_channel(row) if row else None
        self._known.keep(generation, channel_id, channel)
        return channel

    async def _write(self, sql: str, params: tuple[object, ...]) -> None:
        self._known.forget()
        await self._db.execute(sql, params)

    async def by_username(self, username: str) -> ChannelRow | None:
        row = await self._db.fetch_one(
            "SELECT * FROM channels WHERE username = ? COLLATE NOCASE", (username.lstrip("@"),))
        return _to_channel(row) if row else None

    async def all(self) -> list[ChannelRow]:
        rows = await self._db.fetch_all("SELECT * FROM channels ORDER BY added_at, channel_id")
        return [_to_channel(r) for r in rows]

    async def enabled_ids(self) -> set[int]:
        rows = await self._db.fetch_all("SELECT channel_id FROM channels WHERE enabled = 1")
        return {int(r[0]) for r in rows}

    async def add(self, channel_id: int, *, title: str | None, username: str | None,
                  by: int | None, now: datetime) -> None:
        stamp = to_db(now)
        await self._write(
            "INSERT INTO channels (channel_id, title, username, added_at, added_by, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (channel_id, title, username.lstrip("@") if username else None, stamp, by, stamp))

    async def update_names(self, channel_id: int, *, title: str | None,
                           username: str | None, now: datetime) -> None:
        """Keep title/username current (channels rename); unknown values keep the old ones."""
        await self._write(
            "UPDATE channels SET title = COALESCE(?, title), username = COALESCE(?, username),"
            " updated_at = ? WHERE channel_id = ?",
            (title, username.lstrip("@") if username else None, to_db(now), channel_id))

    async def set_enabled(self, channel_id: int, enabled: bool, now: datetime,
                          reason: str | None = None) -> None:
        """Switch on or off; `reason` records why the bot itself switched it off. Switching
        on starts a new count of its losing run."""
        stamp = to_db(now)
        await self._write(
            "UPDATE channels SET enabled = ?, disabled_reason = ?, updated_at = ?,"
            " losses_counted_from = CASE WHEN ? THEN ? ELSE losses_counted_from END"
            " WHERE channel_id = ?", (int(enabled), None if enabled else reason, stamp,
                                      int(enabled), stamp, channel_id))

    async def losing_run(self, channel_id: int, since: datetime | None, limit: int) -> int:
        """How many of the channel's latest closed trades (since `since`) lost in a row,
        counting at most `limit`. Trades that never filled are not trades."""
        rows = await self._db.fetch_all(
            "SELECT realized_pnl, fees FROM positions WHERE channel_id = ? AND status = 'closed'"
            " AND CAST(filled_amount AS REAL) > 0 AND closed_at > ?"
            " ORDER BY closed_at DESC, id DESC LIMIT ?",
            (channel_id, to_db(since) if since else "", limit))
        run = 0
        for row in rows:
            if Decimal(row["realized_pnl"]) - Decimal(row["fees"]) >= 0:
                break
            run += 1
        return run

    async def set_updates(self, channel_id: int, updates: str, now: datetime) -> None:
        await self._write(
            "UPDATE channels SET updates = ?, updated_at = ? WHERE channel_id = ?",
            (updates, to_db(now), channel_id))

    async def set_mode(self, channel_id: int, mode: str, now: datetime) -> None:
        await self._write(
            "UPDATE channels SET mode = ?, updated_at = ? WHERE channel_id = ?",
            (mode, to_db(now), channel_id))

    async def set_max_leverage(self, channel_id: int, max_leverage: int | None,
                               now: datetime) -> None:
        await self._write(
            "UPDATE channels SET max_leverage = ?, updated_at = ? WHERE channel_id = ?",
            (max_leverage, to_db(now), channel_id))

    async def set_size(self, channel_id: int, size_mode: str | None, size_value: str | None,
                       now: datetime) -> None:
        await self._write(
            "UPDATE channels SET size_mode = ?, size_value = ?, updated_at = ?"
            " WHERE channel_id = ?", (size_mode, size_value, to_db(now), channel_id))

    async def remove(self, channel_id: int) -> None:
        await self._write(
            "DELETE FROM channels WHERE channel_id = ?", (channel_id,))


def _to_channel(row: sqlite3.Row) -> ChannelRow:
    return ChannelRow(
        channel_id=row["channel_id"], title=row["title"], username=row["username"],
        enabled=bool(row["enabled"]), mode=row["mode"], max_leverage=row["max_leverage"],
        size_mode=row["size_mode"], size_value=row["size_value"],
        added_at=from_db(row["added_at"]), added_by=row["added_by"],
        updates=row["updates"], disabled_reason=row["disabled_reason"],
        losses_counted_from=(from_db(row["losses_counted_from"])
                             if row["losses_counted_from"] else None),
    )


def channel_label(channel: ChannelRow | None, channel_id: int) -> str:
    """How a channel is named in messages: @username, else its title, else its id."""
    if channel is None:
        return str(channel_id)
    if channel.username:
        return "@" + channel.username
    return channel.title or str(channel_id)
