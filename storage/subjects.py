"""A data subject's access and correction rights (UU PDP): find a person's records and
cases by NIK, copy them, correct one field.

Server-side only (`psm-bot subject find/export/correct`). Erasure is storage/erasure.py,
retention deletes storage/retention.py.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.base import Repo, placeholders
from storage.household_heads import HouseholdHeads
from storage.identifiers import same_number
from storage.models import to_db
from storage.person_names import person_key

# The fields `correct` changes, in the order the command line offers them (`--field`).
CORRECTABLE = ("name", "sex", "birth_date", "relation", "nik")


class SubjectRepo(Repo):
    """Find, copy and correct one person's data."""

    # -- access ---------------------------------------------------------------------------

    async def members(self, nik: str) -> list[dict[str, Any]]:
        """Household members with this NIK, with their household and region names."""
        rows = await self._all(
            "SELECT m.id, m.household_id, m.nik, m.nik_missing, m.nik_reason, m.name, m.sex,"
            " m.birth_date, m.age_months, m.relation, m.created_at, h.no_kk, h.head_name,"
            " h.address, h.kabupaten_code, h.kecamatan_code, h.desa_code,"
            " coalesce(rd.name, '') AS desa_name, coalesce(rc.name, '') AS kecamatan_name"
            " FROM household_members m JOIN households h ON h.id = m.household_id"
            " LEFT JOIN regions rd ON rd.code = h.desa_code"
            " LEFT JOIN regions rc ON rc.code = h.kecamatan_code"
            " WHERE m.nik = ? ORDER BY m.id",
            (nik,),
        )
        return [dict(row) for row in rows]

    async def niks(self) -> list[str]:
        """Every NIK household members hold, once each."""
        rows = await self._all(
            "SELECT DISTINCT nik FROM household_members WHERE nik IS NOT NULL ORDER BY nik"
        )
        return [row[0] for row in rows]

    async def cases_of(self, member_ids: list[int]) -> list[dict[str, Any]]:
        """The cases naming these members, with categories, events and updates."""
        if not member_ids:
            return []
        rows = await self._all(
            "SELECT DISTINCT c.id, c.number, c.state, c.urgency, c.protected, c.kabupaten_code,"
            " c.kecamatan_code, c.desa_code, c.description, c.details, c.consent, c.answers,"
            " c.submitted_at, c.updated_at FROM cases c JOIN case_subjects s ON s.case_id = c.id"
            f" WHERE s.member_id IN ({placeholders(member_ids)}) ORDER BY c.id",
            member_ids,
        )
        found = []
        for row in rows:
            case = dict(row)
            for key in ("details", "consent", "answers"):
                case[key] = json.loads(case[key])
            case["protected"] = bool(case["protected"])
            case["categories"] = [
                r[0]
                for r in await self._all(
                    "SELECT code FROM case_categories WHERE case_id = ? ORDER BY code",
                    (row["id"],),
                )
            ]
            case["events"] = [  # a verification's check with its step (`detail`)
                dict(r) | {"detail": json.loads(r["detail"]) if r["detail"] else None}
                for r in await self._all(
                    "SELECT at, from_state, to_state, reason, detail FROM case_events"
                    " WHERE case_id = ? ORDER BY id",
                    (row["id"],),
                )
            ]
            case["updates"] = [
                {"created_at": r[0], "answers": json.loads(r[1])}
                for r in await self._all(
                    "SELECT created_at, answers FROM case_updates WHERE case_id = ? ORDER BY id",
                    (row["id"],),
                )
            ]
            case["photos"] = [
                r[0]
                for r in await self._all(
                    "SELECT path FROM case_photos WHERE case_id = ? ORDER BY id", (row["id"],)
                )
            ]
            found.append(case)
        return found

    # -- correction -----------------------------------------------------------------------

    async def correct(self, nik: str, field: str, value: str | None, *, now: datetime) -> int:
        """Correct one field of every member with this NIK; returns how many members.

        The member rows are what every view shows; the answers as submitted are kept as the
        record of the report, except the person's name and NIK, which follow the correction
        (their name as head of a household too, in the household and its cases' answers).
        """
        if field not in CORRECTABLE:
            raise ValueError(f"field must be one of {sorted(CORRECTABLE)}")
        members = await self._all(
            "SELECT id, household_id, name_key, relation FROM household_members WHERE nik = ?",
            (nik,),
        )
        ids = [row["id"] for row in members]
        if not ids:
            return 0
        old_keys = {row["name_key"] for row in members if row["name_key"]}
        headed: list[int] = []
        if field == "name":
            assert value is not None
            # Households they head: the head's name (what case pages and exports show) follows.
            headed = sorted(await HouseholdHeads(self.conn).headed_by(dict(row) for row in members))
            await self._run(
                "UPDATE household_members SET name = ?, name_key = ?"
                f" WHERE id IN ({placeholders(ids)})",
                (value, person_key(value), *ids),
            )
            if headed:
                await self._run(
                    "UPDATE households SET head_name = ?, head_key = ?"
                    f" WHERE id IN ({placeholders(headed)})",
                    (value, person_key(value), *headed),
                )
        else:
            await self._run(
                f"UPDATE household_members SET {field} = ? WHERE id IN ({placeholders(ids)})",
                (value, *ids),
            )
        if field in ("name", "nik"):
            key = "member_name" if field == "name" else "member_nik"
            case_ids = {case["id"] for case in await self.cases_of(ids)}
            headed_cases: set[int] = set()
            if headed:
                headed_cases = {
                    r[0]
                    for r in await self._all(
                        f"SELECT id FROM cases WHERE household_id IN ({placeholders(headed)})",
                        headed,
                    )
                }
            for case_id in sorted(case_ids | headed_cases):
                row = await self._one("SELECT answers FROM cases WHERE id = ?", (case_id,))
                before = json.loads(row[0])
                answers = _rewrite_member(before, nik, key, value)
                if case_id in headed_cases:
                    answers = _rename_head(answers, old_keys, value)
                if answers != before:
                    await self._run(
                        "UPDATE cases SET answers = ?, updated_at = ? WHERE id = ?",
                        (json.dumps(answers, ensure_ascii=False), to_db(now), case_id),
                    )
        return len(ids)


def _rewrite_member(node: Any, nik: str, key: str, value: Any) -> Any:
    """Form answers with `key` of the member with this NIK set to `value`."""
    if isinstance(node, dict):
        mine = same_number(node.get("member_nik"), nik)
        return {
            k: (value if mine and k == key else _rewrite_member(v, nik, key, value))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_member(item, nik, key, value) for item in node]
    return node


def _rename_head(node: Any, old_keys: set[str], value: Any) -> Any:
    """Form answers with `head_name` set to `value` where it names the person (`old_keys`)."""
    if isinstance(node, dict):
        return {
            k: (
                value
                if k == "head_name" and isinstance(v, str) and person_key(v) in old_keys
                else _rename_head(v, old_keys, value)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rename_head(item, old_keys, value) for item in node]
    return node
