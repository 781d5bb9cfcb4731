"""Connections, transactions and PRAGMAs.

One writer connection guarded by an asyncio lock (SQLite allows one writer and a single
aiosqlite connection cannot nest transactions), and a separate read-only connection for
heavy reads so they never wait behind, or block, the writer.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.migrate import apply_migrations
from storage.repos import Repos

log = logging.getLogger(__name__)

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    # Deleted and blanked content is zeroed, not left in free space (UU PDP: no copies).
    "PRAGMA secure_delete=ON",
)


async def connect(path: Path, *, read_only: bool = False) -> aiosqlite.Connection:
    """Open a connection with the project's PRAGMAs and explicit transactions."""
    if read_only:
        conn = await aiosqlite.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA query_only=ON")
    else:
        conn = await aiosqlite.connect(path, isolation_level=None)
        for pragma in PRAGMAS:
            await conn.execute(pragma)
    conn.row_factory = aiosqlite.Row
    # aiosqlite's worker thread is non-daemon: a forgotten connection would hang exit.
    conn.daemon = True
    return conn


MIN_SQLITE = (3, 35, 0)  # RETURNING (storage writes return their row)


def require_sqlite(version: tuple[int, int, int] = sqlite3.sqlite_version_info) -> None:
    """Refuse to start on an SQLite too old for our statements, saying what to do."""
    if version < MIN_SQLITE:
        have, need = ".".join(map(str, version)), ".".join(map(str, MIN_SQLITE))
        raise RuntimeError(
            f"psm-bot needs SQLite {need} or newer; this Python has {have}."
            " Use a Python built with a newer SQLite (any Python 3.11 from python.org or a"
            " current distribution has one)."
        )


class Database:
    """The bot's database: a writer connection, a reader connection, migrations."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self, *, migrate: bool = True) -> None:
        """Open both connections, applying pending migrations first when asked."""
        require_sqlite()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await connect(self.path)
        if migrate:
            try:
                await apply_migrations(self._writer)
            except BaseException:
                await self._writer.close()
                self._writer = None
                raise
        self._reader = await connect(self.path, read_only=True)

    async def close(self) -> None:
        """Close both connections; safe to call twice."""
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repos]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT); rolled back on any error."""
        assert self._writer is not None, "database is not open"
        async with self._lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield Repos(self._writer)
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    @asynccontextmanager
    async def reading_apart(self) -> AsyncIterator[Repos]:
        """Repositories on a read-only connection of its own, for long reads (statistics,
        exports): the shared reader (the senders use it) never waits behind them."""
        assert self._reader is not None, "database is not open"
        conn = await connect(self.path, read_only=True)
        try:
            yield Repos(conn)
        finally:
            await conn.close()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Repos]:
        """Repositories on the read-only connection (a consistent snapshot per statement)."""
        assert self._reader is not None, "database is not open"
        yield Repos(self._reader)


@asynccontextmanager
async def savepoint(conn: aiosqlite.Connection, name: str = "step") -> AsyncIterator[None]:
    """A nested unit inside a write transaction: an error rolls back only what it did.

    On success it is not released: the transaction's COMMIT releases it with the others (a
    round trip fewer per unit). Units opened after it nest inside it, and `ROLLBACK TO`
    names the most recent savepoint of a name, so a failing later unit still rolls back only
    itself."""
    if not conn.in_transaction:
        raise RuntimeError("a savepoint belongs inside a write transaction")
    await conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        await conn.execute(f"ROLLBACK TO {name}")
        await conn.execute(f"RELEASE {name}")
        raise
