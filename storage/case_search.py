"""Finding cases (/cari): by number, NIK, KK or name, in a place, counted and in pages;
and the rows of cases as lists show them (`FoundCase`)."""

from __future__ import annotations

from typing import Any

from storage.base import Repo, like_escape
from storage.cases import LATEST_FIRST, SUMMARY_COLUMNS, SUMMARY_WIDTH, summary_of
from storage.models import FoundCase
from storage.scope import Scope

# Where an `identifier_holder` row's number is read again.
_HOLDERS = {
    "nik": "SELECT nik FROM household_members WHERE id = ?",
    "kk": "SELECT no_kk FROM households WHERE id = ?",
}


class CaseSearch(Repo):
    """The search part of `CaseReviewRepo` (storage/case_review.py)."""

    async def search(
        self,
        scope: Scope,
        *,
        number: str | None = None,
        identifier: str | None = None,
        name_key: str | None = None,
        place: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> list[FoundCase]:
        """Cases in scope by number (as issued, or its serial alone), `identifier` (a subject's
        exact NIK or the household's exact KK) or name: `name_key` (a `person_key`) within a
        subject's or the head of household's name, in `place` (a desa, or a kecamatan's desa)
        when given; the latest first, `limit` from `offset`, each with its head of household
        and desa by name (one read)."""
        found = _search_condition(scope, number, identifier, name_key, place)
        if found is None:
            return []
        return await self._found(*found, limit, offset)

    async def listed(self, case_id: int, scope: Scope) -> FoundCase | None:
        """One case in scope as lists show it, with its head of household and desa by name
        (one read); None out of scope or gone."""
        condition, params = scope.where("c")
        found = await self._found(f"c.id = ? AND {condition}", (case_id, *params), 1)
        return found[0] if found else None

    async def count_found(
        self,
        scope: Scope,
        *,
        number: str | None = None,
        identifier: str | None = None,
        name_key: str | None = None,
        place: str | None = None,
    ) -> int:
        """How many cases `search` finds by number, NIK or KK, or name (one count, nothing
        fetched)."""
        found = _search_condition(scope, number, identifier, name_key, place)
        if found is None:
            return 0
        where, params = found
        row = await self._one(f"SELECT COUNT(*) FROM cases c WHERE {where}", params)
        return int(row[0]) if row else 0

    async def identifier_holder(self, identifier: str) -> tuple[str, int] | None:
        """A row holding this NIK or KK, to stand for it where the number may not go (a
        button's data): ("nik", a household member's id) or ("kk", a household's id); None
        when no row holds it."""
        row = await self._one(
            "SELECT 'nik', id FROM household_members WHERE nik = ?"
            " UNION ALL SELECT 'kk', id FROM households WHERE no_kk = ? LIMIT 1",
            (identifier, identifier),
        )
        return (str(row[0]), int(row[1])) if row else None

    async def identifier_held(self, kind: str, row_id: int) -> str | None:
        """The NIK or KK an `identifier_holder` row holds now; None when it holds none (erased,
        or no such row)."""
        if kind not in _HOLDERS:
            return None
        row = await self._one(_HOLDERS[kind], (row_id,))
        return str(row[0]) if row and row[0] else None

    async def _found(
        self, where: str, params: tuple[Any, ...], limit: int, offset: int = 0
    ) -> list[FoundCase]:
        """Cases as listed with their head of household and desa by name, the latest first,
        `limit` from `offset` (one read)."""
        if limit < 1:
            return []
        # The head as the case page names them (`_household_as_reported`): this report's
        # answer, the household's row where the answers are gone.
        rows = await self._all(
            f"SELECT {SUMMARY_COLUMNS},"
            " coalesce(json_extract(c.answers, '$.head_name'), h.head_name, ''),"
            " coalesce(r.name, c.desa_code)"
            " FROM cases c JOIN households h ON h.id = c.household_id"
            " LEFT JOIN regions r ON r.code = c.desa_code"
            f" WHERE {where} ORDER BY {LATEST_FIRST} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [
            FoundCase(
                **summary_of(r).model_dump(),
                head_name=r[SUMMARY_WIDTH],
                desa_name=r[SUMMARY_WIDTH + 1],
            )
            for r in rows
        ]


def _search_condition(
    scope: Scope,
    number: str | None,
    identifier: str | None,
    name_key: str | None,
    place: str | None,
) -> tuple[str, tuple[Any, ...]] | None:
    """The SQL condition on cases `c` of `CaseReviewRepo.search` and its parameters; None
    when nothing is sought."""
    condition, params = scope.where("c")
    if number is not None and "-" in number:  # a whole number: the unique index seeks it
        where, extra = "c.number = ?", (number,)
    elif number is not None:  # its serial alone ("000101"): at the end of any number
        where, extra = "c.number LIKE ?", (f"%-{number.zfill(6)}",)
    elif identifier is not None:
        # 16 digits are a subject's NIK or a household's KK: one list (UNION drops a case
        # found both ways), each side from its own index, so it is counted as it is fetched.
        where = (
            "c.id IN (SELECT s.case_id FROM case_subjects s JOIN household_members m"
            " ON m.id = s.member_id WHERE m.nik = ?"
            " UNION SELECT k.id FROM households h JOIN cases k"
            " ON k.household_id = h.id WHERE h.no_kk = ?)"
        )
        extra = (identifier, identifier)
    elif name_key:
        # One list of the cases found, each side scanning the narrow index of its keys:
        # members first (CROSS JOIN keeps that order: without ANALYZE the planner would
        # scan case_subjects and look every member up, 4 times slower at 1,000,000 cases),
        # then heads, their cases by `cases_household`.
        where = (
            "c.id IN (SELECT s.case_id FROM household_members m CROSS JOIN case_subjects s"
            " ON s.member_id = m.id WHERE m.name_key LIKE ? ESCAPE '\\'"
            " UNION ALL SELECT k.id FROM households h CROSS JOIN cases k"
            " ON k.household_id = h.id WHERE h.head_key LIKE ? ESCAPE '\\')"
        )
        extra = (f"%{like_escape(name_key)}%",) * 2
    else:
        return None
    if place is not None:  # a desa, or every desa of a kecamatan (codes PP.KK.CC.DDDD)
        where = f"({where}) AND (c.desa_code = ? OR c.desa_code LIKE ?)"
        extra = (*extra, place, f"{place}.%")
    return f"({where}) AND {condition}", (*extra, *params)
