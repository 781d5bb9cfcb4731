"""Status reports (WhatsApp) that came before the id of their message was written: kept
until it is (`take`, by the ids just written), dropped when it never is (`forget_before`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from storage.base import Repo
from storage.models import to_db


@dataclass(frozen=True)
class StatusReport:
    """One status of a message the channel knows by `wamid`; `code`: the first error's."""

    wamid: str
    state: str  # sent, delivered, read, failed
    code: int | None = None


class EarlyStatusRepo(Repo):
    """early_statuses."""

    async def keep(self, report: StatusReport, *, now: datetime) -> None:
        """Keep a report until its message's id is written (the same report twice: once)."""
        await self._run(
            "INSERT OR IGNORE INTO early_statuses (ext_message_id, status, error_code,"
            " received_at) VALUES (?, ?, ?, ?)",
            (report.wamid, report.state, report.code, to_db(now)),
        )

    async def take(self, ext_message_ids: list[str]) -> list[StatusReport]:
        """The reports kept for these ids (just written), removed: one query for a whole
        batch of sends, which finds nothing almost always."""
        if not ext_message_ids:
            return []
        rows = await self._all(
            "DELETE FROM early_statuses WHERE ext_message_id IN"
            " (SELECT value FROM json_each(?)) RETURNING ext_message_id, status, error_code,"
            " received_at",
            (json.dumps(ext_message_ids),),
        )
        # In the order they came (a failure after its "sent"), as the webhook would have.
        rows = sorted(rows, key=lambda row: row[3])
        return [StatusReport(row[0], row[1], row[2]) for row in rows]

    async def forget_before(self, moment: datetime) -> int:
        """Drop reports kept since before `moment`: their ids never came (another app
        sending from the number, a message whose send was lost)."""
        cursor = await self._run(
            "DELETE FROM early_statuses WHERE received_at < ?", (to_db(moment),)
        )
        return cursor.rowcount
