"""Households (found by their KK in a desa) and their members, as case reports describe them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.base import Repo, placeholders
from storage.models import to_db
from storage.person_names import person_key
from storage.scope import Scope

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


class HouseholdRepo(Repo):
    """households and household_members."""

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
