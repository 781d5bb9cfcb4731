"""Connections, transactions and PRAGMAs.

One writer connection guarded by an asyncio lock (SQLite allows one writer and a single
aiosqlite connection cannot nest transactions), and a separate read-only connection for
heavy reads so they never wait behind, or block, the writer.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite

from storage.migrate import apply_migrations
from storage.repos import Repos

log = logging.getLogger(__name__)

WAL_SIZE_LIMIT = 64 * 2**20  # bytes
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    # Deleted and blanked content is zeroed, not left in free space (UU PDP: no copies).
    "PRAGMA secure_delete=ON",
    # The WAL grows while a reader holds an old snapshot (a backup copying for minutes);
    # afterwards it is cut back to this size instead of keeping its largest size for ever.
    f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}",
)


# What the writer runs in aiosqlite's thread: statements that wait for the disk or for another
# process (BEGIN IMMEDIATE waits up to busy_timeout while a backup holds the lock; COMMIT and
# ROLLBACK write and fsync; VACUUM; a checkpoint). See `WriterConnection`.
_WAITS = re.compile(r"\s*(BEGIN|COMMIT|END|ROLLBACK|VACUUM|PRAGMA\s+wal_checkpoint)", re.IGNORECASE)
# The calls that run a statement or read its rows (on the connection or on a cursor).
_STATEMENT_CALLS = frozenset(
    {"execute", "executemany", "_execute_fetchall", "_execute_insert", "fetchone", "fetchmany",
     "fetchall"}
)  # fmt: skip
IN_PLACE_ROWS = 64  # an executemany of more rows (a broadcast's thousands) goes to the thread


class WriterConnection(aiosqlite.Connection):
    """The writer: the statements of a conversation's transaction run on the event loop's
    thread, except those that wait (`_WAITS`) and large batches, which go to aiosqlite's
    thread as before; so does everything of a transaction that asked for it (`in_place`
    False: the scheduler's work, which may delete or queue thousands of rows).

    A hand-over to aiosqlite's thread and back costs about 100 us of CPU (a queue, a
    thread wake-up, a wake-up of the event loop); the writer's statements are short indexed
    reads and writes of a few microseconds, and a conversation step makes about a dozen. The
    writer is held by one transaction at a time (`Database.transaction`), which awaits its
    BEGIN and COMMIT before anything else uses the connection, so the two threads never use
    it at once: sqlite3's own check is off (`check_same_thread=False`) and a guard of ours
    makes any overlap fail loudly instead. Long reads stay on the read-only connections."""

    in_place = True  # set by the transaction holding the writer (`WriterTurn.take`)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._busy = threading.Lock()

    def _guarded(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._busy.acquire(blocking=False):
            raise RuntimeError("the writer connection is in use by another thread")
        try:
            return fn(*args, **kwargs)
        finally:
            self._busy.release()

    def _runs_in_place(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
        if not self.in_place or fn.__name__ not in _STATEMENT_CALLS:
            return False
        if args and isinstance(args[0], str) and _WAITS.match(args[0]):
            return False
        if fn.__name__ == "executemany":
            rows = args[1] if len(args) > 1 else None
            return isinstance(rows, list | tuple) and len(rows) <= IN_PLACE_ROWS
        return True

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._runs_in_place(fn, args):
            if not self._running or self._connection is None:
                raise ValueError("Connection closed")
            return self._guarded(fn, *args, **kwargs)
        return await super()._execute(self._guarded, fn, *args, **kwargs)


async def connect(path: Path, *, read_only: bool = False) -> aiosqlite.Connection:
    """Open a connection with the project's PRAGMAs and explicit transactions."""
    if read_only:
        conn = await _daemon(
            aiosqlite.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        )
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA query_only=ON")
    else:
        connector = partial(
            sqlite3.connect, str(path), isolation_level=None, check_same_thread=False
        )
        conn = await _daemon(WriterConnection(connector, iter_chunk_size=64))
        for pragma in PRAGMAS:
            await conn.execute(pragma)
        (mode,) = next(iter(await conn.execute_fetchall("PRAGMA journal_mode")))
        if mode.lower() != "wal":  # readers would block the writer, and it the event loop
            await conn.close()
            raise RuntimeError(f"SQLite could not use WAL for {path} (journal mode {mode})")
    conn.row_factory = aiosqlite.Row
    return conn


async def _daemon(conn: aiosqlite.Connection) -> aiosqlite.Connection:
    """Start a connection with its worker thread marked daemon: aiosqlite's is not, so a
    connection left open (a failed start, a bug) would keep the process from exiting.
    Since aiosqlite 0.22 the thread is the connection's `_thread`; before, the connection."""
    thread = getattr(conn, "_thread", conn)
    thread.daemon = True
    return await conn


async def fold_wal(path: Path) -> bool:
    """Copy the WAL into the database file and empty it (a TRUNCATE checkpoint), on a
    connection of its own, so bytes a change replaced are left in neither; False when a
    reader held it back (the usual checkpoints then do it later)."""
    conn = await connect(path)
    try:
        rows = await conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = next(iter(rows))[0]
    finally:
        await conn.close()
    return not busy


CLOSE_WAIT = 5.0  # seconds `Database.close` waits for the transaction holding the writer
WRITER_SLICE = 0.02  # seconds long work holds the writer before letting waiting writes in


