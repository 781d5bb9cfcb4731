"""Follow-up visits of approved cases, and which next visits are due."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from pydantic import BaseModel, ConfigDict

from storage.base import Repo
from storage.models import from_db, to_db

FOLLOW_UP_STATES = ("approved", "in_follow_up")
# The latest recorded visit of a case decides its next visit date.
_LATEST = "v.id = (SELECT MAX(w.id) FROM case_visits w WHERE w.case_id = v.case_id)"
_FOLLOWED = f"c.state IN ({', '.join(repr(s) for s in FOLLOW_UP_STATES)})"
# Visit `v` of case `c` is the latest of a followed case and due by the local date (one `?`).
_DUE = f"v.next_visit_on IS NOT NULL AND v.next_visit_on <= ? AND {_LATEST} AND {_FOLLOWED}"


# A coordinator follows the due visits of their kabupaten's cases whose latest visit they
# recorded, and those of its kecamatan that have no active TKSK to make them. Two queries,
# each led by an index (a kabupaten's followed cases; an unstaffed kecamatan's), as one OR
# would scan every followed case. {kabupaten} and {user}: a column or a `?`.
_RECORDED_BY = "c.kabupaten_code = {kabupaten} AND v.recorded_by = {user}"
_UNSTAFFED = (
    "c.kecamatan_code IN (SELECT r.code FROM regions r WHERE r.parent_code = {kabupaten}"
    " AND r.level = 'kecamatan' AND NOT EXISTS (SELECT 1 FROM users t"
    " WHERE t.kabupaten_code = r.parent_code AND t.status = 'active' AND t.role = 'tksk'"
    " AND t.kecamatan_code = r.code))"
)
_VISITS = "FROM case_visits v JOIN cases c ON c.id = v.case_id WHERE " + _DUE
_DUE_COLUMNS = "SELECT c.id, c.number, v.next_visit_on"


def coordinator_has_a_due_visit(user: str) -> str:
    """SQL: coordinator `user` (a users row alias) follows a case whose next visit is due by
    the local date, given twice as the two parameters (see `VisitRepo.due_for_coordinator`)."""
    kabupaten = f"{user}.kabupaten_code"
    recorded = _RECORDED_BY.format(kabupaten=kabupaten, user=f"{user}.id")
    return (
        f"(EXISTS (SELECT 1 {_VISITS} AND {recorded})"
        f" OR EXISTS (SELECT 1 {_VISITS} AND {_UNSTAFFED.format(kabupaten=kabupaten)}))"
    )


class CaseVisit(BaseModel):
    """One follow-up visit."""

    model_config = ConfigDict(frozen=True)

    id: int
    case_id: int
    visited_on: date
    actions: str
    next_visit_on: date | None
    recorded_by: int
    recorded_at: datetime


class DueVisit(BaseModel):
    """A case whose next visit is due (numbers only: reminders name no household)."""

    model_config = ConfigDict(frozen=True)

    case_id: int
    number: str
    next_visit_on: date


class UnvisitedCase(BaseModel):
    """A followed case nobody has visited for a while (numbers only, as `DueVisit`)."""

    model_config = ConfigDict(frozen=True)

    case_id: int
    number: str


class UnvisitedSince(BaseModel):
    """When a followed case without a visit is chased: approved before `approved_before`
    (a moment) and never visited, or last visited on or before `last_visit_on` (a local
    date) with no next visit planned."""

    model_config = ConfigDict(frozen=True)

    approved_before: datetime
    last_visit_on: date

    @classmethod
    def days_before(cls, today: date, days: int, timezone: tzinfo) -> UnvisitedSince:
        """`days` local days or more before `today`: approved on that local day or earlier
        (before the local midnight that ends it), last visited on that day or earlier."""
        last_day = today - timedelta(days=days)
        end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=timezone)
        return cls(approved_before=end, last_visit_on=last_day)

    def params(self) -> tuple[str, str]:
        """The two parameters of `_UNVISITED`."""
        return to_db(self.approved_before), self.last_visit_on.isoformat()


# A followed case whose latest visit (`v`, NULL when none) is missing or planned no next
# one: unvisited since its approval (its latest move to approved; a case seeded straight in
# that state has only its updated_at) before the first `?`, or since that visit on or before
# the local day of the second (`UnvisitedSince.params`).
_UNVISITED = (
    "FROM cases c LEFT JOIN case_visits v ON v.case_id = c.id"
    " AND v.id = (SELECT MAX(w.id) FROM case_visits w WHERE w.case_id = c.id)"
    f" WHERE {_FOLLOWED} AND ((v.id IS NULL AND COALESCE((SELECT MAX(e.at) FROM case_events e"
    " WHERE e.case_id = c.id AND e.to_state = 'approved'), c.updated_at) < ?)"
    " OR (v.id IS NOT NULL AND v.next_visit_on IS NULL AND v.visited_on <= ?))"
)


def coordinator_has_an_unvisited_case(user: str) -> str:
    """SQL: coordinator `user` (a users row alias) has a kecamatan without an active TKSK
    where a followed case goes unvisited (the two parameters of `UnvisitedSince.params`)."""
    unstaffed = _UNSTAFFED.format(kabupaten=f"{user}.kabupaten_code")
    return f"EXISTS (SELECT 1 {_UNVISITED} AND {unstaffed})"


class VisitRepo(Repo):
    """case_visits."""

    async def add(
        self,
        case_id: int,
        *,
        visited_on: date,
        actions: str,
        next_visit_on: date | None,
        recorded_by: int,
        now: datetime,
    ) -> int:
        """Record a visit; returns its id."""
        cursor = await self._run(
            "INSERT INTO case_visits (case_id, visited_on, actions, next_visit_on, recorded_by,"
            " recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                case_id,
                visited_on.isoformat(),
                actions,
                next_visit_on.isoformat() if next_visit_on else None,
                recorded_by,
                to_db(now),
            ),
        )
        return int(cursor.lastrowid or 0)

    async def of_case(self, case_id: int) -> list[CaseVisit]:
        """A case's visits, oldest first (the caller has checked the case is in scope)."""
        rows = await self._all(
            "SELECT * FROM case_visits WHERE case_id = ? ORDER BY visited_on, id", (case_id,)
        )
        return [
            CaseVisit(
                id=row["id"],
                case_id=row["case_id"],
                visited_on=date.fromisoformat(row["visited_on"]),
                actions=row["actions"],
                next_visit_on=date.fromisoformat(row["next_visit_on"])
                if row["next_visit_on"]
                else None,
                recorded_by=row["recorded_by"],
                recorded_at=from_db(row["recorded_at"]),
            )
            for row in rows
        ]

    async def _due(self, sql: str, params: tuple) -> list[DueVisit]:
        """`sql` selects (case id, number, next visit date) of due visits."""
        rows = await self._all(sql, params)
        return [
            DueVisit(case_id=r[0], number=r[1], next_visit_on=date.fromisoformat(r[2]))
            for r in rows
        ]

    async def due(self, today: date, *, kecamatan_code: str) -> list[DueVisit]:
        """Cases of a kecamatan still followed up whose next visit is today or overdue
        (its TKSK makes them, whoever recorded the visit before)."""
        return await self._due(
            f"{_DUE_COLUMNS} {_VISITS} AND c.kecamatan_code = ? ORDER BY v.next_visit_on, c.number",
            (today.isoformat(), kecamatan_code),
        )

    async def due_for_coordinator(
        self, today: date, *, kabupaten_code: str, coordinator_id: int
    ) -> list[DueVisit]:
        """The visits due that a coordinator follows: of their kabupaten, whose latest visit
        they recorded or whose kecamatan has no active TKSK."""
        recorded = _RECORDED_BY.format(kabupaten="?", user="?")
        unstaffed = _UNSTAFFED.format(kabupaten="?")
        day = today.isoformat()
        return await self._due(
            f"{_DUE_COLUMNS} {_VISITS} AND {recorded}"
            f" UNION {_DUE_COLUMNS} {_VISITS} AND {unstaffed} ORDER BY 3, 2",
            (day, kabupaten_code, coordinator_id, day, kabupaten_code),
        )

    async def unvisited(self, since: UnvisitedSince, *, kecamatan_code: str) -> list[UnvisitedCase]:
        """Cases of a kecamatan still followed up with no visit `since` (its TKSK chases them).
        One query, led by the kecamatan's cases in a followed state."""
        return await self._unvisited("AND c.kecamatan_code = ?", (*since.params(), kecamatan_code))

    async def unvisited_for_coordinator(
        self, since: UnvisitedSince, *, kabupaten_code: str
    ) -> list[UnvisitedCase]:
        """Cases still followed up with no visit `since` in the kabupaten's kecamatan that
        have no active TKSK to make them."""
        unstaffed = _UNSTAFFED.format(kabupaten="?")
        return await self._unvisited(f"AND {unstaffed}", (*since.params(), kabupaten_code))

    async def _unvisited(self, where: str, params: tuple) -> list[UnvisitedCase]:
        rows = await self._all(
            f"SELECT c.id, c.number {_UNVISITED} {where} ORDER BY c.number", params
        )
        return [UnvisitedCase(case_id=r[0], number=r[1]) for r in rows]
