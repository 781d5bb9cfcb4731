"""Retention deletes (UU PDP Ps. 42-44): closed cases past their retention period, with
every row that refers to them and every form session about them, and finished form
sessions. The daily job that calls these is handlers/retention.py; rejected applicants are
forgotten by `PeopleRepo.forget_rejected`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.base import Repo, placeholders
from storage.case_references import case_references
from storage.households import HouseholdRepo
from storage.models import to_db
from storage.photos import PhotoRepo

CLOSED_STATES = ("resolved", "rejected")
# Where a form session names the case it is about (`start_form(context=...)`): a review's
# reason, a verification, a visit, "send unchanged?" (`case_id`); a correction (`revising`).
CASE_OF_SESSION = ("$.context.case_id", "$.context.revising")


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

    async def delete_case_sessions(self, case_ids: list[int]) -> list[dict[str, Any]]:
        """Delete the form sessions about these cases, whatever their status (an unfinished
        one would keep a purged case's note, GPS or answers); returns their states (the
        photos they held). Only sessions whose answers are not blanked yet are read: the few
        unfinished ones and the recently finished (two partial indexes)."""
        if not case_ids:
            return []
        marks = placeholders(case_ids)
        about = " OR ".join(
            f"json_extract(state, '{path}') IN ({marks})" for path in CASE_OF_SESSION
        )
        params = case_ids * len(CASE_OF_SESSION)
        rows = await self._all(
            "SELECT id, state FROM form_sessions INDEXED BY form_sessions_drafts"
            f" WHERE status IN ('active', 'paused') AND ({about})"
            " UNION ALL SELECT id, state FROM form_sessions INDEXED BY form_sessions_to_clear"
            " WHERE cleared_at IS NULL AND status IN ('completed', 'cancelled')"
            f" AND ({about})",
            (*params, *params),
        )
        ids = [int(row[0]) for row in rows]
        if ids:
            async with self._secure_delete():
                await self._run(f"DELETE FROM form_sessions WHERE id IN ({placeholders(ids)})", ids)
        return [json.loads(row[1]) for row in rows]

    async def delete_finished_sessions(self, before: datetime) -> int:
        """Completed and cancelled form sessions (their answers live on in the cases)."""
        cursor = await self._run(
            "DELETE FROM form_sessions WHERE status IN ('completed', 'cancelled')"
            " AND updated_at < ?",
            (to_db(before),),
        )
        return cursor.rowcount
