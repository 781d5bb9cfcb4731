"""Retention deletes (UU PDP Ps. 42-44): closed cases past their retention period, with
every row that refers to them, and finished form sessions. The daily job that calls these
is handlers/retention.py; rejected applicants are forgotten by `PeopleRepo.forget_rejected`."""

from __future__ import annotations

from datetime import datetime

from storage.base import Repo, placeholders
from storage.case_references import case_references
from storage.households import HouseholdRepo
from storage.models import to_db
from storage.photos import PhotoRepo

CLOSED_STATES = ("resolved", "rejected")


class RetentionRepo(Repo):
    """Delete closed cases and finished form sessions once they are old enough."""

    async def closed_cases(self, before: datetime, limit: int) -> list[int]:
        """Resolved or rejected cases untouched since `before`, oldest first."""
        rows = await self._all(
            f"SELECT id FROM cases WHERE state IN ({placeholders(CLOSED_STATES)})"
            " AND updated_at < ? ORDER BY updated_at, id LIMIT ?",
            (*CLOSED_STATES, to_db(before), limit),
        )
        return [row[0] for row in rows]

    async def delete_cases(self, case_ids: list[int]) -> list[str]:
        """Delete cases with every row that refers to them (found from the schema), the
        members no other case names and households left without cases; returns the photo
        files no remaining case uses."""
        if not case_ids:
            return []
        async with self._secure_delete():
            return await self._delete_cases(case_ids)

    async def _delete_cases(self, case_ids: list[int]) -> list[str]:
        marks = placeholders(case_ids)
        paths = {
            r[0]
            for r in await self._all(
                f"SELECT path FROM case_photos WHERE case_id IN ({marks})", case_ids
            )
        }
        members = [
            r[0]
            for r in await self._all(
                f"SELECT DISTINCT member_id FROM case_subjects WHERE case_id IN ({marks})",
                case_ids,
            )
        ]
        households = [
            r[0]
            for r in await self._all(
                f"SELECT DISTINCT household_id FROM cases WHERE id IN ({marks})", case_ids
            )
        ]
        for table, column in await case_references(self.conn):
            await self._run(f'DELETE FROM "{table}" WHERE "{column}" IN ({marks})', case_ids)
        await self._run(f"DELETE FROM cases WHERE id IN ({marks})", case_ids)
        await HouseholdRepo(self.conn).drop_orphans(members, households)
        return await PhotoRepo(self.conn).unused(paths)

    async def delete_finished_sessions(self, before: datetime) -> int:
        """Completed and cancelled form sessions (their answers live on in the cases)."""
        cursor = await self._run(
            "DELETE FROM form_sessions WHERE status IN ('completed', 'cancelled')"
            " AND updated_at < ?",
            (to_db(before),),
        )
        return cursor.rowcount
