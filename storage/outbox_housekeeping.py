"""The outbox's housekeeping: messages expired, copies in the chat deleted when due,
the texts of settled messages blanked."""

from __future__ import annotations

from datetime import datetime

from storage.base import Repo, placeholders
from storage.models import ExpiringMessage, to_db


class OutboxHousekeeping(Repo):
    """The outbox's housekeeping (part of `OutboxRepo`)."""

    async def expire_transient(self) -> int:
        """Callback answers and edits are never replayed after a restart."""
        cursor = await self._run(
            "UPDATE outbox SET status = 'expired' WHERE kind = 'transient' AND status = 'pending'"
        )
        return cursor.rowcount

    async def expire_due(self, now: datetime) -> int:
        """Messages past their expiry (routine ones nobody could receive in time, an
        invitation past its RSVP deadline)."""
        cursor = await self._run(
            "UPDATE outbox SET status = 'expired' WHERE status IN ('pending', 'waiting')"
            " AND expires_at IS NOT NULL AND expires_at < ?",
            (to_db(now),),
        )
        return cursor.rowcount

    async def due_deletions(self, now: datetime, limit: int = 100) -> list[ExpiringMessage]:
        """Messages whose copy in the chat should be deleted by now (`delete_after` passed
        since sending), and ones that will never be sent (nothing to delete)."""
        # Every minute: named, or the planner (no statistics) reads every sent message by
        # `outbox_due` (status) to find the few exports in `outbox_to_delete`.
        rows = await self._all(
            "SELECT id, user_id, channel, chat_id, ext_message_id, status"
            " FROM outbox INDEXED BY outbox_to_delete"
            " WHERE delete_after IS NOT NULL AND ((status = 'sent'"
            " AND julianday(sent_at) + delete_after / 86400.0 <= julianday(?))"
            " OR status IN ('failed', 'expired')) ORDER BY id LIMIT ?",
            (to_db(now), limit),
        )
        return [
            ExpiringMessage(
                outbox_id=row["id"],
                user_id=row["user_id"],
                channel=row["channel"],
                chat_id=row["chat_id"],
                ext_message_id=row["ext_message_id"],
                sent=row["status"] == "sent",
            )
            for row in rows
        ]

    async def deletion_queued(self, item_id: int) -> None:
        """The deletion of a message's copy is queued (or not needed): never again."""
        await self._run("UPDATE outbox SET delete_after = NULL WHERE id = ?", (item_id,))

    async def clear_settled_texts(
        self,
        *,
        before: datetime,
        now: datetime,
        reporting_channels: tuple[str, ...] = (),
        reports_until: datetime | None = None,
        limit: int = 500,
    ) -> int:
        """Blank the text of messages settled before `before` (sent, failed or expired);
        the row, its status and delivery record stay. On `reporting_channels` (a status
        webhook may still ask to send it again) a sent message waits for its final status
        (delivered, read, failed) or until `reports_until`. Returns how many."""
        marks = placeholders(reporting_channels) or "''"
        cursor = await self._run(
            "UPDATE outbox SET cleared_at = ?, message = json_object('type',"
            " COALESCE(json_extract(message, '$.type'), 'text'), 'cleared', json('true'))"
            # Every minute: the index of the uncleared (named, or the planner reads every
            # sent message by status), in its order, so the batch stops at `limit`.
            " WHERE id IN (SELECT id FROM outbox INDEXED BY outbox_to_clear"
            " WHERE cleared_at IS NULL AND status IN ('sent', 'failed', 'expired')"
            " AND created_at < ?"
            " AND COALESCE(sent_at, created_at) < ?"
            f" AND (channel NOT IN ({marks}) OR ext_message_id IS NULL"
            " OR delivery_status IN ('delivered', 'read', 'failed')"
            " OR COALESCE(sent_at, created_at) < ?) ORDER BY created_at, id LIMIT ?)",
            (
                to_db(now),
                to_db(before),
                to_db(before),
                *reporting_channels,
                to_db(reports_until or before),
                limit,
            ),
        )
        return cursor.rowcount
