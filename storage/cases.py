"""The cases reported about households, and what hangs off them (events, updates,
duplicates); the households and their members are `storage/households.py`."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from storage.base import Repo, placeholders
from storage.forms import AWAITED_CORRECTION
from storage.models import (
    OPEN_CASE_STATES,
    CaseState,
    CaseSummary,
    DuplicateMatch,
    from_db,
    to_db,
)
from storage.person_names import person_key

# The columns `summary_of` reads, of the case `c`, first in a SELECT; and the order cases are
# listed in.
SUMMARY_COLUMNS = (
    "c.id, c.number, c.state, c.urgency, c.kabupaten_code, c.kecamatan_code, c.desa_code,"
    " c.reporter_id, c.submitted_at,"
    " (SELECT group_concat(code) FROM case_categories WHERE case_id = c.id),"
    " COALESCE(c.submitted_by, c.reporter_id)"
)
SUMMARY_WIDTH = 11  # how many columns SUMMARY_COLUMNS holds: what follows is the caller's
LATEST_FIRST = "c.submitted_at DESC, c.id DESC"


def summary_of(r: Any) -> CaseSummary:
    """A case as listed, from a row starting with `SUMMARY_COLUMNS`."""
    return CaseSummary(
        id=r[0],
        number=r[1],
        state=r[2],
        urgency=r[3],
        kabupaten_code=r[4],
        kecamatan_code=r[5],
        desa_code=r[6],
        reporter_id=r[7],
        submitted_at=from_db(r[8]),
        categories=sorted((r[9] or "").split(",")) if r[9] else [],
        submitted_by=r[10],
    )


# A case number as `CaseRepo.next_number` makes it: KNG-2026-000123.
CASE_NUMBER = r"[A-Z]{2,5}-\d{4}-\d{6}"


class CaseRepo(Repo):
    """cases and what hangs off them."""

    async def next_number(self, kabupaten_code: str, prefix: str, year: int) -> str:
        """The next readable case number of a district and local year: KNG-2026-000123."""
        await self._run(
            "INSERT INTO case_counters (kabupaten_code, year, last_number) VALUES (?, ?, 1)"
            " ON CONFLICT (kabupaten_code, year) DO UPDATE SET last_number = last_number + 1",
            (kabupaten_code, year),
        )
        row = await self._one(
            "SELECT last_number FROM case_counters WHERE kabupaten_code = ? AND year = ?",
            (kabupaten_code, year),
        )
        return f"{prefix}-{year}-{row[0]:06d}"

    async def create_case(
        self,
        *,
        now: datetime,
        number: str,
        household_id: int,
        reporter_id: int,
        kabupaten_code: str,
        kecamatan_code: str,
        desa_code: str,
        urgency: str,
        protected: bool,
        description: str,
        details: dict[str, Any],
        consent: dict[str, Any],
        answers: dict[str, Any],
        form_version: int,
        categories: list[str],
        subject_ids: list[int],
        photos: list[str],
    ) -> int:
        """Insert a submitted case with its categories, subjects, photos and first event."""
        cursor = await self._run(
            "INSERT INTO cases (number, kabupaten_code, kecamatan_code, desa_code, household_id,"
            " reporter_id, submitted_by, state, urgency, protected, description, details,"
            " consent, answers, form_version, submitted_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                kabupaten_code,
                kecamatan_code,
                desa_code,
                household_id,
                reporter_id,
                reporter_id,
                CaseState.SUBMITTED,
                urgency,
                int(protected),
                description,
                json.dumps(details, ensure_ascii=False),
                json.dumps(consent, ensure_ascii=False),
                json.dumps(answers, ensure_ascii=False),
                form_version,
                to_db(now),
                to_db(now),
            ),
        )
        case_id = int(cursor.lastrowid)
        await self.conn.executemany(
            "INSERT OR IGNORE INTO case_categories (case_id, code) VALUES (?, ?)",
            [(case_id, code) for code in categories],
        )
        await self.conn.executemany(
            "INSERT OR IGNORE INTO case_subjects (case_id, member_id) VALUES (?, ?)",
            [(case_id, member) for member in subject_ids],
        )
        await self.conn.executemany(
            "INSERT INTO case_photos (case_id, path, created_at) VALUES (?, ?, ?)",
            [(case_id, path, to_db(now)) for path in photos],
        )
        await self.add_event(
            case_id, now=now, actor_id=reporter_id, from_state=None, to_state=CaseState.SUBMITTED
        )
        return case_id

    async def add_event(
        self,
        case_id: int,
        *,
        now: datetime,
        actor_id: int | None,
        from_state: str | None,
        to_state: str,
        reason: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record a change of state: who, when, why (and `detail`: what the step recorded
        beyond its reason, a verification's check)."""
        await self._run(
            "INSERT INTO case_events (case_id, at, actor_id, from_state, to_state, reason,"
            " detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                case_id,
                to_db(now),
                actor_id,
                from_state,
                to_state,
                reason,
                json.dumps(detail, ensure_ascii=False) if detail else None,
            ),
        )

    async def open_duplicates(
        self, *, niks: Iterable[str], no_kk: str | None, identities: Iterable[tuple[str, str, str]]
    ) -> list[DuplicateMatch]:
        """Open cases for the same NIK, KK, or (without documents) name + birth date + desa."""
        marks = placeholders(OPEN_CASE_STATES)
        select = (
            "SELECT DISTINCT c.id, c.number, c.kabupaten_code, c.kecamatan_code, c.desa_code,"
            " c.reporter_id, '{on}' AS matched_on FROM cases c"
        )
        queries: list[tuple[str, tuple[Any, ...]]] = []
        niks = [nik for nik in niks if nik]
        if niks:
            queries.append(
                (
                    select.format(on="nik") + " JOIN case_subjects s ON s.case_id = c.id"
                    " JOIN household_members m ON m.id = s.member_id"
                    f" WHERE m.nik IN ({placeholders(niks)}) AND c.state IN ({marks})",
                    (*niks, *OPEN_CASE_STATES),
                )
            )
        if no_kk:
            queries.append(
                (
                    select.format(on="kk") + " JOIN households h ON h.id = c.household_id"
                    f" WHERE h.no_kk = ? AND c.state IN ({marks})",
                    (no_kk, *OPEN_CASE_STATES),
                )
            )
        for name, birth_date, desa in identities:
            queries.append(
                (
                    select.format(on="identity") + " JOIN case_subjects s ON s.case_id = c.id"
                    " JOIN household_members m ON m.id = s.member_id"
                    " WHERE m.name_key = ? AND m.birth_date = ? AND c.desa_code = ?"
                    f" AND c.state IN ({marks})",
                    (person_key(name), birth_date, desa, *OPEN_CASE_STATES),
                )
            )
        found: dict[int, DuplicateMatch] = {}
        for sql, params in queries:
            for row in await self._all(sql, params):
                found.setdefault(
                    row[0],
                    DuplicateMatch(
                        case_id=row[0],
                        number=row[1],
                        kabupaten_code=row[2],
                        kecamatan_code=row[3],
                        desa_code=row[4],
                        reporter_id=row[5],
                        matched_on=row[6],
                    ),
                )
        return sorted(found.values(), key=lambda match: match.case_id)

    async def flag_duplicate(
        self, case_id: int, other_id: int, matched_on: str, *, now: datetime
    ) -> None:
        """Remember a possible duplicate for the coordinators (once per pair and reason)."""
        await self._run(
            "INSERT INTO duplicate_flags (case_id, other_id, matched_on, created_at)"
            " SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM duplicate_flags"
            " WHERE case_id = ? AND other_id = ? AND matched_on = ?)",
            (case_id, other_id, matched_on, to_db(now), case_id, other_id, matched_on),
        )

    async def add_update(
        self, case_id: int, *, reporter_id: int, answers: dict[str, Any], now: datetime
    ) -> None:
        """A later report added to an open case of the same household."""
        await self._run(
            "INSERT INTO case_updates (case_id, reporter_id, answers, created_at)"
            " VALUES (?, ?, ?, ?)",
            (case_id, reporter_id, json.dumps(answers, ensure_ascii=False), to_db(now)),
        )

    async def summaries(
        self,
        where: str,
        params: tuple[Any, ...],
        limit: int = 20,
        *,
        offset: int = 0,
        first: str = "",
    ) -> list[CaseSummary]:
        """Cases matching `where`, the latest first (those matching `first` before them)."""
        order = f"({first}) DESC, " if first else ""
        rows = await self._all(
            f"SELECT {SUMMARY_COLUMNS} FROM cases c WHERE {where}"
            f" ORDER BY {order}{LATEST_FIRST} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [summary_of(r) for r in rows]

    async def of_reporter(self, reporter_id: int, limit: int = 20) -> list[CaseSummary]:
        """A reporter's latest cases."""
        return await self.summaries("c.reporter_id = ?", (reporter_id,), limit)

    async def sent_back(
        self, reporter_id: int, limit: int = 10, *, among: Collection[int] = ()
    ) -> list[CaseSummary]:
        """A reporter's cases waiting for their revision (the latest first); with `among`,
        only those of these cases (e.g. the ones just handed over)."""
        condition, values = (
            "c.reporter_id = ? AND c.state = ?",
            [reporter_id, CaseState.NEEDS_REVISION],
        )
        if among:
            condition += f" AND c.id IN ({placeholders(among)})"
            values += list(among)
        return await self.summaries(condition, tuple(values), limit)

    async def awaited_by(self, session_id: int) -> CaseSummary | None:
        """The case this form session corrects, while the case still waits for that
        correction (`AWAITED_CORRECTION`); None for any other session."""
        found = await self.summaries(
            "EXISTS (SELECT 1 FROM form_sessions WHERE form_sessions.id = ?"
            f" AND {AWAITED_CORRECTION})",
            (session_id,),
            1,
        )
        return found[0] if found else None

    async def by_id(self, case_id: int) -> CaseSummary | None:
        """One case (summary) by id."""
        found = await self.summaries("c.id = ?", (case_id,), 1)
        return found[0] if found else None
