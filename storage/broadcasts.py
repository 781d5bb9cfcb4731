"""Broadcasts (/siaran): who gets them, and what became of each message."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.base import Repo
from storage.models import Role, User, from_db, to_db
from storage.users import UserRepo

BROADCAST_ROLES = (Role.PSM, Role.TKSK)


class BroadcastRepo(Repo):
    """broadcasts and their outbox rows."""

    async def audience(
        self, *, kabupaten_code: str | None, role: str | None, kecamatan_code: str | None
    ) -> list[User]:
        """Active people a broadcast would reach: PSM and TKSK, or those of one `role`."""
        roles = [one for one in BROADCAST_ROLES if role in (None, one)]
        return await UserRepo(self.conn).active_with_roles(
            roles, kabupaten_code=kabupaten_code, kecamatan_code=kecamatan_code
        )

    async def create(
        self,
        *,
        sender_id: int,
        kabupaten_code: str | None,
        audience: dict[str, Any],
        text: str,
        recipients: int,
        now: datetime,
    ) -> int:
        cursor = await self._run(
            "INSERT INTO broadcasts (sender_id, kabupaten_code, audience, text, recipients,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (sender_id, kabupaten_code, json.dumps(audience), text, recipients, to_db(now)),
        )
        return int(cursor.lastrowid)

    async def finished_unreported(self) -> list[tuple[int, int]]:
        """(broadcast id, sender id) of broadcasts whose every message is settled."""
        rows = await self._all(
            "SELECT b.id, b.sender_id FROM broadcasts b WHERE b.reported_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.broadcast_id = b.id"
            " AND o.status IN ('pending', 'waiting'))"
        )
        return [(r[0], r[1]) for r in rows]

    async def report(self, broadcast_id: int) -> dict[str, int]:
        """How its messages ended: sent, failed, unreachable (blocked), expired."""
        rows = await self._all(
            "SELECT CASE WHEN o.status = 'failed' AND o.last_error LIKE '%unreachable%'"
            " THEN 'unreachable' WHEN o.status = 'failed' AND (o.last_error LIKE '%blocked%'"
            " OR o.last_error LIKE '%Forbidden%') THEN 'blocked' ELSE o.status END, COUNT(*)"
            " FROM outbox o WHERE o.broadcast_id = ? GROUP BY 1",
            (broadcast_id,),
        )
        return {row[0]: row[1] for row in rows}

    async def sent_text(self, broadcast_id: int) -> tuple[str, datetime] | None:
        """A broadcast's text and when it was sent, or None if there is no such broadcast."""
        row = await self._one(
            "SELECT text, created_at FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        created = from_db(row[1]) if row else None
        return (row[0], created) if row and created else None

    async def not_reached(self, broadcast_id: int) -> list[str]:
        """The names of the people a broadcast's message did not reach, by name."""
        rows = await self._all(
            "SELECT u.full_name FROM outbox o JOIN users u ON u.id = o.user_id"
            " WHERE o.broadcast_id = ? AND o.status != 'sent' ORDER BY u.full_name, u.id",
            (broadcast_id,),
        )
        return [row[0] for row in rows]

    async def mark_reported(self, broadcast_id: int, now: datetime) -> None:
        await self._run(
            "UPDATE broadcasts SET reported_at = ? WHERE id = ?", (to_db(now), broadcast_id)
        )
