"""The writer's statements run on the event loop's thread, except what waits (BEGIN, COMMIT),
large batches and transactions that ask for the thread; a lock held by another process
never holds the event loop up; the connection refuses to be used by two threads at once."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from storage.db import IN_PLACE_ROWS, Database


async def _open(path: Path) -> Database:
    db = Database(path)
    await db.open()
    await db.writer.create_function("thread_id", 0, threading.get_ident)
    async with db.transaction() as repos:
        await repos.conn.execute("CREATE TABLE probe (thread INTEGER)")
    return db


async def _threads(db: Database) -> set[int]:
    async with db.reading() as repos:
        return {row[0] for row in await repos.conn.execute_fetchall("SELECT thread FROM probe")}


async def test_statements_run_in_place_and_batches_and_asked_transactions_in_the_thread(
    tmp_path: Path,
) -> None:
    db = await _open(tmp_path / "psm.db")
    loop_thread = threading.get_ident()
    try:
        async with db.transaction() as repos:
            (row,) = await repos.conn.execute_fetchall("SELECT thread_id()")
            assert row[0] == loop_thread
            await repos.conn.executemany(
                "INSERT INTO probe VALUES (thread_id())", [()] * IN_PLACE_ROWS
            )
        assert await _threads(db) == {loop_thread}

        async with db.transaction() as repos:
            await repos.conn.execute("DELETE FROM probe")
            await repos.conn.executemany(
                "INSERT INTO probe VALUES (thread_id())", [()] * (IN_PLACE_ROWS + 1)
            )
        (batch,) = await _threads(db)
        assert batch != loop_thread  # a broadcast's thousands do not hold the loop

        async with db.transaction(in_place=False) as repos:
            await repos.conn.execute("DELETE FROM probe")
            await repos.conn.execute("INSERT INTO probe VALUES (thread_id())")
        assert await _threads(db) == {batch}
        async with db.transaction() as repos:  # the next one runs in place again
            (row,) = await repos.conn.execute_fetchall("SELECT thread_id()")
            assert row[0] == loop_thread
    finally:
        await db.close()


async def test_a_lock_held_elsewhere_makes_the_writer_wait_not_the_loop(tmp_path: Path) -> None:
    db = await _open(tmp_path / "psm.db")
    other = sqlite3.connect(tmp_path / "psm.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # as `psm-bot backup` or a CLI tool may hold it
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with db.transaction() as repos:
            await repos.conn.execute("INSERT INTO probe VALUES (1)")

    ticker = asyncio.create_task(tick())
    writing = asyncio.create_task(write())
    try:
        await asyncio.sleep(0.5)
        assert not writing.done() and ticks >= 10  # BEGIN waits in the thread
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 10)
        assert await _threads(db) == {1}
    finally:
        ticker.cancel()
        other.close()
        await db.close()


async def test_the_connection_refuses_two_threads_at_once(tmp_path: Path) -> None:
    db = await _open(tmp_path / "psm.db")
    try:
        entered, release = threading.Event(), threading.Event()

        def hold() -> int:
            entered.set()
            release.wait(5)
            return 1

        await db.writer.create_function("hold", 0, hold)
        async with db.transaction(in_place=False) as repos:
            held = asyncio.ensure_future(repos.conn.execute_fetchall("SELECT hold()"))
            await asyncio.to_thread(entered.wait, 5)
            db.writer.in_place = True  # a misuse: a statement in place meanwhile
            with pytest.raises(RuntimeError, match="in use by another thread"):
                await repos.conn.execute_fetchall("SELECT 1")
            release.set()
            assert [tuple(row) for row in await held] == [(1,)]
    finally:
        await db.close()
