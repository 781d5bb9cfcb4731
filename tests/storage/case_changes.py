"""Random changes to seeded cases and direct counts to check the rollups against (shared by
the per-day rollup and rolling-window tests)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from storage.db import Database
from storage.models import Role, User
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
WIB = timedelta(hours=7)  # the offset the rollups are made with (migration 0015)
SPANS = (7, 30, 365)  # the rolling windows (migration 0016)


def random_moment(rng: random.Random) -> datetime:
    """Within 400 days; often a microsecond either side of a local midnight."""
    day = (NOW + WIB).date() - timedelta(days=rng.randrange(400))
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - WIB
    if rng.random() < 0.4:
        return midnight + timedelta(microseconds=rng.choice((-1, 0, 1)))
    return midnight + timedelta(seconds=rng.randrange(86400))


async def seeded_world(path, seed: int) -> tuple[Database, list[User], random.Random]:
    """Three reporters in two kabupaten and 60 cases over 400 days, many near midnights."""
    rng = random.Random(seed)
    db = await open_database(path)
    async with db.transaction() as repos:
        people = [
            await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN),
            await make_user(repos, "Pak Joko", Role.PSM, kecamatan=CINIRU, desa=CINIRU_DESA),
            await make_user(repos, "Bu Tuti", Role.PSM, kabupaten="35.23"),
        ]
        for n in range(1, 61):
            await seed_case(
                repos,
                reporter=rng.choice(people),
                desa=rng.choice(DESAS),
                at=min(random_moment(rng), NOW),
                number=f"KNG-2026-{n:06d}",
                state=rng.choice(STATES),
                categories=tuple(rng.sample(CATEGORIES, rng.randrange(3))),
                people=((f"Anak {n}", f"3208014506{n:06d}"),),
            )
    return db, people, rng


async def random_change(db: Database, people: list[User], rng: random.Random) -> None:
    live = [r[0] for r in query(db.path, "SELECT id FROM cases")]
    case_id = rng.choice(live)
    what = rng.randrange(7)
    async with db.transaction() as repos:
        if what == 0:
            await repos.retention.delete_cases([case_id])  # retention purge and erasure
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
            moment = min(random_moment(rng), NOW).isoformat(timespec="microseconds")
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


def direct_counts(db, scope: Scope, since: datetime, until: datetime) -> dict:
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


def day_rows(db) -> tuple[Counter, Counter]:
    """The per-day rollups (migration 0015), zero rows left out."""
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


def _cases_by_day(db, offset: timedelta) -> dict[int, tuple[str, date, str, int]]:
    """Each case's kecamatan, local day (UTC + `offset`), state and reporter."""
    return {
        r[0]: (r[1], (datetime.fromisoformat(r[2]) + offset).date(), r[3], r[4])
        for r in query(
            db.path, "SELECT id, kecamatan_code, submitted_at, state, reporter_id FROM cases"
        )
    }


def counted_days(db, offset: timedelta = WIB) -> tuple[Counter, Counter]:
    """`day_rows`, counted in Python from the cases, days taken with a fixed offset."""
    cases = _cases_by_day(db, offset)
    counts: Counter = Counter()
    reporters: Counter = Counter()
    for kecamatan, day, state, reporter in cases.values():
        counts[(kecamatan, day.isoformat(), state, "")] += 1
        reporters[(kecamatan, day.isoformat(), reporter)] += 1
    for case_id, code in query(db.path, "SELECT case_id, code FROM case_categories"):
        kecamatan, day, state, _ = cases[case_id]
        counts[(kecamatan, day.isoformat(), state, code)] += 1
    return counts, reporters


def window_rows(db) -> tuple[Counter, Counter]:
    """The rolling windows (migration 0016), zero rows left out."""
    counts = query(
        db.path,
        "SELECT span, kecamatan_code, state, category, cases FROM case_window_counts",
    )
    reporters = query(
        db.path, "SELECT span, kecamatan_code, reporter_id, cases FROM case_window_reporters"
    )
    return (
        Counter({tuple(r[:4]): r[4] for r in counts if r[4]}),
        Counter({tuple(r[:3]): r[3] for r in reporters if r[3]}),
    )


def counted_windows(db, last: date, offset: timedelta = WIB) -> tuple[Counter, Counter]:
    """`window_rows`, counted in Python from the cases whose local day (UTC + `offset`) is
    in a window ending on `last`."""
    cases = _cases_by_day(db, offset)
    tags = query(db.path, "SELECT case_id, code FROM case_categories")
    counts: Counter = Counter()
    reporters: Counter = Counter()
    for span in SPANS:
        inside = {
            case_id: case
            for case_id, case in cases.items()
            if last - timedelta(days=span) < case[1] <= last
        }
        for kecamatan, _, state, reporter in inside.values():
            counts[(span, kecamatan, state, "")] += 1
            reporters[(span, kecamatan, reporter)] += 1
        for case_id, code in tags:
            if case_id in inside:
                counts[(span, inside[case_id][0], inside[case_id][2], code)] += 1
    return counts, reporters
