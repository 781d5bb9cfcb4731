"""The per-day rollups (migration 0015) stay equal to counting the cases by local day, through
many random changes of state, categories, reporter, time and deletions on a real database file;
and /statistik periods summed from them equal a direct count for any period."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest_asyncio

from storage.models import Role
from storage.scope import Scope
from tests.storage.seed_cases import (
    BABATAN,
    CINIRU,
    CINIRU_DESA,
    KADUGEDE,
    NOW,
    SINDANGJAWA,
    TUBAN_DESA,
    make_user,
    open_database,
    query,
    seed_case,
)

STATES = ("submitted", "verified", "approved", "in_follow_up", "resolved", "rejected")
CATEGORIES = ("stunting", "rtlh", "odgj", "fakir_miskin", "anak_jalanan")
DESAS = (BABATAN, SINDANGJAWA, CINIRU_DESA, TUBAN_DESA)
WIB = timedelta(hours=7)


def _moment(rng: random.Random) -> datetime:
    """Within 400 days; often a microsecond either side of a local midnight."""
    day = (NOW + WIB).date() - timedelta(days=rng.randrange(400))
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - WIB
    if rng.random() < 0.4:
        return midnight + timedelta(microseconds=rng.choice((-1, 0, 1)))
    return midnight + timedelta(seconds=rng.randrange(86400))


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    rng = random.Random(15)
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        people = [
            await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN),
            await make_user(repos, "Pak Joko", Role.PSM, kecamatan=CINIRU, desa=CINIRU_DESA),
            await make_user(repos, "Bu Tuti", Role.PSM, kabupaten="35.23"),
        ]
        ids = [
            await seed_case(
                repos,
                reporter=rng.choice(people),
                desa=rng.choice(DESAS),
                at=min(_moment(rng), NOW),
                number=f"KNG-2026-{n:06d}",
                state=rng.choice(STATES),
                categories=tuple(rng.sample(CATEGORIES, rng.randrange(3))),
                people=((f"Anak {n}", f"3208014506{n:06d}"),),
            )
            for n in range(1, 61)
        ]
    yield db, ids, people, rng
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


async def _random_change(db, ids: list[int], people, rng: random.Random) -> None:
    live = [r[0] for r in query(db.path, "SELECT id FROM cases")]
    case_id = rng.choice(live)
    what = rng.randrange(7)
    async with db.transaction() as repos:
        if what == 0:
            await repos.subjects.delete_cases([case_id])  # retention purge and erasure
        elif what == 1:
            giver, taker = rng.sample(people, 2)
            scope = Scope(everything=True)
            await repos.people.hand_over(from_id=giver.id, to_id=taker.id, scope=scope)
        elif what == 2:
            await repos.conn.execute(
                "UPDATE cases SET state = ? WHERE id = ?", (rng.choice(STATES), case_id)
            )
        elif what == 3:
            await repos.conn.execute("DELETE FROM case_categories WHERE case_id = ?", (case_id,))
            for code in rng.sample(CATEGORIES, rng.randrange(3)):
                await repos.conn.execute(
                    "INSERT INTO case_categories (case_id, code) VALUES (?, ?)", (case_id, code)
                )
        elif what == 4:
            await repos.conn.execute(
                "UPDATE OR IGNORE case_categories SET code = ? WHERE case_id = ?"
                " AND rowid = (SELECT MIN(rowid) FROM case_categories WHERE case_id = ?)",
                (rng.choice(CATEGORIES), case_id, case_id),
            )
        elif what == 5:
            moment = min(_moment(rng), NOW).isoformat(timespec="microseconds")
            await repos.conn.execute(
                "UPDATE cases SET submitted_at = ? WHERE id = ?", (moment, case_id)
            )
        else:
            desa = rng.choice(DESAS)
            await repos.conn.execute(
                "UPDATE cases SET kabupaten_code = ?, kecamatan_code = ?, desa_code = ?"
                " WHERE id = ?",
                (desa.rsplit(".", 2)[0], desa.rsplit(".", 1)[0], desa, case_id),
            )


def _direct(db, scope: Scope, since: datetime, until: datetime) -> dict:
    where, params = scope.where("c")
    period = f"{where} AND c.submitted_at >= ? AND c.submitted_at <= ?"
    values = (*params, since.isoformat(timespec="microseconds"), until.isoformat())
    rows = query(
        db.path,
        f"SELECT c.id, c.state, c.kecamatan_code, c.reporter_id FROM cases c WHERE {period}",
        values,
    )
    chosen = {r[0] for r in rows}
    tags = query(db.path, "SELECT case_id, code FROM case_categories")
    return {
        "total": len(rows),
        "state": dict(Counter(r[1] for r in rows)),
        "kecamatan": dict(Counter(r[2] for r in rows)),
        "reporter": dict(Counter(r[3] for r in rows)),
        "category": dict(Counter(code for case_id, code in tags if case_id in chosen)),
    }


async def test_the_day_rollups_follow_random_changes(world) -> None:
    db, ids, people, rng = world
    got, want = _rollups(db), _counted(db)
    assert got[0] - want[0] == Counter() and want[0] - got[0] == Counter()
    assert got[1] - want[1] == Counter() and want[1] - got[1] == Counter()
    assert sum(_rollups(db)[1].values()) == 60
    for _ in range(150):
        await _random_change(db, ids, people, rng)
        assert _rollups(db) == _counted(db)
    assert sum(_rollups(db)[1].values()) == len(query(db.path, "SELECT id FROM cases")) < 60


async def test_periods_summed_from_the_rollups_equal_a_direct_count(world) -> None:
    db, ids, people, rng = world
    for _ in range(40):
        await _random_change(db, ids, people, rng)
    scopes = [Scope(kabupaten_code="32.08"), Scope(kecamatan_code=KADUGEDE), Scope(everything=True)]
    for _ in range(60):
        since = min(_moment(rng), NOW) + timedelta(microseconds=rng.choice((0, 0, 1, 7)))
        until = rng.choice((NOW, since + timedelta(days=rng.randrange(3, 200))))
        scope = rng.choice(scopes)
        async with db.reading() as repos:
            counts = await repos.stats.counts(scope, since=since, until=until, top=100)
        want = _direct(db, scope, since, until)
        assert counts.total == want["total"]
        assert counts.by_state == want["state"]
        assert counts.by_category == want["category"]
        assert {k.code: k.count for k in counts.by_kecamatan} == want["kecamatan"]
        assert {int(r.code): r.count for r in counts.by_reporter} == want["reporter"]
