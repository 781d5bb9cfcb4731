"""The scheduler's keys are forgotten past their kind's horizon, in batches, and never while
they still hold something back (a reminder of today stays claimed), on a real database."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.channels.traits import channel_traits
from bot.scheduler import default_work
from handlers import run_keys
from handlers.context import AppContext
from handlers.i18n import Catalog
from handlers.reminders import daily_reminders
from handlers.run_keys import HORIZONS, forget_old_run_keys
from storage.db import Database
from storage.models import Role, UserStatus

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 12, 9, 16, 0, tzinfo=JAKARTA).astimezone(UTC)
HOUR = timedelta(hours=1)
APP = AppContext(
    catalog=Catalog.load(),
    forms={},
    districts=[],
    timezone=JAKARTA,
    admin_ids={},
    channels=channel_traits(),
)


async def _keys(db: Database) -> set[tuple[str, str]]:
    async with db.reading() as repos:
        rows = await repos.schedule._all("SELECT kind, run_key FROM scheduled_runs")
    return {(row[0], row[1]) for row in rows}


@pytest.mark.parametrize("kind", sorted(HORIZONS))
async def test_a_key_goes_past_its_horizon_and_stays_before(db: Database, kind: str) -> None:
    async with db.transaction() as repos:
        await repos.schedule.claim(kind, "old", now=NOW - HORIZONS[kind] - HOUR)
        await repos.schedule.claim(kind, "kept", now=NOW - HORIZONS[kind] + HOUR)
        await repos.schedule.claim(kind, "today", now=NOW)
        await forget_old_run_keys(repos, NOW)
    assert await _keys(db) == {(kind, "kept"), (kind, "today")}


async def test_kinds_without_a_horizon_are_kept(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.schedule.claim("test", "years ago", now=NOW - timedelta(days=3650))
        assert await forget_old_run_keys(repos, NOW) == 0
    assert await _keys(db) == {("test", "years ago")}


async def test_a_backlog_goes_in_batches_over_ticks(db: Database, monkeypatch) -> None:
    monkeypatch.setattr(run_keys, "BATCH", 3)
    monkeypatch.setattr(run_keys, "BATCHES_PER_TICK", 2)
    async with db.transaction() as repos:
        for day in range(10):
            await repos.schedule.claim("digest", f"7:{day}", now=NOW - timedelta(days=30 + day))
        await repos.schedule.claim("digest", "7:today", now=NOW)
    gone = []
    for _ in range(3):
        async with db.transaction() as repos:
            gone.append(await forget_old_run_keys(repos, NOW))
    assert gone == [6, 4, 0]
    assert await _keys(db) == {("digest", "7:today")}


async def test_housekeeping_forgets_and_a_reminder_is_not_sent_twice(
    db: Database, tmp_path: Path
) -> None:
    app = dataclasses.replace(APP, media_dir=tmp_path / "media")
    created = NOW - timedelta(days=8)  # a PSM quiet for 8 days: their reminder says so
    async with db.transaction() as repos:
        user = await repos.users.create(
            now=created, status=UserStatus.ACTIVE, full_name="Ani", role=Role.PSM
        )
        await repos.users.update(user.id, now=created, decided_at=created)
        await repos.users.add_identity(
            user_id=user.id, channel="telegram", external_id="1", chat_id="1", now=created
        )
        for back in range(1, 6):
            day = NOW - timedelta(days=back)
            key = f"{user.id}:{app.local_date(day)}"
            await repos.schedule.claim("daily_reminder", key, now=day)
    housekeeping = default_work()["housekeeping"]
    for moment in (NOW, NOW + timedelta(minutes=1), NOW + timedelta(hours=4, minutes=59)):
        async with db.transaction() as repos:
            await housekeeping(repos, app, moment)
        async with db.transaction() as repos:
            await daily_reminders(repos, app, moment)
    async with db.reading() as repos:
        sent = await repos.outbox.for_user(user.id)
    assert len(sent) == 1
    days = {key for kind, key in await _keys(db) if kind == "daily_reminder"}
    # the reminder of 9 December holds; those of 3 or more days before are gone
    assert days == {f"{user.id}:2026-12-{day:02d}" for day in (7, 8, 9)}
