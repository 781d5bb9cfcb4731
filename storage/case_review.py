"""Review: scoped queues, a case's page, state changes and the reporter's revision."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.base import placeholders
from storage.case_search import CaseSearch
from storage.cases import CaseRepo
from storage.households import HouseholdRepo
from storage.models import (
    CaseDetail,
    CaseEvent,
    FoundCase,
    RevisedFacts,
    from_db,
    to_db,
)
from storage.scope import Scope

URGENCY_ORDER = "CASE c.urgency WHEN 'darurat' THEN 0 WHEN 'segera' THEN 1 ELSE 2 END"


def not_author(person_id: str) -> str:
    """SQL: the person whose id is the expression `person_id` (named once: it may be a `?`)
    is none of case `c`'s authors (`CaseSummary.authors`: who wrote it, who answers for it
    now; a row written without `submitted_by` was written by its reporter)."""
    return f"{person_id} NOT IN (c.reporter_id, COALESCE(c.submitted_by, c.reporter_id))"


def _someone_else(role: str, region: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM users u WHERE u.status = 'active' AND u.role = '{role}'"
        f" AND u.kabupaten_code = c.kabupaten_code{region} AND {not_author('u.id')})"
    )


# A case that nobody of its region may decide, so an admin stands in: the rule of
# handlers/review/deciders.py as SQL (verifying falls to the kecamatan's TKSK, else the
# kabupaten's coordinators; approving to the coordinators; never its authors).
_COORDINATOR = _someone_else("coordinator", "")
_TKSK = _someone_else("tksk", " AND u.kecamatan_code = c.kecamatan_code")
NOBODY_TO_DECIDE = (
    f"((c.state = 'verified' AND NOT {_COORDINATOR})"
    f" OR (c.state IN ('submitted', 'resubmitted') AND NOT {_TKSK} AND NOT {_COORDINATOR}))"
)
# Only a kabupaten with fewer than three active coordinators can have such a case (a case has
# two authors at most: who wrote it, and who it was handed over to, made a coordinator since),
# so the admins' daily question looks at the cases of those alone.
_THIN_KABUPATEN = (
    "SELECT r.code FROM regions r WHERE r.level = 'kabupaten' AND (SELECT COUNT(*) FROM users k"
    " WHERE k.kabupaten_code = r.code AND k.status = 'active' AND k.role = 'coordinator') < 3"
)


def _stands_in(admin_id: str) -> str:
    """SQL: case `c` is one the admin whose id is the expression `admin_id` stands in for:
    nobody of its region may decide it, and the admin is none of its authors."""
    return f"({NOBODY_TO_DECIDE} AND {not_author(admin_id)})"


def awaits_decision_of(role: str, person_id: str) -> str:
    """SQL: case `c`, within the person's scope, waits for the decision of the person of this
    role whose id is the expression `person_id` (named once: it may be a `?`): the rule of
    handlers/review/deciders.py as SQL (a TKSK verifies their kecamatan's cases; a coordinator
    validates, and verifies where the kecamatan has no TKSK to; an admin stands in where
    nobody of the region may), never on their own report."""
    if role == "admin":
        return _stands_in(person_id)
    if role == "tksk":
        decided = "c.state IN ('submitted', 'resubmitted')"
    elif role == "coordinator":
        decided = (
            f"(c.state = 'verified' OR (c.state IN ('submitted', 'resubmitted') AND NOT {_TKSK}))"
        )
    else:
        return "0 = 1"
    return f"({decided} AND {not_author(person_id)})"


def stand_in_cases(admin_id: str) -> str:
    """SQL: the cases the admin whose id is the expression `admin_id` stands in for."""
    return (
        f"SELECT c.id FROM cases c WHERE c.kabupaten_code IN ({_THIN_KABUPATEN})"
        f" AND c.state IN ('submitted', 'resubmitted', 'verified') AND {_stands_in(admin_id)}"
    )


def _in_queue(scope: Scope, groups: tuple[tuple[str, ...], ...]) -> tuple[str, tuple[Any, ...]]:
    """SQL: case `c` is in a queue of these groups of states within the scope (and its
    parameters)."""
    states = tuple(state for group in groups for state in group)
    condition, params = scope.where("c")
    return f"{condition} AND c.state IN ({placeholders(states)})", (*params, *states)


def _queue_order(
    groups: tuple[tuple[str, ...], ...], stand_in_for: int | None
) -> tuple[str, tuple[Any, ...]]:
    """SQL: the queue's order (and its parameters): group by group, most urgent, then oldest,
    first within each; with `stand_in_for` (an admin's id), the cases they stand in for
    before all others."""
    rank = " ".join(
        f"WHEN c.state IN ({placeholders(group)}) THEN {i}" for i, group in enumerate(groups)
    )
    params: tuple[Any, ...] = tuple(state for group in groups for state in group)
    if stand_in_for is not None:
        rank, params = f"WHEN {_stands_in('?')} THEN -1 {rank}", (stand_in_for, *params)
    return f"CASE {rank} END, {URGENCY_ORDER}, c.submitted_at, c.id", params


def _household_as_reported(row: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """The household as this report gave it. A household found again by its KK holds what
    the latest report about it said (and keeps a location a later report skipped), so each
    case shows its own answers; the household's row only where the answers are gone
    (blanked by retention)."""
    if "head_name" not in answers:
        return {
            "head_name": row["head_name"],
            "address": row["address"],
            "latitude": row["latitude"],
            "longitude": row["longitude"],
            "member_count": row["member_count"],
        }
    gps = answers.get("gps") or {}
    return {
        "head_name": answers["head_name"],
        "address": answers.get("address") or "",
        "latitude": gps.get("lat"),
        "longitude": gps.get("lon"),
        "member_count": answers.get("household_size"),
    }


class CaseReviewRepo(CaseSearch):
    """Scoped queries and state changes for review (every query takes a Scope)."""

    async def queue(
        self,
        scope: Scope,
        groups: tuple[tuple[str, ...], ...],
        *,
        limit: int,
        offset: int,
        stand_in_for: int | None = None,
    ) -> tuple[list[FoundCase], int]:
        """Cases in these groups of states: group by group (the first what waits for the
        person's own action), most urgent, then oldest, first within each; and the total.
        Ordered on the state, urgency and time alone: the covering `cases_queue` indexes.
        With `stand_in_for` (an admin's id: their queue), the cases they stand in for come
        before all others. Each with its head of household and desa by name, as /cari's."""
        where, params = _in_queue(scope, groups)
        row = await self._one(f"SELECT COUNT(*) FROM cases c WHERE {where}", params)
        order, ranks = _queue_order(groups, stand_in_for)
        rows = await self._all(
            f"SELECT c.id FROM cases c WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            (*params, *ranks, limit, offset),
        )
        ids = [r[0] for r in rows]
        listed = {
            case.id: case
            for case in await self._found(f"c.id IN ({placeholders(ids)})", tuple(ids), len(ids))
        }
        return [listed[i] for i in ids if i in listed], int(row[0])

    async def first_waiting(
        self,
        scope: Scope,
        groups: tuple[tuple[str, ...], ...],
        *,
        person_id: int,
        role: str,
        leaving_out: int,
    ) -> int | None:
        """The first case of the person's queue (`queue`'s cases, in its order) that waits for
        their own decision (`awaits_decision_of`), case `leaving_out` aside; None without one.
        Looked for through the whole queue, not its first page alone."""
        where, params = _in_queue(scope, groups)
        order, ranks = _queue_order(groups, person_id if role == "admin" else None)
        row = await self._one(
            f"SELECT c.id FROM cases c WHERE {where} AND c.id != ?"
            f" AND {awaits_decision_of(role, '?')} ORDER BY {order} LIMIT 1",
            (*params, leaving_out, person_id, *ranks),
        )
        return int(row[0]) if row else None

    async def stood_in_for(self, admin_id: int, scope: Scope, case_ids: list[int]) -> set[int]:
        """Of these cases within the scope, those the admin stands in for: waiting for a
        verification or a validation nobody of their region may give, not of their own."""
        condition, params = scope.where("c")
        rows = await self._all(
            f"SELECT c.id FROM cases c WHERE {condition} AND {_stands_in('?')}"
            f" AND c.id IN ({placeholders(case_ids)})",
            (*params, admin_id, *case_ids),
        )
        return {row[0] for row in rows}

    async def stand_in_count(self, admin_id: int) -> int:
        """How many cases wait for this admin to stand in (`stand_in_cases`)."""
        row = await self._one(f"SELECT COUNT(*) FROM ({stand_in_cases('?')})", (admin_id,))
        return int(row[0])

    async def detail(self, case_id: int, scope: Scope) -> CaseDetail | None:
        """One case, only if it is within the scope."""
        condition, params = scope.where("c")
        row = await self._one(
            "SELECT c.*, h.head_name, h.address, h.no_kk, h.latitude, h.longitude,"
            " h.member_count FROM cases c JOIN households h ON h.id = c.household_id"
            f" WHERE c.id = ? AND {condition}",
            (case_id, *params),
        )
        if row is None:
            return None
        summary = await CaseRepo(self.conn).by_id(case_id)
        assert summary is not None
        subjects = [
            dict(r)
            for r in await self._all(
                "SELECT m.name, m.nik, m.nik_missing, m.nik_reason, m.sex, m.birth_date,"
                " m.age_months, m.relation"
                " FROM case_subjects s JOIN household_members m ON m.id = s.member_id"
                " WHERE s.case_id = ? ORDER BY m.id",
                (case_id,),
            )
        ]
        photos = [
            r[0]
            for r in await self._all(
                "SELECT path FROM case_photos WHERE case_id = ? ORDER BY id", (case_id,)
            )
        ]
        events = [
            CaseEvent(
                at=from_db(r[0]),
                actor_id=r[1],
                from_state=r[2],
                to_state=r[3],
                reason=r[4],
                detail=json.loads(r[5]) if r[5] else None,
            )
            for r in await self._all(
                "SELECT at, actor_id, from_state, to_state, reason, detail FROM case_events"
                " WHERE case_id = ? ORDER BY id",
                (case_id,),
            )
        ]
        answers = json.loads(row["answers"])
        return CaseDetail(
            summary=summary,
            version=row["version"],
            household_id=row["household_id"],
            no_kk=row["no_kk"],
            **_household_as_reported(row, answers),
            description=row["description"],
            details=json.loads(row["details"]),
            consent=json.loads(row["consent"]),
            answers=answers,
            protected=bool(row["protected"]),
            form_version=row["form_version"],
            subjects=subjects,
            photos=photos,
            events=events,
        )

    async def transition(
        self,
        case_id: int,
        *,
        version: int,
        from_states: tuple[str, ...],
        to_state: str,
        actor_id: int,
        reason: str | None,
        now: datetime,
        detail: dict[str, Any] | None = None,
    ) -> bool:
        """Change the state if nobody changed the case meanwhile (version check); `detail`:
        what the step recorded beyond its reason (a verification's check)."""
        marks = placeholders(from_states)
        row = await self._one("SELECT state FROM cases WHERE id = ?", (case_id,))
        cursor = await self._run(
            "UPDATE cases SET state = ?, version = version + 1, updated_at = ?"
            f" WHERE id = ? AND version = ? AND state IN ({marks})",
            (to_state, to_db(now), case_id, version, *from_states),
        )
        if cursor.rowcount != 1:
            return False
        await CaseRepo(self.conn).add_event(
            case_id,
            now=now,
            actor_id=actor_id,
            from_state=row[0] if row else None,
            to_state=to_state,
            reason=reason,
            detail=detail,
        )
        return True

    async def revise(
        self,
        case_id: int,
        *,
        version: int,
        answers: dict[str, Any],
        details: dict[str, Any],
        description: str,
        categories: list[str],
        urgency: str,
        actor_id: int,
        now: datetime,
        facts: RevisedFacts | None = None,
        reason: str | None = None,
    ) -> bool:
        """The reporter's corrected answers (and `facts`): the old version is kept, the case
        resubmitted (`reason`: the reporter's word for the reviewers, e.g. why nothing was
        changed); members and a household nothing names any more are forgotten."""
        row = await self._one(
            "SELECT answers, details, household_id FROM cases WHERE id = ? AND version = ?"
            " AND state = 'needs_revision'",
            (case_id, version),
        )
        if row is None:
            return False
        await self._run(
            "INSERT INTO case_versions (case_id, version, answers, details, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (case_id, version, row[0], row[1], to_db(now)),
        )
        await self._run(
            "UPDATE cases SET answers = ?, details = ?, description = ?, urgency = ?,"
            " state = 'resubmitted', version = version + 1, updated_at = ? WHERE id = ?",
            (
                json.dumps(answers, ensure_ascii=False),
                json.dumps(details, ensure_ascii=False),
                description,
                urgency,
                to_db(now),
                case_id,
            ),
        )
        await self._run("DELETE FROM case_categories WHERE case_id = ?", (case_id,))
        await self.conn.executemany(
            "INSERT OR IGNORE INTO case_categories (case_id, code) VALUES (?, ?)",
            [(case_id, code) for code in categories],
        )
        if facts is not None:
            await self._apply(case_id, facts, old_household=int(row[2]), now=now)
        await CaseRepo(self.conn).add_event(
            case_id,
            now=now,
            actor_id=actor_id,
            from_state="needs_revision",
            to_state="resubmitted",
            reason=reason,
        )
        return True

    async def _apply(
        self, case_id: int, facts: RevisedFacts, *, old_household: int, now: datetime
    ) -> None:
        await self._run(
            "UPDATE cases SET household_id = ?, kabupaten_code = ?, kecamatan_code = ?,"
            " desa_code = ?, protected = ?, consent = ? WHERE id = ?",
            (
                facts.household_id,
                facts.kabupaten_code,
                facts.kecamatan_code,
                facts.desa_code,
                int(facts.protected),
                json.dumps(facts.consent, ensure_ascii=False),
                case_id,
            ),
        )
        old_members = [
            r[0]
            for r in await self._all(
                "SELECT member_id FROM case_subjects WHERE case_id = ?", (case_id,)
            )
        ]
        await self._run("DELETE FROM case_subjects WHERE case_id = ?", (case_id,))
        await self.conn.executemany(
            "INSERT OR IGNORE INTO case_subjects (case_id, member_id) VALUES (?, ?)",
            [(case_id, member) for member in facts.subject_ids],
        )
        kept = {
            r[0]
            for r in await self._all("SELECT path FROM case_photos WHERE case_id = ?", (case_id,))
        }
        gone = sorted(kept - set(facts.photos))
        if gone:
            await self._run(
                f"DELETE FROM case_photos WHERE case_id = ? AND path IN ({placeholders(gone)})",
                (case_id, *gone),
            )
        await self.conn.executemany(
            "INSERT INTO case_photos (case_id, path, created_at) VALUES (?, ?, ?)",
            [(case_id, path, to_db(now)) for path in facts.photos if path not in kept],
        )
        await HouseholdRepo(self.conn).drop_orphans(old_members, [old_household])

    async def answers_sent_back(self, case_id: int) -> dict[str, Any] | None:
        """The answers a case had when it was last sent back (kept when it was resubmitted),
        None if it never was."""
        row = await self._one(
            "SELECT answers FROM case_versions WHERE case_id = ? ORDER BY version DESC LIMIT 1",
            (case_id,),
        )
        return json.loads(row[0]) if row else None

    async def versions(self, case_id: int) -> list[int]:
        """Kept earlier versions of a case's answers."""
        rows = await self._all(
            "SELECT version FROM case_versions WHERE case_id = ? ORDER BY version", (case_id,)
        )
        return [r[0] for r in rows]
