"""Follow-up visits of approved cases, and which next visits are due."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from storage.base import Repo
from storage.models import from_db, to_db

FOLLOW_UP_STATES = ("approved", "in_follow_up")
# The latest recorded visit of a case decides its next visit date.
_LATEST = "v.id = (SELECT MAX(w.id) FROM case_visits w WHERE w.case_id = v.case_id)"
_FOLLOWED = f"c.state IN ({', '.join(repr(s) for s in FOLLOW_UP_STATES)})"
# Visit `v` of case `c` is the latest of a followed case and due by the local date (one `?`).
_DUE = f"v.next_visit_on IS NOT NULL AND v.next_visit_on <= ? AND {_LATEST} AND {_FOLLOWED}"


def recorded_a_due_visit(user: str) -> str:
    """SQL: the user (table alias `user`) recorded the latest visit of a followed case whose
    next visit is due by the local date given as the one parameter."""
    return (
        "EXISTS (SELECT 1 FROM case_visits v JOIN cases c ON c.id = v.case_id"
        f" WHERE v.recorded_by = {user}.id AND {_DUE})"
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

    async def due(
        self,
        today: date,
        *,
        kecamatan_code: str | None = None,
        recorded_by: int | None = None,
    ) -> list[DueVisit]:
        """Cases still followed up whose next visit is today or overdue: those of a
        kecamatan, or whose latest visit this person recorded (either, when both given)."""
        where, params = [], []
        if kecamatan_code is not None:
            where.append("c.kecamatan_code = ?")
            params.append(kecamatan_code)
        if recorded_by is not None:
            where.append("v.recorded_by = ?")
            params.append(recorded_by)
        if not where:
            return []
        rows = await self._all(
            "SELECT c.id, c.number, v.next_visit_on FROM case_visits v"
            " JOIN cases c ON c.id = v.case_id"
            f" WHERE {_DUE} AND ({' OR '.join(where)})"
            " ORDER BY v.next_visit_on, c.number",
            (today.isoformat(), *params),
        )
        return [
            DueVisit(case_id=r[0], number=r[1], next_visit_on=date.fromisoformat(r[2]))
            for r in rows
        ]
