"""What a channel reports after a send (WhatsApp's status webhooks): the message it is
about, its delivery status, and whether a message refused later may be sent again."""

from __future__ import annotations

from datetime import datetime

from storage.base import Repo
from storage.models import OutboxItem, to_db
from storage.outbox_enqueue import _of_thread
from storage.outbox_queries import _item

# The thread of a newer message `n` (may_send_again).
_NEWER_THREAD = "json_extract(n.message, '$.thread')"


class OutboxStatuses(Repo):
    """Delivery reports on outbox messages (part of `OutboxRepo`)."""

    async def by_ext_message_id(self, channel: str, ext_message_id: str) -> OutboxItem | None:
        """The message the channel knows by this id, or by the id of one of its parts (a
        message sent in several: storage/outbox_parts.py)."""
        row = await self._one(
            "SELECT * FROM outbox WHERE channel = ? AND ext_message_id = ?",
            (channel, ext_message_id),
        ) or await self._one(
            "SELECT o.* FROM outbox_parts p JOIN outbox o ON o.id = p.outbox_id"
            " WHERE p.channel = ? AND p.ext_message_id = ? LIMIT 1",
            (channel, ext_message_id),
        )
        return _item(row) if row else None

    async def record_delivery(
        self, item_id: int, status: str, error: int | None, *, ext_message_id: str | None = None
    ) -> bool:
        """A status report on `ext_message_id`, the message's or one of its parts' (None: on
        the message itself): statuses only move forward (sent < delivered < read < failed).
        A message is sent, delivered or read when its last part is (the one whose id it
        keeps once sent whole): a report on an earlier part moves nothing, or its text could
        be cleared, or it be "read", before its end with the buttons arrived; a failed part
        fails it. Whether it moved: a report that did not (Meta's webhooks come at least
        once) was acted on already."""
        order = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
        row = await self._one(
            "SELECT delivery_status, ext_message_id FROM outbox WHERE id = ?", (item_id,)
        )
        if row is None:
            return False
        if status != "failed" and ext_message_id not in (None, row[1]):
            return False  # an earlier part's
        if order.get(status, 0) <= order.get(row[0], 0):
            return False
        await self._run(
            "UPDATE outbox SET delivery_status = ?, delivery_error = ? WHERE id = ?",
            (status, error, item_id),
        )
        return True

    async def may_send_again(self, item_id: int, *, now: datetime) -> bool:
        """Whether a message the channel accepted and refused later (a status webhook) may
        be sent again: not when its person was suspended after it was queued (what
        suspension dropped unsent must not come back this way; the suspension notice,
        queued after, may), nor once it is past its expiry or a newer message of its thread
        followed it (a reschedule after the invitation: stale). The moment of suspension is
        its audit row's (else the person's last change)."""
        row = await self._one(
            "SELECT 1 FROM outbox o LEFT JOIN users u ON u.id = o.user_id WHERE o.id = ?1"
            " AND (u.id IS NULL OR u.status != 'suspended' OR o.created_at >= COALESCE("
            " (SELECT MAX(a.at) FROM audit_log a WHERE a.subject = 'user:' || u.id"
            " AND a.action = 'person.suspended'), u.updated_at))"
            " AND (o.expires_at IS NULL OR o.expires_at > ?2)"
            " AND NOT EXISTS (SELECT 1 FROM outbox n WHERE n.user_id = o.user_id"
            " AND n.id > o.id AND json_extract(n.message, '$.thread') IS NOT NULL"
            f" AND {_of_thread('o.message', _NEWER_THREAD)})",
            (item_id, to_db(now)),
        )
        return row is not None

    async def note_other_recipient(self, item_id: int) -> None:
        """The other recipient field got the message through (after a 131062)."""
        await self._run("UPDATE outbox SET other_recipient = 1 WHERE id = ?", (item_id,))
