"""The senders' side of the outbox: what is due, and each send's outcome (sent, tried
again later, deferred, held, failed)."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.base import Repo, placeholders
from storage.models import OutboxItem, from_db, to_db
from storage.outbox_queries import _item

# `attempts` counts failed tries only (`retry_later`, `mark_failed`): a message sent, held
# behind a closed window, deferred or flood-limited has used up none of them.
# A send starts its own delivery reports: those of an earlier send of it (a failed report
# that had it sent again) are not this one's.
_MARK_SENT = (
    "UPDATE outbox SET status = 'sent', sent_at = ?, ext_message_id = ?,"
    " delivery_status = NULL, delivery_error = NULL WHERE id = ?"
)
# Not past its expiry (a condition with one parameter: now).
_STILL_OF_USE = "(expires_at IS NULL OR expires_at > ?)"
# A message dropped while it was being sent (its person suspended meanwhile) stays dropped
# whatever the send's outcome asks for.
_NOT_DROPPED = " AND status != 'expired'"


def _not_among(skip_ids: list[int] | None) -> str:
    """The condition leaving out messages `due` and `next_due_at` are told to skip."""
    return f" AND id NOT IN ({placeholders(skip_ids)})" if skip_ids else ""


class OutboxSending(Repo):
    """Sending from the outbox (part of `OutboxRepo`)."""

    async def due(
        self, channel: str, now: datetime, limit: int = 50, skip_ids: list[int] | None = None
    ) -> list[OutboxItem]:
        """Pending messages whose time has come and that are still of use (not past their
        expiry, which the housekeeping marks only once a minute): most urgent first, then in
        order (`skip_ids`: sent already, their status not written yet)."""
        rows = await self._all(
            "SELECT * FROM outbox WHERE status = 'pending' AND channel = ? AND not_before <= ?"
            f" AND {_STILL_OF_USE}{_not_among(skip_ids)} ORDER BY priority, id LIMIT ?",
            (channel, to_db(now), to_db(now), *(skip_ids or ()), limit),
        )
        return [_item(row) for row in rows]

    async def next_due_at(
        self, channel: str, now: datetime, skip_ids: list[int] | None = None
    ) -> datetime | None:
        """When the earliest pending message still of use may go out (as for `due`)."""
        row = await self._one(
            "SELECT MIN(not_before) FROM outbox WHERE status = 'pending' AND channel = ?"
            f" AND {_STILL_OF_USE}{_not_among(skip_ids)}",
            (channel, to_db(now), *(skip_ids or ())),
        )
        return from_db(row[0]) if row and row[0] else None

    async def mark_sent(
        self, item_id: int, *, now: datetime, ext_message_id: str | None = None
    ) -> None:
        """The channel accepted the message (or, for at-most-once kinds, it is about to)."""
        await self._run(
            _MARK_SENT,
            (to_db(now), ext_message_id, item_id),
        )

    async def mark_many_sent_ahead(self, item_ids: list[int], *, now: datetime) -> None:
        """At-most-once messages about to be sent: marked first, in one round trip."""
        await self.mark_sent_many([(item_id, None) for item_id in item_ids], now=now)

    async def mark_sent_many(self, sent: list[tuple[int, str | None]], *, now: datetime) -> None:
        """Several `mark_sent` in one round trip: (outbox id, channel message id) pairs."""
        if sent:
            await self.conn.executemany(
                _MARK_SENT,
                [(to_db(now), ext_id, item_id) for item_id, ext_id in sent],
            )

    async def set_ext_message_ids(self, sent: list[tuple[int, str | None]]) -> None:
        """Remember the channel's ids of messages already marked sent, in one round trip."""
        if sent:
            await self.conn.executemany(
                "UPDATE outbox SET ext_message_id = ? WHERE id = ?",
                [(ext_id, item_id) for item_id, ext_id in sent],
            )

    async def unmark_sent(self, item_ids: list[int]) -> None:
        """Messages marked sent ahead of a send that never happened: pending again."""
        if item_ids:
            await self.conn.executemany(
                "UPDATE outbox SET status = 'pending', sent_at = NULL"
                " WHERE id = ? AND status = 'sent'",
                [(item_id,) for item_id in item_ids],
            )

    async def set_ext_message_id(self, item_id: int, ext_message_id: str | None) -> None:
        """Remember the channel's id of a sent message (to edit or delete it later)."""
        await self._run(
            "UPDATE outbox SET ext_message_id = ? WHERE id = ?", (ext_message_id, item_id)
        )

    async def retry_later(
        self, item_id: int, *, not_before: datetime, error: str, failed_try: bool
    ) -> None:
        """Try again later: after a failed try (network, Meta unwell), which uses up one of
        its attempts, or when the channel said when (a flood limit), which uses up none."""
        await self._run(
            "UPDATE outbox SET status = 'pending', not_before = ?, last_error = ?,"
            f" attempts = attempts + ? WHERE id = ?{_NOT_DROPPED}",
            (to_db(not_before), error[:500], int(failed_try), item_id),
        )

    async def mark_failed(self, item_id: int, *, error: str) -> bool:
        """A permanent failure (a failed try): the message will not be sent. False when it
        was dropped meanwhile (its person suspended while it was being sent): dropped it
        stays, and nobody is to hear it failed."""
        cursor = await self._run(
            "UPDATE outbox SET status = 'failed', last_error = ?, attempts = attempts + 1"
            f" WHERE id = ?{_NOT_DROPPED}",
            (error[:500], item_id),
        )
        return cursor.rowcount > 0

    async def defer(
        self,
        item_id: int,
        *,
        not_before: datetime,
        lifetime: timedelta,
        error: str,
        deadline: datetime | None = None,
    ) -> None:
        """Not now (WhatsApp's messaging limit): pending again from `not_before`; a routine
        or bulk one living at least `lifetime` after it, but never past its own `deadline`
        (`Outbound.expires_at`: a digest of its day); another kind's expiry is a deadline
        (an invitation's RSVP deadline), never moved. Not counted as a failed attempt."""
        longer = not_before + lifetime
        await self._run(
            "UPDATE outbox SET status = 'pending', sent_at = NULL, not_before = ?,"
            " last_error = ?, expires_at = CASE WHEN expires_at IS NULL"
            " OR kind NOT IN ('routine', 'bulk') THEN expires_at"
            f" ELSE MIN(MAX(expires_at, ?), ?) END WHERE id = ?{_NOT_DROPPED}",
            (
                to_db(not_before),
                error[:500],
                to_db(longer),
                to_db(min(longer, deadline) if deadline else longer),
                item_id,
            ),
        )

    async def resend_other_recipient(self, item_id: int, *, now: datetime, error: str) -> None:
        """Send again, with the other recipient field (WhatsApp 131062)."""
        await self._run(
            "UPDATE outbox SET status = 'pending', other_recipient = 1, not_before = ?,"
            f" last_error = ? WHERE id = ?{_NOT_DROPPED}",
            (to_db(now), error[:500], item_id),
        )

    async def hold(self, item_id: int, *, error: str) -> bool:
        """Keep a message until the person writes again (e.g. WhatsApp's closed window).
        False when it was dropped meanwhile (its person suspended while it was sent)."""
        cursor = await self._run(
            f"UPDATE outbox SET status = 'waiting', last_error = ? WHERE id = ?{_NOT_DROPPED}",
            (error[:500], item_id),
        )
        return cursor.rowcount > 0

    async def record_template(self, item_id: int, template: str) -> None:
        """Which template announced this message."""
        await self._run("UPDATE outbox SET template = ? WHERE id = ?", (template, item_id))
