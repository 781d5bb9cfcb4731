"""Reading the outbox: a message as a model, one by its id, a person's, how many per
status, and who a training's messages reached (the pages that show them)."""

from __future__ import annotations

import json
from typing import Any

from storage.base import Repo, placeholders
from storage.models import OutboxItem, from_db

# The text messages' condition is the partial index `outbox_last_text`'s (migration 0032),
# word for word: so the last one is read from the index, not every message the person had.
LAST_TEXT_TO_CHAT = (
    "SELECT * FROM outbox WHERE user_id = ? AND channel = ? AND chat_id = ?"
    " AND COALESCE(json_extract(message, '$.type'), 'text') = 'text'"
    " ORDER BY id DESC LIMIT 1"
)


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        user_id=row["user_id"],
        channel=row["channel"],
        chat_id=row["chat_id"],
        kind=row["kind"],
        priority=row["priority"],
        message=json.loads(row["message"]),
        status=row["status"],
        attempts=row["attempts"],
        not_before=from_db(row["not_before"]),
        expires_at=from_db(row["expires_at"]),
        topic=row["topic"],
        other_recipient=bool(row["other_recipient"]),
        sent_at=from_db(row["sent_at"]),
    )


class OutboxQueries(Repo):
    """The outbox's reads (part of `OutboxRepo`)."""

    async def get(self, item_id: int) -> OutboxItem | None:
        """One message by its id."""
        row = await self._one("SELECT * FROM outbox WHERE id = ?", (item_id,))
        return _item(row) if row else None

    async def thread_statuses(self, thread: str, user_ids: list[int]) -> dict[int, set[str]]:
        """Per person, the statuses of their messages of exactly `thread` ("training:12": a
        training's invitation and its notices), in one read: whether one is still unsent
        ('pending': queued or deferred; 'waiting': held for them), one reached them ('sent')
        or none did ('failed', 'expired', and 'undelivered': the channel accepted it and
        reported later that it failed). People without any are left out."""
        if not user_ids:
            return {}
        # A send Meta refused later that nothing sent again stays 'sent': it reached nobody.
        rows = await self._all(
            "SELECT DISTINCT user_id, CASE WHEN status = 'sent' AND delivery_status = 'failed'"
            " THEN 'undelivered' ELSE status END AS status FROM outbox WHERE"
            f" json_extract(message, '$.thread') = ? AND user_id IN ({placeholders(user_ids)})",
            (thread, *user_ids),
        )
        statuses: dict[int, set[str]] = {}
        for row in rows:
            statuses.setdefault(row["user_id"], set()).add(row["status"])
        return statuses

    async def for_user(self, user_id: int) -> list[OutboxItem]:
        """Everything queued for a user, oldest first (for tests and support)."""
        rows = await self._all("SELECT * FROM outbox WHERE user_id = ? ORDER BY id", (user_id,))
        return [_item(row) for row in rows]

    async def last_text_to_chat(
        self, *, user_id: int, channel: str, chat_id: str
    ) -> OutboxItem | None:
        """The last text message queued for the person in this chat (not a command menu,
        an edit or a callback's answer): what they see last, its buttons with it."""
        row = await self._one(LAST_TEXT_TO_CHAT, (user_id, channel, chat_id))
        return _item(row) if row else None

    async def counts(self) -> dict[str, int]:
        """How many rows per status."""
        rows = await self._all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {row[0]: row[1] for row in rows}
