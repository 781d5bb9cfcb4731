"""Work asked for inside a write transaction (`Repos.after_commit`) runs once the data is
committed, never when it is rolled back, nor when only the savepoint it was asked in is."""

from __future__ import annotations

import pytest

from storage.models import Role
from tests.storage.seed_cases import make_user, open_database, query


@pytest.fixture
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")
    yield database
    await database.close()


class Boom(Exception):
    pass


async def test_after_the_commit_and_only_then(db) -> None:
    done: list[str] = []

    async def note(what: str) -> None:
        # The data is committed by now: a read of another connection sees it.
        names = [row[0] for row in query(db.path, "SELECT full_name FROM users")]
        done.append(f"{what}: {names}")

    async with db.transaction() as repos:
        await make_user(repos, "Bu Ani", Role.PSM)
        repos.after_commit(lambda: note("kept"))
        assert done == []
    assert done == ["kept: ['Bu Ani']"]

    with pytest.raises(Boom):
        async with db.transaction() as repos:
            await make_user(repos, "Pak Joko", Role.PSM)
            repos.after_commit(lambda: note("rolled back"))
            raise Boom
    async with db.transaction() as repos:
        pass  # nothing left over from the rolled-back transaction runs here
    assert done == ["kept: ['Bu Ani']"]


async def test_a_rolled_back_savepoint_forgets_only_its_own(db) -> None:
    done: list[str] = []

    async def note(what: str) -> None:
        done.append(what)

    async with db.transaction() as repos:
        async with repos.savepoint():
            repos.after_commit(lambda: note("first unit"))
        with pytest.raises(Boom):
            async with repos.savepoint():
                repos.after_commit(lambda: note("failed unit"))
                raise Boom
        async with repos.savepoint():
            repos.after_commit(lambda: note("third unit"))
    assert done == ["first unit", "third unit"]


async def test_one_failing_does_not_stop_the_others_nor_undo_the_commit(db) -> None:
    done: list[str] = []

    async def fail() -> None:
        raise OSError("disk")

    async def note() -> None:
        done.append("ran")

    async with db.transaction() as repos:
        await make_user(repos, "Bu Ani", Role.PSM)
        repos.after_commit(fail)
        repos.after_commit(note)
    assert done == ["ran"]
    assert [tuple(row) for row in query(db.path, "SELECT full_name FROM users")] == [("Bu Ani",)]


async def test_only_inside_a_write_transaction(db) -> None:
    async with db.reading() as repos:
        with pytest.raises(RuntimeError):
            repos.after_commit(lambda: None)  # type: ignore[arg-type, return-value]
