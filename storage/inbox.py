"""Inbound updates: stored before the channel is told they arrived, processed once."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.base import Repo
from storage.models import InboxItem, to_db


def _item(row: Any) -> InboxItem:
    return InboxItem(
        id=row["id"],
        channel=row["channel"],
        ext_id=row["ext_id"],
        sender_key=row["sender_key"],
        payload=json.loads(row["payload"]) if row["payload"] else None,
        status=row["status"],
        attempts=row["attempts"],
    )


class InboxRepo(Repo):
    """The inbox table."""

    async def add(
        self,
        *,
        channel: str,
        ext_id: str,
        payload: dict[str, Any],
        sender_key: str | None,
        now: datetime,
    ) -> bool:
        """Store an update unless already stored; False means a redelivery."""
        cursor = await self._run(
            "INSERT OR IGNORE INTO inbox (channel, ext_id, sender_key, payload, received_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (channel, ext_id, sender_key, json.dumps(payload), to_db(now)),
        )
        return cursor.rowcount == 1

    async def pending(self, limit: int = 100) -> list[InboxItem]:
        """Unprocessed updates in arrival order."""
        rows = await self._all(
            "SELECT * FROM inbox WHERE status = 'pending' ORDER BY id LIMIT ?", (limit,)
        )
        return [_item(row) for row in rows]

    async def mark_done(self, item_id: int, *, now: datetime) -> None:
        """Processed: the raw payload (which may hold a NIK) is dropped, the dedup key kept."""
        await self._run(
            "UPDATE inbox SET status = 'done', payload = NULL, processed_at = ?,"
            " attempts = attempts + 1 WHERE id = ?",
            (to_db(now), item_id),
        )

    async def mark_done_many(self, item_ids: list[int], *, now: datetime) -> None:
        """`mark_done` for several rows in one round trip."""
        if item_ids:
            await self.conn.executemany(
                "UPDATE inbox SET status = 'done', payload = NULL, processed_at = ?,"
                " attempts = attempts + 1 WHERE id = ?",
                [(to_db(now), item_id) for item_id in item_ids],
            )

    async def record_failure(self, item_id: int, *, now: datetime, give_up: bool) -> int:
        """Count a failed attempt; after the last one the payload is dropped too."""
        if give_up:
            await self._run(
                "UPDATE inbox SET status = 'failed', payload = NULL, processed_at = ?,"
                " attempts = attempts + 1 WHERE id = ?",
                (to_db(now), item_id),
            )
        else:
            await self._run("UPDATE inbox SET attempts = attempts + 1 WHERE id = ?", (item_id,))
        row = await self._one("SELECT attempts FROM inbox WHERE id = ?", (item_id,))
        return int(row[0])

    async def confirm_below(self, channel: str, ext_id_below: int) -> None:
        """Telegram confirmed everything below an offset: it will not redeliver those."""
        await self._run(
            "UPDATE inbox SET confirmed = 1 WHERE channel = ? AND confirmed = 0"
            " AND CAST(ext_id AS INTEGER) < ?",
            (channel, ext_id_below),
        )

    async def purge_confirmed(self, channel: str) -> int:
        """Forget dedup keys the channel can no longer redeliver (update ids get reused)."""
        cursor = await self._run(
            "DELETE FROM inbox WHERE channel = ? AND confirmed = 1 AND status != 'pending'",
            (channel,),
        )
        return cursor.rowcount

    async def purge_older_than(self, channel: str, before: datetime) -> int:
        """Forget processed dedup keys older than the channel's redelivery window."""
        cursor = await self._run(
            "DELETE FROM inbox WHERE channel = ? AND status != 'pending' AND received_at < ?",
            (channel, to_db(before)),
        )
        return cursor.rowcount

    async def counts(self) -> dict[str, int]:
        """How many rows per status (for tests and health checks)."""
        rows = await self._all("SELECT status, COUNT(*) FROM inbox GROUP BY status")
        return {row[0]: row[1] for row in rows}
