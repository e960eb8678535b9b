"""Repository of `posts` and `post_revisions`: every raw channel post, with its edits."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class PostRow:
    id: int
    channel_id: int
    message_id: int
    posted_at: datetime
    text: str
    reply_to_id: int | None
    source: str
    revision: int


@dataclass(frozen=True)
class StoredPost:
    """The outcome of storing a post: the row, and whether it is new or a new revision."""

    post: PostRow
    created: bool  # first time this (channel, message) was seen
    revised: bool  # seen before, and the text changed: a new revision was stored
    previous_text: str | None = None

    @property
    def duplicate(self) -> bool:
        return not (self.created or self.revised)


class PostRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, *, channel_id: int, message_id: int, posted_at: datetime, text: str,
                    reply_to_id: int | None, source: str, edited_at: datetime | None,
                    now: datetime, channel_title: str | None = None,
                    channel_username: str | None = None) -> StoredPost:
        """Insert the post, or record a new revision if its text changed; else change nothing.

        Call inside a transaction: the post and its revision row go together.
        """
        existing = await self.get(channel_id, message_id)
        if existing is None:
            post_id = await self._db.execute(
                "INSERT INTO posts (channel_id, message_id, posted_at, text, reply_to_id, source,"
                " channel_title, channel_username, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (channel_id, message_id, to_db(posted_at), text, reply_to_id, source,
                 channel_title, channel_username, to_db(now)))
            await self._db.execute(
                "INSERT INTO post_revisions (post_id, revision, text, edited_at, received_at)"
                " VALUES (?, 0, ?, ?, ?)",
                (post_id, text, to_db(edited_at) if edited_at else None, to_db(now)))
            created = await self.get(channel_id, message_id)
            assert created is not None
            return StoredPost(created, created=True, revised=False)
        if existing.text == text:
            return StoredPost(existing, created=False, revised=False)
        revision = existing.revision + 1
        await self._db.execute(
            "UPDATE posts SET text = ?, revision = ? WHERE id = ?", (text, revision, existing.id))
        await self._db.execute(
            "INSERT INTO post_revisions (post_id, revision, text, edited_at, received_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (existing.id, revision, text, to_db(edited_at) if edited_at else None, to_db(now)))
        updated = await self.get(channel_id, message_id)
        assert updated is not None
        return StoredPost(updated, created=False, revised=True, previous_text=existing.text)

    async def get(self, channel_id: int, message_id: int) -> PostRow | None:
        row = await self._db.fetch_one(
            "SELECT * FROM posts WHERE channel_id = ? AND message_id = ?",
            (channel_id, message_id))
        return _to_post(row) if row else None

    async def by_id(self, post_id: int) -> PostRow | None:
        row = await self._db.fetch_one("SELECT * FROM posts WHERE id = ?", (post_id,))
        return _to_post(row) if row else None

    async def latest_names(self, channel_id: int) -> tuple[str | None, str | None]:
        """The channel's title and username as its newest stored post carried them."""
        row = await self._db.fetch_one(
            "SELECT channel_title, channel_username FROM posts WHERE channel_id = ?"
            " AND (channel_title IS NOT NULL OR channel_username IS NOT NULL)"
            " ORDER BY id DESC LIMIT 1", (channel_id,))
        return (row[0], row[1]) if row else (None, None)

    async def revisions(self, post_id: int) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT text FROM post_revisions WHERE post_id = ? ORDER BY revision", (post_id,))
        return [r[0] for r in rows]

    async def count(self) -> int:
        row = await self._db.fetch_one("SELECT COUNT(*) FROM posts")
        return int(row[0]) if row else 0


def _to_post(row: sqlite3.Row) -> PostRow:
    return PostRow(
        id=row["id"], channel_id=row["channel_id"], message_id=row["message_id"],
        posted_at=from_db(row["posted_at"]), text=row["text"], reply_to_id=row["reply_to_id"],
        source=row["source"], revision=row["revision"],
    )
