"""What a reporter reads of their own work: their cases a page at a time (those sent back to
them first), why each was last sent back, and the work they handed over to another PSM."""

from __future__ import annotations

import json
from collections.abc import Collection

from storage.base import Repo, placeholders
from storage.cases import CaseRepo
from storage.models import CaseState, CaseSummary, Handover, SendBackNote, from_db


class ReporterCaseRepo(Repo):
    """Reads for /laporan_saya and the reporter's own case page."""

    async def page(
        self, reporter_id: int, *, limit: int, offset: int
    ) -> tuple[list[CaseSummary], int]:
        """(one page of the cases this person is the reporter of: those waiting for their
        correction first, then the latest; how many they have in all)."""
        total = await self._one("SELECT COUNT(*) FROM cases WHERE reporter_id = ?", (reporter_id,))
        cases = await CaseRepo(self.conn).summaries(
            "c.reporter_id = ?",
            (reporter_id,),
            limit,
            offset=offset,
            first=f"c.state = '{CaseState.NEEDS_REVISION.value}'",
        )
        return cases, int(total[0]) if total else 0

    async def send_back_notes(
        self, case_ids: Collection[int], state: CaseState = CaseState.NEEDS_REVISION
    ) -> dict[int, SendBackNote]:
        """The latest step of each of these cases into `state` (a send-back, or a rejection;
        those never in it are missing): the reviewer's role and note, read from the case's
        history."""
        if not case_ids:
            return {}
        rows = await self._all(
            "SELECT e.case_id, e.at, u.role, e.reason FROM case_events e"
            " LEFT JOIN users u ON u.id = e.actor_id"
            " WHERE e.id IN (SELECT MAX(id) FROM case_events WHERE to_state = ?"
            f" AND case_id IN ({placeholders(case_ids)}) GROUP BY case_id)",
            (state, *case_ids),
        )
        return {
            int(row[0]): SendBackNote(
                case_id=row[0], at=from_db(row[1]), actor_role=row[2], reason=row[3]
            )
            for row in rows
        }

    async def handovers_from(self, user_id: int, limit: int = 3) -> list[Handover]:
        """The latest handovers of this person's work to another PSM, newest first (the
        audit's `person.handover` entries, found through its subject index)."""
        rows = await self._all(
            "SELECT a.at, a.detail, u.id, u.full_name FROM audit_log a"
            " LEFT JOIN users u ON u.id = json_extract(a.detail, '$.to')"
            " WHERE a.subject = ? AND a.action = 'person.handover'"
            " ORDER BY a.at DESC, a.id DESC LIMIT ?",
            (f"user:{user_id}", limit),
        )
        handovers = []
        for row in rows:
            detail = json.loads(row[1] or "{}")
            handovers.append(
                Handover(
                    at=from_db(row[0]),
                    receiver_id=row[2],
                    receiver_name=row[3],
                    cases=len(detail.get("cases") or []),
                    drafts=len(detail.get("drafts") or []),
                )
            )
        return handovers
