"""The one owner of the SQLite connection: pragmas, migrations, transactions.

Repositories run plain SQL through `Database`; the service that calls them decides where a
transaction begins and ends (`async with db.transaction(): ...`). Outside a transaction
every statement commits on its own, so nothing is ever left half-written.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.migrations import MIGRATIONS, Migration

BUSY_TIMEOUT_MS = 5000
Params = Sequence[Any] | dict[str, Any]


class Memo:
    """Answers remembered for one table (see `Database.memo`). An answer read while a write
    happened meanwhile is not kept: `keep` takes the generation seen before the read."""

    def __init__(self) -> None:
        self.answers: dict[Any, Any] = {}
        self.generation = 0

    def keep(self, generation: int, key: Any, answer: Any) -> None:
        if generation == self.generation:
            self.answers[key] = answer

    def forget(self) -> None:
        """The table is being written: nothing remembered holds any more."""
        self.generation += 1
        self.answers.clear()


class DatabaseError(Exception):
    """The database cannot be opened or migrated; the message says what to do."""


class Database:
    """An aiosqlite connection in WAL mode with foreign keys on and numbered migrations."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._tx_lock = asyncio.Lock()
        self._tx_owner: asyncio.Task[Any] | None = None
        self._memos: dict[str, Memo] = {}

    # -- life cycle ---------------------------------------------------------------------
    async def open(self) -> None:
        """Open (creating the file and its folder if needed) and set the pragmas."""
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(self.path, isolation_level=None)
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise DatabaseError(
                f"cannot open the database {self.path}: {exc} — check that DATA_DIR exists "
                "and is writable"
            ) from None
        self._conn = conn

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise DatabaseError("the database is not open")
        return self._conn

    # -- statements ---------------------------------------------------------------------
    # Each statement is one trip to aiosqlite's thread (`execute_insert` /
    # `execute_fetchall` run the statement and read its answer there): a cursor's execute,
    # fetch and close would be three, and the trip is most of a small query's cost.

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the last inserted row id (0 unless it inserts)."""
        await self._wait_for_other_transactions()
        if sql.lstrip()[:6].upper() in ("INSERT", "REPLAC"):
            row = await self.conn.execute_insert(sql, params)
            return int(row[0]) if row and row[0] else 0
        await self.conn.execute_fetchall(sql, params)
        return 0

    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._wait_for_other_transactions()
        await self.conn.executemany(sql, rows)

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query written to return at most one (by key, or LIMIT 1)."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        await self._wait_for_other_transactions()
        return list(await self.conn.execute_fetchall(sql, params))

    def memo(self, name: str) -> Memo:
        """Answers a repository keeps for the table `name` of this database, shared by every
        repository object over it: the repository that writes the table forgets what it
        must (every instance sees that), and a rolled-back transaction forgets everything,
        since an answer read inside it may never have been committed."""
        return self._memos.setdefault(name, Memo())

    async def ping(self) -> bool:
        """True when the database answers a trivial query (used by /health)."""
        try:
            row = await self.fetch_one("SELECT 1")
        except (sqlite3.Error, DatabaseError, ValueError):
            return False
        return row is not None and row[0] == 1

    async def maintenance(self) -> bool:
        """Refresh the query planner's statistics, then fold the WAL back into the database
        file and truncate it; the daily maintenance job. False when the checkpoint could
        not complete (a reader was busy) — the next run catches up."""
        await self.execute("PRAGMA optimize")  # may write statistics: checkpoint after it
        row = await self.fetch_one("PRAGMA wal_checkpoint(TRUNCATE)")
        return row is not None and row[0] == 0

    async def _wait_for_other_transactions(self) -> None:
        # Statements from other tasks must not land inside someone else's transaction.
        owner = self._tx_owner
        if owner is not None and owner is not asyncio.current_task():
            async with self._tx_lock:
                pass

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK if the block raises (cancellation included)."""
        current = asyncio.current_task()
        if self._tx_owner is current:  # nested: join the outer transaction
            yield self
            return
        async with self._tx_lock:
            self._tx_owner = current
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    for memo in self._memos.values():
                        memo.forget()
                    await asyncio.shield(self.conn.execute("ROLLBACK"))
                    raise
                await self.conn.execute("COMMIT")
            finally:
                self._tx_owner = None

    # -- migrations ---------------------------------------------------------------------
    async def schema_version(self) -> int:
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        row = await self.fetch_one("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        return int(row[0]) if row else 0

    async def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> list[Migration]:
        """Apply every migration newer than the stored version, each in its own transaction."""
        current = await self.schema_version()
        known = max((m.version for m in migrations), default=0)
        if current > known:
            raise DatabaseError(
                f"the database {self.path} has schema version {current}, newer than this "
                f"program knows ({known}) — run the newer signaldesk or restore a backup"
            )
        applied = []
        for migration in sorted(migrations, key=lambda m: m.version):
            if migration.version <= current:
                continue
            async with self.transaction():
                for statement in migration.statements():
                    await self.conn.execute(statement)
                await self.conn.execute(
                    "INSERT INTO schema_version (version, name, applied_at) "
                    "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    (migration.version, migration.name),
                )
            applied.append(migration)
        return applied
