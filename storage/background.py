"""Heavy work handed off by a turn and not answered yet (migration 0017)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.base import Repo
from storage.models import from_db, to_db


@dataclass(frozen=True)
class BackgroundRequest:
    id: int
    user_id: int | None
    channel: str
    chat_id: str
    language: str
    created_at: datetime


class BackgroundRequestRepo(Repo):
    """background_requests: written with the turn, removed with the answer."""

    async def add(
        self, *, user_id: int | None, channel: str, chat_id: str, language: str, now: datetime
    ) -> int:
        row = await self._one(
            "INSERT INTO background_requests (user_id, channel, chat_id, language, created_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (user_id, channel, chat_id, language, to_db(now)),
        )
        return int(row[0])

    async def answered(self, request_id: int) -> None:
        await self._run("DELETE FROM background_requests WHERE id = ?", (request_id,))

    async def take_all(self) -> list[BackgroundRequest]:
        """Every request still open, removed (at start: none of them is running)."""
        rows = await self._all("DELETE FROM background_requests RETURNING *")
        requests = [
            BackgroundRequest(
                id=row["id"],
                user_id=row["user_id"],
                channel=row["channel"],
                chat_id=row["chat_id"],
                language=row["language"],
                created_at=from_db(row["created_at"]),
            )
            for row in rows
        ]
        return sorted(requests, key=lambda request: request.id)
