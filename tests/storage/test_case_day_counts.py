"""The per-day rollups (migration 0015) stay equal to counting the cases by local day, through
many random changes of state, categories, reporter, time and deletions on a real database file;
and /statistik periods summed from them equal a direct count for any period."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest_asyncio

from storage.scope import Scope
from tests.storage.case_changes import (
    WIB,
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


def _rollups(db) -> tuple[Counter, Counter]:
    counts = query(
        db.path, "SELECT kecamatan_code, day, state, category, cases FROM case_day_counts"
    )
    reporters = query(
        db.path, "SELECT kecamatan_code, day, reporter_id, cases FROM case_day_reporters"
    )
    return (
        Counter({tuple(r[:4]): r[4] for r in counts if r[4]}),
        Counter({tuple(r[:3]): r[3] for r in reporters if r[3]}),
    )


def _counted(db) -> tuple[Counter, Counter]:
    """The same, counted in Python from the cases, days taken with the fixed +07:00 offset."""
    cases = {
        r[0]: (r[1], (datetime.fromisoformat(r[2]) + WIB).date().isoformat(), r[3], r[4])
        for r in query(
            db.path, "SELECT id, kecamatan_code, submitted_at, state, reporter_id FROM cases"
        )
    }
    counts: Counter = Counter()
    reporters: Counter = Counter()
    for kecamatan, day, state, reporter in cases.values():
        counts[(kecamatan, day, state, "")] += 1
        reporters[(kecamatan, day, reporter)] += 1
    for case_id, code in query(db.path, "SELECT case_id, code FROM case_categories"):
        kecamatan, day, state, _ = cases[case_id]
        counts[(kecamatan, day, state, code)] += 1
    return counts, reporters


async def test_the_day_rollups_follow_random_changes(world) -> None:
    db, people, rng = world
    got, want = _rollups(db), _counted(db)
    assert got[0] - want[0] == Counter() and want[0] - got[0] == Counter()
    assert got[1] - want[1] == Counter() and want[1] - got[1] == Counter()
    assert sum(_rollups(db)[1].values()) == 60
    for _ in range(150):
        await random_change(db, people, rng)
        assert _rollups(db) == _counted(db)
    assert sum(_rollups(db)[1].values()) == len(query(db.path, "SELECT id FROM cases")) < 60


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
