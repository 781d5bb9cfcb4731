"""The `case_counts` rollup (migration 0008) stays equal to counting the rows, through
submission, review, revision and deletion; all-time statistics read it with no table scan."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest_asyncio

from storage.models import Role
from storage.scope import Scope
from tests.storage.seed_cases import (
    BABATAN,
    CINIRU,
    CINIRU_DESA,
    KADUGEDE,
    NOW,
    TUBAN_DESA,
    make_user,
    open_database,
    query,
    seed_case,
)


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        coordinator = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        plan = [
            (BABATAN, "submitted", ("stunting",)),
            (BABATAN, "verified", ("stunting", "anak_tidak_sekolah")),
            (CINIRU_DESA, "approved", ("rtlh",)),
            (CINIRU_DESA, "submitted", ()),
            (TUBAN_DESA, "submitted", ("fakir_miskin",)),
        ]
        ids = [
            await seed_case(
                repos,
                reporter=psm,
                desa=desa,
                at=NOW - timedelta(days=n),
                number=f"KNG-2026-{n:06d}",
                state=state,
                categories=categories,
                people=((f"Anak {n}", f"32080145062300{n:02d}"),),
            )
            for n, (desa, state, categories) in enumerate(plan, start=1)
        ]
    yield db, ids, psm, coordinator
    await db.close()


def _rollup(db) -> Counter:
    rows = query(db.path, "SELECT kecamatan_code, state, category, cases FROM case_counts")
    return Counter({(r[0], r[1], r[2]): r[3] for r in rows if r[3]})


def _counted(db) -> Counter:
    counted: Counter = Counter()
    for kecamatan, state, n in query(
        db.path, "SELECT kecamatan_code, state, COUNT(*) FROM cases GROUP BY 1, 2"
    ):
        counted[(kecamatan, state, "")] = n
    for kecamatan, state, code, n in query(
        db.path,
        "SELECT c.kecamatan_code, c.state, k.code, COUNT(*) FROM cases c"
        " JOIN case_categories k ON k.case_id = c.id GROUP BY 1, 2, 3",
    ):
        counted[(kecamatan, state, code)] = n
    return counted


def _version(db, case_id: int) -> int:
    return query(db.path, "SELECT version FROM cases WHERE id = ?", (case_id,))[0][0]


async def test_the_rollup_follows_every_change(world) -> None:
    db, ids, psm, coordinator = world
    assert _rollup(db) == _counted(db) and _counted(db)[(KADUGEDE, "submitted", "stunting")] == 1
    async with db.transaction() as repos:
        assert await repos.review.transition(
            ids[0],
            version=_version(db, ids[0]),
            from_states=("submitted",),
            to_state="needs_revision",
            actor_id=coordinator.id,
            reason="foto kurang jelas",
            now=NOW,
        )
    assert _rollup(db) == _counted(db)
    async with db.transaction() as repos:
        assert await repos.review.revise(
            ids[0],
            version=_version(db, ids[0]),
            answers={},
            details={},
            description="Balita kurus, sudah diperbaiki.",
            categories=["lansia_telantar", "rtlh"],
            urgency="biasa",
            actor_id=psm.id,
            now=NOW,
        )
    assert _rollup(db) == _counted(db)
    assert _rollup(db)[(KADUGEDE, "resubmitted", "rtlh")] == 1
    async with db.transaction() as repos:
        await repos.retention.delete_cases([ids[2]])
    assert _rollup(db) == _counted(db)
    assert _rollup(db)[(CINIRU, "approved", "rtlh")] == 0


async def test_all_time_counts_come_from_the_rollup(world) -> None:
    db, _, _, _ = world
    async with db.reading() as repos:
        counts = await repos.stats.all_time(Scope(kabupaten_code="32.08"))
        kecamatan = await repos.stats.all_time(Scope(kecamatan_code=CINIRU))
        psm = await repos.stats.all_time(Scope(desa_code=BABATAN, reporter_id=1))
        plan = await repos.stats._all(
            "EXPLAIN QUERY PLAN SELECT r.kecamatan_code, r.state, r.category, SUM(r.cases)"
            " FROM case_counts r WHERE r.kabupaten_code = ?"
            " GROUP BY r.kecamatan_code, r.state, r.category",
            ("32.08",),
        )
    assert counts is not None and counts.total == 4  # Tuban's case is another district
    assert counts.by_state == {"submitted": 2, "verified": 1, "approved": 1}
    assert counts.by_category == {"stunting": 2, "anak_tidak_sekolah": 1, "rtlh": 1}
    assert [(k.code, k.count) for k in counts.by_kecamatan] == [(CINIRU, 2), (KADUGEDE, 2)]
    assert kecamatan is not None and kecamatan.total == 2
    assert psm is None  # a PSM's scope is not in the rollup: counted from the cases
    assert "SEARCH r USING INDEX sqlite_autoindex_case_counts_1 (kabupaten_code=?)" in " ".join(
        r[3] for r in plan
    )
