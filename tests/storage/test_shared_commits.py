"""Concurrent writes share a commit; each caller hears only about its own write."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from storage.group_commit import GroupCommit
from storage.repos import Repos
from tests.storage.seed_cases import open_database

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def _insert(ext_id: str, *, fail: bool = False):
    async def write(repos: Repos) -> bool:
        stored = await repos.inbox.add(
            channel="whatsapp", ext_id=ext_id, payload={"n": ext_id}, sender_key="x", now=NOW
        )
        if fail:
            raise ValueError(f"{ext_id} refused after its insert")
        return stored

    return write


async def _stored(db) -> list[str]:
    async with db.reading() as repos:
        rows = await repos.conn.execute_fetchall("SELECT ext_id FROM inbox ORDER BY id")
    return [row[0] for row in rows]


@pytest.fixture
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")
    yield database
    await database.close()


async def test_writes_that_arrive_together_share_one_commit(db) -> None:
    commits = GroupCommit(lambda: db)
    results = await asyncio.gather(*(commits.run(_insert(f"w{n}")) for n in range(20)))
    assert results == [True] * 20
    assert commits.transactions == 1
    assert await _stored(db) == [f"w{n}" for n in range(20)]
    assert await commits.run(_insert("w3")) is False  # a redelivery: stored once
    assert commits.transactions == 2


async def test_a_failing_write_is_undone_alone_and_only_its_caller_hears(db) -> None:
    commits = GroupCommit(lambda: db)
    outcomes = await asyncio.gather(
        commits.run(_insert("a")),
        commits.run(_insert("b", fail=True)),
        commits.run(_insert("c")),
        return_exceptions=True,
    )
    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], ValueError)
    assert commits.transactions == 1
    assert await _stored(db) == ["a", "c"]


async def test_writes_arriving_during_a_commit_go_into_the_next(db) -> None:
    commits = GroupCommit(lambda: db)
    writing, go_on = asyncio.Event(), asyncio.Event()

    async def slow(repos: Repos) -> bool:
        writing.set()
        await go_on.wait()
        return await _insert("first")(repos)

    first = asyncio.create_task(commits.run(slow))
    await writing.wait()  # the first transaction is open
    later = [asyncio.create_task(commits.run(_insert(f"later{n}"))) for n in range(5)]
    await asyncio.sleep(0)
    go_on.set()
    assert await first is True
    assert await asyncio.gather(*later) == [True] * 5
    assert commits.transactions == 2  # the five waited together for the next one
    assert await _stored(db) == ["first", *(f"later{n}" for n in range(5))]


async def test_a_caller_that_goes_away_does_not_stop_the_others(db) -> None:
    commits = GroupCommit(lambda: db)
    writing, go_on = asyncio.Event(), asyncio.Event()

    async def slow(repos: Repos) -> bool:
        writing.set()
        await go_on.wait()
        return await _insert("kept")(repos)

    gone = asyncio.create_task(commits.run(slow))
    other = asyncio.create_task(commits.run(_insert("other")))
    await writing.wait()
    gone.cancel()  # the client hung up while its write was being made
    go_on.set()
    assert await other is True
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert await _stored(db) == ["kept", "other"]  # stored anyway: a retry finds it there
