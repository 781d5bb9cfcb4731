"""What the daily reminders and digests are made of (counts only: no personal data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.base import Repo, placeholders
from storage.case_review import not_author, stand_in_cases
from storage.models import UNTOUCHED_SQL, User, from_db, to_db
from storage.people_queries import AWAITS_DECISION
from storage.schedule import ScheduleRepo
from storage.users import user_from_row
from storage.visits import (
    UnvisitedSince,
    coordinator_has_a_due_visit,
    coordinator_has_an_unvisited_case,
)

NO_HOUR = "24:00"  # later than every "HH:MM" of a day: no hour is called from it


class ReminderRepo(Repo):
    """Queries for reminders and digests."""

    async def due_for_daily_reminder(
        self,
        *,
        default_time: str,
        local_time: str,
        day: str,
        unvisited: UnvisitedSince,
        called_from: str | None = None,
    ) -> list[User]:
        """Who gets a daily reminder now: active people with reminders on whose hour
        ("HH:MM", theirs or `default_time`) has come at `local_time`, or is `called_from` or
        later (hours in the quiet hours, at their last call), and who have no
        `daily_reminder` key for the local `day` yet. PSM and TKSK always; coordinators only
        when a visit they follow is due (`VisitRepo.due_for_coordinator`) or a case of theirs
        goes unvisited `unvisited` (`VisitRepo.unvisited_for_coordinator`); admins only when a
        case waits for them to stand in (`stand_in_cases`). The scheduler asks
        every minute, and in a province of 50,000 people nobody else need be read: the
        question is led by `users_daily_reminder` to those whose `reminded_on` is before the
        day (migration 0020), and the key is still asked (it is what holds the reminder)."""
        hours = (default_time, local_time, default_time, called_from or NO_HOUR)
        rows = await self._all(
            "SELECT u.* FROM users u INDEXED BY users_daily_reminder"
            " WHERE u.status = 'active' AND u.reminders_enabled = 1 AND u.reminded_on < ?"
            f" AND (u.role IN ('psm', 'tksk') OR (u.role = 'coordinator'"
            f" AND ({coordinator_has_a_due_visit('u')}"
            f" OR {coordinator_has_an_unvisited_case('u')}))"
            f" OR (u.role = 'admin' AND EXISTS ({stand_in_cases('u.id')})))"
            " AND (COALESCE(u.reminder_time, ?) <= ? OR COALESCE(u.reminder_time, ?) >= ?)"
            " AND NOT EXISTS (SELECT 1 FROM scheduled_runs r WHERE r.kind = 'daily_reminder'"
            " AND r.run_key = u.id || ':' || ?) ORDER BY u.id",
            (day, day, day, *unvisited.params(), *hours, day),
        )
        return [user_from_row(row) for row in rows]

    async def claim_daily_reminder(self, user_id: int, day: str, *, now: datetime) -> bool:
        """Claim the person's `daily_reminder` key of the local `day` (False when it was
        claimed before) and note the day on their row, which `due_for_daily_reminder` reads
        first (also when the key was there already: the row catches up)."""
        claimed = await ScheduleRepo(self.conn).claim("daily_reminder", f"{user_id}:{day}", now=now)
        await self._run(
            "UPDATE users SET reminded_on = ? WHERE id = ? AND reminded_on < ?",
            (day, user_id, day),
        )
        return claimed

    async def due_for_digest(self, kabupaten_code: str, day: str) -> list[User]:
        """Active coordinators of a kabupaten without a `digest` key for the local `day` yet
        (the key is claimed as each digest goes out)."""
        rows = await self._all(
            "SELECT u.* FROM users u WHERE u.kabupaten_code = ? AND u.status = 'active'"
            " AND u.role = 'coordinator' AND NOT EXISTS (SELECT 1 FROM scheduled_runs r"
            " WHERE r.kind = 'digest' AND r.run_key = u.id || ':' || ?) ORDER BY u.id",
            (kabupaten_code, day),
        )
        return [user_from_row(row) for row in rows]

    async def due_for_weekly_digest(self, week: str) -> list[User]:
        """Active TKSK of a kecamatan without a `weekly_digest` key for the local ISO `week`
        yet (one of no kecamatan has no digest: not read again every minute)."""
        rows = await self._all(
            "SELECT u.* FROM users u WHERE u.status = 'active' AND u.role = 'tksk'"
            " AND COALESCE(u.kecamatan_code, '') != '' AND COALESCE(u.kabupaten_code, '') != ''"
            " AND NOT EXISTS (SELECT 1 FROM scheduled_runs r WHERE r.kind = 'weekly_digest'"
            " AND r.run_key = u.id || ':' || ?) ORDER BY u.id",
            (week,),
        )
        return [user_from_row(row) for row in rows]

    async def training_eve_due(self, training_id: int, day_id: int, key_prefix: str) -> list[User]:
        """Active people who accepted a training (`akan_hadir`), have no attendance set for the
        day (an excuse recorded by hand) and were not yet told of it: no `training_eve` key
        `<key_prefix><user id>`."""
        rows = await self._all(
            "SELECT u.* FROM training_invitations i JOIN users u ON u.id = i.user_id"
            " WHERE i.training_id = ? AND u.status = 'active' AND i.rsvp = 'akan_hadir'"
            " AND NOT EXISTS (SELECT 1 FROM training_attendance a"
            " WHERE a.day_id = ? AND a.user_id = u.id)"
            # `training_eve_daily`: "left to the daily reminder" of the release before
            " AND NOT EXISTS (SELECT 1 FROM scheduled_runs r WHERE r.kind IN"
            " ('training_eve', 'training_eve_daily') AND r.run_key = ? || u.id)"
            " ORDER BY u.id",
            (training_id, day_id, key_prefix),
        )
        return [user_from_row(row) for row in rows]

    async def drafts(self, user_id: int, form_id: str) -> int:
        """The person's unfinished sessions of the form that /draf lists as drafts (one left
        at its first question is none: `FormSession.untouched`; nor is a correction of a case
        sent back, which the reminder names by its case: handlers/correction_sessions.py)."""
        row = await self._one(
            "SELECT COUNT(*) FROM form_sessions WHERE user_id = ? AND form_id = ?"
            f" AND status IN ('active', 'paused') AND NOT {UNTOUCHED_SQL}"
            " AND json_extract(state, '$.context.revising') IS NULL",
            (user_id, form_id),
        )
        return int(row[0])

    async def sent_back(self, user_id: int) -> list[str]:
        """The numbers of the person's cases sent back for correction, oldest first."""
        rows = await self._all(
            "SELECT number FROM cases WHERE reporter_id = ? AND state = 'needs_revision'"
            " ORDER BY id",
            (user_id,),
        )
        return [str(row[0]) for row in rows]

    async def last_report(self, user_id: int) -> datetime | None:
        row = await self._one(
            "SELECT MAX(submitted_at) FROM cases WHERE reporter_id = ?", (user_id,)
        )
        return from_db(row[0]) if row and row[0] else None

    async def quiet_psm(self, kecamatan_code: str, since: datetime) -> list[User]:
        """Active PSM of a kecamatan with no report since `since` (approved before it)."""
        rows = await self._all(
            "SELECT u.* FROM users u WHERE u.status = 'active' AND u.role = 'psm'"
            " AND u.kecamatan_code = ? AND COALESCE(u.decided_at, u.created_at) < ?"
            " AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.reporter_id = u.id"
            " AND c.submitted_at >= ?) ORDER BY u.full_name",
            (kecamatan_code, to_db(since), to_db(since)),
        )
        return [user_from_row(row) for row in rows]

    async def new_cases(
        self, kabupaten_code: str, start: datetime, end: datetime
    ) -> dict[str, Any]:
        """Counts of cases reported in [start, end): by kecamatan and by category."""
        by_kecamatan = await self._all(
            "SELECT r.name, COUNT(*) FROM cases c JOIN regions r ON r.code = c.kecamatan_code"
            " WHERE c.kabupaten_code = ? AND c.submitted_at >= ? AND c.submitted_at < ?"
            " GROUP BY r.name ORDER BY COUNT(*) DESC, r.name",
            (kabupaten_code, to_db(start), to_db(end)),
        )
        by_category = await self._all(
            "SELECT k.code, COUNT(*) FROM cases c JOIN case_categories k ON k.case_id = c.id"
            " WHERE c.kabupaten_code = ? AND c.submitted_at >= ? AND c.submitted_at < ?"
            " GROUP BY k.code ORDER BY COUNT(*) DESC, k.code",
            (kabupaten_code, to_db(start), to_db(end)),
        )
        return {
            "kecamatan": [(r[0], r[1]) for r in by_kecamatan],
            "categories": [(r[0], r[1]) for r in by_category],
        }

    async def queue(
        self,
        kabupaten_code: str,
        *,
        kecamatan_code: str | None = None,
        states: tuple[str, ...] = ("submitted", "resubmitted", "verified"),
        not_by: int | None = None,
    ) -> tuple[int, str | None, datetime | None]:
        """Cases waiting for review in a kabupaten (or one kecamatan of it): how many, the
        oldest number and when it was reported; with `not_by`, only those that person may
        decide (none of their own: nobody decides on a case they wrote)."""
        # A kecamatan's queue is read by `cases_queue_kecamatan`: with the kabupaten's column
        # in the running, the planner (no statistics) read the kabupaten's 500,000 cases.
        kabupaten = "c.kabupaten_code" if kecamatan_code is None else "+c.kabupaten_code"
        where = f"{kabupaten} = ? AND c.state IN ({placeholders(states)})"
        params: list[Any] = [kabupaten_code, *states]
        if kecamatan_code is not None:
            where += " AND c.kecamatan_code = ?"
            params.append(kecamatan_code)
        if not_by is not None:
            where += f" AND {not_author('?')}"
            params.append(not_by)
        row = await self._one(
            f"SELECT COUNT(*), MIN(c.submitted_at) FROM cases c WHERE {where}", params
        )
        if not row or not row[0]:
            return 0, None, None
        oldest = await self._one(
            f"SELECT c.number FROM cases c WHERE {where} AND c.submitted_at = ?",
            (*params, row[1]),
        )
        return int(row[0]), oldest[0] if oldest else None, from_db(row[1])

    async def pending_people(self, kabupaten_code: str) -> int:
        """Registrations of a kabupaten waiting for a decision, as /pengguna lists them."""
        row = await self._one(
            f"SELECT COUNT(*) FROM users WHERE {AWAITS_DECISION.format(u='')}"
            " AND kabupaten_code = ?",
            (kabupaten_code,),
        )
        return int(row[0])
