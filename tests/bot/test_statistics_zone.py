"""A start in WITA or WIT refills the /statistik rollups in that zone's local days (they are
made in WIB): the day rows, the windows and /statistik's counts equal a direct count of the
cases by local day there, and the windows answer; a start back in WIB refills them again; a
second start in the same zone changes nothing; a refill stopped half-way leaves the old
rollups whole."""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.runtime import one_transaction, prepare_database
from bot.statistics_zone import changes_offset, follow_time_zone, offset_minutes
from storage.db import Database
from storage.scope import Scope
from tests.storage.case_changes import (
    DESAS,
    SPANS,
    counted_days,
    counted_windows,
    day_rows,
    direct_counts,
    seeded_world,
    window_rows,
)
from tests.storage.seed_cases import KADUGEDE, NOW, query, seed_case

SLOW_PATH = re.compile(r"FROM cases|case_day_(counts|reporters)")  # not read from a window
SCOPES = (Scope(kabupaten_code="32.08"), Scope(kecamatan_code=KADUGEDE), Scope(everything=True))
# Days before NOW with cases a microsecond either side of the midnights of WIT (15.00 UTC),
# WITA (16.00 UTC), between WITA's and WIB's (16.30 UTC) and of WIB (17.00 UTC): the last
# days of windows and the days just outside them among them.
DAYS_BACK = (0, 1, 2, 6, 7, 8, 29, 30, 31, 364, 365)
MOMENTS = (
    time(14, 59, 59, 999999),
    time(15),
    time(15, 59, 59, 999999),
    time(16),
    time(16, 30),
    time(16, 59, 59, 999999),
)


async def _seed(path: Path) -> Database:
    """seeded_world's 60 cases (many near WIB midnights) and cases near the other zones';
    the database closed again (its file is read by the checks)."""
    db, people, rng = await seeded_world(path, seed=21)
    try:
        async with db.transaction() as repos:
            n = 1000
            for back in DAYS_BACK:
                day = NOW.date() - timedelta(days=back + 1)
                for moment in MOMENTS:
                    n += 1
                    at = datetime.combine(day, moment, UTC)
                    await seed_case(
                        repos,
                        reporter=rng.choice(people),
                        desa=rng.choice(DESAS),
                        at=at,
                        number=f"KNG-2026-{n:06d}",
                        categories=("stunting",) if n % 2 else ("rtlh", "odgj"),
                        people=((f"Anak {n}", f"3208014506{n:06d}"),),
                    )
    finally:
        await db.close()
    return db


async def _start(tmp_path: Path, zone: str, now: datetime) -> Database:
    """What every start of the bot does: prepare the database with TIMEZONE=`zone` at `now`."""
    db, _ = await prepare_database(
        _settings(tmp_path, zone), clock=ManualClock(now), follow_zone=True
    )
    return db


def _settings(tmp_path: Path, zone: str) -> Settings:
    return load_settings(
        database_path=tmp_path / "psm.db", media_path=tmp_path / "media", timezone=zone
    )


def _offset(db: Database) -> int:
    return query(db.path, "SELECT minutes FROM case_day_offset")[0][0]


def _end(db: Database) -> str:
    return query(db.path, "SELECT last_day FROM case_window_end")[0][0]


async def _assert_counts_by_local_day(db: Database, zone: ZoneInfo) -> None:
    """Rollups, windows, `recent_days` (from the windows) and `counts` equal the cases
    counted by their local day in `zone`."""
    offset = NOW.astimezone(zone).utcoffset()
    local_now = NOW.astimezone(zone)
    assert day_rows(db) == counted_days(db, offset)
    assert window_rows(db) == counted_windows(db, local_now.date(), offset)
    for span in SPANS:
        first = local_now.date() - timedelta(days=span - 1)
        since = datetime.combine(first, time(0), zone).astimezone(UTC)
        for scope in SCOPES:
            statements: list[str] = []
            async with db.reading() as repos:
                await repos.conn.set_trace_callback(statements.append)
                try:
                    recent = await repos.stats.recent_days(scope, days=span, now=local_now, top=100)
                finally:
                    await repos.conn.set_trace_callback(None)
                period = await repos.stats.counts(scope, since=since, until=NOW, top=100)
            # The window answers: nothing is counted from the cases or the day rows.
            assert any("FROM case_window_counts" in s for s in statements), statements
            assert not any(SLOW_PATH.search(s) for s in statements), statements
            want = direct_counts(db, scope, since, NOW)
            assert want["total"] > 0
            for counts in (recent, period):
                assert counts.total == want["total"]
                assert counts.by_state == want["state"]
                assert counts.by_category == want["category"]
                assert {k.code: k.count for k in counts.by_kecamatan} == want["kecamatan"]
                assert {int(r.code): r.count for r in counts.by_reporter} == want["reporter"]


