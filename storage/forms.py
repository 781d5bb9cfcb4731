"""Form definitions by version and the form sessions (drafts) of users."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.base import Repo, placeholders
from storage.models import FormSession, from_db, to_db

# A correction (a case report's session with `context.revising`) its case still waits for: the
# case (`c`) sent back to the session's person at the version the correction began from
# (handlers/correction_sessions.py). The one test of it, used as `EXISTS (... cases c WHERE)`
# beside `form_sessions` (unaliased).
AWAITED_CORRECTION = (
    "form_sessions.form_id = 'case_report'"
    " AND c.id = json_extract(form_sessions.state, '$.context.revising')"
    " AND c.reporter_id = form_sessions.user_id AND c.state = 'needs_revision'"
    " AND c.version = json_extract(form_sessions.state, '$.context.version')"
)
# The state's key for a choice asked beside the form's question ("cancel this form?"): until it
# is answered or the form goes on, typed words answer it (handlers/forms/runner.py `hold`).
HELD = "held"


def _session(row: Any) -> FormSession:
    return FormSession(
        id=row["id"],
        user_id=row["user_id"],
        form_id=row["form_id"],
        form_version=row["form_version"],
        state=json.loads(row["state"]),
        rev=row["rev"],
        status=row["status"],
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
    )


class FormRepo(Repo):
    """form_versions and form_sessions."""

    async def save_definition(self, form_id: str, version: int, definition: dict) -> None:
        """Keep a form version (first one wins: a published version never changes)."""
        await self._run(
            "INSERT OR IGNORE INTO form_versions (form_id, version, definition) VALUES (?, ?, ?)",
            (form_id, version, json.dumps(definition, ensure_ascii=False, sort_keys=True)),
        )

    async def definition(self, form_id: str, version: int) -> dict | None:
        """A stored form version."""
        row = await self._one(
            "SELECT definition FROM form_versions WHERE form_id = ? AND version = ?",
            (form_id, version),
        )
        return json.loads(row[0]) if row else None

    async def start(
        self, *, user_id: int, form_id: str, form_version: int, state: dict, now: datetime
    ) -> FormSession:
        """Open a session as the user's active one (pausing any other)."""
        await self._run(
            "UPDATE form_sessions SET status = 'paused', updated_at = ?"
            " WHERE user_id = ? AND status = 'active'",
            (to_db(now), user_id),
        )
        row = await self._one(
            "INSERT INTO form_sessions (user_id, form_id, form_version, state, rev, status,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, 1, 'active', ?, ?) RETURNING *",
            (user_id, form_id, form_version, json.dumps(state), to_db(now), to_db(now)),
        )
        return _session(row)

    async def get(self, session_id: int) -> FormSession | None:
        """One session by id."""
        row = await self._one("SELECT * FROM form_sessions WHERE id = ?", (session_id,))
        return _session(row) if row else None

    async def active(self, user_id: int) -> FormSession | None:
        """The session the user is answering now, if any."""
        row = await self._one(
            "SELECT * FROM form_sessions WHERE user_id = ? AND status = 'active'", (user_id,)
        )
        return _session(row) if row else None

    async def save(
        self, session_id: int, *, state: dict, status: str, now: datetime
    ) -> FormSession:
        """Store a step: new state, next revision (old buttons become stale)."""
        row = await self._one(
            "UPDATE form_sessions SET state = ?, status = ?, rev = rev + 1, updated_at = ?"
            " WHERE id = ? RETURNING *",
            (json.dumps(state), status, to_db(now), session_id),
        )
        assert row is not None
        return _session(row)

    async def latest_finished(self, user_id: int, since: datetime) -> FormSession | None:
        """The user's session completed last, if it was at or after `since`."""
        row = await self._one(
            "SELECT * FROM form_sessions WHERE user_id = ? AND status = 'completed'"
            " AND updated_at >= ? ORDER BY updated_at DESC, id DESC LIMIT 1",
            (user_id, to_db(since)),
        )
        return _session(row) if row else None

    async def note(self, session_id: int, *, state: dict, now: datetime) -> None:
        """Store state beside the step (a choice asked outside the questions): same revision,
        so the question's buttons stay valid."""
        await self._run(
            "UPDATE form_sessions SET state = ?, updated_at = ? WHERE id = ?",
            (json.dumps(state), to_db(now), session_id),
        )

    async def activate(self, session_id: int, *, now: datetime) -> FormSession:
        """Make a paused session (a draft) the user's active one, pausing any other."""
        session = await self.get(session_id)
        assert session is not None
        await self._run(
            "UPDATE form_sessions SET status = 'paused', updated_at = ?"
            " WHERE user_id = ? AND status = 'active' AND id != ?",
            (to_db(now), session.user_id, session_id),
        )
        row = await self._one(
            "UPDATE form_sessions SET status = 'active' WHERE id = ? RETURNING *", (session_id,)
        )
        return _session(row)

    async def stale(self, form_id: str, before: datetime) -> list[FormSession]:
        """Unfinished sessions of a form untouched since `before` (for the draft TTL; every
        minute: `form_sessions_drafts`, migration 0019), but for the corrections their cases
        still wait for: those never end, and are left out here rather than read (state and
        all) and their cases looked up one by one every minute."""
        rows = await self._all(
            "SELECT * FROM form_sessions WHERE form_id = ? AND status IN ('active', 'paused')"
            " AND updated_at < ?"
            f" AND NOT EXISTS (SELECT 1 FROM cases c WHERE {AWAITED_CORRECTION}) ORDER BY id",
            (form_id, to_db(before)),
        )
        return [_session(row) for row in rows]

    async def stale_except(
        self, form_ids: tuple[str, ...], before: datetime, limit: int
    ) -> list[FormSession]:
        """Unfinished sessions of every other form untouched since `before`, oldest first
        (the side flows' end: a scan of the few unfinished sessions, `form_sessions_drafts`)."""
        rows = await self._all(
            "SELECT * FROM form_sessions INDEXED BY form_sessions_drafts"
            f" WHERE status IN ('active', 'paused') AND form_id NOT IN ({placeholders(form_ids)})"
            " AND updated_at < ? ORDER BY updated_at, id LIMIT ?",
            (*form_ids, to_db(before), limit),
        )
        return [_session(row) for row in rows]

    async def expire(self, session_id: int, *, now: datetime) -> None:
        """End an unfinished session left idle too long: cancelled, its answers blanked at
        once (nothing uses a cancelled form's answers; no need to wait for the transcript
        period)."""
        await self._run(
            "UPDATE form_sessions SET status = 'cancelled', state = '{}', cleared_at = ?,"
            " rev = rev + 1, updated_at = ? WHERE id = ?",
            (to_db(now), to_db(now), session_id),
        )

    async def of_user(self, user_id: int, statuses: tuple[str, ...]) -> list[FormSession]:
        """A user's sessions in the given statuses, newest first."""
        marks = placeholders(statuses)
        rows = await self._all(
            f"SELECT * FROM form_sessions WHERE user_id = ? AND status IN ({marks})"
            " ORDER BY updated_at DESC",
            (user_id, *statuses),
        )
        return [_session(row) for row in rows]

    async def clear_finished(self, *, before: datetime, now: datetime, limit: int = 500) -> int:
        """Blank the answers of sessions completed or cancelled before `before`: a finished
        form's answers live on in what it made (the case, the broadcast), nowhere else."""
        cursor = await self._run(
            # Every minute: the index of the uncleared, in its order (by id the planner reads
            # every session to spare a sort).
            "UPDATE form_sessions SET state = '{}', cleared_at = ? WHERE id IN (SELECT id"
            " FROM form_sessions INDEXED BY form_sessions_to_clear WHERE cleared_at IS NULL"
            " AND status IN ('completed', 'cancelled') AND updated_at < ?"
            " ORDER BY updated_at, id LIMIT ?)",
            (to_db(now), to_db(before), limit),
        )
        return cursor.rowcount
