"""Long work shares the one writer: `let_others_write` and `writer_released` (storage/db.py).

A fan-out of thousands of reminders or a chart drawn for a digest must not hold the writer
while people's answers wait; what was done before giving it up stays committed, what comes
after is still one transaction that an error rolls back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from storage.db import Database

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


async def _keys(db: Database) -> list[str]:
    async with db.reading() as repos:
        rows = await repos.schedule._all(
            "SELECT run_key FROM scheduled_runs WHERE kind = 'test' ORDER BY rowid"
        )
    return [row[0] for row in rows]


async def _claim(db: Database, key: str) -> None:
    async with db.transaction() as repos:
        await repos.schedule.claim("test", key, now=NOW)


async def _long_work(db: Database, units: int, started: asyncio.Event) -> None:
    async with db.transaction() as repos:
        for unit in range(units):
            await repos.schedule.claim("test", f"long-{unit}", now=NOW)
            if unit == 0:
                started.set()
            await asyncio.sleep(0)  # the waiting write gets to queue for the writer
            await repos.let_others_write()


async def test_a_waiting_write_goes_between_the_units_of_long_work(db: Database) -> None:
    db.slice_seconds = 0.0  # every unit is a slice
    started = asyncio.Event()
    work = asyncio.create_task(_long_work(db, 5, started))
    await started.wait()
    await _claim(db, "answer")
    await work
    keys = await _keys(db)
    assert keys[:2] == ["long-0", "answer"]  # right after the first unit, not at the end
    assert keys[2:] == [f"long-{n}" for n in range(1, 5)]


async def test_within_a_slice_long_work_keeps_the_writer(db: Database) -> None:
    db.slice_seconds = 3600.0
    started = asyncio.Event()
    work = asyncio.create_task(_long_work(db, 5, started))
    await started.wait()
    await _claim(db, "answer")
    await work
    assert await _keys(db) == [*(f"long-{n}" for n in range(5)), "answer"]


async def test_what_came_before_letting_others_write_stays_when_the_rest_fails(
    db: Database,
) -> None:
    db.slice_seconds = 0.0
    with pytest.raises(RuntimeError):
        async with db.transaction() as repos:
            await repos.schedule.claim("test", "done", now=NOW)
            await repos.let_others_write()
            await repos.schedule.claim("test", "undone", now=NOW)
            raise RuntimeError("the second unit fails")
    assert await _keys(db) == ["done"]
    await _claim(db, "after")  # the writer is free again
    assert await _keys(db) == ["done", "after"]


async def test_the_writer_is_free_while_released(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.schedule.claim("test", "before", now=NOW)
        async with repos.writer_released():
            assert await _keys(db) == ["before"]  # committed when given up
            await _claim(db, "meanwhile")  # would wait forever if the writer were held
        await repos.schedule.claim("test", "after", now=NOW)
    assert await _keys(db) == ["before", "meanwhile", "after"]


async def test_an_interrupted_wait_for_the_writer_leaves_it_free(db: Database) -> None:
    holder_in = asyncio.Event()
    holder_may_go = asyncio.Event()

    async def holder() -> None:
        async with db.transaction() as repos:
            await repos.schedule.claim("test", "holder", now=NOW)
            holder_in.set()
            await holder_may_go.wait()

    async def released_then_waits() -> None:
        async with db.transaction() as repos:
            await repos.schedule.claim("test", "first", now=NOW)
            async with repos.writer_released():
                holding = asyncio.create_task(holder())
                await holder_in.wait()
            await repos.schedule.claim("test", "never", now=NOW)  # pragma: no cover
        await holding  # pragma: no cover

    waiting = asyncio.create_task(released_then_waits())
    await holder_in.wait()
    await asyncio.sleep(0.01)  # it now waits to take the writer back
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    holder_may_go.set()
    await asyncio.sleep(0)
    await _claim(db, "later")  # neither held nor released twice
    assert await _keys(db) == ["first", "holder", "later"]


async def test_outside_a_write_transaction_both_are_plain(db: Database) -> None:
    async with db.reading() as repos:
        await repos.let_others_write()
        async with repos.writer_released():
            await _claim(db, "inside")
    assert await _keys(db) == ["inside"]


async def test_cancelled_while_committing_the_commit_stands_and_the_writer_is_free(
    db: Database,
) -> None:
    async def work() -> None:
        async with db.transaction() as repos:
            await repos.schedule.claim("test", "committed", now=NOW)
            # The cancellation comes while COMMIT runs in aiosqlite's thread.
            asyncio.get_running_loop().call_soon(task.cancel)

    task = asyncio.create_task(work())
    with pytest.raises(asyncio.CancelledError):  # not "cannot rollback - no transaction"
        await task
    assert await _keys(db) == ["committed"]
    assert not db.writer.in_transaction
    await _claim(db, "next")
    assert await _keys(db) == ["committed", "next"]


async def test_cancelled_while_beginning_the_writer_is_left_clean(db: Database) -> None:
    async def work() -> None:
        async with db.transaction() as repos:  # pragma: no cover - never entered
            await repos.schedule.claim("test", "never", now=NOW)

    task = asyncio.create_task(work())
    await asyncio.sleep(0)  # it has the lock and BEGIN IMMEDIATE is on its way
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not db.writer.in_transaction  # the next writer does not inherit a transaction
    await _claim(db, "next")
    assert await _keys(db) == ["next"]


async def test_giving_up_a_writer_not_held_is_refused(db: Database) -> None:
    async with db.transaction() as repos, repos.writer_released():
        with pytest.raises(RuntimeError):
            await repos.let_others_write()
    with pytest.raises(RuntimeError):
        await repos.let_others_write()  # the transaction is over
