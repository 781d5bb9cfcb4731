"""The per-day rollups (migration 0015) stay equal to counting the cases by local day, through
many random changes of state, categories, reporter, time and deletions on a real database file;
and /statistik periods summed from them equal a direct count for any period."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest_asyncio

from storage.scope import Scope
from tests.storage.case_changes import (
    counted_days,
    day_rows,
    direct_counts,
    random_change,
    random_moment,
    seeded_world,
)
from tests.storage.seed_cases import KADUGEDE, NOW, query


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    db, people, rng = await seeded_world(tmp_path / "psm.db", seed=15)
    yield db, people, rng
    await db.close()


async def test_the_day_rollups_follow_random_changes(world) -> None:
    db, people, rng = world
    got, want = day_rows(db), counted_days(db)
    assert got[0] - want[0] == Counter() and want[0] - got[0] == Counter()
    assert got[1] - want[1] == Counter() and want[1] - got[1] == Counter()
    assert sum(day_rows(db)[1].values()) == 60
    for _ in range(150):
        await random_change(db, people, rng)
        assert day_rows(db) == counted_days(db)
    assert sum(day_rows(db)[1].values()) == len(query(db.path, "SELECT id FROM cases")) < 60


async def test_periods_summed_from_the_rollups_equal_a_direct_count(world) -> None:
    db, people, rng = world
    for _ in range(40):
        await random_change(db, people, rng)
    scopes = [Scope(kabupaten_code="32.08"), Scope(kecamatan_code=KADUGEDE), Scope(everything=True)]
    for _ in range(60):
        since = min(random_moment(rng), NOW) + timedelta(microseconds=rng.choice((0, 0, 1, 7)))
        until = rng.choice((NOW, since + timedelta(days=rng.randrange(3, 200))))
        scope = rng.choice(scopes)
        async with db.reading() as repos:
            counts = await repos.stats.counts(scope, since=since, until=until, top=100)
        want = direct_counts(db, scope, since, until)
        assert counts.total == want["total"]
        assert counts.by_state == want["state"]
        assert counts.by_category == want["category"]
        assert {k.code: k.count for k in counts.by_kecamatan} == want["kecamatan"]
        assert {int(r.code): r.count for r in counts.by_reporter} == want["reporter"]
