"""Append-only audit log of who did what (UU PDP Ps. 31).

Only inserts and reads: the table's triggers refuse UPDATE, DELETE and INSERT OR REPLACE of
an existing row, and this repository offers nothing else.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.base import Repo, placeholders
from storage.models import AuditEntry, from_db, to_db

SYSTEM_ACTOR = 0  # filter value for entries without a person (the server, scheduled jobs)


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=from_db(row["at"]),
        actor_id=row["actor_id"],
        action=row["action"],
        subject=row["subject"],
        detail=json.loads(row["detail"] or "{}"),
    )


def _where(
    since: datetime | None,
    actions: tuple[str, ...],
    actor_id: int | None,
    subject: str | None,
) -> tuple[str, list[Any]]:
    """The WHERE clause of a filter; `actions` are GLOB patterns (`user.role*`)."""
    clauses, params = ["1"], []
    if since is not None:
        clauses.append("at >= ?")
        params.append(to_db(since))
    if actions:
        clauses.append("(" + " OR ".join("action GLOB ?" for _ in actions) + ")")
        params += actions
    if actor_id == SYSTEM_ACTOR:
        clauses.append("actor_id IS NULL")
    elif actor_id is not None:
        clauses.append("actor_id = ?")
        params.append(actor_id)
    if subject is not None:
        clauses.append("subject = ?")
        params.append(subject)
    return " AND ".join(clauses), params


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

    async def has_subject(self, action: str, subject: str) -> bool:
        """Whether an entry of `action` about `subject` was ever recorded."""
        row = await self._one(
            "SELECT 1 FROM audit_log WHERE subject = ? AND action = ? LIMIT 1", (subject, action)
        )
        return row is not None

    async def latest_of(self, subject: str, actions: tuple[str, ...]) -> AuditEntry | None:
        """The entry of `actions` recorded last about `subject`; None when none was (a state
        the log alone keeps: an admin number given up, by whom, then kept after all)."""
        row = await self._one(
            "SELECT * FROM audit_log WHERE subject = ?"
            f" AND action IN ({placeholders(actions)}) ORDER BY id DESC LIMIT 1",
            (subject, *actions),
        )
        return _entry(row) if row else None

    async def times_of(self, *, actor_id: int, action: str, since: datetime) -> list[datetime]:
        """When one person's entries of one action were recorded since a moment, oldest
        first (read through the (actor_id, at) index)."""
        rows = await self._all(
            "SELECT at FROM audit_log WHERE actor_id = ? AND at >= ? AND action = ? ORDER BY at",
            (actor_id, to_db(since), action),
        )
        return [moment for row in rows if (moment := from_db(row[0])) is not None]

    async def entries(self, action: str | None = None) -> list[dict[str, Any]]:
        """Entries, oldest first, optionally of one action."""
        if action is None:
            rows = await self._all("SELECT * FROM audit_log ORDER BY id")
        else:
            rows = await self._all(
                "SELECT * FROM audit_log WHERE action = ? ORDER BY id", (action,)
            )
        return [dict(row) for row in rows]

    async def case_of_number(self, number: str) -> int | None:
        """The id of the case that had this number, by its `case.submitted` entry (for a
        case deleted since: its entries still name it by id)."""
        row = await self._one(
            "SELECT subject FROM audit_log WHERE action = 'case.submitted'"
            " AND json_extract(detail, '$.number') = ? ORDER BY id DESC LIMIT 1",
            (number,),
        )
        kind, _, key = str(row[0] or "").partition(":") if row else ("", "", "")
        return int(key) if kind == "case" and key.isdigit() else None

    async def page(
        self,
        *,
        since: datetime | None = None,
        actions: tuple[str, ...] = (),
        actor_id: int | None = None,
        subject: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> tuple[list[AuditEntry], int]:
        """(one page of the matching entries, newest first; how many match in all)."""
        where, params = _where(since, actions, actor_id, subject)
        total = await self._one(f"SELECT COUNT(*) FROM audit_log WHERE {where}", params)
        rows = await self._all(
            f"SELECT * FROM audit_log WHERE {where} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_entry(row) for row in rows], int(total[0]) if total else 0

    async def actors(
        self, *, since: datetime | None = None, actions: tuple[str, ...] = (), limit: int = 8
    ) -> list[tuple[int | None, int]]:
        """(actor id or None for the system, entries) of the busiest actors in a filter."""
        where, params = _where(since, actions, None, None)
        rows = await self._all(
            f"SELECT actor_id, COUNT(*) FROM audit_log WHERE {where}"
            " GROUP BY actor_id ORDER BY COUNT(*) DESC, actor_id LIMIT ?",
            [*params, limit],
        )
        return [(row[0], int(row[1])) for row in rows]
