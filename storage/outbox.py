"""Outgoing messages, written in the same transaction as the change that causes them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.base import Repo, placeholders
from storage.models import ExpiringMessage, OutboxItem, from_db, to_db


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


_ENQUEUE = (
    "INSERT INTO outbox (user_id, channel, chat_id, kind, priority, message, status,"
    " not_before, expires_at, created_at, delete_after, topic, broadcast_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewMessage:
    """One message to queue: `waiting` holds it until the person starts the bot;
    `delete_after`: seconds after sending at which the channel's copy is deleted; a
    `thread` in `message` (e.g. "training:12") drops the person's older unsent ones of it."""

    user_id: int | None
    channel: str
    chat_id: str | None
    kind: str
    priority: int
    message: dict[str, Any]
    now: datetime
    expires_at: datetime | None = None
    waiting: bool = False
    not_before: datetime | None = None
    delete_after: int | None = None
    topic: str | None = None
    broadcast_id: int | None = None


def _enqueued(new: NewMessage) -> tuple[Any, ...]:
    """The values of `_ENQUEUE` for one message."""
    return (
        new.user_id,
        new.channel,
        new.chat_id,
        new.kind,
        new.priority,
        json.dumps(new.message, ensure_ascii=False),
        "waiting" if new.waiting else "pending",
        to_db(new.not_before or new.now),
        to_db(new.expires_at) if new.expires_at else None,
        to_db(new.now),
        new.delete_after,
        new.topic,
        new.broadcast_id,
    )


# A newer message of a thread (a training's reschedule after its invitation) makes the
# person's older ones of it that are not sent yet stale: they are dropped, whichever channel
# holds them, so what a released hold shows is the current word only. The newest one stays.
# A thread below it ("training:12/reminder": the invitation's reminder) goes with it; its
# own messages drop only their like, never the thread above.
def _of_thread(message: str, thread: str) -> str:
    """SQL: the `message` column's thread is the thread `thread` names, or below it."""
    return (
        f"(json_extract({message}, '$.thread') = {thread} OR substr(json_extract({message},"
        f" '$.thread'), 1, length({thread}) + 1) = {thread} || '/')"
    )


# The thread of a newer message `n` (may_send_again).
_NEWER_THREAD = "json_extract(n.message, '$.thread')"
_SUPERSEDE_OLDER = (
    "UPDATE outbox SET status = 'expired' WHERE user_id = ?1 AND status IN ('pending', 'waiting')"
    f" AND {_of_thread('message', '?2')} AND id < (SELECT MAX(id) FROM outbox"
    " WHERE user_id = ?1 AND status IN ('pending', 'waiting')"
    " AND json_extract(message, '$.thread') = ?2)"
)


def _threads(messages: list[NewMessage]) -> list[tuple[int, str]]:
    """The (person, thread) pairs whose older unsent messages `messages` supersede."""
    pairs = {(new.user_id, new.message.get("thread")) for new in messages}
    return [(user_id, thread) for user_id, thread in pairs if user_id and thread]


@dataclass(frozen=True, slots=True)
class Released:
    """What a person's message released (`OutboxRepo.release_waiting`): how many messages
    go out now, and the threads among them (`Outbound.thread`), so the answer to the message
    need not repeat what one of them says."""

    count: int = 0
    threads: frozenset[str] = frozenset()


# A reply's priority (handlers.delivery.PRIORITY): a message released by the person's own
# message goes out before the answer to it, queued after it in the same transaction; a
# darurat alert among them first of all (a week's summary held since Monday must not come
# above it, it was written before the case).
RELEASED_PRIORITY = 0
RELEASED_ALERT_PRIORITY = RELEASED_PRIORITY - 1

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


