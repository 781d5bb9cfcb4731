"""Case counts for /statistik, checked against the rows in the database file; the grouped
counts are answered from covering indexes (no table scan)."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from handlers.statistics import period_start
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
    seed_case,
)

JAKARTA = ZoneInfo("Asia/Jakarta")


class _App:
    timezone = JAKARTA

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(JAKARTA).date()


@pytest_asyncio.fixture(loop_scope="session")
async def seeded(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        ani = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        joko = await make_user(repos, "Pak Joko", Role.PSM, kecamatan=CINIRU, desa=CINIRU_DESA)
        tono = await make_user(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE)
        tuban = await make_user(repos, "Bu Tuti", Role.PSM, kabupaten="35.23")
        # The 7-day period starts at local midnight 23 Nov (22 Nov 17.00 UTC).
        start7 = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
        plan = [
            (ani, BABATAN, NOW - timedelta(hours=1), "submitted", ("stunting",)),
            (ani, BABATAN, start7, "verified", ("stunting", "rtlh")),
            (ani, SINDANGJAWA, start7 - timedelta(seconds=1), "approved", ("rtlh",)),
            (tono, SINDANGJAWA, NOW - timedelta(days=3), "rejected", ("odgj",)),
            (joko, CINIRU_DESA, NOW - timedelta(days=2), "submitted", ("anak_jalanan",)),
            (joko, CINIRU_DESA, NOW - timedelta(days=20), "resolved", ("stunting",)),
            (joko, CINIRU_DESA, NOW - timedelta(days=200), "in_follow_up", ("fakir_miskin",)),
            (ani, BABATAN, NOW - timedelta(days=400), "resolved", ("stunting",)),
            (tuban, TUBAN_DESA, NOW - timedelta(days=1), "submitted", ("stunting",)),
        ]
        for index, (reporter, desa, at, state, categories) in enumerate(plan, start=1):
            await seed_case(
                repos,
                reporter=reporter,
                desa=desa,
                at=at,
                number=f"KNG-2026-{index:06d}",
                state=state,
                categories=categories,
                people=(("Anak", f"32080145062300{index:02d}"),),
                no_kk=None,
            )
    yield db
    await db.close()


def expected(path, scope: Scope, since: datetime) -> dict:
    """The same counts, computed in Python from every row of the file."""
    with closing(sqlite3.connect(path)) as conn:
        cases = conn.execute(
            "SELECT id, kabupaten_code, kecamatan_code, desa_code, reporter_id, state,"
            " submitted_at FROM cases"
        ).fetchall()
        categories = conn.execute("SELECT case_id, code FROM case_categories").fetchall()
    chosen = {}
    for case_id, kabupaten, kecamatan, _desa, reporter, state, at in cases:
        inside = (
            scope.everything
            or kabupaten == scope.kabupaten_code
            or kecamatan == scope.kecamatan_code
        )
        if inside and since <= datetime.fromisoformat(at) <= NOW:
            chosen[case_id] = (kecamatan, reporter, state)
    return {
        "total": len(chosen),
        "state": Counter(state for _, _, state in chosen.values()),
        "kecamatan": Counter(kecamatan for kecamatan, _, _ in chosen.values()),
        "reporter": Counter(reporter for _, reporter, _ in chosen.values()),
        "category": Counter(code for case_id, code in categories if case_id in chosen),
    }


@pytest.mark.parametrize("days", [7, 30, 365])
@pytest.mark.parametrize(
    "scope",
    [Scope(kabupaten_code="32.08"), Scope(kecamatan_code=KADUGEDE), Scope(everything=True)],
    ids=["coordinator", "tksk", "admin"],
)
async def test_counts_match_the_rows(seeded, scope, days) -> None:
    since = period_start(_App(), NOW, days)[0]
    async with seeded.reading() as repos:
        counts = await repos.stats.counts(scope, since=since, until=NOW)
    want = expected(seeded.path, scope, since)
    assert counts.total == want["total"]
    assert counts.by_state == dict(want["state"])
    assert counts.by_category == dict(want["category"])
    assert {k.code: k.count for k in counts.by_kecamatan} == dict(want["kecamatan"])
    assert {int(r.code): r.count for r in counts.by_reporter} == dict(want["reporter"])


async def test_the_period_is_local_days(seeded) -> None:
    since, start, end = period_start(_App(), NOW, 7)
    assert (start, end) == (date(2026, 11, 23), date(2026, 11, 29))
    assert since == datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
    async with seeded.reading() as repos:
        counts = await repos.stats.counts(Scope(kecamatan_code=KADUGEDE), since=since, until=NOW)
    # 23 Nov 00.00 WIB is in; one second before it is not; the rejected case is in.
    assert counts.total == 3
    assert counts.by_state == {"submitted": 1, "verified": 1, "rejected": 1}
    assert counts.by_category == {"stunting": 2, "rtlh": 1, "odgj": 1}
    assert [(k.name, k.count) for k in counts.by_kecamatan] == [("Kadugede", 3)]
    assert [(r.name, r.count) for r in counts.by_reporter] == [("Bu Ani", 2), ("Pak Tono", 1)]


async def test_an_empty_scope_counts_nothing(seeded) -> None:
    async with seeded.reading() as repos:
        counts = await repos.stats.counts(Scope(), since=NOW - timedelta(days=999), until=NOW)
    assert counts.total == 0 and counts.by_category == {} and counts.by_reporter == []


@pytest.mark.parametrize(
    ("scope", "index", "rollup"),
    [
        (Scope(kabupaten_code="32.08"), "cases_stats_kabupaten", "PRIMARY KEY"),
        (Scope(kecamatan_code=KADUGEDE), "cases_stats_kecamatan", "case_day_.*_kecamatan"),
        (Scope(everything=True), "cases_stats_period", "case_day_.*_day"),
    ],
)
async def test_grouped_counts_read_rollups_and_covering_indexes(seeded, scope, index, rollup):
    """Whole days are summed from the day rollups; the partial days at both ends of a period
    that starts and ends mid-day are counted from a covering index. No query scans a table."""
    statements: list[str] = []
    async with seeded.reading() as repos:
        await repos.conn.set_trace_callback(statements.append)
        try:
            await repos.stats.counts(scope, since=NOW - timedelta(days=30), until=NOW)
        finally:
            await repos.conn.set_trace_callback(None)
    grouped = [s for s in statements if "GROUP BY" in s]
    summed = [s for s in grouped if "case_day_" in s]
    scanned = [s for s in grouped if "FROM cases c" in s]
    assert len(summed) == 2 and len(scanned) == 4, grouped
    with closing(sqlite3.connect(seeded.path)) as conn:
        for sql in grouped:
            plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "SCAN" not in plan.replace("SCAN CONSTANT ROW", ""), plan
            if sql in scanned:
                assert f"USING COVERING INDEX {index}" in plan, plan
            else:
                assert re.search(f"USING (COVERING INDEX )?{rollup}", plan), plan
