"""The daily reminder's claim notes the local date on the person's row, and the minute's
question is led by that row (migration 0020), on a real database."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.db import Database
from storage.models import Role, UserStatus
from tests.storage.seed_cases import unvisited_since

NOW = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)  # 16:00 WIB


async def _psm(db: Database) -> int:
    async with db.transaction() as repos:
        user = await repos.users.create(now=NOW, status=UserStatus.ACTIVE, role=Role.PSM)
        return user.id


async def _day_on_row(db: Database, user_id: int) -> str:
    async with db.reading() as repos:
        row = await repos.users._one("SELECT reminded_on FROM users WHERE id = ?", (user_id,))
    return row[0]


async def _due(db: Database, day: str) -> list[int]:
    async with db.reading() as repos:
        people = await repos.reminders.due_for_daily_reminder(
            default_time="16:00", local_time="16:00", day=day, unvisited=unvisited_since(day)
        )
    return [person.id for person in people]


async def test_the_claim_holds_once_and_notes_the_day(db: Database) -> None:
    psm = await _psm(db)
    assert await _day_on_row(db, psm) == ""
    async with db.transaction() as repos:
        assert await repos.reminders.claim_daily_reminder(psm, "2026-12-09", now=NOW)
        assert not await repos.reminders.claim_daily_reminder(psm, "2026-12-09", now=NOW)
        assert await repos.schedule.ran_at("daily_reminder", f"{psm}:2026-12-09") == NOW
    assert await _day_on_row(db, psm) == "2026-12-09"
    async with db.transaction() as repos:  # a late claim of an earlier day: the row stays
        assert await repos.reminders.claim_daily_reminder(psm, "2026-12-08", now=NOW)
    assert await _day_on_row(db, psm) == "2026-12-09"


async def test_the_row_leads_the_question_and_the_key_still_counts(db: Database) -> None:
    noted, keyed, due = await _psm(db), await _psm(db), await _psm(db)
    async with db.transaction() as repos:
        await repos.users._run("UPDATE users SET reminded_on = '2026-12-09' WHERE id = ?", (noted,))
        await repos.schedule.claim("daily_reminder", f"{keyed}:2026-12-09", now=NOW)
    assert await _due(db, "2026-12-09") == [due]
    assert await _due(db, "2026-12-10") == [noted, keyed, due]
