"""The rolling /statistik windows (migration 0016) stay equal to counting the cases of their
last 7, 30 and 365 local days, through random changes and moves of the end day (one day, a
few, longer than a window, back in time); `recent_days` answers from them when they end today
and equals a direct count either way."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest_asyncio

from bot.clock import ManualClock
from bot.scheduler import Scheduler, default_work
from handlers.context import AppContext
from handlers.forms.loading import load_forms
from handlers.i18n import Catalog
from storage.scope import Scope
from tests.storage.case_changes import (
    SPANS,
    WIB,
    counted_windows,
    direct_counts,
    random_change,
    seeded_world,
    window_rows,
)
from tests.storage.seed_cases import KADUGEDE, NOW, query

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    db, people, rng = await seeded_world(tmp_path / "psm.db", seed=16)
    yield db, people, rng
    await db.close()


def _end(db) -> date:
    return date.fromisoformat(query(db.path, "SELECT last_day FROM case_window_end")[0][0])


async def _move_to(db, day: date) -> bool:
    async with db.transaction() as repos:
        return await repos.stats_windows.advance(
            datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        )


async def test_windows_follow_random_changes_and_moves_of_their_end(world) -> None:
    db, people, rng = world
    start = (NOW + WIB).date()
    assert _end(db) != start  # the migration ended them on the real today
    assert await _move_to(db, start)
    assert not await _move_to(db, start)  # already there: nothing moves
    assert window_rows(db) == counted_windows(db, start)
    assert sum(n for (span, *_), n in window_rows(db)[1].items() if span == 365) > 0
    day = start
    for step in range(120):
        await random_change(db, people, rng)
        if step % 4 == 0:
            day += timedelta(days=rng.choice((1, 1, 1, 2, 6, 29, -3, -40, 400)))
            await _move_to(db, day)
            assert _end(db) == day
        assert window_rows(db) == counted_windows(db, day), f"step {step}, end {day}"
    # Rows of moved-out days go; nothing negative is ever left.
    assert not query(db.path, "SELECT * FROM case_window_counts WHERE cases < 0")
    assert not query(db.path, "SELECT * FROM case_window_reporters WHERE cases < 0")


async def test_recent_days_equal_a_direct_count_from_the_window_or_without(world) -> None:
    db, people, rng = world
    for _ in range(30):
        await random_change(db, people, rng)
    scopes = [Scope(kabupaten_code="32.08"), Scope(kecamatan_code=KADUGEDE), Scope(everything=True)]
    local_now = NOW.astimezone(JAKARTA)
    for ended in (False, True):  # a window ending yesterday is not used; one ending today is
        await _move_to(db, local_now.date() - timedelta(days=0 if ended else 1))
        for span in SPANS:
            since = datetime.combine(
                local_now.date() - timedelta(days=span - 1), datetime.min.time(), JAKARTA
            )
            for scope in scopes:
                async with db.reading() as repos:
                    counts = await repos.stats.recent_days(scope, days=span, now=local_now, top=100)
                want = direct_counts(db, scope, since.astimezone(UTC), NOW)
                assert counts.total == want["total"]
                assert counts.by_state == want["state"]
                assert counts.by_category == want["category"]
                assert {k.code: k.count for k in counts.by_kecamatan} == want["kecamatan"]
                assert {int(r.code): r.count for r in counts.by_reporter} == want["reporter"]
            async with db.reading() as repos:
                year = await repos.stats.recent_days(scopes[0], days=365, now=local_now)
            assert year.total > 0


async def test_recent_days_take_the_top_reporters_most_first(world) -> None:
    db, _, _ = world
    await _move_to(db, NOW.astimezone(JAKARTA).date())
    async with db.reading() as repos:
        counts = await repos.stats.recent_days(
            Scope(everything=True), days=365, now=NOW.astimezone(JAKARTA), top=2
        )
    every = direct_counts(db, Scope(everything=True), NOW - timedelta(days=366), NOW)["reporter"]
    assert len(every) == 3 and len(counts.by_reporter) == 2
    ranked = sorted(every.items(), key=lambda item: (-item[1], item[0]))[:2]
    assert [(int(r.code), r.count) for r in counts.by_reporter] == ranked


async def test_the_scheduler_tick_moves_the_windows_to_the_local_day(world) -> None:
    db, _, _ = world
    app = AppContext(
        catalog=Catalog.load(), forms=load_forms(), districts=[], timezone=JAKARTA, admin_ids={}
    )
    clock = ManualClock(datetime(2026, 12, 1, 16, 58, tzinfo=UTC))  # 23.58 WIB, 1 December
    scheduler = Scheduler(db, app=app, clock=clock, work=default_work())
    for day in (date(2026, 12, 1), date(2026, 12, 1), date(2026, 12, 2)):
        await scheduler.tick()
        assert _end(db) == day
        clock.advance(timedelta(minutes=1))
