"""Households, their members, and the cases reported about them."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from storage.base import Repo, placeholders
from storage.models import (
    CaseState,
    CaseSummary,
    DuplicateMatch,
    from_db,
    to_db,
)
from storage.person_names import person_key
from storage.scope import Scope

OPEN_STATES = tuple(state.value for state in CaseState if state.is_open)
# The columns `summary_of` reads, of the case `c`, first in a SELECT; and the order cases are
# listed in.
SUMMARY_COLUMNS = (
    "c.id, c.number, c.state, c.urgency, c.kabupaten_code, c.kecamatan_code, c.desa_code,"
    " c.reporter_id, c.submitted_at,"
    " (SELECT group_concat(code) FROM case_categories WHERE case_id = c.id)"
)
SUMMARY_WIDTH = 10  # how many columns SUMMARY_COLUMNS holds: what follows is the caller's
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
    )


HOUSEHOLD_FIELDS = (
    "kabupaten_code",
    "kecamatan_code",
    "desa_code",
    "no_kk",
    "no_kk_missing",
    "no_kk_reason",
    "head_name",
    "address",
    "member_count",
    "latitude",
    "longitude",
)
# What a later report about a household found by its KK (in its desa) refreshes.
HOUSEHOLD_REFRESHED = frozenset({"head_name", "address", "member_count", "latitude", "longitude"})


def _with_head_key(values: dict[str, Any]) -> dict[str, Any]:
    """Household columns to write, the head's person key beside the head's name (/cari
    compares the key: `households.head_key`)."""
    if values.get("head_name") is None:
        return values
    return {**values, "head_key": person_key(values["head_name"])}


# A case number as `CaseRepo.next_number` makes it: KNG-2026-000123.
CASE_NUMBER = r"[A-Z]{2,5}-\d{4}-\d{6}"


class CaseRepo(Repo):
    """households, household_members, cases and what hangs off them."""

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

    async def household_by_kk(self, no_kk: str, desa_code: str, scope: Scope) -> int | None:
        """The household known by this KK number in this desa, if every case about it is in
        the scope of the one reporting (else a report may not rewrite it: None)."""
        condition, params = scope.where("c")
        row = await self._one(
            "SELECT h.id FROM households h WHERE h.no_kk = ? AND h.desa_code = ?"
            " AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.household_id = h.id"
            f" AND NOT ({condition})) ORDER BY h.id DESC LIMIT 1",
            (no_kk, desa_code, *params),
        )
        return row[0] if row else None

    async def create_household(self, *, now: datetime, **fields: Any) -> int:
        """A new household row; returns its id."""
        values = _with_head_key({column: fields.get(column) for column in HOUSEHOLD_FIELDS})
        cursor = await self._run(
            f"INSERT INTO households ({', '.join(values)}, created_at, updated_at)"
            f" VALUES ({placeholders(values)}, ?, ?)",
            (*values.values(), to_db(now), to_db(now)),
        )
        return int(cursor.lastrowid)

    async def update_household(
        self, household_id: int, *, now: datetime, whole: bool = False, **fields: Any
    ) -> None:
        """Refresh what the latest report says about a known household: the fields it gives
        (the KK stays); `whole` when the report is the household's only source (a revision of
        the one case about it): every field, empty ones and the KK included."""
        allowed = HOUSEHOLD_FIELDS if whole else HOUSEHOLD_REFRESHED
        values = {k: v for k, v in fields.items() if k in allowed and (whole or v is not None)}
        if not values:
            return
        values = _with_head_key(values)
        assignments = ", ".join(f"{name} = ?" for name in values)
        await self._run(
            f"UPDATE households SET {assignments}, updated_at = ? WHERE id = ?",
            (*values.values(), to_db(now), household_id),
        )

    async def shared_household(self, household_id: int, case_id: int) -> bool:
        """Whether another case is about this household too."""
        row = await self._one(
            "SELECT 1 FROM cases WHERE household_id = ? AND id != ? LIMIT 1",
            (household_id, case_id),
        )
        return row is not None

    async def drop_orphans(self, member_ids: list[int], household_ids: list[int]) -> None:
        """Forget these members when no case names them any more, then these households when
        no case and no member is left in them."""
        if member_ids:
            await self._run(
                f"DELETE FROM household_members WHERE id IN ({placeholders(member_ids)})"
                " AND id NOT IN (SELECT member_id FROM case_subjects)",
                member_ids,
            )
        if household_ids:
            await self._run(
                f"DELETE FROM households WHERE id IN ({placeholders(household_ids)})"
                " AND NOT EXISTS (SELECT 1 FROM cases WHERE household_id = households.id)"
                " AND NOT EXISTS (SELECT 1 FROM household_members"
                " WHERE household_id = households.id)",
                household_ids,
            )

    async def add_member(
        self,
        household_id: int,
        *,
        now: datetime,
        name: str,
        nik: str | None,
        nik_missing: str | None,
        nik_reason: str | None,
        sex: str | None,
        birth_date: str | None,
        age_months: int | None,
        relation: str | None,
    ) -> int:
        """A member of a household (the row of the same NIK there is reused and takes what
        this report says: a corrected name, say)."""
        if nik:
            row = await self._one(
                "SELECT id FROM household_members WHERE household_id = ? AND nik = ?",
                (household_id, nik),
            )
            if row:
                await self._run(
                    "UPDATE household_members SET name = ?, name_key = ?, nik_reason = ?,"
                    " sex = ?, birth_date = ?, age_months = ?, relation = ? WHERE id = ?",
                    (
                        name,
                        person_key(name),
                        nik_reason,
                        sex,
                        birth_date,
                        age_months,
                        relation,
                        row[0],
                    ),
                )
                return int(row[0])
        cursor = await self._run(
            "INSERT INTO household_members (household_id, nik, nik_missing, nik_reason, name,"
            " name_key, sex, birth_date, age_months, relation, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                household_id,
                nik,
                nik_missing,
                nik_reason,
                name,
                person_key(name),
                sex,
                birth_date,
                age_months,
                relation,
                to_db(now),
            ),
        )
        return int(cursor.lastrowid)

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
            " reporter_id, state, urgency, protected, description, details, consent, answers,"
            " form_version, submitted_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                kabupaten_code,
                kecamatan_code,
                desa_code,
                household_id,
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
    ) -> None:
        """Record a change of state: who, when, why."""
        await self._run(
            "INSERT INTO case_events (case_id, at, actor_id, from_state, to_state, reason)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (case_id, to_db(now), actor_id, from_state, to_state, reason),
        )

    async def open_duplicates(
        self, *, niks: Iterable[str], no_kk: str | None, identities: Iterable[tuple[str, str, str]]
    ) -> list[DuplicateMatch]:
        """Open cases for the same NIK, KK, or (without documents) name + birth date + desa."""
        marks = placeholders(OPEN_STATES)
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
                    (*niks, *OPEN_STATES),
                )
            )
        if no_kk:
            queries.append(
                (
                    select.format(on="kk") + " JOIN households h ON h.id = c.household_id"
                    f" WHERE h.no_kk = ? AND c.state IN ({marks})",
                    (no_kk, *OPEN_STATES),
                )
            )
        for name, birth_date, desa in identities:
            queries.append(
                (
                    select.format(on="identity") + " JOIN case_subjects s ON s.case_id = c.id"
                    " JOIN household_members m ON m.id = s.member_id"
                    " WHERE m.name_key = ? AND m.birth_date = ? AND c.desa_code = ?"
                    f" AND c.state IN ({marks})",
                    (person_key(name), birth_date, desa, *OPEN_STATES),
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

    async def by_id(self, case_id: int) -> CaseSummary | None:
        """One case (summary) by id."""
        found = await self.summaries("c.id = ?", (case_id,), 1)
        return found[0] if found else None
