"""The scheduler's minute tick at 1,000,000 cases: the time of each kind of scheduled work
(`bot.scheduler.default_work`) once the moment's work is done, when it asks every minute
and mostly finds nothing.

On a copy of the cached scale database (bench/scale.py: 1,000,000 cases, 50,000 users) with
what the scheduler reads each minute and the generator does not make: a visit for every
followed case (a fifth with an earlier one; a tenth recorded by two of a district's three
coordinators, the third recorded none), a finished (cleared) report session per case and
3,000 drafts, 1,000,000 sent and cleared messages, 300 one-day trainings of 40 invited (one
tomorrow) and the daily-reminder keys of every PSM and TKSK that housekeeping keeps at 17:00
(today's and the days before within `handlers.run_keys.HORIZONS`), with today on their rows
(`users.reminded_on`), as after the day's 16:00 tick. At each local moment of Thursday
3 December 2026 (17:00: after the reminder hour; 08:00: after the digest hour) a first tick
does the moment's work, then ROUNDS ticks are timed kind by kind, each in its own write
transaction as the scheduler runs them.

    .venv/bin/python -m bench.ticks [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import scale
from bench.common import RESULTS, table, write_result
from bot.config import Settings
from bot.runtime import prepare_database
from bot.scheduler import default_work
from handlers.run_keys import HORIZONS
from storage.db import Database

ZONE = ZoneInfo("Asia/Jakarta")
TODAY = date(2026, 12, 3)  # a Thursday, after bench/scale.py's last day
MOMENTS = {
    "17:00": datetime(2026, 12, 3, 17, 0, tzinfo=ZONE),
    "08:00": datetime(2026, 12, 3, 8, 0, tzinfo=ZONE),
}


def _visits(conn: sqlite3.Connection, rng: random.Random) -> int:
    coordinators: dict[str, list[int]] = {}
    for user_id, kabupaten in conn.execute(
        "SELECT id, kabupaten_code FROM users WHERE role = 'coordinator' ORDER BY id"
    ):
        coordinators.setdefault(kabupaten, []).append(user_id)
    tksk = dict(conn.execute("SELECT kecamatan_code, id FROM users WHERE role = 'tksk'"))
    rows = []
    for case_id, kabupaten, kecamatan in conn.execute(
        "SELECT id, kabupaten_code, kecamatan_code FROM cases"
        " WHERE state IN ('approved', 'in_follow_up')"
    ):
        by = rng.choice(coordinators[kabupaten][:2]) if rng.random() < 0.1 else tksk[kecamatan]
        if rng.random() < 0.2:
            rows.append((case_id, "2026-10-01", "-", "2026-10-20", by, "2026-10-01T03:00:00+00:00"))
        later = (TODAY + timedelta(days=rng.randint(-30, 90))).isoformat()
        rows.append((case_id, "2026-11-01", "-", later, by, "2026-11-01T03:00:00+00:00"))
    conn.executemany(
        "INSERT INTO case_visits (case_id, visited_on, actions, next_visit_on, recorded_by,"
        " recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def _sessions(conn: sqlite3.Connection, rng: random.Random, psm: list[int]) -> None:
    conn.execute(
        "INSERT INTO form_sessions (user_id, form_id, form_version, state, status, created_at,"
        " updated_at, cleared_at) SELECT reporter_id, 'case_report', 1, '{}', 'completed',"
        " submitted_at, submitted_at, submitted_at FROM cases"
    )
    drafts = []
    for user_id in rng.sample(psm, 3000):  # distinct people: one active session at most
        status = rng.choice(["paused", "active"])
        moment = (
            f"2026-{rng.choice(['11', '12'])}-0{rng.randint(1, 3)}T0{rng.randint(0, 9)}:00:00+00:00"
        )
        drafts.append((user_id, status, moment, moment))
    conn.executemany(
        "INSERT INTO form_sessions (user_id, form_id, form_version, state, status, created_at,"
        " updated_at) VALUES (?, 'case_report', 1, '{}', ?, ?, ?)",
        drafts,
    )


def _outbox(conn: sqlite3.Connection) -> None:
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)"
        " INSERT INTO outbox (user_id, channel, chat_id, kind, priority, message, status,"
        " not_before, created_at, sent_at, ext_message_id, cleared_at)"
        " SELECT 100 + i % 45000, 'telegram', CAST(1000 + i % 45000 AS TEXT), 'routine', 2,"
        ' \'{"type": "text", "cleared": true}\', \'sent\', t, t, t, CAST(i AS TEXT), t'
        " FROM (SELECT i, strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-10-24',"
        " printf('+%d seconds', i * 3)) AS t FROM n)"
    )


def _trainings(conn: sqlite3.Connection, rng: random.Random, psm: list[int]) -> None:
    (coordinator,) = conn.execute(
        "SELECT MIN(id) FROM users WHERE role = 'coordinator' AND kabupaten_code = '32.08'"
    ).fetchone()
    for number in range(300):
        day = TODAY + timedelta(days=1 if number == 299 else number - 200)
        training = conn.execute(
            "INSERT INTO trainings (kabupaten_code, title, venue_name, venue_address, audience,"
            " rsvp_deadline, checkin_method, open_minutes, late_minutes, secret, created_by,"
            " created_at, join_code) VALUES ('32.08', 'Bimtek', 'Aula', '-', '{}', ?, 'code',"
            " 60, 15, 'c2VjcmV0', ?, '2026-01-01T00:00:00+00:00', ?)",
            (f"{day - timedelta(days=1)}T10:00:00+00:00", coordinator, f"B{number:09d}"),
        ).lastrowid
        conn.execute(
            "INSERT INTO training_days (training_id, day_number, starts_at, ends_at)"
            " VALUES (?, 1, ?, ?)",
            (training, f"{day}T01:00:00+00:00", f"{day}T08:00:00+00:00"),
        )
        conn.executemany(
            "INSERT INTO training_invitations (training_id, user_id, rsvp, invited_at)"
            " VALUES (?, ?, ?, '2026-01-01T00:00:00+00:00')",
            [
                (training, user_id, rng.choice([None, "akan_hadir", "berhalangan"]))
                for user_id in rng.sample(psm, 40)
            ],
        )


def populate(path: Path) -> dict[str, int]:
    """Add what the scheduler reads to the migrated copy (see the module's docstring)."""
    rng = random.Random(2026)
    conn = sqlite3.connect(path)
    try:
        psm = [
            row[0]
            for row in conn.execute("SELECT id FROM users WHERE role = 'psm' AND status = 'active'")
        ]
        visits = _visits(conn, rng)
        _sessions(conn, rng, psm)
        _outbox(conn)
        _trainings(conn, rng, psm)
        for back in range(HORIZONS["daily_reminder"].days):
            day = (TODAY - timedelta(days=back)).isoformat()
            conn.execute(
                "INSERT OR IGNORE INTO scheduled_runs (kind, run_key, ran_at)"
                " SELECT 'daily_reminder', id || ':' || ?, ? FROM users"
                " WHERE role IN ('psm', 'tksk')",
                (day, f"{day}T09:00:00+00:00"),
            )
        conn.execute(
            "UPDATE users SET reminded_on = ? WHERE role IN ('psm', 'tksk')", (TODAY.isoformat(),)
        )
        conn.commit()
        counts = {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("case_visits", "form_sessions", "outbox", "scheduled_runs")
        }
    finally:
        conn.close()
    return {**counts, "visits_added": visits}


async def measure(path: Path, media: Path, rounds: int) -> dict[str, dict[str, dict[str, float]]]:
    settings = Settings(_env_file=None, database_path=str(path), media_path=str(media))
    db, app = await prepare_database(settings)
    work = default_work()
    results: dict[str, dict[str, dict[str, float]]] = {}
    try:
        for label, local in MOMENTS.items():
            times: dict[str, list[float]] = {name: [] for name in work}
            first: dict[str, float] = {}
            for tick in range(rounds + 1):
                now = local + timedelta(seconds=tick)
                for name, kind in work.items():
                    started = time.perf_counter()
                    async with db.transaction() as repos:
                        await kind(repos, app, now)
                    spent = (time.perf_counter() - started) * 1000
                    if tick:
                        times[name].append(spent)
                    else:
                        first[name] = spent
            results[label] = {
                name: {
                    "first_tick_ms": round(first[name], 1),
                    "median_ms": round(statistics.median(spent), 1),
                    "max_ms": round(max(spent), 1),
                }
                for name, spent in times.items()
            }
    finally:
        await db.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    scale.ensure_database()
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ticks-", dir=RESULTS) as scratch:
        path = Path(scratch) / "psm.db"
        started = time.perf_counter()
        shutil.copyfile(scale.DB_PATH, path)
        rows = populate_migrated(path)
        print(f"  copied, migrated and populated in {time.perf_counter() - started:.0f} s: {rows}")
        results = asyncio.run(measure(path, Path(scratch) / "media", args.rounds))
    lines = [
        [moment, name, f"{r['median_ms']:.1f}", f"{r['max_ms']:.1f}", f"{r['first_tick_ms']:.1f}"]
        for moment, kinds in results.items()
        for name, r in kinds.items()
    ]
    for moment, kinds in results.items():
        total = sum(r["median_ms"] for r in kinds.values())
        lines.append([moment, "(every kind)", f"{total:.1f}", "", ""])
    print(table(lines, ["local time", "kind", "median ms", "max ms", "first tick ms"]))
    write_result("ticks", {"rounds": args.rounds, "rows": rows, "moments": results})


def populate_migrated(path: Path) -> dict[str, int]:
    """Migrate the copy as the bot would (its rows are of an older schema), then populate."""

    async def migrate() -> None:
        database = Database(path)
        await database.open()
        await database.close()

    asyncio.run(migrate())
    return populate(path)


if __name__ == "__main__":
    main()
