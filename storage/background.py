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
    # The form whose question follows the answer, at the revision it must still be at
    # (`FormResume`, migration 0030); None when none does.
    resume_session: int | None = None
    resume_rev: int | None = None


class BackgroundRequestRepo(Repo):
    """background_requests: written with the turn, removed with the answer."""

    async def add(
        self,
        *,
        user_id: int | None,
        channel: str,
        chat_id: str,
        language: str,
        now: datetime,
        resume_session: int | None = None,
        resume_rev: int | None = None,
    ) -> int:
        """Write a request down; `resume_*`: the form whose question follows its answer."""
        row = await self._one(
            "INSERT INTO background_requests (user_id, channel, chat_id, language, created_at,"
            " resume_session, resume_rev) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (user_id, channel, chat_id, language, to_db(now), resume_session, resume_rev),
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
                resume_session=row["resume_session"],
                resume_rev=row["resume_rev"],
            )
            for row in rows
        ]
        return sorted(requests, key=lambda request: request.id)