async def run_to_the_end(conn: aiosqlite.Connection, sql: str) -> None:
    """BEGIN, COMMIT or ROLLBACK, finished even when the caller is cancelled meanwhile:
    aiosqlite runs a statement in its thread whatever happens to the awaiting task, so the
    caller waits for it and then re-raises, and the connection's state is known."""
    statement = asyncio.ensure_future(conn.execute(sql))
    try:
        await asyncio.shield(statement)
    except asyncio.CancelledError:
        await asyncio.gather(statement, return_exceptions=True)
        raise


class WriterTurn:
    """The writer, held by one `Database.transaction`.

    Long work (a fan-out of 10,000 reminders, a chart drawn for a digest) gives it up
    between units that stand on their own, so a person's answer never waits long behind it:
    `let_others_write` commits what was done, lets waiting writes go first and rests once the
    transaction is older than the database's slice; `released` commits and gives the writer
    up for the duration of its body. Never inside a savepoint: the commit ends it.

    Work that must not happen unless the data is committed (removing files a change no
    longer needs) waits in `after_commit` and runs after the next commit, the writer still
    held; a rollback (of the transaction or of the savepoint it was asked in) forgets it."""

    def __init__(self, db: Database, *, in_place: bool = True) -> None:
        self._db = db
        self.in_place = in_place  # its statements on the event loop's thread (WriterConnection)
        self.held = False
        self.savepoints = 0  # open in this transaction (`Repos.savepoint`)
        self._began = 0.0
        self.after_commit: list[Callable[[], Awaitable[None]]] = []

    async def committed(self) -> None:
        """Run the work that waited for the commit that just happened (each on its own: one
        failing is logged, the data is committed all the same)."""
        waiting, self.after_commit = self.after_commit, []
        for action in waiting:
            try:
                await action()
            except Exception:
                log.exception("work after a commit failed")

    async def take(self) -> None:
        """Wait for the writer and begin a transaction."""
        await self._db._lock.acquire()
        writer = self._db.writer
        writer.in_place = self.in_place
        try:
            await run_to_the_end(writer, "BEGIN IMMEDIATE")
        except BaseException:
            if writer.in_transaction:  # cancelled, but it began: nobody else may inherit it
                await run_to_the_end(writer, "ROLLBACK")
            self._db._lock.release()
            raise
        self.held, self._began = True, time.monotonic()

    def give_up(self) -> None:
        """Let the next writer in (the transaction is committed or rolled back)."""
        if self.held:
            self.held = False
            self._db._lock.release()

    async def let_others_write(self) -> None:
        """Commit and let waiting writes in when this transaction has held the writer for
        longer than a slice, and rest as long as it held it: long work takes at most half
        of the writer and of the event loop, answers get the rest. A no-op within a slice."""
        self._require_held()
        held = time.monotonic() - self._began
        if held >= self._db.slice_seconds:
            async with self.released():
                await asyncio.sleep(held)

    def _require_held(self) -> None:
        if not self.held:  # after the transaction ended, or inside `released`
            raise RuntimeError("the writer is not held by this transaction")
        if self.savepoints:  # a commit would end them: nothing left to roll back to
            raise RuntimeError("the writer cannot be shared inside a savepoint")

    @asynccontextmanager
    async def released(self) -> AsyncIterator[None]:
        """Commit what was done and give the writer up while the body runs (slow work that
        writes nothing); then wait for it again (behind anyone already waiting)."""
        self._require_held()
        await run_to_the_end(self._db.writer, "COMMIT")
        await self.committed()
        self.give_up()
        try:
            yield
        finally:
            await self.take()


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
        self._writer: WriterConnection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self.slice_seconds = WRITER_SLICE

    async def open(self, *, migrate: bool = True) -> None:
        """Open both connections, applying pending migrations first when asked."""
        require_sqlite()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        writer = await connect(self.path)
        assert isinstance(writer, WriterConnection)
        self._writer = writer
        if migrate:
            try:
                await apply_migrations(self._writer)
            except BaseException:
                await self._writer.close()
                self._writer = None
                raise
        self._reader = await connect(self.path, read_only=True)

    async def close(self) -> None:
        """Close both connections; safe to call twice. The writer is closed once the
        transaction holding it has ended (a few seconds at most: then it is closed anyway,
        and that transaction fails)."""
        held = False
        if self._writer is not None:
            try:
                async with asyncio.timeout(CLOSE_WAIT):
                    await self._lock.acquire()
                held = True
            except TimeoutError:
                log.warning("closing the database while a transaction still holds the writer")
        try:
            for conn in (self._reader, self._writer):
                if conn is not None:
                    await conn.close()
            self._reader = self._writer = None
        finally:
            if held:
                self._lock.release()

    @asynccontextmanager
    async def transaction(self, *, in_place: bool = True) -> AsyncIterator[Repos]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT); rolled back on any error.
        Long work may commit in slices inside it (`Repos.let_others_write`). `in_place`
        False: every statement in aiosqlite's thread, for work whose statements may be long
        (the scheduler's: deleting or queueing thousands of rows) while answers go on."""
        turn = WriterTurn(self, in_place=in_place)
        await turn.take()
        try:
            yield Repos(self.writer, turn)
            await run_to_the_end(self.writer, "COMMIT")
            await turn.committed()
        except BaseException:
            turn.after_commit.clear()
            # Not when the writer was given up and not taken back, nor after a COMMIT that
            # went through although its caller was cancelled, nor after one SQLite undid.
            if turn.held and self.writer.in_transaction:
                await run_to_the_end(self.writer, "ROLLBACK")
            raise
        finally:
            turn.give_up()

    @property
    def writer(self) -> WriterConnection:
        """The writer connection (use `transaction`, which holds it)."""
        assert self._writer is not None, "database is not open"
        return self._writer

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