class OutboxRepo(Repo):
    """The outbox table."""

    async def enqueue(self, new: NewMessage) -> int:
        """Queue one message (dropping what it supersedes of its thread); returns its id."""
        cursor = await self._run(_ENQUEUE, _enqueued(new))
        item_id = int(cursor.lastrowid)
        await self._supersede_older([new])
        return item_id

    async def enqueue_many(self, messages: list[NewMessage]) -> None:
        """Several `enqueue` (queued in this order) in one round trip."""
        if messages:
            await self.conn.executemany(_ENQUEUE, [_enqueued(new) for new in messages])
            await self._supersede_older(messages)

    async def _supersede_older(self, messages: list[NewMessage]) -> None:
        """Drop the unsent messages the newest of each of their threads supersedes (only
        messages with a thread cost a statement)."""
        threads = _threads(messages)
        if threads:
            await self.conn.executemany(_SUPERSEDE_OLDER, threads)

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

    async def release_waiting(
        self,
        *,
        user_id: int,
        channel: str,
        chat_id: str,
        now: datetime,
        first_thread: str | None = None,
    ) -> Released:
        """The person wrote: what waited for them goes out now. Anything past its expiry
        (a routine message's lifetime, an invitation's RSVP deadline) expires instead, as
        do routine and bulk messages queued before they ever started; those held behind a
        closed WhatsApp window (they had a chat) follow the template's tap, and go before
        the answer to what the person just wrote (a reply's priority, and older): they were
        news before it, and read after it they look stale; a darurat alert first of them.
        A message of `first_thread` (what the answer assumes: the person's account status)
        goes before the answer also when it waited for them to start.
        One statement (every turn runs it): SET expressions all see the row as it was."""
        expires = (
            "((expires_at IS NOT NULL AND expires_at <= ?4)"
            " OR (kind IN ('routine', 'bulk') AND chat_id IS NULL))"
        )
        before_answer = (
            f"NOT ({expires}) AND (chat_id IS NOT NULL"
            " OR COALESCE(json_extract(message, '$.thread') = ?7, 0))"
        )
        rows = await self._all(
            f"UPDATE outbox SET status = CASE WHEN {expires} THEN 'expired' ELSE 'pending' END,"
            f" chat_id = CASE WHEN {expires} THEN chat_id ELSE ?3 END,"
            f" not_before = CASE WHEN {expires} THEN not_before ELSE ?4 END,"
            f" priority = CASE WHEN NOT ({before_answer}) THEN priority"
            " WHEN kind = 'alert' THEN ?6 ELSE ?5 END"
            " WHERE user_id = ?1 AND channel = ?2 AND status = 'waiting'"
            " RETURNING status, json_extract(message, '$.thread') AS thread",
            (
                user_id,
                channel,
                chat_id,
                to_db(now),
                RELEASED_PRIORITY,
                RELEASED_ALERT_PRIORITY,
                first_thread,
            ),
        )
        going = [row for row in rows if row["status"] == "pending"]
        return Released(
            count=len(going), threads=frozenset(row["thread"] for row in going if row["thread"])
        )

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

    async def move_to_channel(
        self, item: OutboxItem, *, channel: str, chat_id: str | None, now: datetime, error: str
    ) -> int:
        """`item`'s channel cannot reach its person: it goes by `channel` instead (held there
        until they start the bot when `chat_id` is None), with the notices and alerts held
        behind that chat's closed window, which waited for the same person. Returns how many
        moved (none when `item` was dropped or has failed meanwhile)."""
        cursor = await self._run(
            "UPDATE outbox SET channel = ?1, chat_id = ?2,"
            " status = CASE WHEN ?2 IS NULL THEN 'waiting' ELSE 'pending' END,"
            " not_before = ?3, last_error = ?4, sent_at = NULL, ext_message_id = NULL,"
            " other_recipient = 0, template = NULL, delivery_status = NULL,"
            " delivery_error = NULL"
            " WHERE user_id = ?5 AND channel = ?6 AND chat_id = ?7"
            " AND kind IN ('notice', 'alert') AND cleared_at IS NULL"
            " AND (status = 'waiting' OR (id = ?8 AND status IN ('pending', 'sent')))",
            (
                channel,
                chat_id,
                to_db(now),
                error[:500],
                item.user_id,
                item.channel,
                item.chat_id,
                item.id,
            ),
        )
        return cursor.rowcount

    async def follow_chat(
        self, *, user_id: int, channel: str, old_chat: str, new_chat: str | None
    ) -> None:
        """The person's chat on `channel` is another now (a new number), or none (their
        number is someone else's): what is not sent yet goes to the new one, or waits until
        they write again; never to the old."""
        await self._run(
            "UPDATE outbox SET chat_id = ?1,"
            " status = CASE WHEN ?1 IS NULL THEN 'waiting' ELSE status END"
            " WHERE user_id = ?2 AND channel = ?3 AND chat_id = ?4"
            " AND status IN ('pending', 'waiting')",
            (new_chat, user_id, channel, old_chat),
        )

    async def drop_thread(self, *, user_id: int, thread: str) -> int:
        """The person's unsent messages of `thread` are no longer true (a notice taken
        back): they expire unsent. Returns how many."""
        cursor = await self.conn.execute(
            "UPDATE outbox SET status = 'expired' WHERE user_id = ?1 AND status IN"
            f" ('pending', 'waiting') AND {_of_thread('message', '?2')}",
            (user_id, thread),
        )
        return cursor.rowcount

    async def unsent_to_chat(self, *, user_id: int, channel: str, chat_id: str) -> list[OutboxItem]:
        """The notices and darurat alerts queued for a person's chat, not sent yet."""
        rows = await self._all(
            "SELECT * FROM outbox WHERE user_id = ? AND channel = ? AND chat_id = ?"
            " AND kind IN ('notice', 'alert') AND status IN ('pending', 'waiting') ORDER BY id",
            (user_id, channel, chat_id),
        )
        return [_item(row) for row in rows]

    async def note_other_recipient(self, item_id: int) -> None:
        """The other recipient field got the message through (after a 131062)."""
        await self._run("UPDATE outbox SET other_recipient = 1 WHERE id = ?", (item_id,))

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

    async def get(self, item_id: int) -> OutboxItem | None:
        """One message by its id."""
        row = await self._one("SELECT * FROM outbox WHERE id = ?", (item_id,))
        return _item(row) if row else None

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

    async def counts(self) -> dict[str, int]:
        """How many rows per status."""
        rows = await self._all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {row[0]: row[1] for row in rows}
