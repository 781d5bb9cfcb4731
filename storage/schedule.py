"""Keys of scheduled work already done, and small per-channel cursors."""

from __future__ import annotations

import json
from datetime import datetime

from storage.base import Repo
from storage.models import from_db, to_db


class ScheduleRepo(Repo):
    """scheduled_runs and channel_state."""

    async def claim(self, kind: str, run_key: str, *, now: datetime) -> bool:
        """Record that (kind, key) runs now; False when it already ran (at most once)."""
        cursor = await self._run(
            "INSERT OR IGNORE INTO scheduled_runs (kind, run_key, ran_at) VALUES (?, ?, ?)",
            (kind, run_key, to_db(now)),
        )
        return cursor.rowcount == 1

    async def ran_at(self, kind: str, run_key: str) -> datetime | None:
        """When (kind, key) ran, if it did."""
        row = await self._one(
            "SELECT ran_at FROM scheduled_runs WHERE kind = ? AND run_key = ?", (kind, run_key)
        )
        return from_db(row[0]) if row else None

    async def ran_at_many(self, kind: str, run_keys: list[str]) -> dict[str, datetime]:
        """`ran_at` for many keys of a kind in one query: the keys that ran, and when."""
        rows = await self._all(
            "SELECT run_key, ran_at FROM scheduled_runs WHERE kind = ?"
            " AND run_key IN (SELECT value FROM json_each(?))",
            (kind, json.dumps(run_keys)),
        )
        return {row[0]: from_db(row[1]) for row in rows}

    async def forget(self, kind: str, ran_before: datetime, limit: int) -> int:
        """Delete up to `limit` keys of a kind claimed before `ran_before`, the oldest first
        (led by `scheduled_runs_age`: the keys kept are not read); returns how many."""
        cursor = await self._run(
            "DELETE FROM scheduled_runs WHERE rowid IN (SELECT rowid FROM scheduled_runs"
            " INDEXED BY scheduled_runs_age WHERE kind = ? AND ran_at < ?"
            " ORDER BY ran_at LIMIT ?)",
            (kind, to_db(ran_before), limit),
        )
        return cursor.rowcount

    async def get_state(self, channel: str, key: str) -> str | None:
        """A stored cursor value."""
        row = await self._one(
            "SELECT value FROM channel_state WHERE channel = ? AND key = ?", (channel, key)
        )
        return row[0] if row else None

    async def set_state(self, channel: str, key: str, value: str) -> None:
        """Store a cursor value."""
        await self._run(
            "INSERT INTO channel_state (channel, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (channel, key) DO UPDATE SET value = excluded.value",
            (channel, key, value),
        )

    async def drop_state(self, channel: str, key: str) -> None:
        """Forget a stored value (nothing when there is none)."""
        await self._run("DELETE FROM channel_state WHERE channel = ? AND key = ?", (channel, key))
