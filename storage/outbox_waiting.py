"""Messages held for a person (`waiting`) and where unsent ones go: released when the
person writes, to their new chat, or by another channel when theirs cannot reach them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.base import Repo
from storage.models import OutboxItem, to_db
from storage.outbox_enqueue import _of_thread
from storage.outbox_queries import _item


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


class OutboxWaiting(Repo):
    """Held messages and their way to the person (part of `OutboxRepo`)."""

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
