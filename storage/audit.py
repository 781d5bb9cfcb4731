"""Append-only audit log of who did what (UU PDP Ps. 31)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.base import Repo
from storage.models import to_db


class AuditRepo(Repo):
    """audit_log: insert and read only (triggers refuse updates and deletes)."""

    async def record(
        self,
        *,
        now: datetime,
        actor_id: int | None,
        action: str,
        subject: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one entry."""
        await self._run(
            "INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (to_db(now), actor_id, action, subject, json.dumps(detail or {}, ensure_ascii=False)),
        )

    async def entries(self, action: str | None = None) -> list[dict[str, Any]]:
        """Entries, oldest first, optionally of one action."""
        if action is None:
            rows = await self._all("SELECT * FROM audit_log ORDER BY id")
        else:
            rows = await self._all(
                "SELECT * FROM audit_log WHERE action = ? ORDER BY id", (action,)
            )
        return [dict(row) for row in rows]