@pytest.mark.parametrize(("zone", "minutes"), [("Asia/Makassar", 480), ("Asia/Jayapura", 540)])
async def test_a_start_in_another_zone_counts_its_local_days(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, zone: str, minutes: int
) -> None:
    seeded = await _seed(tmp_path / "psm.db")
    here, jakarta = ZoneInfo(zone), ZoneInfo("Asia/Jakarta")
    before = day_rows(seeded)
    # The cases near midnights fall on other days here than in WIB: the check can fail.
    assert counted_days(seeded, NOW.astimezone(here).utcoffset()) != before

    caplog.set_level(logging.INFO, logger="bot.statistics_zone")
    db = await _start(tmp_path, zone, NOW)
    try:
        assert _offset(db) == minutes
        assert _end(db) == NOW.astimezone(here).date().isoformat()
        await _assert_counts_by_local_day(db, here)
    finally:
        await db.close()
    assert any("rollups refilled" in r.getMessage() for r in caplog.records)

    caplog.clear()
    rows = (day_rows(db), window_rows(db))
    db = await _start(tmp_path, zone, NOW + timedelta(days=1))  # the same zone: nothing moves
    try:
        assert _offset(db) == minutes
        assert _end(db) == NOW.astimezone(here).date().isoformat()  # the scheduler moves it
        assert (day_rows(db), window_rows(db)) == rows
    finally:
        await db.close()
    assert not any("rollups refilled" in r.getMessage() for r in caplog.records)

    db = await _start(tmp_path, "Asia/Jakarta", NOW)  # back in WIB: refilled again
    try:
        assert _offset(db) == 420
        assert day_rows(db) == before
        await _assert_counts_by_local_day(db, jakarta)
    finally:
        await db.close()


async def test_a_tool_run_in_another_zone_leaves_the_rollups_to_the_bot(tmp_path: Path) -> None:
    """A command-line tool (`psm-bot case show`, an export) run from a shell with another
    TIMEZONE does not refill the rollups beside the running bot; the bot's next start does."""
    seeded = await _seed(tmp_path / "psm.db")
    before = (day_rows(seeded), window_rows(seeded))
    async with one_transaction(_settings(tmp_path, "Asia/Jayapura")) as (repos, _):
        assert await repos.day_offset.minutes() == 420
    assert _offset(seeded) == 420
    assert (day_rows(seeded), window_rows(seeded)) == before
    db = await _start(tmp_path, "Asia/Jayapura", NOW)
    await db.close()
    assert _offset(db) == 540


async def test_a_refill_stopped_half_way_leaves_the_old_rollups(tmp_path: Path) -> None:
    await _seed(tmp_path / "psm.db")
    db = Database(tmp_path / "psm.db")
    await db.open()
    try:
        before = (day_rows(db), window_rows(db), _end(db))
        async with db.transaction() as repos:  # fails at the refill's very last insert
            await repos.conn.execute(
                "CREATE TEMP TRIGGER stop AFTER INSERT ON main.case_window_reporters"
                " BEGIN SELECT RAISE(ABORT, 'stopped'); END"
            )
        with pytest.raises(sqlite3.IntegrityError, match="stopped"):
            await follow_time_zone(db, ZoneInfo("Asia/Makassar"), NOW)
        assert _offset(db) == 420
        assert (day_rows(db), window_rows(db), _end(db)) == before
        async with db.transaction() as repos:
            await repos.conn.execute("DROP TRIGGER temp.stop")
        assert await follow_time_zone(db, ZoneInfo("Asia/Makassar"), NOW)
        assert not await follow_time_zone(db, ZoneInfo("Asia/Makassar"), NOW)
        assert _offset(db) == 480
    finally:
        await db.close()


@pytest.mark.parametrize(
    ("zone", "minutes", "changes"),
    [
        ("Asia/Jakarta", 420, False),
        ("Asia/Pontianak", 420, False),
        ("Asia/Makassar", 480, False),
        ("Asia/Jayapura", 540, False),
        ("UTC", 0, False),
        ("Europe/Berlin", 60, True),  # winter
        ("America/Sao_Paulo", -180, False),  # no DST since 2019
        ("America/New_York", -300, True),
    ],
)
def test_a_zone_s_offset_and_whether_it_changes(zone: str, minutes: int, changes: bool) -> None:
    moment = datetime(2026, 1, 15, 12, tzinfo=UTC)
    assert offset_minutes(ZoneInfo(zone), moment) == minutes
    assert changes_offset(ZoneInfo(zone), moment) is changes


async def test_a_zone_with_daylight_saving_time_is_followed_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.statistics_zone")
    summer = datetime(2026, 7, 1, 12, tzinfo=UTC)
    db = await _start(tmp_path, "Europe/Berlin", summer)
    try:
        assert _offset(db) == 120
        assert _end(db) == date(2026, 7, 1).isoformat()
    finally:
        await db.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "daylight saving time" in warnings[0].getMessage()
